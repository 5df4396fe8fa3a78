package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// node is one operation as reconstructed from the history.
type node struct {
	id, parent, name, kind string
	status                 string
	attempts               int
	start, end             time.Time
	err                    *wire.ErrorObject
	children               []*node
}

// timeline is an execution's operations, in the order they first appear
// in the history, with their nesting.
type timeline struct {
	roots       []*node
	invocations int
	failedInvs  int
}

// buildTimeline folds history events into operations. It needs only the
// history, so it works the same for an execution run here and one read
// from a remote endpoint.
func buildTimeline(events []wire.Event) timeline {
	var tl timeline
	byID := map[string]*node{}
	var order []*node
	for _, e := range events {
		at := wire.TimeOf(e.EventTimestamp)
		if e.EventType == wire.EventInvocationCompleted {
			tl.invocations++
			if d := e.InvocationCompletedDetails; d != nil && d.Error != nil {
				tl.failedInvs++
			}
			continue
		}
		if strings.HasPrefix(string(e.EventType), "Execution") || e.Id == "" {
			continue
		}
		n := byID[e.Id]
		if n == nil {
			n = &node{id: e.Id, parent: e.ParentId, name: e.Name, kind: kindOf(e), start: at}
			byID[e.Id] = n
			order = append(order, n)
		}
		status, final := eventStatus(e)
		n.status = status
		if final {
			n.end = at
		}
		if r := retryDetails(e); r != nil {
			n.attempts = r.CurrentAttempt
			if r.NextAttemptDelaySeconds != nil {
				n.status = "RETRYING"
				n.end = time.Time{}
			}
		}
		n.err = eventError(e)
	}
	for _, n := range order {
		if p := byID[n.parent]; p != nil {
			p.children = append(p.children, n)
		} else {
			tl.roots = append(tl.roots, n)
		}
	}
	return tl
}

// kindOf names an operation for people: its SubType ("Step", "Wait",
// "Parallel", ...) or, without one, the event's operation type.
func kindOf(e wire.Event) string {
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

// eventStatus is the operation status an event leaves behind and whether
// it is final; an event of no operation gives its own type.
func eventStatus(e wire.Event) (string, bool) {
	t := string(e.EventType)
	for _, end := range eventEndings {
		if strings.HasSuffix(t, end.verb) {
			return end.status, end.final
		}
	}
	return t, false
}

// retryDetails returns the RetryDetails of a step event, if any.
func retryDetails(e wire.Event) *wire.RetryDetails {
	switch {
	case e.StepSucceededDetails != nil:
		return e.StepSucceededDetails.RetryDetails
	case e.StepFailedDetails != nil:
		return e.StepFailedDetails.RetryDetails
	}
	return nil
}

// eventError returns the error an event carries, if any.
func eventError(e wire.Event) *wire.ErrorObject {
	var wrapped *wire.EventError
	switch {
	case e.StepFailedDetails != nil:
		wrapped = e.StepFailedDetails.Error
	case e.InvocationCompletedDetails != nil:
		wrapped = e.InvocationCompletedDetails.Error
	default:
		// Every other event with an error has ErrorDetails; an event has
		// at most one details member.
		for _, d := range []*wire.ErrorDetails{
			e.ContextFailedDetails, e.WaitCancelledDetails,
			e.CallbackFailedDetails, e.CallbackTimedOutDetails,
			e.ChainedInvokeFailedDetails, e.ChainedInvokeTimedOutDetails, e.ChainedInvokeStoppedDetails,
			e.ExecutionFailedDetails, e.ExecutionTimedOutDetails, e.ExecutionStoppedDetails,
		} {
			if d != nil {
				wrapped = d.Error
				break
			}
		}
	}
	if wrapped == nil {
		return nil
	}
	return wrapped.Payload
}

// writeTree prints the execution headline, its operation tree with
// statuses, attempts and durations, and its result or error.
func writeTree(w io.Writer, exec wire.Execution, events []wire.Event) {
	tl := buildTimeline(events)
	start, end := wire.TimeOf(exec.StartTimestamp), wire.TimeOf(exec.EndTimestamp)
	dur := "running"
	if !end.IsZero() {
		dur = "in " + formatDuration(end.Sub(start))
	}
	invs := fmt.Sprintf("%d invocation%s", tl.invocations, plural(tl.invocations))
	if tl.failedInvs > 0 {
		invs += fmt.Sprintf(", %d failed", tl.failedInvs)
	}
	fmt.Fprintf(w, "%s  %s  %s (%s)\n", exec.DurableExecutionName, exec.Status, dur, invs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var walk func(nodes []*node, prefix string)
	walk = func(nodes []*node, prefix string) {
		for i, n := range nodes {
			branch, next := "├─ ", "│  "
			if i == len(nodes)-1 {
				branch, next = "└─ ", "   "
			}
			label := n.kind
			if n.name != "" {
				label += " " + n.name
			}
			attempts := ""
			if n.attempts > 0 {
				attempts = fmt.Sprintf("%d attempt%s", n.attempts, plural(n.attempts))
			}
			d := ""
			if !n.end.IsZero() {
				d = formatDuration(n.end.Sub(n.start))
			}
			line := fmt.Sprintf("%s%s%s\t%s\t%s\t%s", prefix, branch, label, n.status, attempts, d)
			if n.err != nil {
				line += "\t" + errorText(n.err)
			}
			fmt.Fprintln(tw, line)
			walk(n.children, prefix+next)
		}
	}
	walk(tl.roots, "")
	_ = tw.Flush()
	switch {
	case exec.Result != nil:
		fmt.Fprintf(w, "result: %s\n", *exec.Result)
	case exec.Error != nil:
		fmt.Fprintf(w, "error: %s\n", errorText(exec.Error))
		writeStack(w, "", exec.Error.StackTrace)
	}
}

// writeStack prints a recorded stack trace, one "  at frame" line each
// after indent.
func writeStack(w io.Writer, indent string, trace []string) {
	for _, frame := range trace {
		fmt.Fprintf(w, "%s  at %s\n", indent, frame)
	}
}

// errorText formats an ErrorObject on one line.
func errorText(e *wire.ErrorObject) string {
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

// formatDuration prints a duration rounded for reading.
func formatDuration(d time.Duration) string {
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

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
