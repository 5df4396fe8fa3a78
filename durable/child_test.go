package durable

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// contextRecord builds a CONTEXT record.
func contextRecord(positional, name, subType string, status OperationStatus, details *ContextDetails) Operation {
	return Operation{Id: WireID(positional), Name: name, Type: wire.OperationTypeContext, SubType: subType,
		Status: status, StartTimestamp: wire.At(testEpoch), ContextDetails: details}
}

// updates returns every update sent, in order.
func (f *fakeClient) updates() []OperationUpdate {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []OperationUpdate
	for _, c := range f.calls {
		out = append(out, c.Updates...)
	}
	return out
}

// flatActions returns every update sent as "TYPE:ACTION:id", in order.
func (f *fakeClient) flatActions() []string {
	var out []string
	for _, call := range f.actions() {
		out = append(out, call...)
	}
	return out
}

func TestRunInChildContextCheckpoints(t *testing.T) {
	f := newFakeClient(executionOp(`"in"`))
	h := func(ctx Context, in string) (string, error) {
		return RunInChildContext(ctx, "child", func(cc Context) (string, error) {
			return Step(cc, "s", func(StepContext) (string, error) { return in + "!", nil })
		})
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"in!"` {
		t.Fatalf("%+v %v", out, err)
	}
	ctxID, stepID := WireID("1"), WireID("1-1")
	want := [][]string{
		{"CONTEXT:START:" + ctxID, "STEP:START:" + stepID, "STEP:SUCCEED:" + stepID},
		{"CONTEXT:SUCCEED:" + ctxID},
	}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	us := f.updates()
	if us[0].SubType != "RunInChildContext" || us[0].Name != "child" || us[0].ParentId != "" {
		t.Errorf("start %+v", us[0])
	}
	if us[1].ParentId != ctxID || us[2].ParentId != ctxID {
		t.Errorf("step parents %q %q, want %q", us[1].ParentId, us[2].ParentId, ctxID)
	}
	if wire.Deref(us[3].Payload) != `"in!"` || us[3].ContextOptions != nil {
		t.Errorf("succeed %+v", us[3])
	}
}

func TestRunInChildContextReplay(t *testing.T) {
	failed := &ErrorObject{ErrorType: "StepError", ErrorMessage: "boom"}
	tests := []struct {
		name       string
		rec        Operation
		wantStatus wire.InvocationStatus
		wantResult string
		wantErr    string
	}{
		{name: "succeeded", rec: contextRecord("1", "child", "RunInChildContext", "SUCCEEDED", &ContextDetails{Result: wire.String(`"cached"`)}),
			wantStatus: "SUCCEEDED", wantResult: `"cached"`},
		{name: "null result", rec: contextRecord("1", "child", "RunInChildContext", "SUCCEEDED", &ContextDetails{}),
			wantStatus: "SUCCEEDED", wantResult: `""`},
		{name: "failed", rec: contextRecord("1", "child", "RunInChildContext", "FAILED", &ContextDetails{Error: failed}),
			wantStatus: "FAILED", wantErr: "ChildContextError:boom"},
		{name: "other subtype", rec: contextRecord("1", "child", "Map", "SUCCEEDED", &ContextDetails{Result: wire.String(`"x"`)}),
			wantStatus: "FAILED", wantErr: "NonDeterministicExecutionError:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp(""), tt.rec}
			f := newFakeClient(ops...)
			var ran atomic.Int32
			h := func(ctx Context, _ any) (string, error) {
				return RunInChildContext(ctx, "child", func(Context) (string, error) {
					ran.Add(1)
					return "fresh", nil
				})
			}
			out, err := invoke(t, h, envelope(t, "t", ops), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tt.wantStatus || wire.Deref(out.Result) != tt.wantResult {
				t.Fatalf("%+v", out)
			}
			if tt.wantErr != "" && !strings.HasPrefix(out.Error.ErrorType+":"+out.Error.ErrorMessage, tt.wantErr) {
				t.Errorf("error %+v, want %s", out.Error, tt.wantErr)
			}
			if ran.Load() != 0 || len(f.updates()) != 0 {
				t.Errorf("ran %d times, sent %v", ran.Load(), f.actions())
			}
		})
	}
}

func TestRunInChildContextFailure(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var childErr error
	h := func(ctx Context, _ any) (string, error) {
		_, childErr = RunInChildContext(ctx, "child", func(cc Context) (string, error) {
			return Step(cc, "s", func(StepContext) (string, error) { return "", errors.New("card declined") }, WithRetry(NoRetry()))
		})
		return "", childErr
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "FAILED" {
		t.Fatalf("%+v %v", out, err)
	}
	if out.Error.ErrorType != "ChildContextError" || out.Error.ErrorMessage != "card declined" {
		t.Errorf("execution error %+v", out.Error)
	}
	var ce *ChildContextError
	var se *StepError
	if !errors.As(childErr, &ce) || ce.ErrorType != "StepError" || ce.Name != "child" || !errors.As(childErr, &se) {
		t.Errorf("child error %#v", childErr)
	}
	us := f.updates()
	last := us[len(us)-1]
	if last.Action != "FAIL" || last.Type != "CONTEXT" || last.Error.ErrorType != "StepError" || last.Error.ErrorMessage != "card declined" {
		t.Errorf("fail update %+v %+v", last, last.Error)
	}
}

func TestRunInChildContextErrorMapperAndSerdes(t *testing.T) {
	f := newFakeClient(executionOp(""))
	sentinel := errors.New("mapped")
	h := func(ctx Context, _ any) (string, error) {
		v, err := RunInChildContext(ctx, "upper", func(Context) (string, error) { return "hello", nil }, WithChildSerdes(upperSerdes{}))
		if err != nil {
			return "", err
		}
		_, err = RunInChildContext(ctx, "bad", func(Context) (string, error) { return "", errors.New("x") },
			WithChildErrorMapper(func(*ChildContextError) error { return sentinel }))
		if !errors.Is(err, sentinel) {
			return "", errors.New("mapper not applied")
		}
		return v, nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"HELLO"` {
		t.Fatalf("%+v %v", out, err)
	}
	if p := wire.Deref(f.updates()[1].Payload); p != "HELLO" {
		t.Errorf("payload %q", p)
	}
}

// upperSerdes stores strings upper-cased and unquoted.
type upperSerdes struct{}

func (upperSerdes) Marshal(_ context.Context, _ SerdesContext, v any) ([]byte, error) {
	return []byte(strings.ToUpper(v.(string))), nil
}

func (upperSerdes) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	*(v.(*string)) = string(data)
	return nil
}

