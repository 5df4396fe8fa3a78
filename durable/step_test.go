package durable

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// stepActions returns each call's updates as "TYPE:ACTION" (the tests below
// use one operation id).
func stepActions(f *fakeClient) [][]string {
	out := f.actions()
	for _, call := range out {
		for i, a := range call {
			call[i] = a[:strings.LastIndexByte(a, ':')]
		}
	}
	return out
}

type userErr struct{ code int }

func (e *userErr) Error() string { return fmt.Sprintf("user error %d", e.code) }

func TestStepReplayTable(t *testing.T) {
	boom := &userErr{code: 7}
	okBody := func(sc StepContext) (any, error) { return "ok", nil }
	failBody := func(sc StepContext) (any, error) { return nil, boom }
	recorded := ErrorObject{ErrorType: "userErr", ErrorMessage: "user error 7"}
	tests := []struct {
		name        string
		rec         *Operation
		opts        []StepOption
		body        func(StepContext) (any, error)
		wantCalls   [][]string
		wantStatus  wire.InvocationStatus
		wantResult  string
		wantErrType string
		wantAttempt int // attempt seen by the body; 0 = body not run
		wantDelay   int // NextAttemptDelaySeconds of a RETRY
		wantErrObj  *ErrorObject
	}{
		{name: "new at-least-once", body: okBody,
			wantCalls: [][]string{{"STEP:START", "STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: `"ok"`, wantAttempt: 1},
		{name: "new at-most-once", body: okBody, opts: []StepOption{WithSemantics(AtMostOncePerRetry)},
			wantCalls: [][]string{{"STEP:START"}, {"STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: `"ok"`, wantAttempt: 1},
		{name: "succeeded", rec: ptr(stepRecord("SUCCEEDED", 1, wire.String(`"recorded"`), nil)), body: okBody,
			wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: `"recorded"`},
		{name: "succeeded without result", rec: ptr(stepRecord("SUCCEEDED", 1, nil, nil)), body: okBody,
			wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: `null`},
		{name: "failed", rec: ptr(stepRecord("FAILED", 3, nil, &recorded)), body: okBody,
			wantCalls: [][]string{}, wantStatus: "FAILED", wantErrType: "StepError"},
		{name: "pending suspends", rec: ptr(stepRecord("PENDING", 1, nil, &recorded)), body: okBody,
			wantCalls: [][]string{}, wantStatus: "PENDING"},
		{name: "ready runs the next attempt with START", rec: ptr(stepRecord("READY", 1, nil, &recorded)), body: okBody,
			wantCalls: [][]string{{"STEP:START", "STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: `"ok"`, wantAttempt: 2},
		{name: "started at-least-once re-runs without START", rec: ptr(stepRecord("STARTED", 0, nil, nil)), body: okBody,
			wantCalls: [][]string{{"STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: `"ok"`, wantAttempt: 1},
		{name: "started at-most-once is interrupted, no retry", rec: ptr(stepRecord("STARTED", 0, nil, nil)), body: okBody,
			opts:      []StepOption{WithSemantics(AtMostOncePerRetry), WithRetry(NoRetry())},
			wantCalls: [][]string{{"STEP:FAIL"}}, wantStatus: "FAILED", wantErrType: "StepError",
			wantErrObj: &ErrorObject{ErrorType: "StepInterruptedError", ErrorMessage: `step "s" attempt 1 was interrupted before it finished`}},
		{name: "started at-most-once is interrupted, retried", rec: ptr(stepRecord("STARTED", 1, nil, nil)), body: okBody,
			opts:      []StepOption{WithSemantics(AtMostOncePerRetry), WithRetry(fixedDelay(3, 4*time.Second))},
			wantCalls: [][]string{{"STEP:RETRY"}}, wantStatus: "PENDING", wantDelay: 4,
			wantErrObj: &ErrorObject{ErrorType: "StepInterruptedError", ErrorMessage: `step "s" attempt 2 was interrupted before it finished`}},
		{name: "failure retried", body: failBody, opts: []StepOption{WithRetry(fixedDelay(3, 6200*time.Millisecond))},
			wantCalls: [][]string{{"STEP:START", "STEP:RETRY"}}, wantStatus: "PENDING", wantAttempt: 1, wantDelay: 7, wantErrObj: &recorded},
		{name: "zero delay becomes one second", body: failBody, opts: []StepOption{WithRetry(fixedDelay(3, 0))},
			wantCalls: [][]string{{"STEP:START", "STEP:RETRY"}}, wantStatus: "PENDING", wantAttempt: 1, wantDelay: 1},
		{name: "negative delay fails", body: failBody, opts: []StepOption{WithRetry(fixedDelay(3, -time.Second))},
			wantCalls: [][]string{{"STEP:START", "STEP:FAIL"}}, wantStatus: "FAILED", wantErrType: "StepError", wantAttempt: 1},
		{name: "retries exhausted", rec: ptr(stepRecord("READY", 2, nil, &recorded)), body: failBody, opts: []StepOption{WithRetry(fixedDelay(3, time.Second))},
			wantCalls: [][]string{{"STEP:START", "STEP:FAIL"}}, wantStatus: "FAILED", wantErrType: "StepError", wantAttempt: 3, wantErrObj: &recorded},
		{name: "serialization failure is final", body: func(StepContext) (any, error) { return make(chan int), nil },
			opts:      []StepOption{WithRetry(fixedDelay(5, time.Second))},
			wantCalls: [][]string{{"STEP:START", "STEP:FAIL"}}, wantStatus: "FAILED", wantErrType: "StepError", wantAttempt: 1},
		{name: "retryable serialization failure is retried", body: okBody,
			opts: []StepOption{WithRetry(fixedDelay(5, time.Second)), WithStepSerdes(SerdesOf(
				func(any) ([]byte, error) { return nil, RetryableSerdesError(errors.New("store down")) },
				func([]byte) (any, error) { return nil, nil }))},
			wantCalls: [][]string{{"STEP:START", "STEP:RETRY"}}, wantStatus: "PENDING", wantAttempt: 1, wantDelay: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			if tt.rec != nil {
				ops = append(ops, *tt.rec)
			}
			f := newFakeClient(ops...)
			attempt := 0
			h := func(ctx Context, _ any) (any, error) {
				return Step(ctx, "s", func(sc StepContext) (any, error) {
					attempt = sc.Attempt()
					return tt.body(sc)
				}, tt.opts...)
			}
			out := invokeAndCheck(t, f, h, ops, tt.wantCalls, tt.wantStatus, tt.wantResult)
			if tt.wantErrType != "" && (out.Error == nil || out.Error.ErrorType != tt.wantErrType) {
				t.Errorf("error %+v, want type %s", out.Error, tt.wantErrType)
			}
			if attempt != tt.wantAttempt {
				t.Errorf("body attempt %d, want %d", attempt, tt.wantAttempt)
			}
			last := lastUpdate(f)
			if tt.wantDelay != 0 && (last.StepOptions == nil || last.StepOptions.NextAttemptDelaySeconds != tt.wantDelay) {
				t.Errorf("retry options %+v, want delay %d", last.StepOptions, tt.wantDelay)
			}
			if tt.wantErrObj != nil && !reflect.DeepEqual(last.Error, tt.wantErrObj) {
				t.Errorf("checkpointed error %+v, want %+v", last.Error, tt.wantErrObj)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func lastUpdate(f *fakeClient) OperationUpdate {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return OperationUpdate{}
	}
	c := f.calls[len(f.calls)-1]
	if len(c.Updates) == 0 {
		return OperationUpdate{}
	}
	return c.Updates[len(c.Updates)-1]
}

func TestStepErrorsSeenByTheHandler(t *testing.T) {
	recorded := ErrorObject{ErrorType: "userErr", ErrorMessage: "user error 7", ErrorData: "d"}
	run := func(ops []Operation, opts ...StepOption) error {
		f := newFakeClient(ops...)
		var stepErr error
		h := func(ctx Context, _ any) (any, error) {
			_, stepErr = Step(ctx, "s", func(StepContext) (any, error) {
				return nil, WithErrorData(&userErr{7}, "d")
			}, opts...)
			return nil, nil
		}
		if _, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...); err != nil {
			t.Fatal(err)
		}
		return stepErr
	}
	first := run([]Operation{executionOp("")}, WithRetry(NoRetry()))
	replayed := run([]Operation{executionOp(""), stepRecord("FAILED", 1, nil, &recorded)})
	for name, err := range map[string]error{"first run": first, "replay": replayed} {
		var se *StepError
		if !errors.As(err, &se) {
			t.Fatalf("%s: %v is not a *StepError", name, err)
		}
		var oe *OperationError
		if !errors.As(err, &oe) || oe.ErrorType != "userErr" {
			t.Errorf("%s: OperationError %+v", name, oe)
		}
		var ue *userErr
		if errors.As(err, &ue) {
			t.Errorf("%s: the stand-in must not be the user's type", name)
		}
		if se.Name != "s" || se.Attempts != 1 || se.ErrorType != "userErr" || se.Message != "user error 7" || se.ErrorData != "d" || err.Error() != "user error 7" {
			t.Errorf("%s: %+v", name, se)
		}
	}
}

func TestStepInterruptedErrorMatches(t *testing.T) {
	ops := []Operation{executionOp(""), stepRecord("STARTED", 0, nil, nil)}
	f := newFakeClient(ops...)
	var stepErr error
	h := func(ctx Context, _ any) (any, error) {
		_, stepErr = Step(ctx, "s", func(StepContext) (int, error) { return 1, nil },
			WithSemantics(AtMostOncePerRetry), WithRetry(NoRetry()))
		return nil, nil
	}
	if _, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	var ie *StepInterruptedError
	if !errors.As(stepErr, &ie) {
		t.Fatalf("%v does not match *StepInterruptedError", stepErr)
	}
}

// TestStepRetryAcrossInvocations drives a failing-then-succeeding step
// through three invocations, as the service would.
func TestStepRetryAcrossInvocations(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var attempts []int
	h := func(ctx Context, _ any) (string, error) {
		return Step(ctx, "flaky", func(sc StepContext) (string, error) {
			attempts = append(attempts, sc.Attempt())
			if sc.Attempt() < 3 {
				return "", errors.New("transient")
			}
			return "done", nil
		}, WithRetry(fixedDelay(5, 2*time.Second)))
	}
	var updated []string
	var out InvocationOutput
	for i := range 3 {
		var err error
		out, err = invoke(t, h, envelope(t, fmt.Sprintf("seed-%d", i), f.log(), updated...), testOptions(f)...)
		if err != nil {
			t.Fatal(err)
		}
		updated = f.fireTimers()
	}
	if out.Status != wire.InvocationStatusSucceeded || wire.Deref(out.Result) != `"done"` {
		t.Fatalf("final %+v", out)
	}
	want := [][]string{{"STEP:START", "STEP:RETRY"}, {"STEP:START", "STEP:RETRY"}, {"STEP:START", "STEP:SUCCEED"}}
	if got := stepActions(f); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	if !reflect.DeepEqual(attempts, []int{1, 2, 3}) {
		t.Fatalf("attempts %v", attempts)
	}
	if rec := f.log()[1]; rec.StepDetails.Attempt != 3 || wire.Deref(rec.StepDetails.Result) != `"done"` {
		t.Fatalf("record %+v", rec.StepDetails)
	}
}

func TestSequentialStepsOneCallEach(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (int, error) {
		sum := 0
		for i := range 3 {
			v, err := Step(ctx, fmt.Sprintf("s%d", i), func(StepContext) (int, error) { return i, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || wire.Deref(out.Result) != "3" {
		t.Fatalf("%+v %v", out, err)
	}
	var want [][]string
	for i := 1; i <= 3; i++ {
		id := WireID(fmt.Sprint(i))
		want = append(want, []string{"STEP:START:" + id, "STEP:SUCCEED:" + id})
	}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	for i, c := range f.calls {
		if wantTok := map[bool]string{true: "tok-0", false: fmt.Sprintf("tok-%d", i)}[i == 0]; c.CheckpointToken != wantTok {
			t.Errorf("call %d used token %q, want %q", i+1, c.CheckpointToken, wantTok)
		}
	}
}

// TestStartOfParkedBodyIsSent checks that the START of an at-least-once
// step whose body stays parked is sent on its own by the queue's fallback.
func TestStartOfParkedBodyIsSent(t *testing.T) {
	f := newFakeClient(executionOp(""))
	started := make(chan struct{})
	var once atomic.Bool
	f.onCall = func(n int, in CheckpointInput) error {
		if n == 1 && once.CompareAndSwap(false, true) {
			close(started)
		}
		return nil
	}
	h := func(ctx Context, _ any) (string, error) {
		return Step(ctx, "slow", func(StepContext) (string, error) {
			_, err := testwait.Receive("the fallback sends the START of the parked step", started)
			return "ok", err
		})
	}
	opts := append(testOptions(f), withFallbackTick(time.Millisecond))
	if _, err := invoke(t, h, envelope(t, "tok-0", f.log()), opts...); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"STEP:START"}, {"STEP:SUCCEED"}}
	if got := stepActions(f); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
}

func TestNonDeterminism(t *testing.T) {
	tests := []struct {
		name   string
		rec    Operation
		opts   []StepOption
		field  string
		wanted string
	}{
		{name: "name", rec: stepRecord("SUCCEEDED", 1, nil, nil), field: "CurrentName", wanted: "other"},
		{name: "type", rec: Operation{Id: WireID("1"), Name: "other", Type: wire.OperationTypeWait, SubType: wire.SubTypeWait, Status: "SUCCEEDED"}, field: "RecordedType", wanted: "WAIT"},
		{name: "subtype", rec: Operation{Id: WireID("1"), Name: "other", Type: wire.OperationTypeStep, SubType: "Custom", Status: "SUCCEEDED"}, field: "RecordedSubType", wanted: "Custom"},
		{name: "absent name", rec: Operation{Id: WireID("1"), Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Status: "SUCCEEDED"}, field: "RecordedName", wanted: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp(""), tt.rec}
			f := newFakeClient(ops...)
			var stepErr error
			h := func(ctx Context, _ any) (string, error) {
				_, stepErr = Step(ctx, "other", func(StepContext) (string, error) { return "x", nil })
				return "swallowed", nil
			}
			out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != wire.InvocationStatusFailed || out.Error.ErrorType != "NonDeterministicExecutionError" {
				t.Fatalf("got %+v / %+v", out, out.Error)
			}
			var nde *NonDeterministicExecutionError
			if !errors.As(stepErr, &nde) {
				t.Fatalf("step error %v", stepErr)
			}
			if got := reflect.ValueOf(*nde).FieldByName(tt.field).String(); got != tt.wanted {
				t.Errorf("%s = %q, want %q", tt.field, got, tt.wanted)
			}
			var oe *OperationError
			if !errors.As(stepErr, &oe) {
				t.Error("does not match *OperationError")
			}
			if len(f.calls) != 0 {
				t.Errorf("checkpoints %v", f.actions())
			}
		})
	}
}

func TestStepSubTypeOption(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		if _, err := Step(ctx, "bad", func(StepContext) (int, error) { return 0, nil }, WithStepSubType("Wait")); err == nil {
			t.Error("reserved subtype accepted")
		}
		if _, err := Step(ctx, "bad", func(StepContext) (int, error) { return 0, nil }, WithStepSubType("has space")); err == nil {
			t.Error("malformed subtype accepted")
		}
		return Step(ctx, "custom", func(StepContext) (string, error) { return "x", nil }, WithStepSubType("Fetch_1"))
	}
	if _, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	if u := lastUpdate(f); u.SubType != "Fetch_1" || u.Id != WireID("1") {
		t.Fatalf("update %+v (argument errors must not consume ids)", u)
	}
}

func TestStepReplayDeserializationFailure(t *testing.T) {
	ops := []Operation{executionOp(""), stepRecord("SUCCEEDED", 1, wire.String(`"not a number"`), nil)}
	f := newFakeClient(ops...)
	h := func(ctx Context, _ any) (int, error) {
		return Step(ctx, "s", func(StepContext) (int, error) { return 1, nil })
	}
	out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != wire.InvocationStatusFailed || out.Error.ErrorType != "StepError" || !strings.Contains(out.Error.ErrorMessage, "deserialize") {
		t.Fatalf("got %+v", out.Error)
	}
}

func TestStepStartTimeFeedsElapsed(t *testing.T) {
	ops := []Operation{executionOp(""), stepRecord("READY", 1, nil, nil)}
	f := newFakeClient(ops...)
	var elapsed time.Duration
	h := func(ctx Context, _ any) (int, error) {
		return Step(ctx, "s", func(StepContext) (int, error) { return 0, errors.New("x") },
			WithRetry(func(a RetryAttempt) RetryDecision { elapsed = a.Elapsed; return RetryDecision{} }))
	}
	if _, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	if elapsed < time.Since(testEpoch)-time.Hour {
		t.Fatalf("elapsed %v not measured from the record's start", elapsed)
	}
}

// TestFreshStepReturnsTheCheckpointedValue: with a non-identity serdes the
// first run must see what replays see.
func TestFreshStepReturnsTheCheckpointedValue(t *testing.T) {
	upper := SerdesOf(func(s string) ([]byte, error) { return []byte(strings.ToUpper(s)), nil },
		func(b []byte) (string, error) { return string(b), nil })
	h := func(ctx Context, in string) (string, error) {
		return Step(ctx, "s", func(StepContext) (string, error) { return in, nil }, WithStepSerdes(upper))
	}
	f := newFakeClient(executionOp(`"hello"`))
	first, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	replay, err := invoke(t, h, envelope(t, "t2", f.log()), testOptions(newFakeClient())...)
	if err != nil {
		t.Fatal(err)
	}
	if wire.Deref(first.Result) != `"HELLO"` || wire.Deref(replay.Result) != `"HELLO"` {
		t.Fatalf("first %q, replay %q", wire.Deref(first.Result), wire.Deref(replay.Result))
	}
}

// A serialization failure marked retryable while reading a recorded or
// fresh result fails the invocation (the service invokes the function
// again) and records nothing: a transient store outage must not become the
// operation's permanent outcome.
func TestTransientDeserializationFailsTheInvocation(t *testing.T) {
	transient := SerdesOf(
		func(v int) ([]byte, error) { return []byte("1"), nil },
		func([]byte) (int, error) { return 0, RetryableSerdesError(errors.New("store down")) })
	tests := []struct {
		name string
		rec  *Operation
		run  func(ctx Context) (int, error)
	}{
		{name: "replayed step", rec: ptr(stepRecord("SUCCEEDED", 1, wire.String("1"), nil)), run: func(ctx Context) (int, error) {
			return Step(ctx, "s", func(StepContext) (int, error) { return 1, nil }, WithStepSerdes(transient))
		}},
		{name: "condition resumed from its state", rec: ptr(conditionRecord("READY", 1, wire.String("1"), nil)), run: func(ctx Context) (int, error) {
			return WaitForCondition(ctx, "poll", func(_ StepContext, s int) (int, error) { return s, nil },
				ConditionConfig[int]{WaitStrategy: untilAtLeast(0), Serdes: transient})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp(""), *tt.rec}
			f := newFakeClient(ops...)
			h := func(ctx Context, _ any) (int, error) { return tt.run(ctx) }
			out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
			if !errors.Is(err, ErrRetryableSerdes) {
				t.Fatalf("got %+v (%+v), %v; want an invocation failure", out, out.Error, err)
			}
			for _, u := range f.updates() {
				if u.Action == wire.OperationActionFail {
					t.Errorf("recorded %+v", u)
				}
			}
		})
	}
}

func TestValidSubType(t *testing.T) {
	tests := []struct {
		subType string
		want    bool
	}{
		{"Fetch_1", true},
		{"a-b", true},
		{strings.Repeat("x", 32), true},
		{strings.Repeat("x", 33), false},
		{"", false},
		{"has space", false},
		{"dot.ted", false},
		{"ünï", false},
		{"Wait", false},
		{wire.SubTypeMapIteration, false},
	}
	for _, tt := range tests {
		if got := validSubType(tt.subType); got != tt.want {
			t.Errorf("validSubType(%q) = %v, want %v", tt.subType, got, tt.want)
		}
	}
}
