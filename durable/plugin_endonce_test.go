package durable_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// endCounter is a plugin that counts OnOperationEnd per operation id,
// across every invocation of an execution.
type endCounter struct {
	mu   sync.Mutex
	ends map[string][]string // id -> the statuses it ended with
}

func (e *endCounter) plugin() durable.Plugin {
	return durable.Plugin{OnOperationEnd: func(_ context.Context, i durable.OperationHookInfo) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.ends[i.ID] = append(e.ends[i.ID], string(i.Status))
	}}
}

// TestPluginOperationEndOnce runs multi-invocation executions whose
// operations end in every way the service can report: in a checkpoint
// response of the invocation that ran them, between invocations (a wait
// elapsing, a step's retry timer, a callback completed while the
// execution is suspended), and during an invocation by an external party
// (a callback completed by its submitter), which the service lists again
// among the next invocation's updated operations. Every operation that
// reached a terminal status must fire OnOperationEnd exactly once per
// execution, with that status, and no other operation may fire it.
func TestPluginOperationEndOnce(t *testing.T) {
	type runner = durabletest.LocalRunner[string, string]
	json := durable.WithCallbackSerdes(durable.JSONSerdes{})
	tests := []struct {
		name string
		// handler builds the workflow; r is the runner that invokes it.
		handler func(r **runner) durable.Handler[string, string]
		// external completes what the execution waits for when a run
		// returns PENDING (nil: it never waits on the test).
		external func(r *runner) error
	}{
		{name: "wait", handler: func(**runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				return "done", durable.Wait(ctx, "w", 2*time.Second)
			}
		}},
		{name: "step retried after a delay, then a wait", handler: func(**runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				v, err := durable.Step(ctx, "flaky", flakyOnce("y"), oneSecond)
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "w", time.Second)
			}
		}},
		{name: "callback completed while suspended", handler: func(**runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				v, err := durable.WaitForCallback[string](ctx, "approval", func(durable.StepContext, string) error { return nil }, json)
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "w", time.Second)
			}
		}, external: func(r *runner) error {
			cbs := r.OpenCallbacks()
			if len(cbs) != 1 {
				return fmt.Errorf("%d open callbacks, want 1", len(cbs))
			}
			return r.SendCallbackSuccess(cbs[0].CallbackID, "ok")
		}},
		{name: "callback completed during the invocation", handler: func(r **runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				v, err := answeredCallback(ctx, *r)
				if err != nil {
					return "", err
				}
				// Suspends: the next invocation lists the callback among
				// the operations the service changed since this one.
				return v, durable.Wait(ctx, "w", time.Second)
			}
		}},
		{name: "callback completed by its submitter, in the invocation", handler: func(r **runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				v, err := durable.WaitForCallback[string](ctx, "approval", func(_ durable.StepContext, id string) error {
					return (*r).SendCallbackSuccess(id, "ok")
				}, json)
				if err != nil {
					return "", err
				}
				// The WaitForCallback context ended: the next invocation
				// does not see its callback.
				return v, durable.Wait(ctx, "w", time.Second)
			}
		}},
		{name: "callback completed in the invocation that ends the execution", handler: func(r **runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				if err := durable.Wait(ctx, "w", time.Second); err != nil {
					return "", err
				}
				return answeredCallback(ctx, *r)
			}
		}},
		{name: "child context with a wait and a retried step", handler: func(**runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(cc durable.Context) (string, error) {
					if err := durable.Wait(cc, "w", time.Second); err != nil {
						return "", err
					}
					return durable.Step(cc, "flaky", flakyOnce("z"), oneSecond)
				})
			}
		}},
		{name: "map of waits and retried steps", handler: func(**runner) durable.Handler[string, string] {
			return func(ctx durable.Context, _ string) (string, error) {
				res, err := durable.Map(ctx, "m", []int{1, 2, 3}, func(mc durable.Context, v, _ int) (string, error) {
					if err := durable.Wait(mc, "w", time.Duration(v)*time.Second); err != nil {
						return "", err
					}
					return durable.Step(mc, "flaky", flakyOnce(fmt.Sprint(v)), oneSecond)
				})
				if err != nil {
					return "", err
				}
				return fmt.Sprint(res.Results()), durable.Wait(ctx, "after", time.Second)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter := &endCounter{ends: map[string][]string{}}
			var r *runner
			r = durabletest.NewLocalRunner(tt.handler(&r), durable.WithPlugins(counter.plugin()), durable.WithLogHandler(slog.DiscardHandler))
			res, err := r.RunUntilComplete("in")
			if err != nil {
				t.Fatal(err)
			}
			if res.Status == durabletest.StatusPending && tt.external != nil {
				if err := tt.external(r); err != nil {
					t.Fatal(err)
				}
				if res, err = r.RunUntilComplete("in"); err != nil {
					t.Fatal(err)
				}
			}
			if res.Status != durabletest.StatusSucceeded {
				t.Fatalf("status %s (%v), want SUCCEEDED", res.Status, res.Error)
			}
			if len(res.Invocations) < 2 {
				t.Fatalf("%d invocations, want several", len(res.Invocations))
			}
			counter.mu.Lock()
			defer counter.mu.Unlock()
			for _, op := range res.Operations {
				ends := counter.ends[op.ID]
				want := []string{op.Status}
				if !op.IsTerminal() {
					want = nil
				}
				if !slices.Equal(ends, want) {
					t.Errorf("%s %s %q (%s): OnOperationEnd fired with %v, want %v", op.Type, op.SubType, op.Name, op.ID, ends, want)
				}
				delete(counter.ends, op.ID)
			}
			for id, ends := range counter.ends {
				t.Errorf("OnOperationEnd for %s, not an operation of the execution: %v", id, ends)
			}
		})
	}
}

// answeredCallback creates a callback that an external system completes
// at once, in a step: the step's checkpoint response reports the completed
// callback, during the invocation.
func answeredCallback(ctx durable.Context, r *durabletest.LocalRunner[string, string]) (string, error) {
	cb, err := durable.CreateCallback[string](ctx, "approval", durable.WithCallbackSerdes(durable.JSONSerdes{}))
	if err != nil {
		return "", err
	}
	if _, err := durable.Step(ctx, "send", func(durable.StepContext) (string, error) {
		return "", r.SendCallbackSuccess(cb.ID(), "ok")
	}); err != nil {
		return "", err
	}
	return cb.Result(ctx)
}
