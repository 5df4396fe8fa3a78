// Package timeline folds a durable execution's history events into its
// operations: one Operation per operation id, nested under its parent
// context, with the attempts of a step and their retry delays, the
// scheduled end of a wait, the id of a callback, and the execution's
// invocations. It needs only the history (GetDurableExecutionHistory), so
// it reads an execution run locally and one read from AWS alike.
//
// durablectl prints it as a tree (show) and the viewer draws it as a
// Gantt chart.
package timeline

import (
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Status values an Operation has besides the operation statuses the
// events end in (STARTED, SUCCEEDED, FAILED, TIMED_OUT, CANCELLED,
// STOPPED).
const (
	// StatusRetrying is a step whose last attempt failed and that waits
	// for its next attempt.
	StatusRetrying = "RETRYING"
)

// Operation is one operation of an execution.
type Operation struct {
	ID, ParentID, Name string
	// Kind names the operation for people: its SubType ("Step", "Wait",
	// "Map", "MapIteration", "WaitForCallback", ...) or, without one, its
	// operation type ("Step", "Context", "Callback", "ChainedInvoke").
	Kind string
	// Status is the status the operation's last event left.
	Status string
	// Start is the first event's time; End the final event's, zero while
	// the operation is open.
	Start, End time.Time
	// Attempt is the step attempt the last event reported (0 for other
	// operations).
	Attempt int
	// Attempts are a step's attempts in order.
	Attempts []Attempt
	// ScheduledEnd is when a wait is due to end.
	ScheduledEnd time.Time
	// CallbackID is a callback's id, for SendDurableExecutionCallback*.
	CallbackID string
	// Result is the recorded result payload, if any; Err the error.
	Result *string
	Err    *wire.ErrorObject
	// Children are the operations started inside this context, in the
	// order they first appear.
	Children []*Operation
}

// Open reports whether the operation has not ended (a retrying step is
// open).
func (o *Operation) Open() bool { return o.End.IsZero() }

// Attempt is one attempt of a step. End is zero while it runs; RetryDelay
// is the delay before the next attempt when this one failed and is retried.
type Attempt struct {
	Start, End time.Time
	Status     string
	RetryDelay time.Duration
	Err        *wire.ErrorObject
}

// Invocation is one finished invocation of the function.
type Invocation struct {
	RequestID  string
	Start, End time.Time
	Err        *wire.ErrorObject
}

// Timeline is an execution's operations, in the order they first appear
// in the history, with their nesting.
type Timeline struct {
	// Roots are the operations at the top level of the handler.
	Roots []*Operation
	// Invocations are the finished invocations in order.
	Invocations []Invocation
	// Count is the number of operations, at every depth.
	Count int
}

// FailedInvocations counts the invocations that failed.
func (tl Timeline) FailedInvocations() int {
	n := 0
	for _, inv := range tl.Invocations {
		if inv.Err != nil {
			n++
		}
	}
	return n
}

// Walk calls fn for every operation, depth first in timeline order, with
// its depth (0 for roots).
func (tl Timeline) Walk(fn func(op *Operation, depth int)) {
	var walk func(ops []*Operation, depth int)
	walk = func(ops []*Operation, depth int) {
		for _, op := range ops {
			fn(op, depth)
			walk(op.Children, depth+1)
		}
	}
	walk(tl.Roots, 0)
}

// Build folds history events, in EventId order, into a Timeline.
func Build(events []wire.Event) Timeline {
	var tl Timeline
	byID := map[string]*Operation{}
	var order []*Operation
	for _, e := range events {
		at := wire.TimeOf(e.EventTimestamp)
		if e.EventType == wire.EventInvocationCompleted {
			if d := e.InvocationCompletedDetails; d != nil {
				tl.Invocations = append(tl.Invocations, Invocation{RequestID: d.RequestId,
					Start: wire.TimeOf(d.StartTimestamp), End: wire.TimeOf(d.EndTimestamp), Err: errorOf(d.Error)})
			}
			continue
		}
		if strings.HasPrefix(string(e.EventType), "Execution") || e.Id == "" {
			continue
		}
		op := byID[e.Id]
		if op == nil {
			op = &Operation{ID: e.Id, ParentID: e.ParentId, Name: e.Name, Kind: Kind(e), Start: at}
			byID[e.Id] = op
			order = append(order, op)
		}
		apply(op, e, at)
	}
	for _, op := range order {
		if p := byID[op.ParentID]; p != nil {
			p.Children = append(p.Children, op)
		} else {
			tl.Roots = append(tl.Roots, op)
		}
	}
	tl.Count = len(order)
	return tl
}

// apply folds one event of the operation into it.
func apply(op *Operation, e wire.Event, at time.Time) {
	status, final := EventStatus(e)
	op.Status = status
	if final {
		op.End = at
	}
	if d := e.WaitStartedDetails; d != nil {
		op.ScheduledEnd = wire.TimeOf(d.ScheduledEndTimestamp)
	}
	if d := e.CallbackStartedDetails; d != nil {
		op.CallbackID = d.CallbackId
	}
	if e.StepStartedDetails != nil {
		op.Attempts = append(op.Attempts, Attempt{Start: at, Status: status})
	}
	op.Err = EventError(e)
	op.Result = eventResult(e)
	r := RetryDetails(e)
	if r == nil {
		return
	}
	op.Attempt = r.CurrentAttempt
	if n := len(op.Attempts); n == 0 || !op.Attempts[n-1].End.IsZero() {
		// An attempt whose start was not recorded on its own.
		op.Attempts = append(op.Attempts, Attempt{Start: at})
	}
	a := &op.Attempts[len(op.Attempts)-1]
	a.End, a.Status, a.Err = at, status, op.Err
	if r.NextAttemptDelaySeconds != nil {
		a.RetryDelay = time.Duration(*r.NextAttemptDelaySeconds) * time.Second
		op.Status = StatusRetrying
		op.End = time.Time{}
	}
}

// Kind names the subject of an event for people: the operation's SubType
// or, without one, the event type without its ending ("Context",
// "Execution"); an event of no operation gives its own type.
func Kind(e wire.Event) string {
	if e.SubType != "" {
		return e.SubType
	}
	t := string(e.EventType)
	for _, end := range eventEndings {
		if kind, ok := strings.CutSuffix(t, end.verb); ok {
			return kind
		}
	}
	return t
}

// eventEndings are the endings of operation event types, with the status
// each leaves the operation in and whether that status is final.
var eventEndings = []struct {
	verb, status string
	final        bool
}{
	{"Started", "STARTED", false},
	{"Succeeded", "SUCCEEDED", true},
	{"Failed", "FAILED", true},
	{"TimedOut", "TIMED_OUT", true},
	{"Cancelled", "CANCELLED", true},
	{"Stopped", "STOPPED", true},
}

// EventStatus is the status an event leaves its operation (or the
// execution) in and whether it is final; an event of no operation gives
// its own type.
func EventStatus(e wire.Event) (string, bool) {
	t := string(e.EventType)
	for _, end := range eventEndings {
		if strings.HasSuffix(t, end.verb) {
			return end.status, end.final
		}
	}
	return t, false
}

// RetryDetails returns the RetryDetails of a step event, if any.
func RetryDetails(e wire.Event) *wire.RetryDetails {
	switch {
	case e.StepSucceededDetails != nil:
		return e.StepSucceededDetails.RetryDetails
	case e.StepFailedDetails != nil:
		return e.StepFailedDetails.RetryDetails
	}
	return nil
}

// errorOf unwraps an event's error, if any.
func errorOf(e *wire.EventError) *wire.ErrorObject {
	if e == nil {
		return nil
	}
	return e.Payload
}

// EventError returns the error an event carries, if any: an operation's,
// a failed invocation's or a failed execution's.
func EventError(e wire.Event) *wire.ErrorObject {
	switch {
	case e.StepFailedDetails != nil:
		return errorOf(e.StepFailedDetails.Error)
	case e.InvocationCompletedDetails != nil:
		return errorOf(e.InvocationCompletedDetails.Error)
	}
	// Every other event with an error has ErrorDetails; an event has at
	// most one details member.
	for _, d := range []*wire.ErrorDetails{
		e.ContextFailedDetails, e.WaitCancelledDetails,
		e.CallbackFailedDetails, e.CallbackTimedOutDetails,
		e.ChainedInvokeFailedDetails, e.ChainedInvokeTimedOutDetails, e.ChainedInvokeStoppedDetails,
		e.ExecutionFailedDetails, e.ExecutionTimedOutDetails, e.ExecutionStoppedDetails,
	} {
		if d != nil {
			return errorOf(d.Error)
		}
	}
	return nil
}

// eventResult returns the result payload an event carries, if any.
func eventResult(e wire.Event) *string {
	var r *wire.EventResult
	switch {
	case e.StepSucceededDetails != nil:
		r = e.StepSucceededDetails.Result
	case e.ContextSucceededDetails != nil:
		r = e.ContextSucceededDetails.Result
	case e.CallbackSucceededDetails != nil:
		r = e.CallbackSucceededDetails.Result
	case e.ChainedInvokeSucceededDetails != nil:
		r = e.ChainedInvokeSucceededDetails.Result
	}
	if r == nil {
		return nil
	}
	return r.Payload
}

// FormatDuration prints a duration rounded for reading.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		// Service timestamps have millisecond precision.
		return "<1ms"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// ErrorText formats an ErrorObject on one line.
func ErrorText(e *wire.ErrorObject) string {
	switch {
	case e == nil:
		return ""
	case e.ErrorType == "":
		return e.ErrorMessage
	case e.ErrorMessage == "":
		return e.ErrorType
	}
	return e.ErrorType + ": " + e.ErrorMessage
}
