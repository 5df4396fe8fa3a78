package conformance

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// SentAction is a callback action the harness delivered, with the virtual
// time it was delivered at. The strict check needs the heartbeats: they are
// not history events, yet they move a callback's heartbeat deadline.
type SentAction struct {
	// CallbackID is the callback the action was sent for.
	CallbackID string
	// Operation is CallbackSuccess, CallbackFailure or CallbackHeartbeat.
	Operation string
	// At is the service's time when the action was delivered.
	At time.Time
}

// StrictReport tells which of the strict checks applied to one execution.
type StrictReport struct {
	// Trailing is true when the expected history runs to the end of the
	// execution, so that no event may follow its last expected event but
	// the closing execution event.
	Trailing bool
	// Timings counts the virtual-time gaps checked: retry delays, wait
	// durations, callback timeouts and heartbeat timeouts, execution
	// timeouts.
	Timings int
	// Mismatches are the violations found; empty means the check passed.
	Mismatches []string
}

// CheckStrict is this project's check beside the reference matcher. The
// reference rules ignore every actual event no expected event names and
// never look at timestamps; CheckStrict closes both gaps, on the service's
// virtual time:
//
//   - Trailing events. When the expected history runs to the end of the
//     execution (its last event is the closing execution event, or an
//     InvocationCompleted and the requirement gives the final status), the
//     only event allowed after the last expected one
//     is the closing execution event (ExecutionSucceeded, ExecutionFailed,
//     ExecutionTimedOut or ExecutionStopped), and it must be the last event.
//   - Retry delays. A StepFailed or StepSucceeded whose RetryDetails carry
//     NextAttemptDelaySeconds d is followed by the operation's next event
//     exactly d seconds later.
//   - Waits. A WaitStarted with Duration d has ScheduledEndTimestamp at
//     start + d; its WaitSucceeded comes exactly d seconds after it with the
//     same Duration; a WaitCancelled comes no later than start + d.
//   - Callbacks. With Timeout t and HeartbeatTimeout h, the callback times
//     out at the earlier of start + t and the heartbeat deadline (start + h,
//     moved to heartbeat + h by every heartbeat delivered before it), with
//     ErrorType Callback.Timeout or Callback.Heartbeat accordingly; a
//     callback that succeeds or fails does so at the time the harness
//     delivered the answer, before that deadline.
//   - Execution timeout. An ExecutionTimedOut comes exactly ExecutionTimeout
//     seconds after ExecutionStarted.
//
// ex.History must be in the form [ToEvents] gives; ex.Sent lists the
// callback actions delivered.
func (r *Requirement) CheckStrict(ex Execution) StrictReport {
	var rep StrictReport
	events, err := fromEvents(ex.History)
	if err != nil {
		rep.Mismatches = []string{fmt.Sprintf("strict: %v", err)}
		return rep
	}
	if last, ok := r.lastExpected(); ok && (closing(last.typ) || last.typ == wire.EventInvocationCompleted && r.expectsEnd()) {
		rep.Trailing = true
		rep.Mismatches = append(rep.Mismatches, checkTrailing(last.id, events)...)
	}
	t := timingCheck{events: events, sent: ex.Sent}
	t.run()
	rep.Timings = t.checked
	rep.Mismatches = append(rep.Mismatches, t.errs...)
	return rep
}

// expectsEnd reports whether the requirement pins down the execution's
// final status, so that an expected history ending in an
// InvocationCompleted describes the execution to its end (requirements
// without a final status, such as 2-4, describe the first invocation only).
func (r *Requirement) expectsEnd() bool {
	return r.Expected != nil && r.Expected.Status != ""
}

// expectedRef is the EventId and EventType of an expected event.
type expectedRef struct {
	id  int
	typ wire.EventType
}

// lastExpected returns the expected event with the highest EventId.
func (r *Requirement) lastExpected() (expectedRef, bool) {
	var last expectedRef
	found := false
	for _, ev := range r.History {
		obj, ok := ev.(map[string]any)
		if !ok {
			continue
		}
		n, ok := obj["EventId"].(json.Number)
		if !ok {
			continue
		}
		id, err := n.Int64()
		if err != nil {
			continue
		}
		typ, _ := obj["EventType"].(string)
		if !found || int(id) > last.id {
			last, found = expectedRef{id: int(id), typ: wire.EventType(typ)}, true
		}
	}
	return last, found
}

// closing reports whether t is an event that closes the execution.
func closing(t wire.EventType) bool {
	switch t {
	case wire.EventExecutionSucceeded, wire.EventExecutionFailed, wire.EventExecutionTimedOut, wire.EventExecutionStopped:
		return true
	}
	return false
}

