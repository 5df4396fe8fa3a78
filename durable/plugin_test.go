package durable_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// hookRecorder is a plugin that records every notification hook as a line,
// grouped by invocation (a group starts at OnInvocationStart; operation
// ends and changes, dispatched on the invocation's hook goroutine, land in
// it before its OnInvocationEnd).
type hookRecorder struct {
	mu     sync.Mutex
	groups [][]string
}

func (h *hookRecorder) add(line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.HasPrefix(line, "invocation-start") {
		h.groups = append(h.groups, nil)
	}
	if len(h.groups) == 0 {
		h.groups = append(h.groups, nil)
	}
	h.groups[len(h.groups)-1] = append(h.groups[len(h.groups)-1], line)
}

// sorted returns the groups, each sorted: within an invocation, the hooks
// of different goroutines interleave freely.
func (h *hookRecorder) sorted() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([][]string, len(h.groups))
	for i, g := range h.groups {
		out[i] = slices.Sorted(slices.Values(g))
	}
	return out
}

func nested(parentID string) string {
	if parentID == "" {
		return "top"
	}
	return "nested"
}

func (h *hookRecorder) plugin() durable.Plugin {
	return durable.Plugin{
		OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
			h.add(fmt.Sprintf("invocation-start first=%v updated=%d", i.IsFirstInvocation, len(i.UpdatedOperations)))
		},
		OnInvocationEnd: func(_ context.Context, i durable.InvocationEndHookInfo) {
			h.add(fmt.Sprintf("invocation-end %s error=%v", i.Status, i.ExecutionError))
		},
		OnOperationStart: func(_ context.Context, i durable.OperationHookInfo) {
			h.add(fmt.Sprintf("op-start %s %s %s replay=%v %s", i.Type, i.Name, nested(i.ParentID), i.IsReplay, i.Status))
		},
		OnOperationEnd: func(_ context.Context, i durable.OperationHookInfo) {
			h.add(fmt.Sprintf("op-end %s %s %s replay=%v %s result=%s error=%v attempt=%d", i.Type, i.Name, nested(i.ParentID), i.IsReplay, i.Status, i.Result, i.Error, i.Attempt))
		},
		OnOperationAttemptStart: func(_ context.Context, i durable.AttemptHookInfo) {
			h.add(fmt.Sprintf("attempt-start %s %d", i.Name, i.Attempt))
		},
		OnOperationAttemptEnd: func(_ context.Context, i durable.AttemptEndHookInfo) {
			h.add(fmt.Sprintf("attempt-end %s %d %s error=%v", i.Name, i.Attempt, i.Outcome, i.Error))
		},
	}
}

func flakyOnce(v string) func(durable.StepContext) (string, error) {
	return func(sc durable.StepContext) (string, error) {
		if sc.Attempt() == 1 {
			return "", errors.New("flaky")
		}
		return v, nil
	}
}

var oneSecond = durable.WithRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 3, InitialDelay: time.Second, Jitter: durable.JitterNone}))