func TestRunInChildContextLargeResult(t *testing.T) {
	big := strings.Repeat("x", wire.MaxOperationPayloadBytes)
	var runs atomic.Int32
	h := func(ctx Context, _ any) (int, error) {
		s, err := RunInChildContext(ctx, "big", func(cc Context) (string, error) {
			runs.Add(1)
			part, err := Step(cc, "part", func(StepContext) (string, error) { return "x", nil })
			return strings.Repeat(part, len(big)), err
		}, WithChildSummary(func(s string) string { return "len=" + string(rune('0'+len(s)%10)) }))
		if err != nil {
			return 0, err
		}
		if err := Wait(ctx, "w", time.Second); err != nil {
			return 0, err
		}
		return len(s), nil
	}
	f := newFakeClient(executionOp(""))
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	var succeed OperationUpdate
	for _, u := range f.updates() {
		if u.Type == "CONTEXT" && u.Action == "SUCCEED" {
			succeed = u
		}
	}
	if succeed.ContextOptions == nil || !succeed.ContextOptions.ReplayChildren || wire.Deref(succeed.Payload) != "len=4" {
		t.Fatalf("succeed %+v", succeed)
	}
	// Replay: the service keeps the children; the child runs again without
	// checkpointing and rebuilds the result.
	ids := f.fireTimers()
	log := f.log()
	for i := range log {
		if log[i].Type == "CONTEXT" {
			log[i].ContextDetails = &ContextDetails{Result: succeed.Payload, ReplayChildren: true}
		}
	}
	f2 := newFakeClient(log...)
	out, err = invoke(t, h, envelope(t, "t2", log, ids...), testOptions(f2)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != "262144" {
		t.Fatalf("replay %+v %v", out, err)
	}
	if runs.Load() != 2 || len(f2.updates()) != 0 {
		t.Errorf("runs %d, replay sent %v", runs.Load(), f2.actions())
	}
}

func TestGoFanOutSuspendsAndResumes(t *testing.T) {
	h := func(ctx Context, _ any) ([]string, error) {
		a := Go(ctx, "a", func(cc Context) (string, error) {
			if err := Wait(cc, "wa", time.Minute); err != nil {
				return "", err
			}
			return "A", nil
		})
		b := Go(ctx, "b", func(cc Context) (string, error) {
			return Step(cc, "sb", func(StepContext) (string, error) { return "B", nil })
		})
		var out []string
		for _, fut := range []*Future[string]{a, b} {
			v, err := fut.Result(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	f := newFakeClient(executionOp(""))
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	got := map[string]bool{}
	for _, a := range f.flatActions() {
		got[a] = true
	}
	for _, want := range []string{"CONTEXT:START:" + WireID("1"), "CONTEXT:START:" + WireID("2"), "WAIT:START:" + WireID("1-1"),
		"STEP:SUCCEED:" + WireID("2-1"), "CONTEXT:SUCCEED:" + WireID("2")} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, f.flatActions())
		}
	}
	if got["CONTEXT:SUCCEED:"+WireID("1")] {
		t.Errorf("waiting child succeeded: %v", f.flatActions())
	}
	// The wait ends: child a finishes; child b is replayed from its record.
	ids := f.fireTimers()
	log := f.log()
	for i := range log {
		if log[i].Id == WireID("2") {
			log[i].ContextDetails = &ContextDetails{Result: wire.String(`"B"`)}
		}
	}
	f2 := newFakeClient(log...)
	out, err = invoke(t, h, envelope(t, "t2", log, ids...), testOptions(f2)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `["A","B"]` {
		t.Fatalf("resume %+v %v", out, err)
	}
	if want := []string{"CONTEXT:SUCCEED:" + WireID("1")}; !reflect.DeepEqual(f2.flatActions(), want) {
		t.Errorf("resume sent %v, want %v", f2.flatActions(), want)
	}
}

// TestFinishedContextDescendantsNeverCheckpoint: a Go started in a child
// that returns without awaiting it can no longer checkpoint.
func TestFinishedContextDescendantsNeverCheckpoint(t *testing.T) {
	f := newFakeClient(executionOp(""))
	release := make(chan struct{})
	var lateErr atomic.Value
	done := make(chan struct{})
	h := func(ctx Context, _ any) (string, error) {
		_, err := RunInChildContext(ctx, "parent", func(cc Context) (string, error) {
			Go(cc, "orphan", func(gc Context) (string, error) {
				defer close(done)
				_, err := testwait.Receive("the handler releases the orphan", release)
				if err == nil {
					_, err = Step(gc, "late", func(StepContext) (string, error) { return "", nil })
				}
				lateErr.Store(err)
				return "", err
			})
			return "p", nil
		})
		close(release)
		if _, waitErr := testwait.Receive("the orphan returns", done); waitErr != nil {
			return "", waitErr
		}
		return "ok", err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	if e, _ := lateErr.Load().(error); !errors.Is(e, errSuspended) {
		t.Errorf("late step error %v", e)
	}
	for _, a := range f.flatActions() {
		if strings.HasPrefix(a, "STEP") || strings.HasSuffix(a, WireID("1-1")) && strings.Contains(a, "SUCCEED") {
			t.Errorf("descendant checkpointed: %v", f.flatActions())
		}
	}
}

func TestVirtualChild(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		return RunInChildContext(ctx, "flat", func(cc Context) (string, error) {
			return Step(cc, "s", func(StepContext) (string, error) { return "v", nil })
		}, WithChildVirtual())
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	want := []string{"STEP:START:" + WireID("1-1"), "STEP:SUCCEED:" + WireID("1-1")}
	if got := f.flatActions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	if p := f.updates()[0].ParentId; p != "" {
		t.Errorf("parent %q, want none (the root)", p)
	}
}

func TestChildOptionErrors(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		_, err := RunInChildContext(ctx, "c", func(Context) (string, error) { return "", nil }, WithChildSubType("Map"))
		if err == nil {
			return "", errors.New("reserved subtype accepted")
		}
		if _, err := Go(ctx, "g", func(Context) (string, error) { return "", nil }, WithChildSubType("bad subtype")).Result(ctx); err == nil {
			return "", errors.New("bad subtype accepted")
		}
		return RunInChildContext(ctx, "c", func(Context) (string, error) { return "custom", nil }, WithChildSubType("Custom"))
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	us := f.updates()
	if us[0].Id != WireID("1") || us[0].SubType != "Custom" {
		t.Errorf("a rejected option took an id or the subtype is lost: %+v", us[0])
	}
}

// TestGoWaitPolledWhileSiblingRuns: a Go child waits on the service while
// a sibling's step body runs (and the handler blocks on a future): the
// invocation does not suspend but polls, and the wait's end wakes the
// child, which lets the sibling finish.
func TestGoWaitPolledWhileSiblingRuns(t *testing.T) {
	f := newFakeClient(executionOp(""))
	waitID := WireID("1-1")
	f.respond = func(n int) []Operation {
		started := 0
		for i, c := range f.calls {
			for _, u := range c.Updates {
				if u.Id == waitID && u.Action == "START" {
					started = i + 1
				}
			}
		}
		if started == 0 {
			return nil
		}
		op := Operation{Id: waitID, ParentId: WireID("1"), Name: "w", Type: wire.OperationTypeWait, SubType: wire.SubTypeWait,
			Status: wire.OperationStatusStarted, WaitDetails: &WaitDetails{ScheduledEndTimestamp: wire.At(time.Now().Add(20 * time.Millisecond))}}
		if n > started {
			op.Status = wire.OperationStatusSucceeded
		}
		return []Operation{op}
	}
	h := func(ctx Context, _ any) (string, error) {
		woke := make(chan struct{})
		a := Go(ctx, "a", func(cc Context) (string, error) {
			if err := Wait(cc, "w", time.Second); err != nil {
				return "", err
			}
			close(woke)
			return "a", nil
		})
		b := Go(ctx, "b", func(cc Context) (string, error) {
			return Step(cc, "s", func(StepContext) (string, error) {
				_, err := testwait.Receive("branch a's wait ends", woke)
				return "b", err
			})
		})
		vb, err := b.Result(ctx)
		if err != nil {
			return "", err
		}
		va, err := a.Result(ctx)
		return va + vb, err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"ab"` {
		t.Fatalf("%+v %v", out, err)
	}
	// The wait only ends in the response to a request after its START (a
	// poll), which must come before the step can succeed.
	started, succeeded := -1, -1
	for i, c := range f.actions() {
		for _, a := range c {
			switch a {
			case "WAIT:START:" + waitID:
				started = i
			case "STEP:SUCCEED:" + WireID("2-1"):
				succeeded = i
			}
		}
	}
	if started < 0 || succeeded < started+2 {
		t.Errorf("no poll between the wait's start and the step's success: %v", f.actions())
	}
}

// TestNestedIDs: positional ids extend the enclosing context's, and every
// operation's ParentId is its enclosing context's wire id.
func TestNestedIDs(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		if _, err := Step(ctx, "top", func(StepContext) (string, error) { return "", nil }); err != nil {
			return "", err
		}
		return RunInChildContext(ctx, "outer", func(cc Context) (string, error) {
			if _, err := Step(cc, "first", func(StepContext) (string, error) { return "", nil }); err != nil {
				return "", err
			}
			return Go(cc, "inner", func(gc Context) (string, error) {
				return Step(gc, "deep", func(StepContext) (string, error) { return "deep", nil })
			}).Result(cc)
		})
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"deep"` {
		t.Fatalf("%+v %v", out, err)
	}
	parents := map[string]string{}
	for _, u := range f.updates() {
		parents[u.Id] = u.ParentId
	}
	want := map[string]string{
		WireID("1"): "", WireID("2"): "", WireID("2-1"): WireID("2"),
		WireID("2-2"): WireID("2"), WireID("2-2-1"): WireID("2-2"),
	}
	if !reflect.DeepEqual(parents, want) {
		t.Errorf("parents %v, want %v", parents, want)
	}
}