// checkTrailing allows, after EventId lastID, only the closing execution
// event, as the history's last event.
func checkTrailing(lastID int, events []wire.Event) []string {
	var errs []string
	for i, ev := range events {
		if ev.EventId <= lastID {
			continue
		}
		if closing(ev.EventType) && i == len(events)-1 {
			continue
		}
		errs = append(errs, fmt.Sprintf("strict: event %d (%s) follows the last expected event %d and is not the closing execution event", ev.EventId, label(ev), lastID))
	}
	return errs
}

// label names an event in a mismatch: its type and, if any, its name.
func label(ev wire.Event) string {
	if ev.Name == "" {
		return string(ev.EventType)
	}
	return fmt.Sprintf("%s %q", ev.EventType, ev.Name)
}

// timingCheck checks the virtual-time gaps of one history.
type timingCheck struct {
	events  []wire.Event
	sent    []SentAction
	checked int
	errs    []string
}

func (c *timingCheck) run() {
	for i, ev := range c.events {
		switch ev.EventType {
		case wire.EventExecutionTimedOut:
			c.executionTimeout(ev)
		case wire.EventStepFailed, wire.EventStepSucceeded:
			if d := retryDelay(ev); d != nil {
				c.retry(i, *d)
			}
		case wire.EventWaitStarted:
			c.wait(i)
		case wire.EventCallbackStarted:
			c.callback(i)
		}
	}
}

// gap records one checked gap and reports a mismatch when got is not want.
func (c *timingCheck) gap(ev wire.Event, what string, want, got time.Time) {
	c.checked++
	if !got.Equal(want) {
		c.errs = append(c.errs, fmt.Sprintf("strict: event %d (%s): %s at +%s, want +%s", ev.EventId, label(ev), what,
			got.Sub(c.origin()), want.Sub(c.origin())))
	}
}

// origin is the execution's start, the zero of the offsets in messages.
func (c *timingCheck) origin() time.Time {
	if len(c.events) == 0 {
		return time.Time{}
	}
	return wire.TimeOf(c.events[0].EventTimestamp)
}

// executionTimeout checks an ExecutionTimedOut against the ExecutionStarted.
func (c *timingCheck) executionTimeout(ev wire.Event) {
	first := c.events[0]
	if first.EventType != wire.EventExecutionStarted || first.ExecutionStartedDetails == nil || first.ExecutionStartedDetails.ExecutionTimeout <= 0 {
		return
	}
	limit := time.Duration(first.ExecutionStartedDetails.ExecutionTimeout) * time.Second
	c.gap(ev, "ExecutionTimedOut", c.origin().Add(limit), wire.TimeOf(ev.EventTimestamp))
}

// retryDelay returns the NextAttemptDelaySeconds of a step event, or nil.
func retryDelay(ev wire.Event) *int {
	switch {
	case ev.StepFailedDetails != nil && ev.StepFailedDetails.RetryDetails != nil:
		return ev.StepFailedDetails.RetryDetails.NextAttemptDelaySeconds
	case ev.StepSucceededDetails != nil && ev.StepSucceededDetails.RetryDetails != nil:
		return ev.StepSucceededDetails.RetryDetails.NextAttemptDelaySeconds
	}
	return nil
}

// next returns the index of the first event after i of the same operation,
// or -1.
func (c *timingCheck) next(i int) int {
	for j := i + 1; j < len(c.events); j++ {
		if c.events[j].Id == c.events[i].Id {
			return j
		}
	}
	return -1
}

func (c *timingCheck) retry(i, delaySeconds int) {
	j := c.next(i)
	if j < 0 {
		return
	}
	ev := c.events[i]
	want := wire.TimeOf(ev.EventTimestamp).Add(time.Duration(delaySeconds) * time.Second)
	c.gap(c.events[j], fmt.Sprintf("next attempt after NextAttemptDelaySeconds %d", delaySeconds), want, wire.TimeOf(c.events[j].EventTimestamp))
}