// TestPluginHookSequence runs workflows with a recording plugin and checks
// every hook of every invocation, the replay rules included: an operation
// finished in an earlier invocation fires nothing again, one replayed
// while unfinished fires its start with IsReplay, one the service finished
// between invocations fires its end in the next. The last invocation of
// each run is durabletest's replay check against the complete history:
// nothing but the invocation hooks.
func TestPluginHookSequence(t *testing.T) {
	replayCheck := []string{"invocation-end SUCCEEDED error=<nil>", "invocation-start first=false updated=0"}
	tests := []struct {
		name    string
		handler durable.Handler[string, string]
		want    [][]string
	}{
		{
			name: "step",
			handler: func(ctx durable.Context, _ string) (string, error) {
				return durable.Step(ctx, "a", func(durable.StepContext) (string, error) { return "x", nil })
			},
			want: [][]string{{
				"attempt-end a 1 SUCCEEDED error=<nil>",
				"attempt-start a 1",
				"invocation-end SUCCEEDED error=<nil>",
				"invocation-start first=true updated=0",
				`op-end STEP a top replay=false SUCCEEDED result="x" error=<nil> attempt=1`,
				"op-start STEP a top replay=false STARTED",
			}, replayCheck},
		},
		{
			name: "step retried in the next invocation",
			handler: func(ctx durable.Context, _ string) (string, error) {
				return durable.Step(ctx, "b", flakyOnce("y"), oneSecond)
			},
			want: [][]string{{
				"attempt-end b 1 FAILED error=flaky",
				"attempt-start b 1",
				"invocation-end PENDING error=<nil>",
				"invocation-start first=true updated=0",
				"op-start STEP b top replay=false STARTED",
			}, {
				"attempt-end b 2 SUCCEEDED error=<nil>",
				"attempt-start b 2",
				"invocation-end SUCCEEDED error=<nil>",
				"invocation-start first=false updated=1",
				`op-end STEP b top replay=true SUCCEEDED result="y" error=<nil> attempt=2`,
				"op-start STEP b top replay=true READY",
			}, replayCheck},
		},
		{
			name: "wait ended by the service between invocations",
			handler: func(ctx durable.Context, _ string) (string, error) {
				return "done", durable.Wait(ctx, "w", 2*time.Second)
			},
			want: [][]string{{
				"invocation-end PENDING error=<nil>",
				"invocation-start first=true updated=0",
				"op-start WAIT w top replay=false STARTED",
			}, {
				"invocation-end SUCCEEDED error=<nil>",
				"invocation-start first=false updated=1",
				"op-end WAIT w top replay=true SUCCEEDED result= error=<nil> attempt=0",
			}, replayCheck},
		},
		{
			name: "finished step before a wait is not re-emitted; unfinished child replays",
			handler: func(ctx durable.Context, _ string) (string, error) {
				if _, err := durable.Step(ctx, "a", func(durable.StepContext) (string, error) { return "x", nil }); err != nil {
					return "", err
				}
				return durable.RunInChildContext(ctx, "c", func(cc durable.Context) (string, error) {
					return "done", durable.Wait(cc, "w", time.Second)
				})
			},
			want: [][]string{{
				"attempt-end a 1 SUCCEEDED error=<nil>",
				"attempt-start a 1",
				"invocation-end PENDING error=<nil>",
				"invocation-start first=true updated=0",
				`op-end STEP a top replay=false SUCCEEDED result="x" error=<nil> attempt=1`,
				"op-start CONTEXT c top replay=false STARTED",
				"op-start STEP a top replay=false STARTED",
				"op-start WAIT w nested replay=false STARTED",
			}, {
				`op-end CONTEXT c top replay=true SUCCEEDED result="done" error=<nil> attempt=0`,
				"invocation-end SUCCEEDED error=<nil>",
				"invocation-start first=false updated=1",
				"op-end WAIT w nested replay=true SUCCEEDED result= error=<nil> attempt=0",
				"op-start CONTEXT c top replay=true STARTED",
			}, replayCheck},
		},
		{
			name: "failed step",
			handler: func(ctx durable.Context, _ string) (string, error) {
				return durable.Step(ctx, "f", func(durable.StepContext) (string, error) { return "", errors.New("boom") },
					durable.WithRetry(durable.NoRetry()))
			},
			want: [][]string{{
				"attempt-end f 1 FAILED error=boom",
				"attempt-start f 1",
				"invocation-end FAILED error=boom",
				"invocation-start first=true updated=0",
				"op-end STEP f top replay=false FAILED result= error=boom attempt=1",
				"op-start STEP f top replay=false STARTED",
			}, {"invocation-end FAILED error=boom", "invocation-start first=false updated=0"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &hookRecorder{}
			r := durabletest.NewLocalRunner(tt.handler, durable.WithPlugins(rec.plugin()), durable.WithLogHandler(slog.DiscardHandler))
			if _, err := r.RunUntilComplete("in"); err != nil {
				t.Fatal(err)
			}
			got := rec.sorted()
			for _, g := range tt.want {
				slices.Sort(g)
			}
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("hooks, per invocation:\n%s\nwant\n%s", showGroups(got), showGroups(tt.want))
			}
		})
	}
}

