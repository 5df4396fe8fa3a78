package emulator

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// callbackFn starts a callback with the given timeouts on its first
// invocation and suspends until the callback is terminal; it then
// succeeds with the callback's result or fails with its error.
func callbackFn(timeout, heartbeat int) script {
	return func(f *fake) (wire.InvocationOutput, error) {
		op, ok := f.op("cb")
		if !ok {
			if _, err := f.checkpoint(callbackStart("cb", timeout, heartbeat)); err != nil {
				return pending, err
			}
			return pending, nil
		}
		switch op.Status {
		case wire.OperationStatusSucceeded:
			return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: op.CallbackDetails.Result}, nil
		case wire.OperationStatusStarted:
			return pending, nil
		default:
			return wire.InvocationOutput{Status: wire.InvocationStatusFailed, Error: op.CallbackDetails.Error}, nil
		}
	}
}

func openCallbackID(t *testing.T, svc *Service, arn string) string {
	t.Helper()
	open, err := svc.OpenCallbacks(arn)
	if err != nil || len(open) != 1 {
		t.Fatalf("OpenCallbacks = %v, %v; want one", open, err)
	}
	return open[0].CallbackID
}

func TestCallbacks(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		timeout    int
		heartbeat  int
		act        func(t *testing.T, svc *Service, id string)
		wantStatus wire.ExecutionStatus
		wantEvent  wire.EventType
		wantType   string // error type of the callback outcome
	}{
		{
			name: "success",
			act: func(t *testing.T, svc *Service, id string) {
				if err := svc.SendCallbackSuccess(ctx, id, []byte(`"abc"`)); err != nil {
					t.Fatal(err)
				}
			},
			wantStatus: wire.ExecutionStatusSucceeded, wantEvent: wire.EventCallbackSucceeded,
		},
		{
			name: "failure",
			act: func(t *testing.T, svc *Service, id string) {
				if err := svc.SendCallbackFailure(ctx, id, wire.ErrorObject{ErrorType: "RejectedError", ErrorMessage: "not approved"}); err != nil {
					t.Fatal(err)
				}
			},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventCallbackFailed, wantType: "RejectedError",
		},
		{
			name: "timeout", timeout: 10,
			act:        func(t *testing.T, svc *Service, id string) {},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventCallbackTimedOut, wantType: "Callback.Timeout",
		},
		{
			name: "heartbeat timeout after heartbeats", timeout: 100, heartbeat: 5,
			act: func(t *testing.T, svc *Service, id string) {
				for i := 1; i <= 3; i++ {
					if err := svc.AdvanceTo(t0.Add(time.Duration(4*i) * time.Second)); err != nil {
						t.Fatal(err)
					}
					if err := svc.SendCallbackHeartbeat(ctx, id); err != nil {
						t.Fatalf("heartbeat %d: %v", i, err)
					}
				}
				timers := svc.Timers()
				if len(timers) == 0 || timers[0].Kind != TimerCallbackHeartbeat || !timers[0].At.Equal(t0.Add(17*time.Second)) {
					t.Errorf("timers after heartbeats = %+v, want heartbeat at t0+17s first", timers)
				}
			},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventCallbackTimedOut, wantType: "Callback.Heartbeat",
		},
		{
			name: "expired by test hook",
			act: func(t *testing.T, svc *Service, id string) {
				if err := svc.ExpireCallback(ctx, id); err != nil {
					t.Fatal(err)
				}
			},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventCallbackTimedOut, wantType: "Callback.Timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newService(t, Config{})
			host(t, svc, "fn", callbackFn(tt.timeout, tt.heartbeat))
			arn := start(t, svc, "fn", "{}")
			if err := svc.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			id := openCallbackID(t, svc, arn)
			if !regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`).MatchString(id) {
				t.Errorf("callback id %q is not in the base64 alphabet", id)
			}
			if _, err := base64.StdEncoding.DecodeString(id); err != nil {
				t.Errorf("callback id %q: %v", id, err)
			}
			tt.act(t, svc, id)
			ex := drive(t, svc, arn)
			if ex.Status != tt.wantStatus {
				t.Fatalf("status = %s, want %s", ex.Status, tt.wantStatus)
			}
			evs := history(t, svc, arn)
			types := eventTypes(evs)
			want := []string{"ExecutionStarted", "CallbackStarted", "InvocationCompleted", string(tt.wantEvent), "InvocationCompleted"}
			if !slices.Equal(types[:5], want) {
				t.Fatalf("events = %v, want prefix %v", types, want)
			}
			started := evs[1].CallbackStartedDetails
			if started.CallbackId != id || started.Timeout != tt.timeout || started.HeartbeatTimeout != tt.heartbeat {
				t.Errorf("CallbackStarted = %+v", started)
			}
			switch tt.wantEvent {
			case wire.EventCallbackSucceeded:
				if p := evs[3].CallbackSucceededDetails.Result; wire.Deref(p.Payload) != `"abc"` || p.Truncated {
					t.Errorf("CallbackSucceeded = %+v", p)
				}
			case wire.EventCallbackFailed:
				if p := evs[3].CallbackFailedDetails.Error.Payload; p.ErrorType != tt.wantType {
					t.Errorf("CallbackFailed = %+v", p)
				}
			default:
				if p := evs[3].CallbackTimedOutDetails.Error.Payload; p.ErrorType != tt.wantType {
					t.Errorf("CallbackTimedOut = %+v", p)
				}
			}
			var apiErr *wire.APIError
			if err := svc.SendCallbackSuccess(ctx, id, nil); !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeCallbackTimeout {
				t.Errorf("success on a closed callback: %v, want CallbackTimeoutException", err)
			}
			if err := svc.SendCallbackHeartbeat(ctx, "bm90LWEtY2FsbGJhY2s="); !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeResourceNotFound {
				t.Errorf("unknown callback: %v, want ResourceNotFoundException", err)
			}
			if err := svc.SendCallbackHeartbeat(ctx, "not base64!"); !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeInvalidParameterValue {
				t.Errorf("malformed callback id: %v, want InvalidParameterValueException", err)
			}
		})
	}
}

// TestExternalChangeDuringInvocation checks that a change made while an
// invocation runs is reported in the next checkpoint response, and that a
// change the invocation never observed re-invokes it after PENDING.
func TestExternalChangeDuringInvocation(t *testing.T) {
	ctx := context.Background()
	for _, poll := range []bool{true, false} {
		name := map[bool]string{true: "observed by a poll", false: "never observed"}[poll]
		t.Run(name, func(t *testing.T) {
			svc, _ := newService(t, Config{})
			var polled []wire.Operation
			calls := host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
				switch f.n {
				case 1:
					if _, err := f.checkpoint(callbackStart("cb", 0, 0), waitStart("w", 60)); err != nil {
						return pending, err
					}
					if err := svc.SendCallbackSuccess(ctx, f.ops["cb"].CallbackDetails.CallbackId, []byte("1")); err != nil {
						return pending, err
					}
					if poll {
						out, err := f.checkpoint()
						polled = out.NewExecutionState.Operations
						return pending, err
					}
					return pending, nil
				default:
					if !slices.Equal(f.in.UpdatedOperationIds, []string{"cb"}) {
						t.Errorf("UpdatedOperationIds = %v, want [cb]", f.in.UpdatedOperationIds)
					}
					return pending, nil
				}
			})
			arn := start(t, svc, "fn", "{}")
			if err := svc.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			want := 2
			if poll {
				want = 1
				if len(polled) != 1 || polled[0].Id != "cb" || polled[0].Status != wire.OperationStatusSucceeded {
					t.Errorf("poll returned %+v, want the succeeded callback", polled)
				}
			}
			if calls.get() != want {
				t.Errorf("invocations = %d, want %d", calls.get(), want)
			}
			types := eventTypes(history(t, svc, arn))
			if !slices.Equal(types[:5], []string{"ExecutionStarted", "CallbackStarted", "WaitStarted", "CallbackSucceeded", "InvocationCompleted"}) {
				t.Errorf("events = %v", types)
			}
		})
	}
}

// TestNewExecutionStateIncludesWrites checks the server-assigned fields a
// response carries for the operations just written.
func TestNewExecutionStateIncludesWrites(t *testing.T) {
	svc, _ := newService(t, Config{})
	var got []wire.Operation
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		out, err := f.checkpoint(stepStart("s"), stepSucceed("s", "1"), callbackStart("cb", 0, 0), waitStart("w", 5))
		got = out.NewExecutionState.Operations
		return pending, err
	})
	start(t, svc, "fn", "{}")
	if err := svc.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("NewExecutionState has %d operations, want 3: %+v", len(got), got)
	}
	if got[0].Id != "s" || got[0].Status != wire.OperationStatusSucceeded || got[0].StepDetails.Attempt != 1 || wire.Deref(got[0].StepDetails.Result) != "1" || got[0].EndTimestamp == nil {
		t.Errorf("step = %+v %+v", got[0], got[0].StepDetails)
	}
	if got[1].CallbackDetails == nil || got[1].CallbackDetails.CallbackId == "" {
		t.Errorf("callback = %+v, want a CallbackId", got[1])
	}
	if got[2].WaitDetails == nil || !wire.TimeOf(got[2].WaitDetails.ScheduledEndTimestamp).Equal(t0.Add(5*time.Second)) {
		t.Errorf("wait = %+v, want ScheduledEndTimestamp t0+5s", got[2])
	}
}

// TestPendingWithUnobservedCompletion: the only thing the function waited
// for completed while it ran and it never saw that; its PENDING is valid
// and it is re-invoked at once, not counted as a failure.
func TestPendingWithUnobservedCompletion(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, Config{})
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		op, ok := f.op("cb")
		if !ok {
			if _, err := f.checkpoint(callbackStart("cb", 0, 0)); err != nil {
				return pending, err
			}
			return pending, svc.SendCallbackSuccess(ctx, f.ops["cb"].CallbackDetails.CallbackId, []byte(`"late"`))
		}
		return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: op.CallbackDetails.Result}, nil
	})
	arn := start(t, svc, "fn", "{}")
	if err := svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	ex, _ := svc.GetExecution(ctx, arn, true)
	invs, _ := svc.Invocations(arn)
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"late"` || len(invs) != 2 || invs[0].Error != nil {
		t.Fatalf("execution = %s %q, invocations %+v", ex.Status, wire.Deref(ex.Result), invs)
	}
}
