package timeline

import (
	"slices"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

func TestEventHelpers(t *testing.T) {
	cause := &wire.EventError{Payload: &wire.ErrorObject{ErrorType: "Boom"}}
	tests := []struct {
		ev                   wire.Event
		kind, status, errTyp string
		final                bool
	}{
		{wire.Event{EventType: wire.EventStepStarted, SubType: "Step"}, "Step", "STARTED", "", false},
		{wire.Event{EventType: wire.EventStepFailed, SubType: "Step", StepFailedDetails: &wire.StepFailedDetails{Error: cause}}, "Step", "FAILED", "Boom", true},
		{wire.Event{EventType: wire.EventContextSucceeded, ContextSucceededDetails: &wire.ResultDetails{}}, "Context", "SUCCEEDED", "", true},
		{wire.Event{EventType: wire.EventCallbackTimedOut, CallbackTimedOutDetails: &wire.ErrorDetails{Error: cause}}, "Callback", "TIMED_OUT", "Boom", true},
		{wire.Event{EventType: wire.EventWaitCancelled, WaitCancelledDetails: &wire.ErrorDetails{}}, "Wait", "CANCELLED", "", true},
		{wire.Event{EventType: wire.EventChainedInvokeStopped, ChainedInvokeStoppedDetails: &wire.ErrorDetails{Error: cause}}, "ChainedInvoke", "STOPPED", "Boom", true},
		{wire.Event{EventType: wire.EventExecutionFailed, ExecutionFailedDetails: &wire.ErrorDetails{Error: cause}}, "Execution", "FAILED", "Boom", true},
		{wire.Event{EventType: wire.EventInvocationCompleted, InvocationCompletedDetails: &wire.InvocationCompletedDetails{Error: cause}}, "InvocationCompleted", "InvocationCompleted", "Boom", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.ev.EventType), func(t *testing.T) {
			status, final := EventStatus(tt.ev)
			errTyp := ""
			if err := EventError(tt.ev); err != nil {
				errTyp = err.ErrorType
			}
			if got := Kind(tt.ev); got != tt.kind || status != tt.status || final != tt.final || errTyp != tt.errTyp {
				t.Errorf("kind %q, status %q (final %v), error %q; want %q, %q (%v), %q", got, status, final, errTyp, tt.kind, tt.status, tt.final, tt.errTyp)
			}
		})
	}
}

// ev builds an event of operation id at t0+ms.
func ev(id, parent, name string, typ wire.EventType, ms int, set func(*wire.Event)) wire.Event {
	e := wire.Event{EventType: typ, Id: id, ParentId: parent, Name: name,
		EventTimestamp: wire.At(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond))}
	if set != nil {
		set(&e)
	}
	return e
}