func showGroups(groups [][]string) string {
	var b strings.Builder
	for i, g := range groups {
		fmt.Fprintf(&b, "  invocation %d:\n", i+1)
		for _, l := range g {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	return b.String()
}

// errHook is what the failing hooks of the tests fail with.
var errHook = errors.New("hook failure")

// panicking returns a plugin whose every hook panics (the wrap hooks
// before calling fn, or after when after is set).
func panicking(after bool) durable.Plugin {
	wrap := func(ctx context.Context, fn func(context.Context) (any, error)) (any, error) {
		if after {
			_, _ = fn(ctx)
		}
		panic(errHook)
	}
	return durable.Plugin{
		OnInvocationStart:       func(context.Context, durable.InvocationHookInfo) { panic(errHook) },
		OnInvocationEnd:         func(context.Context, durable.InvocationEndHookInfo) { panic(errHook) },
		OnOperationStart:        func(context.Context, durable.OperationHookInfo) { panic(errHook) },
		OnOperationEnd:          func(context.Context, durable.OperationHookInfo) { panic(errHook) },
		OnOperationAttemptStart: func(context.Context, durable.AttemptHookInfo) { panic(errHook) },
		OnOperationAttemptEnd:   func(context.Context, durable.AttemptEndHookInfo) { panic(errHook) },
		OnOperationChange:       func(context.Context, durable.OperationChangeHookInfo) { panic(errHook) },
		WrapInvocation: func(ctx context.Context, _ durable.InvocationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return wrap(ctx, fn)
		},
		WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return wrap(ctx, fn)
		},
		WrapChildContextFn: func(ctx context.Context, _ durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return wrap(ctx, fn)
		},
		EnrichLogContext: func(context.Context) map[string]any { panic(errHook) },
	}
}

// erroring returns a plugin whose wrap hooks call fn and then return
// another value and an error of their own, and whose hooks sleep first.
func erroring(delay time.Duration) durable.Plugin {
	wrap := func(ctx context.Context, fn func(context.Context) (any, error)) (any, error) {
		time.Sleep(delay)
		_, _ = fn(ctx)
		return "hook's value", errHook
	}
	return durable.Plugin{
		OnOperationStart: func(context.Context, durable.OperationHookInfo) { time.Sleep(delay) },
		OnOperationEnd:   func(context.Context, durable.OperationHookInfo) { time.Sleep(delay) },
		WrapInvocation: func(ctx context.Context, _ durable.InvocationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return wrap(ctx, fn)
		},
		WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return wrap(ctx, fn)
		},
		WrapChildContextFn: func(ctx context.Context, _ durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return wrap(ctx, fn)
		},
	}
}

// isolationWorkflow exercises every kind of hook: steps (one retried), a
// child context, a map, a wait and a log line.
func isolationWorkflow(ctx durable.Context, in string) (string, error) {
	ctx.Logger().Info("starting", "in", in)
	a, err := durable.Step(ctx, "a", flakyOnce("x"), oneSecond)
	if err != nil {
		return "", err
	}
	b, err := durable.RunInChildContext(ctx, "child", func(cc durable.Context) (string, error) {
		return durable.Step(cc, "inner", func(durable.StepContext) (string, error) { return "y", nil })
	})
	if err != nil {
		return "", err
	}
	res, err := durable.Map(ctx, "m", []int{1, 2, 3}, func(mc durable.Context, v, _ int) (int, error) {
		return durable.Step(mc, "double", func(durable.StepContext) (int, error) { return 2 * v, nil })
	})
	if err != nil {
		return "", err
	}
	if err := durable.Wait(ctx, "w", time.Second); err != nil {
		return "", err
	}
	return fmt.Sprint(a, b, res.Results()), nil
}

