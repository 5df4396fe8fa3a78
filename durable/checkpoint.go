package durable

import (
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Limits of one checkpoint request (the convention of the other SDKs).
const (
	maxBatchUpdates = 250
	maxBatchBytes   = 750 * 1024
	// updateOverheadBytes estimates the JSON of an update without its
	// strings: member names, punctuation and small options.
	updateOverheadBytes = 160
)

// queue is the invocation's checkpoint queue. All fields are guarded by the
// invocation's mutex; the lock is released only during the client call.
//
// Updates are numbered in enqueue order. A caller that needs an update
// acknowledged waits until acked reaches its number; if no request is in
// flight it sends the queue itself (so a sequential step costs one call,
// made on the caller's goroutine). Everything queued while a request is in
// flight goes out in the next one. Fire-and-forget updates nobody waits for
// are sent by a linger timer.
type queue struct {
	token    string
	pending  []OperationUpdate
	inflight []OperationUpdate
	enqueued uint64 // number of updates ever enqueued
	acked    uint64 // number of updates acknowledged by the service
	requests uint64 // number of completed requests
	sending  bool
	closed   bool // the invocation's outcome is decided: no new updates
	// stopped: a response came without a token; nothing more may be sent.
	stopped bool
	// terminal: the request that stopped carried the EXECUTION update.
	terminal bool
	err      *CheckpointError
	timer    *time.Timer
	armed    bool
}

// usableLocked reports why no update can be added now, if so.
func (inv *invocation) usableLocked() error {
	q := &inv.q
	if q.err != nil {
		return q.err
	}
	if q.closed || q.stopped {
		return errSuspended
	}
	return nil
}

func (inv *invocation) addLocked(u OperationUpdate) uint64 {
	inv.q.pending = append(inv.q.pending, u)
	inv.q.enqueued++
	return inv.q.enqueued
}

// submit adds an update of context c (nil: not tied to a context) and, if
// await is set, waits for its acknowledgement; otherwise it lingers like a
// fire-and-forget update. An update of a context that may no longer
// checkpoint is dropped with the suspension signal.
func (inv *invocation) submit(c *execContext, u OperationUpdate, await bool) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if err := inv.usableLocked(); err != nil {
		return err
	}
	if c != nil && c.silenced() {
		return errSuspended
	}
	seq := inv.addLocked(u)
	if await {
		return inv.awaitLocked(seq)
	}
	inv.armLocked()
	return nil
}

// awaitLocked waits until update number seq is acknowledged, sending
// requests itself while none is in flight.
func (inv *invocation) awaitLocked(seq uint64) error {
	q := &inv.q
	for {
		switch {
		case q.acked >= seq:
			return nil
		case q.err != nil:
			return q.err
		case q.stopped:
			return errSuspended
		case !q.sending:
			inv.sendLocked()
		default:
			inv.cond.Wait()
		}
	}
}

// flushLocked waits until everything queued so far is acknowledged.
func (inv *invocation) flushLocked() error {
	return inv.awaitLocked(inv.q.enqueued)
}

// pollLocked makes sure a request completes after this call began, sending
// an empty one when nothing is in flight, so that the response reports the
// operations the service changed meanwhile.
func (inv *invocation) pollLocked() {
	q := &inv.q
	target := q.requests + 1
	for q.requests < target && q.err == nil && !q.stopped {
		if q.sending {
			inv.cond.Wait()
			continue
		}
		inv.sendLocked()
	}
}

// armLocked starts the linger timer for fire-and-forget updates.
func (inv *invocation) armLocked() {
	q := &inv.q
	if q.armed {
		return
	}
	q.armed = true
	if q.timer == nil {
		q.timer = time.AfterFunc(inv.opts.startLinger, inv.lingerExpired)
		return
	}
	q.timer.Reset(inv.opts.startLinger)
}

// lingerExpired sends the fire-and-forget updates nobody waited for.
func (inv *invocation) lingerExpired() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	q := &inv.q
	q.armed = false
	for len(q.pending) > 0 && !q.sending && q.err == nil && !q.stopped {
		inv.sendLocked()
	}
}

// batchLen returns how many queued updates the next request carries: at
// most maxBatchUpdates and, beyond the first, at most maxBatchBytes of
// estimated JSON.
func batchLen(updates []OperationUpdate) int {
	size := 0
	for i := range updates {
		if i == maxBatchUpdates {
			return i
		}
		size += estimateUpdateSize(&updates[i])
		if i > 0 && size > maxBatchBytes {
			return i
		}
	}
	return len(updates)
}

func estimateUpdateSize(u *OperationUpdate) int {
	n := updateOverheadBytes + len(u.Id) + len(u.ParentId) + jsonStringSize(u.Name) + len(u.SubType)
	if u.Payload != nil {
		n += jsonStringSize(*u.Payload)
	}
	if e := u.Error; e != nil {
		n += jsonStringSize(e.ErrorType) + jsonStringSize(e.ErrorMessage) + jsonStringSize(e.ErrorData)
		for _, f := range e.StackTrace {
			n += jsonStringSize(f) + 1
		}
	}
	if o := u.ChainedInvokeOptions; o != nil {
		n += len(o.FunctionName) + len(o.TenantId) + len(o.XAmznTraceId)
	}
	return n
}

// jsonStringSize is the length of s as a JSON string: quotes, escaped
// quotes and backslashes, and \u00XX for control and HTML characters.
func jsonStringSize(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n++
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 5
		}
	}
	return n
}

// sendLocked sends one request with the head of the queue (possibly no
// updates: a poll) and applies the response. It releases the lock during the
// client call.
func (inv *invocation) sendLocked() {
	q := &inv.q
	n := batchLen(q.pending)
	q.inflight = append(q.inflight[:0], q.pending[:n]...)
	rest := copy(q.pending, q.pending[n:])
	clear(q.pending[rest:])
	q.pending = q.pending[:rest]
	terminal := n > 0 && q.inflight[n-1].Type == wire.OperationTypeExecution
	q.sending = true
	in := CheckpointInput{DurableExecutionArn: inv.arn, CheckpointToken: q.token, Updates: q.inflight}

	inv.mu.Unlock()
	out, err := inv.callCheckpoint(in)
	inv.mu.Lock()

	q.sending = false
	q.requests++
	clear(q.inflight)
	defer inv.cond.Broadcast()
	if err != nil {
		q.err = classifyClientError("CheckpointDurableExecution", err)
		inv.failLocked(q.err)
		return
	}
	q.acked += uint64(n)
	inv.observeLocked(out.NewExecutionState.Operations)
	if out.CheckpointToken == "" {
		q.stopped, q.terminal = true, terminal
		if !terminal {
			inv.finishLocked(outcome{kind: outcomePending})
		}
		return
	}
	q.token = out.CheckpointToken
	if len(q.pending) > 0 {
		inv.armLocked()
	}
}

// callCheckpoint calls the client. A panic in it (a custom client's bug)
// becomes a *PanicError, which fails the invocation like a panic of user
// code: otherwise it would crash the process from the linger timer's or
// the poller's goroutine, or unwind through the queue's locking.
func (inv *invocation) callCheckpoint(in CheckpointInput) (out CheckpointOutput, err error) {
	defer inv.recoverClientPanic(&err)
	return inv.client.Checkpoint(inv.ctx, in)
}

// recoverClientPanic, deferred, stores a recovered panic in *err.
func (inv *invocation) recoverClientPanic(err *error) {
	v := recover()
	if v == nil {
		return
	}
	*err = newPanicError(v, inv.opts.stackTraces)
}