func (c *timingCheck) wait(i int) {
	ev := c.events[i]
	if ev.WaitStartedDetails == nil {
		c.errs = append(c.errs, fmt.Sprintf("strict: event %d (WaitStarted): no WaitStartedDetails", ev.EventId))
		return
	}
	d := ev.WaitStartedDetails.Duration
	end := wire.TimeOf(ev.EventTimestamp).Add(time.Duration(d) * time.Second)
	if ev.WaitStartedDetails.ScheduledEndTimestamp != nil {
		c.gap(ev, "ScheduledEndTimestamp", end, wire.TimeOf(ev.WaitStartedDetails.ScheduledEndTimestamp))
	}
	j := c.next(i)
	if j < 0 {
		return
	}
	done := c.events[j]
	at := wire.TimeOf(done.EventTimestamp)
	switch done.EventType {
	case wire.EventWaitSucceeded:
		c.gap(done, fmt.Sprintf("end of a %ds wait", d), end, at)
		if done.WaitSucceededDetails == nil || done.WaitSucceededDetails.Duration != d {
			c.errs = append(c.errs, fmt.Sprintf("strict: event %d (WaitSucceeded): Duration differs from the WaitStarted's %d", done.EventId, d))
		}
	case wire.EventWaitCancelled:
		c.checked++
		if at.After(end) {
			c.errs = append(c.errs, fmt.Sprintf("strict: event %d (WaitCancelled) at +%s, after the wait's end at +%s", done.EventId, at.Sub(c.origin()), end.Sub(c.origin())))
		}
	}
}

// callback checks when a callback ended against its timeouts and the
// actions delivered for it.
func (c *timingCheck) callback(i int) {
	ev := c.events[i]
	det := ev.CallbackStartedDetails
	if det == nil {
		c.errs = append(c.errs, fmt.Sprintf("strict: event %d (CallbackStarted): no CallbackStartedDetails", ev.EventId))
		return
	}
	start := wire.TimeOf(ev.EventTimestamp)
	deadline, kind := time.Time{}, ""
	if det.Timeout > 0 {
		deadline, kind = start.Add(time.Duration(det.Timeout)*time.Second), "Callback.Timeout"
	}
	if det.HeartbeatTimeout > 0 {
		h := time.Duration(det.HeartbeatTimeout) * time.Second
		beat := start.Add(h)
		for _, a := range c.sent {
			if a.CallbackID == det.CallbackId && a.Operation == CallbackHeartbeat && a.At.Before(beat) && (deadline.IsZero() || a.At.Before(deadline)) {
				beat = a.At.Add(h)
			}
		}
		if deadline.IsZero() || beat.Before(deadline) {
			deadline, kind = beat, "Callback.Heartbeat"
		}
	}
	j := c.next(i)
	if j < 0 {
		return
	}
	done := c.events[j]
	at := wire.TimeOf(done.EventTimestamp)
	switch done.EventType {
	case wire.EventCallbackTimedOut:
		if deadline.IsZero() {
			c.errs = append(c.errs, fmt.Sprintf("strict: event %d (CallbackTimedOut): the callback has no timeout", done.EventId))
			return
		}
		c.gap(done, "timeout "+kind, deadline, at)
		if got := errorType(done.CallbackTimedOutDetails); got != kind {
			c.errs = append(c.errs, fmt.Sprintf("strict: event %d (CallbackTimedOut): ErrorType %q, want %q", done.EventId, got, kind))
		}
	case wire.EventCallbackSucceeded, wire.EventCallbackFailed:
		op := CallbackSuccess
		if done.EventType == wire.EventCallbackFailed {
			op = CallbackFailure
		}
		sentAt, ok := c.sentAt(det.CallbackId, op)
		if !ok {
			c.errs = append(c.errs, fmt.Sprintf("strict: event %d (%s): no %s was delivered for callback %s", done.EventId, done.EventType, op, det.CallbackId))
			return
		}
		c.gap(done, "delivered "+op, sentAt, at)
		if !deadline.IsZero() && !at.Before(deadline) {
			c.errs = append(c.errs, fmt.Sprintf("strict: event %d (%s) at +%s, not before the %s deadline at +%s", done.EventId, done.EventType,
				at.Sub(c.origin()), kind, deadline.Sub(c.origin())))
		}
	}
}

// sentAt returns when the first action op was delivered for a callback.
func (c *timingCheck) sentAt(callbackID, op string) (time.Time, bool) {
	for _, a := range c.sent {
		if a.CallbackID == callbackID && a.Operation == op {
			return a.At, true
		}
	}
	return time.Time{}, false
}

func errorType(d *wire.ErrorDetails) string {
	if d == nil || d.Error == nil || d.Error.Payload == nil {
		return ""
	}
	return d.Error.Payload.ErrorType
}

// fromEvents turns the generic form of [ToEvents] back into history events.
func fromEvents(history []any) ([]wire.Event, error) {
	data, err := json.Marshal(history)
	if err != nil {
		return nil, fmt.Errorf("encode history: %w", err)
	}
	var events []wire.Event
	if err := json.Unmarshal(data, &events); err != nil {
		return nil, fmt.Errorf("decode history: %w", err)
	}
	return events, nil
}