// outcomeOf is what a plugin must never change: status, result, the
// recorded operations and the history's events. The map's items run
// concurrently, so operations are listed by id and events as a sorted
// list: the order of concurrent items' checkpoints is not the outcome.
func outcomeOf(t *testing.T, opts ...durable.HandlerOption) string {
	t.Helper()
	r := durabletest.NewLocalRunner(isolationWorkflow, opts...)
	res, err := r.RunUntilComplete("in")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", res.Status, res.RawResult)
	ops := slices.SortedFunc(slices.Values(res.Operations), func(a, b durabletest.TestOperation) int { return strings.Compare(a.ID, b.ID) })
	for _, op := range ops {
		fmt.Fprintf(&b, "%s %s %s %s %s", op.ID, op.ParentID, op.Type, op.Name, op.Status)
		if d := op.StepDetails; d != nil {
			fmt.Fprintf(&b, " attempt=%d result=%s", d.Attempt, d.Result)
		}
		if d := op.ContextDetails; d != nil {
			fmt.Fprintf(&b, " result=%s", d.Result)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%v\n", slices.Sorted(slices.Values(res.EventTypes())))
	return b.String()
}

// TestPluginIsolation checks that a panicking, erroring or slow plugin
// changes neither the execution's outcome nor its checkpoints nor another
// plugin's hooks, and that each contained panic is logged.
func TestPluginIsolation(t *testing.T) {
	quiet := durable.WithLogHandler(slog.DiscardHandler)
	want := outcomeOf(t, quiet)
	healthy := &hookRecorder{}
	outcomeOf(t, quiet, durable.WithPlugins(healthy.plugin()))
	wantHooks := healthy.sorted()
	tests := []struct {
		name   string
		plugin durable.Plugin
		panics bool
	}{
		{"every hook panics, wraps before fn", panicking(false), true},
		{"every hook panics, wraps after fn", panicking(true), true},
		{"wraps return their own value and error, hooks are slow", erroring(20 * time.Millisecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			var mu sync.Mutex
			h := slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil)
			rec := &hookRecorder{}
			got := outcomeOf(t, durable.WithLogHandler(h), durable.WithPlugins(tt.plugin, rec.plugin()))
			if got != want {
				t.Errorf("outcome with the plugin:\n%s\nwithout:\n%s", got, want)
			}
			if hooks := rec.sorted(); !slices.EqualFunc(hooks, wantHooks, slices.Equal) {
				t.Errorf("the other plugin's hooks:\n%s\nwithout the faulty plugin:\n%s", showGroups(hooks), showGroups(wantHooks))
			}
			mu.Lock()
			text := logs.String()
			mu.Unlock()
			for _, hook := range []string{"OnInvocationStart", "OnInvocationEnd", "OnOperationStart", "OnOperationEnd",
				"OnOperationAttemptStart", "OnOperationAttemptEnd", "OnOperationChange", "WrapInvocation",
				"WrapOperationAttemptFn", "WrapChildContextFn", "EnrichLogContext"} {
				logged := strings.Contains(text, `"hook":"`+hook+`"`)
				if logged != tt.panics {
					t.Errorf("panic of %s logged: %v, want %v", hook, logged, tt.panics)
				}
			}
		})
	}
}

// lockedWriter serializes writes to a buffer shared by goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type ctxKey struct{}

// TestPluginWrapHooks checks the wrap contract: the context a hook passes
// reaches the user code, the work runs exactly once whatever the hook does,
// and its outcome is the work's own.
func TestPluginWrapHooks(t *testing.T) {
	tests := []struct {
		name string
		wrap func(ctx context.Context, fn func(context.Context) (any, error)) (any, error)
	}{
		{"passes a derived context", func(ctx context.Context, fn func(context.Context) (any, error)) (any, error) {
			return fn(context.WithValue(ctx, ctxKey{}, "span"))
		}},
		{"calls fn twice", func(ctx context.Context, fn func(context.Context) (any, error)) (any, error) {
			_, _ = fn(context.WithValue(ctx, ctxKey{}, "span"))
			return fn(ctx)
		}},
		{"passes a nil context", func(_ context.Context, fn func(context.Context) (any, error)) (any, error) {
			return fn(nil) //nolint:staticcheck // the contract: nil stands for the hook's ctx
		}},
		{"never calls fn", func(context.Context, func(context.Context) (any, error)) (any, error) {
			return nil, errHook
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies, children, handlers atomic.Int32
			var seen sync.Map // where the hook's value was visible
			p := durable.Plugin{
				WrapInvocation: func(ctx context.Context, _ durable.InvocationHookInfo, fn func(context.Context) (any, error)) (any, error) {
					return tt.wrap(ctx, fn)
				},
				WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
					return tt.wrap(ctx, fn)
				},
				WrapChildContextFn: func(ctx context.Context, _ durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
					return tt.wrap(ctx, fn)
				},
			}
			h := func(ctx durable.Context, _ string) (string, error) {
				handlers.Add(1)
				seen.Store("handler", ctx.Value(ctxKey{}))
				return durable.RunInChildContext(ctx, "c", func(cc durable.Context) (string, error) {
					children.Add(1)
					seen.Store("child", cc.Value(ctxKey{}))
					return durable.Step(cc, "s", func(sc durable.StepContext) (string, error) {
						bodies.Add(1)
						seen.Store("step", sc.Value(ctxKey{}))
						if sc.Err() != nil {
							return "", sc.Err()
						}
						return "ok", nil
					})
				})
			}
			r := durabletest.NewLocalRunner(h, durable.WithPlugins(p), durable.WithLogHandler(slog.DiscardHandler))
			res, err := r.RunUntilComplete("in", durabletest.WithoutReplayCheck())
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != durabletest.StatusSucceeded || res.RawResult != `"ok"` {
				t.Fatalf("status %s result %s error %v, want SUCCEEDED \"ok\"", res.Status, res.RawResult, res.Error)
			}
			if handlers.Load() != 1 || children.Load() != 1 || bodies.Load() != 1 {
				t.Errorf("ran the handler %d, the child %d, the step %d times; want once each", handlers.Load(), children.Load(), bodies.Load())
			}
			want := tt.name == "passes a derived context" || tt.name == "calls fn twice"
			for _, where := range []string{"handler", "child", "step"} {
				v, _ := seen.Load(where)
				if got := v == "span"; got != want {
					t.Errorf("hook's context value visible in the %s: %v, want %v", where, got, want)
				}
			}
		})
	}
}