func TestBuild(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	two := 2
	boom := &wire.EventError{Payload: &wire.ErrorObject{ErrorType: "Boom"}}
	result := "42"
	events := []wire.Event{
		ev("exec", "", "run-1", wire.EventExecutionStarted, 0, nil),
		ev("s1", "", "charge", wire.EventStepStarted, 1, func(e *wire.Event) { e.SubType = "Step"; e.StepStartedDetails = &wire.EmptyDetails{} }),
		ev("s1", "", "charge", wire.EventStepFailed, 3, func(e *wire.Event) {
			e.SubType = "Step"
			e.StepFailedDetails = &wire.StepFailedDetails{Error: boom, RetryDetails: &wire.RetryDetails{CurrentAttempt: 1, NextAttemptDelaySeconds: &two}}
		}),
		{EventType: wire.EventInvocationCompleted, EventTimestamp: wire.At(ms(4)), InvocationCompletedDetails: &wire.InvocationCompletedDetails{
			RequestId: "r1", StartTimestamp: wire.At(ms(0)), EndTimestamp: wire.At(ms(4))}},
		ev("s1", "", "charge", wire.EventStepStarted, 2004, func(e *wire.Event) { e.SubType = "Step"; e.StepStartedDetails = &wire.EmptyDetails{} }),
		ev("s1", "", "charge", wire.EventStepSucceeded, 2006, func(e *wire.Event) {
			e.SubType = "Step"
			e.StepSucceededDetails = &wire.StepSucceededDetails{Result: &wire.EventResult{Payload: &result}, RetryDetails: &wire.RetryDetails{CurrentAttempt: 2}}
		}),
		ev("c1", "", "approval", wire.EventContextStarted, 2007, func(e *wire.Event) { e.SubType = "WaitForCallback" }),
		ev("cb", "c1", "", wire.EventCallbackStarted, 2008, func(e *wire.Event) {
			e.CallbackStartedDetails = &wire.CallbackStartedDetails{CallbackId: "id-1"}
		}),
		ev("w1", "c1", "nap", wire.EventWaitStarted, 2009, func(e *wire.Event) {
			e.WaitStartedDetails = &wire.WaitStartedDetails{Duration: 5, ScheduledEndTimestamp: wire.At(ms(7009))}
		}),
	}
	tl := Build(events)
	if tl.Count != 4 || len(tl.Roots) != 2 || len(tl.Invocations) != 1 || tl.Invocations[0].RequestID != "r1" {
		t.Fatalf("timeline: %d operations, %d roots, invocations %+v", tl.Count, len(tl.Roots), tl.Invocations)
	}
	step := tl.Roots[0]
	if step.Status != "SUCCEEDED" || step.Attempt != 2 || !step.End.Equal(ms(2006)) || step.Result == nil || *step.Result != "42" || step.Err != nil {
		t.Errorf("step = %+v", step)
	}
	wantAttempts := []Attempt{
		{Start: ms(1), End: ms(3), Status: "FAILED", RetryDelay: 2 * time.Second, Err: boom.Payload},
		{Start: ms(2004), End: ms(2006), Status: "SUCCEEDED"},
	}
	if len(step.Attempts) != 2 || step.Attempts[0] != wantAttempts[0] || step.Attempts[1] != wantAttempts[1] {
		t.Errorf("attempts = %+v, want %+v", step.Attempts, wantAttempts)
	}
	ctx := tl.Roots[1]
	if ctx.Kind != "WaitForCallback" || !ctx.Open() || len(ctx.Children) != 2 {
		t.Fatalf("context = %+v", ctx)
	}
	cb, wait := ctx.Children[0], ctx.Children[1]
	if cb.Kind != "Callback" || cb.CallbackID != "id-1" || cb.Status != "STARTED" || !cb.Open() {
		t.Errorf("callback = %+v", cb)
	}
	if wait.Kind != "Wait" || !wait.ScheduledEnd.Equal(ms(7009)) {
		t.Errorf("wait = %+v", wait)
	}
	var walked []string
	tl.Walk(func(op *Operation, depth int) { walked = append(walked, op.ID+":"+string(rune('0'+depth))) })
	if got, want := walked, []string{"s1:0", "c1:0", "cb:1", "w1:1"}; !slices.Equal(got, want) {
		t.Errorf("walk = %v, want %v", got, want)
	}
}

func TestRetryingStep(t *testing.T) {
	one := 1
	tl := Build([]wire.Event{
		ev("s", "", "x", wire.EventStepFailed, 5, func(e *wire.Event) {
			e.StepFailedDetails = &wire.StepFailedDetails{RetryDetails: &wire.RetryDetails{CurrentAttempt: 1, NextAttemptDelaySeconds: &one}}
		}),
	})
	op := tl.Roots[0]
	if op.Status != StatusRetrying || !op.Open() || len(op.Attempts) != 1 || op.Attempts[0].RetryDelay != time.Second || op.Attempts[0].Status != "FAILED" {
		t.Errorf("retrying step = %+v", op)
	}
}
