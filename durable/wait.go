package durable

import (
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Wait pauses the execution for d, which must be at least one second; it is
// rounded up to whole seconds. The wait is durable: the invocation suspends
// (unless other code is still running) and the service invokes the
// function again when the time has passed, so no Lambda time is billed
// meanwhile. On replay a finished wait returns at once.
//
// A bad duration is a plain argument error and records nothing.
func Wait(ctx Context, name string, d time.Duration, opts ...WaitOption) error {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return useError("Wait", name, err)
	}
	if err := checkWaitDuration("Wait", name, d); err != nil {
		return err
	}
	return runWait(c, c.nextID(), name, delaySeconds(d))
}

// WaitOption configures [Wait] and [WaitAsync]. No wait option exists yet:
// the parameter is part of the documented signature so that options can
// be added later without breaking callers, as for the other operations.
type WaitOption interface {
	applyWait()
}

// checkWaitDuration validates a wait's duration; op names the calling
// function in errors.
func checkWaitDuration(op, name string, d time.Duration) error {
	if d < time.Second {
		return argumentError(op, name, "duration %v is less than one second", d)
	}
	if d > wire.MaxDurationSeconds*time.Second {
		return argumentError(op, name, "duration %v is more than %d seconds", d, wire.MaxDurationSeconds)
	}
	return nil
}

// runWait runs the wait of secs seconds whose wire id c already took.
func runWait(c *execContext, id, name string, secs int) error {
	rec, err := c.replayRecord(id, wire.OperationTypeWait, wire.SubTypeWait, name)
	if err != nil {
		return err
	}
	switch {
	case rec == nil:
		u := c.update(id, wire.OperationTypeWait, wire.SubTypeWait, name, wire.OperationActionStart)
		u.WaitOptions = &wire.WaitOptions{WaitSeconds: secs}
		if err := c.checkpoint(u); err != nil {
			return err
		}
		until := time.Now().Add(time.Duration(secs) * time.Second)
		c.inv.mu.Lock()
		if known := c.inv.recordLocked(id); known != nil && !waitEnd(known).IsZero() {
			until = waitEnd(known)
		}
		c.inv.mu.Unlock()
		rec, err = c.waitOnService(id, until, operationDone)
	case rec.Status == wire.OperationStatusStarted:
		rec, err = c.waitOnService(id, waitEnd(rec), operationDone)
	}
	if err != nil {
		return err
	}
	if rec.Status != wire.OperationStatusSucceeded {
		return &OperationError{ErrorType: errTypeWait, Message: "wait " + strconv.Quote(name) + " ended with status " + string(rec.Status)}
	}
	return nil
}

// errTypeWait is the ErrorType of a wait that ended other than by its
// timer (the service cancelled it).
const errTypeWait = "WaitError"

// waitEnd is when the service will end a started wait.
func waitEnd(op *Operation) time.Time {
	if op.WaitDetails == nil {
		return time.Time{}
	}
	return wire.TimeOf(op.WaitDetails.ScheduledEndTimestamp)
}