// TestPluginWrapKeepsPanics checks that a wrap hook cannot turn the
// work's panic into a result: recovering it changes nothing.
func TestPluginWrapKeepsPanics(t *testing.T) {
	var status atomic.Value
	p := durable.Plugin{
		WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (v any, err error) {
			defer func() {
				if recover() != nil {
					v, err = "recovered", nil
				}
			}()
			return fn(ctx)
		},
		OnInvocationEnd: func(_ context.Context, i durable.InvocationEndHookInfo) { status.Store(i) },
	}
	h := func(ctx durable.Context, _ string) (string, error) {
		return durable.Step(ctx, "s", func(durable.StepContext) (string, error) { panic("step body bug") })
	}
	r := durabletest.NewLocalRunner(h, durable.WithPlugins(p), durable.WithLogHandler(slog.DiscardHandler))
	if _, err := r.Run("in"); err != nil {
		t.Fatal(err)
	}
	end, _ := status.Load().(durable.InvocationEndHookInfo)
	var pe *durable.PanicError
	if end.Status != durable.PluginInvocationRetrying || !errors.As(end.ExecutionError, &pe) || pe.Value != "step body bug" {
		t.Fatalf("OnInvocationEnd got %s %v, want RETRYING with the step body's *PanicError", end.Status, end.ExecutionError)
	}
	if !slices.ContainsFunc(pe.StackTrace, func(f string) bool { return strings.Contains(f, "TestPluginWrapKeepsPanics") }) {
		t.Errorf("stack trace does not show the panicking body: %v", pe.StackTrace)
	}
}

