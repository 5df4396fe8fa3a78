package wire

import (
	"encoding/json"
	"testing"
	"time"
)

// AppendEvent must agree with json.Marshal on every event: the test
// below checks it on a table of forms, the fuzz target on arbitrary
// strings and numbers.
//
//	go test -run '^$' -fuzz '^FuzzAppendEvent$' -fuzztime 20s ./wire

// fullEvents returns events that set every member, each on its own and
// all at once, with the strings s, the number n and the timestamp at.
func fullEvents(s string, n int, b bool, at *Timestamp) []Event {
	errObj := &ErrorObject{ErrorType: s, ErrorMessage: s, ErrorData: s, StackTrace: StackTrace{s, s}}
	res := &ResultDetails{Result: &EventResult{Payload: &s, Truncated: b}}
	errs := &ErrorDetails{Error: &EventError{Payload: errObj, Truncated: b}}
	retry := &RetryDetails{CurrentAttempt: n, NextAttemptDelaySeconds: &n}
	all := Event{EventType: EventType(s), SubType: s, EventId: n, Id: s, Name: s, ParentId: s, EventTimestamp: at,
		ExecutionStartedDetails:       &ExecutionStartedDetails{Input: &EventInput{Payload: &s, Truncated: b}, ExecutionTimeout: n},
		ExecutionSucceededDetails:     res,
		ExecutionFailedDetails:        errs,
		ExecutionTimedOutDetails:      errs,
		ExecutionStoppedDetails:       errs,
		ContextStartedDetails:         &EmptyDetails{},
		ContextSucceededDetails:       res,
		ContextFailedDetails:          errs,
		WaitStartedDetails:            &WaitStartedDetails{Duration: n, ScheduledEndTimestamp: at},
		WaitSucceededDetails:          &WaitSucceededDetails{Duration: n},
		WaitCancelledDetails:          errs,
		StepStartedDetails:            &EmptyDetails{},
		StepSucceededDetails:          &StepSucceededDetails{Result: res.Result, RetryDetails: retry},
		StepFailedDetails:             &StepFailedDetails{Error: errs.Error, RetryDetails: retry},
		ChainedInvokeStartedDetails:   &ChainedInvokeStartedDetails{FunctionName: s, Input: &EventInput{Payload: &s}, TenantId: s, ExecutedVersion: s, DurableExecutionArn: s},
		ChainedInvokeSucceededDetails: res,
		ChainedInvokeFailedDetails:    errs,
		ChainedInvokeTimedOutDetails:  errs,
		ChainedInvokeStoppedDetails:   errs,
		CallbackStartedDetails:        &CallbackStartedDetails{CallbackId: s, Timeout: n, HeartbeatTimeout: n},
		CallbackSucceededDetails:      res,
		CallbackFailedDetails:         errs,
		CallbackTimedOutDetails:       errs,
		InvocationCompletedDetails:    &InvocationCompletedDetails{StartTimestamp: at, EndTimestamp: at, RequestId: s, Error: errs.Error},
	}
	return []Event{
		{}, all,
		{EventType: EventStepStarted, EventId: n, Id: s, StepStartedDetails: &EmptyDetails{}},
		{ExecutionStartedDetails: &ExecutionStartedDetails{}, ExecutionSucceededDetails: &ResultDetails{}, ExecutionFailedDetails: &ErrorDetails{}},
		{ExecutionSucceededDetails: &ResultDetails{Result: &EventResult{}}, ExecutionFailedDetails: &ErrorDetails{Error: &EventError{}}},
		{StepSucceededDetails: &StepSucceededDetails{}, StepFailedDetails: &StepFailedDetails{}, WaitStartedDetails: &WaitStartedDetails{}},
		{StepSucceededDetails: &StepSucceededDetails{RetryDetails: &RetryDetails{}}, StepFailedDetails: &StepFailedDetails{Error: &EventError{Payload: &ErrorObject{}}}},
		{ChainedInvokeStartedDetails: &ChainedInvokeStartedDetails{}, CallbackStartedDetails: &CallbackStartedDetails{}, InvocationCompletedDetails: &InvocationCompletedDetails{}},
		{WaitSucceededDetails: &WaitSucceededDetails{}, InvocationCompletedDetails: &InvocationCompletedDetails{StartTimestamp: at}},
	}
}

func checkAppendEventAgrees(t *testing.T, ev Event) {
	t.Helper()
	want, wantErr := json.Marshal(ev)
	got, err := AppendEvent([]byte("prefix"), &ev)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("AppendEvent(%+v) error %v, json.Marshal %v", ev, err, wantErr)
	}
	if err == nil && string(got) != "prefix"+string(want) {
		t.Fatalf("AppendEvent(%+v):\n got %s\nwant prefix%s", ev, got, want)
	}
}

// TestAppendEventAgrees checks AppendEvent against json.Marshal, and that
// in-range events take the appender.
func TestAppendEventAgrees(t *testing.T) {
	at := At(time.Date(2026, 1, 1, 0, 0, 0, 123e6, time.UTC))
	for _, s := range awkwardStrings {
		for _, ev := range fullEvents(s, 7, true, at) {
			checkAppendEventAgrees(t, ev)
			if _, ok := appendEvent(nil, &ev); !ok {
				t.Fatalf("appendEvent fell back on %+v", ev)
			}
		}
	}
	for _, at := range []*Timestamp{At(time.Unix(millisThreshold, 0)), {time.Unix(-1, 0)}} {
		for _, ev := range []Event{
			{EventTimestamp: at},
			{WaitStartedDetails: &WaitStartedDetails{ScheduledEndTimestamp: at}},
			{InvocationCompletedDetails: &InvocationCompletedDetails{StartTimestamp: at}},
			{InvocationCompletedDetails: &InvocationCompletedDetails{EndTimestamp: at}},
		} {
			checkAppendEventAgrees(t, ev)
		}
	}
}

func FuzzAppendEvent(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s, int64(1767225600123), -3, true)
	}
	f.Fuzz(func(t *testing.T, s string, ms int64, n int, b bool) {
		for _, ev := range fullEvents(s, n, b, &Timestamp{time.UnixMilli(ms)}) {
			checkAppendEventAgrees(t, ev)
		}
	})
}
