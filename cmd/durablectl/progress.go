package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
	"github.com/acme/durable-lambda-go/wire"
)

// progress prints history events as one readable line each, timed from
// the execution's start.
type progress struct {
	w     io.Writer
	start time.Time
	last  int // EventId of the last line printed
	// stack is the last stack trace of a failed invocation printed: a
	// failure that repeats it does not print it again.
	stack string
}

// print writes e unless it was printed already.
func (p *progress) print(e wire.Event) {
	if e.EventId <= p.last {
		return
	}
	p.last = e.EventId
	at := wire.TimeOf(e.EventTimestamp)
	if e.EventType == wire.EventExecutionStarted {
		p.start = at
	}
	elapsed := "+0s"
	if d := at.Sub(p.start); d > 0 {
		elapsed = "+" + timeline.FormatDuration(d)
	}
	fmt.Fprintf(p.w, "%9s  %s\n", elapsed, describeEvent(e))
	if d := e.InvocationCompletedDetails; d != nil && d.Error != nil && d.Error.Payload != nil {
		if stack := strings.Join(d.Error.Payload.StackTrace, "\n"); stack != p.stack {
			p.stack = stack
			writeStack(p.w, strings.Repeat(" ", 11), d.Error.Payload.StackTrace)
		}
	}
}

// describeEvent says what happened in words: the kind and name of the
// operation, what became of it and the details that matter.
func describeEvent(e wire.Event) string {
	status, _ := timeline.EventStatus(e)
	verb := strings.ToLower(strings.ReplaceAll(status, "_", " "))
	subject := strings.ToLower(timeline.Kind(e))
	if e.Name != "" {
		subject += " " + strconv.Quote(e.Name)
	}
	var extra []string
	switch {
	case e.ExecutionStartedDetails != nil:
		subject = "execution " + strconv.Quote(e.Name)
	case strings.HasPrefix(string(e.EventType), "Execution"):
		subject = "execution"
	case e.InvocationCompletedDetails != nil:
		d := e.InvocationCompletedDetails
		subject, verb = "invocation", "completed"
		if took := wire.TimeOf(d.EndTimestamp).Sub(wire.TimeOf(d.StartTimestamp)); took > 0 {
			extra = append(extra, timeline.FormatDuration(took))
		}
		if d.Error != nil {
			verb = "failed"
		}
	case e.WaitStartedDetails != nil:
		extra = append(extra, fmt.Sprintf("for %ds", e.WaitStartedDetails.Duration))
	case e.CallbackStartedDetails != nil:
		extra = append(extra, "callback id "+e.CallbackStartedDetails.CallbackId)
	case e.ChainedInvokeStartedDetails != nil:
		extra = append(extra, "→ "+e.ChainedInvokeStartedDetails.FunctionName)
	}
	if r := timeline.RetryDetails(e); r != nil {
		extra = append(extra, fmt.Sprintf("attempt %d", r.CurrentAttempt))
		if r.NextAttemptDelaySeconds != nil {
			verb += ", will retry"
			extra = append(extra, fmt.Sprintf("next in %ds", *r.NextAttemptDelaySeconds))
		}
	}
	if err := timeline.EventError(e); err != nil {
		extra = append(extra, timeline.ErrorText(err))
	}
	line := subject + " " + verb
	if len(extra) > 0 {
		line += " (" + strings.Join(extra, "; ") + ")"
	}
	return line
}