// TestPluginConcurrentHooks runs a map whose items run concurrently, with
// two plugins counting hooks; run it with -race. Every item's operations
// must be reported exactly once.
func TestPluginConcurrentHooks(t *testing.T) {
	const items = 24
	var starts, ends, attemptStarts, attemptEnds, wraps, changes atomic.Int32
	counter := durable.Plugin{
		OnOperationStart:        func(context.Context, durable.OperationHookInfo) { starts.Add(1) },
		OnOperationEnd:          func(context.Context, durable.OperationHookInfo) { ends.Add(1) },
		OnOperationAttemptStart: func(context.Context, durable.AttemptHookInfo) { attemptStarts.Add(1) },
		OnOperationAttemptEnd:   func(context.Context, durable.AttemptEndHookInfo) { attemptEnds.Add(1) },
		OnOperationChange:       func(context.Context, durable.OperationChangeHookInfo) { changes.Add(1) },
		WrapChildContextFn: func(ctx context.Context, _ durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			wraps.Add(1)
			return fn(ctx)
		},
	}
	var mu sync.Mutex
	seen := map[string]int{}
	ids := durable.Plugin{OnOperationEnd: func(_ context.Context, i durable.OperationHookInfo) {
		mu.Lock()
		seen[i.ID]++
		mu.Unlock()
	}}
	h := func(ctx durable.Context, _ string) (int, error) {
		res, err := durable.Map(ctx, "m", make([]int, items), func(mc durable.Context, _, i int) (int, error) {
			return durable.Step(mc, "s", func(durable.StepContext) (int, error) { return i, nil })
		})
		return len(res.Results()), err
	}
	r := durabletest.NewLocalRunner(h, durable.WithPlugins(counter, ids), durable.WithLogHandler(slog.DiscardHandler))
	res, err := r.RunUntilComplete("in", durabletest.WithoutReplayCheck())
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s: %v", res.Status, res.Error)
	}
	ops := 1 + 2*items // the map, its items, their steps
	if starts.Load() != int32(ops) || ends.Load() != int32(ops) {
		t.Errorf("%d starts and %d ends, want %d of each", starts.Load(), ends.Load(), ops)
	}
	if attemptStarts.Load() != items || attemptEnds.Load() != items {
		t.Errorf("%d attempt starts and %d attempt ends, want %d of each", attemptStarts.Load(), attemptEnds.Load(), items)
	}
	if wraps.Load() != items+1 {
		t.Errorf("WrapChildContextFn ran %d times, want %d (the map and its items)", wraps.Load(), items+1)
	}
	if changes.Load() == 0 {
		t.Error("OnOperationChange never ran")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != ops {
		t.Errorf("ends for %d operations, want %d", len(seen), ops)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("operation %s ended %d times", id, n)
		}
	}
}

