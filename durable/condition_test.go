package durable

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// conditionRecord builds a WaitForCondition STEP record at positional id
// "1" named "poll".
func conditionRecord(status OperationStatus, attempt int, result *string, errObj *ErrorObject) Operation {
	return Operation{Id: WireID("1"), Name: "poll", Type: wire.OperationTypeStep, SubType: wire.SubTypeWaitForCondition, Status: status,
		StartTimestamp: wire.At(testEpoch), StepDetails: &StepDetails{Attempt: attempt, Result: result, Error: errObj}}
}

// untilAtLeast continues every 2 s while the state is below n.
func untilAtLeast(n int) WaitStrategy[int] {
	return func(s int, _ int) WaitDecision {
		return WaitDecision{Continue: s < n, Delay: 2 * time.Second}
	}
}

func TestWaitForConditionReplayTable(t *testing.T) {
	inc := func(_ StepContext, s int) (int, error) { return s + 1, nil }
	boom := errors.New("probe down")
	recorded := ErrorObject{ErrorType: "Error", ErrorMessage: "probe down"}
	tests := []struct {
		name        string
		rec         *Operation
		check       func(StepContext, int) (int, error)
		strategy    WaitStrategy[int]
		initial     int
		wantCalls   [][]string
		wantStatus  wire.InvocationStatus
		wantResult  string
		wantSeen    []int // (state, attempt) pairs seen by the check
		wantPayload []string
		wantDelay   int
		wantErrObj  *ErrorObject // the FAIL update's error
		wantErr     func(t *testing.T, err error)
	}{
		{name: "condition met at once", check: inc, strategy: untilAtLeast(1), initial: 0,
			wantCalls: [][]string{{"STEP:START", "STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: "1",
			wantSeen: []int{0, 1}, wantPayload: []string{"", "1"}},
		{name: "not yet: RETRY with the state and no error", check: inc, strategy: untilAtLeast(3), initial: 0,
			wantCalls: [][]string{{"STEP:START", "STEP:RETRY"}}, wantStatus: "PENDING",
			wantSeen: []int{0, 1}, wantPayload: []string{"", "1"}, wantDelay: 2},
		{name: "ready resumes from the recorded state", rec: ptr(conditionRecord("READY", 1, wire.String("1"), nil)), check: inc,
			strategy: untilAtLeast(2), initial: 100,
			wantCalls: [][]string{{"STEP:START", "STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: "2",
			wantSeen: []int{1, 2}, wantPayload: []string{"", "2"}},
		{name: "pending suspends", rec: ptr(conditionRecord("PENDING", 1, wire.String("1"), nil)), check: inc, strategy: untilAtLeast(2),
			wantCalls: [][]string{}, wantStatus: "PENDING"},
		{name: "started re-runs without START", rec: ptr(conditionRecord("STARTED", 2, wire.String("2"), nil)), check: inc,
			strategy: untilAtLeast(3), wantCalls: [][]string{{"STEP:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: "3",
			wantSeen: []int{2, 3}, wantPayload: []string{"3"}},
		{name: "succeeded returns the record", rec: ptr(conditionRecord("SUCCEEDED", 3, wire.String("3"), nil)), check: inc,
			strategy: untilAtLeast(9), wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: "3"},
		{name: "failed returns the recorded error", rec: ptr(conditionRecord("FAILED", 1, nil, &recorded)), check: inc,
			strategy: untilAtLeast(9), wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: func(t *testing.T, err error) {
				var we *WaitForConditionError
				if !errors.As(err, &we) || we.ErrorType != "Error" || we.Message != "probe down" || we.Attempts != 1 || we.Name != "poll" {
					t.Fatalf("error %#v", err)
				}
			}},
		{name: "check error fails at once", check: func(StepContext, int) (int, error) { return 0, boom }, strategy: untilAtLeast(9),
			wantCalls: [][]string{{"STEP:START", "STEP:FAIL"}}, wantStatus: "FAILED", wantSeen: []int{0, 1}, wantErrObj: &recorded,
			wantErr: func(t *testing.T, err error) {
				var we *WaitForConditionError
				var oe *OperationError
				if !errors.As(err, &we) || !errors.As(err, &oe) || we.Attempts != 1 || we.Message != "probe down" {
					t.Fatalf("error %#v", err)
				}
			}},
		{name: "strategy error fails", check: inc, strategy: func(int, int) WaitDecision { return WaitDecision{Err: boom} },
			wantCalls: [][]string{{"STEP:START", "STEP:FAIL"}}, wantStatus: "FAILED", wantSeen: []int{0, 1}, wantErrObj: &recorded},
		{name: "last attempt exhausted", rec: ptr(conditionRecord("READY", 2, wire.String("2"), nil)), check: inc,
			strategy:  MustNewWaitStrategy(WaitConfig[int]{MaxAttempts: 3, ShouldContinue: func(int) bool { return true }}),
			wantCalls: [][]string{{"STEP:START", "STEP:FAIL"}}, wantStatus: "FAILED", wantSeen: []int{2, 3},
			wantErrObj: &ErrorObject{ErrorType: "WaitForConditionError", ErrorMessage: "the condition was still unmet after 3 attempts"},
			wantErr: func(t *testing.T, err error) {
				var we *WaitForConditionError
				if !errors.As(err, &we) || we.Attempts != 3 {
					t.Fatalf("error %#v", err)
				}
			}},
		{name: "zero delay becomes one second", check: inc, strategy: func(int, int) WaitDecision { return WaitDecision{Continue: true} },
			wantCalls: [][]string{{"STEP:START", "STEP:RETRY"}}, wantStatus: "PENDING", wantSeen: []int{0, 1}, wantDelay: 1},
		{name: "undecodable recorded state fails", rec: ptr(conditionRecord("READY", 1, wire.String("{"), nil)), check: inc,
			strategy: untilAtLeast(2), wantCalls: [][]string{{"STEP:FAIL"}}, wantStatus: "FAILED",
			wantErr: func(t *testing.T, err error) {
				var we *WaitForConditionError
				if !errors.As(err, &we) || we.ErrorType != "SerdesError" {
					t.Fatalf("error %#v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			if tt.rec != nil {
				ops = append(ops, *tt.rec)
			}
			f := newFakeClient(ops...)
			var seen []int
			var gotErr error
			h := func(ctx Context, _ any) (int, error) {
				v, err := WaitForCondition(ctx, "poll", func(sc StepContext, s int) (int, error) {
					seen = append(seen, s, sc.Attempt())
					return tt.check(sc, s)
				}, ConditionConfig[int]{InitialState: tt.initial, WaitStrategy: tt.strategy})
				gotErr = err
				return v, err
			}
			invokeAndCheck(t, f, h, ops, tt.wantCalls, tt.wantStatus, tt.wantResult)
			if !reflect.DeepEqual(seen, tt.wantSeen) {
				t.Errorf("check saw (state, attempt) %v, want %v", seen, tt.wantSeen)
			}
			var updates []OperationUpdate
			for _, c := range f.calls {
				updates = append(updates, c.Updates...)
			}
			if tt.wantPayload != nil {
				var payloads []string
				for _, u := range updates {
					payloads = append(payloads, wire.Deref(u.Payload))
				}
				if !reflect.DeepEqual(payloads, tt.wantPayload) {
					t.Errorf("payloads %q, want %q", payloads, tt.wantPayload)
				}
			}
			for _, u := range updates {
				if u.SubType != "WaitForCondition" || u.Name != "poll" {
					t.Errorf("update %+v, want subtype WaitForCondition named poll", u)
				}
				switch u.Action {
				case "RETRY":
					if u.Error != nil || u.StepOptions == nil || u.StepOptions.NextAttemptDelaySeconds != tt.wantDelay {
						t.Errorf("RETRY %+v options %+v, want no error and delay %d", u, u.StepOptions, tt.wantDelay)
					}
				case "FAIL":
					if tt.wantErrObj != nil && !reflect.DeepEqual(u.Error, tt.wantErrObj) {
						t.Errorf("FAIL error %+v, want %+v", u.Error, tt.wantErrObj)
					}
				}
			}
			if tt.wantErr != nil {
				tt.wantErr(t, gotErr)
			}
		})
	}
}

// TestWaitForConditionAcrossInvocations drives a poll to completion the
// way the service does: each RETRY suspends, time passes, the next
// invocation resumes from the recorded state.
func TestWaitForConditionAcrossInvocations(t *testing.T) {
	type state struct {
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
	}
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (state, error) {
		return WaitForCondition(ctx, "poll", func(_ StepContext, s state) (state, error) {
			s.Attempts++
			if s.Attempts == 3 {
				s.Status = "DONE"
			}
			return s, nil
		}, ConditionConfig[state]{InitialState: state{Status: "PENDING"}, WaitStrategy: MustNewWaitStrategy(WaitConfig[state]{
			ShouldContinue: func(s state) bool { return s.Status == "PENDING" }, Jitter: JitterNone})})
	}
	var statuses []wire.InvocationStatus
	var updated []string
	for i := 0; i < 5; i++ {
		out, err := invoke(t, h, envelope(t, "tok", f.log(), updated...), testOptions(f)...)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, out.Status)
		if out.Status != "PENDING" {
			if want := `{"status":"DONE","attempts":3}`; wire.Deref(out.Result) != want {
				t.Fatalf("result %q, want %q", wire.Deref(out.Result), want)
			}
			break
		}
		updated = f.fireTimers()
	}
	if want := []wire.InvocationStatus{"PENDING", "PENDING", "SUCCEEDED"}; !reflect.DeepEqual(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	var delays []int
	for _, c := range f.calls {
		for _, u := range c.Updates {
			if u.StepOptions != nil {
				delays = append(delays, u.StepOptions.NextAttemptDelaySeconds)
			}
		}
	}
	if want := []int{5, 8}; !reflect.DeepEqual(delays, want) {
		t.Errorf("delays %v, want %v (5 s × 1.5^(n-1), rounded)", delays, want)
	}
}

func TestNewWaitStrategy(t *testing.T) {
	always := func(int) bool { return true }
	s := MustNewWaitStrategy(WaitConfig[int]{ShouldContinue: always, Jitter: JitterNone})
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{{1, 5 * time.Second}, {2, 8 * time.Second}, {3, 11 * time.Second}, {20, 5 * time.Minute}} {
		if d := s(0, tt.attempt); !d.Continue || d.Err != nil || d.Delay != tt.want {
			t.Errorf("attempt %d: %+v, want continue after %v", tt.attempt, d, tt.want)
		}
	}
	if d := s(0, 60); d.Continue || d.Err == nil {
		t.Errorf("attempt 60 of 60: %+v, want an error", d)
	}
	stop := MustNewWaitStrategy(WaitConfig[int]{ShouldContinue: func(int) bool { return false }})
	if d := stop(0, 1); d != (WaitDecision{}) {
		t.Errorf("condition met: %+v, want the zero decision", d)
	}
	full := MustNewWaitStrategy(WaitConfig[int]{ShouldContinue: always, InitialDelay: 10 * time.Second})
	for range 20 {
		if d := full(0, 1); d.Delay < time.Second || d.Delay > 10*time.Second {
			t.Fatalf("full jitter delay %v outside [1s, 10s]", d.Delay)
		}
	}
	for _, tt := range []struct {
		cfg  WaitConfig[int]
		want string
	}{
		{WaitConfig[int]{}, "ShouldContinue is nil"},
		{WaitConfig[int]{ShouldContinue: always, MaxAttempts: -1}, "MaxAttempts"},
		{WaitConfig[int]{ShouldContinue: always, BackoffRate: 0.5}, "BackoffRate"},
		{WaitConfig[int]{ShouldContinue: always, Jitter: "SOME"}, "Jitter"},
		{WaitConfig[int]{ShouldContinue: always, InitialDelay: time.Hour}, "MaxDelay"},
	} {
		if _, err := NewWaitStrategy(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewWaitStrategy(%+v) = %v, want an error about %s", tt.cfg, err, tt.want)
		}
	}
}

func TestWaitForConditionArgumentErrors(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (int, error) {
		if _, err := WaitForCondition(ctx, "p", func(_ StepContext, s int) (int, error) { return s, nil }, ConditionConfig[int]{}); err == nil {
			return 0, errors.New("a nil strategy was accepted")
		}
		if _, err := WaitForCondition(ctx, "p", nil, ConditionConfig[int]{WaitStrategy: untilAtLeast(1)}); err == nil {
			return 0, errors.New("a nil check was accepted")
		}
		return 7, nil
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || len(f.calls) != 0 {
		t.Fatalf("%+v %v calls %v", out, err, f.actions())
	}
}