// TestPluginChildOperationsDepth checks which operations reach the plugins
// under WithPluginChildOperationsDepth and that the operations at the
// limit carry ChildrenOmitted.
func TestPluginChildOperationsDepth(t *testing.T) {
	h := func(ctx durable.Context, _ string) (string, error) {
		return durable.RunInChildContext(ctx, "outer", func(oc durable.Context) (string, error) {
			return durable.RunInChildContext(oc, "inner", func(ic durable.Context) (string, error) {
				return durable.Step(ic, "leaf", func(durable.StepContext) (string, error) { return "ok", nil })
			})
		})
	}
	tests := []struct {
		opts []durable.HandlerOption
		want []string // name:ChildrenOmitted of each start, and the wrapped children
	}{
		{nil, []string{"start outer:false", "start inner:false", "start leaf:false", "attempt leaf", "wrap outer", "wrap inner"}},
		{[]durable.HandlerOption{durable.WithPluginChildOperationsDepth(2)}, []string{"start outer:false", "start inner:false", "start leaf:false", "attempt leaf", "wrap outer", "wrap inner"}},
		{[]durable.HandlerOption{durable.WithPluginChildOperationsDepth(1)}, []string{"start outer:false", "start inner:true", "wrap outer", "wrap inner"}},
		{[]durable.HandlerOption{durable.WithPluginChildOperationsDepth(0)}, []string{"start outer:true", "wrap outer"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(len(tt.opts), tt.want[len(tt.want)-1]), func(t *testing.T) {
			var mu sync.Mutex
			var got, ended []string
			add := func(s string) {
				mu.Lock()
				got = append(got, s)
				mu.Unlock()
			}
			p := durable.Plugin{
				OnOperationStart: func(_ context.Context, i durable.OperationHookInfo) {
					add(fmt.Sprintf("start %s:%v", i.Name, i.ChildrenOmitted))
				},
				OnOperationEnd: func(_ context.Context, i durable.OperationHookInfo) {
					mu.Lock()
					ended = append(ended, i.Name)
					mu.Unlock()
				},
				OnOperationAttemptStart: func(_ context.Context, i durable.AttemptHookInfo) { add("attempt " + i.Name) },
				WrapChildContextFn: func(ctx context.Context, i durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
					add("wrap " + i.Name)
					return fn(ctx)
				},
			}
			opts := append([]durable.HandlerOption{durable.WithPlugins(p), durable.WithLogHandler(slog.DiscardHandler)}, tt.opts...)
			res, err := durabletest.NewLocalRunner(h, opts...).RunUntilComplete("in", durabletest.WithoutReplayCheck())
			if err != nil || res.Status != durabletest.StatusSucceeded {
				t.Fatalf("run: %v %v", err, res)
			}
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("hooks %v, want %v", got, want)
			}
			// Every reported start has its end, and nothing else ends.
			var started []string
			for _, s := range want {
				if name, ok := strings.CutPrefix(s, "start "); ok {
					started = append(started, name[:strings.Index(name, ":")])
				}
			}
			slices.Sort(started)
			slices.Sort(ended)
			if !slices.Equal(ended, started) {
				t.Errorf("ends %v, want %v", ended, started)
			}
		})
	}
	t.Run("negative depth", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("Wrap accepted a negative depth")
			}
		}()
		durable.Wrap(h, durable.WithPluginChildOperationsDepth(-1))
	})
}

// TestPluginEnrichLogContext checks the fields EnrichLogContext adds: a
// later plugin wins over an earlier one, and neither replaces the SDK's
// fields nor the user's.
func TestPluginEnrichLogContext(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logs := slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil)
	first := durable.Plugin{EnrichLogContext: func(ctx context.Context) map[string]any {
		return map[string]any{"traceId": "t1", "color": "red", "executionArn": "forged", "user": "forged"}
	}}
	second := durable.Plugin{EnrichLogContext: func(ctx context.Context) map[string]any {
		span, _ := ctx.Value(ctxKey{}).(string)
		return map[string]any{"traceId": "t2", "span": span, "operationId": "forged"}
	}}
	wrap := durable.Plugin{WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
		return fn(context.WithValue(ctx, ctxKey{}, "step-span"))
	}}
	h := func(ctx durable.Context, _ string) (string, error) {
		ctx.Logger().Info("handler", "user", "mine")
		return durable.Step(ctx, "s", func(sc durable.StepContext) (string, error) {
			sc.Logger().Info("body")
			return "ok", nil
		})
	}
	r := durabletest.NewLocalRunner(h, durable.WithPlugins(first, second, wrap), durable.WithLogHandler(logs))
	if _, err := r.RunUntilComplete("in", durabletest.WithoutReplayCheck()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := map[string][]string{
		"handler": {`"traceId":"t2"`, `"color":"red"`, `"user":"mine"`, `"span":""`},
		"body":    {`"traceId":"t2"`, `"span":"step-span"`, `"attempt":1`},
	}
	for _, l := range lines {
		for msg, fields := range want {
			if !strings.Contains(l, `"msg":"`+msg+`"`) {
				continue
			}
			for _, f := range fields {
				if !strings.Contains(l, f) {
					t.Errorf("%s line lacks %s: %s", msg, f, l)
				}
			}
			for _, key := range []string{`"executionArn"`, `"operationId"`, `"user"`} {
				if strings.Count(l, key) > 1 || strings.Contains(l, key+`:"forged"`) && (key != `"user"` || msg == "handler") {
					t.Errorf("a plugin field replaced or doubled the SDK's or the user's %s: %s", key, l)
				}
			}
			delete(want, msg)
		}
	}
	if len(want) > 0 {
		t.Errorf("lines not logged: %v\n%s", want, buf.String())
	}
}
