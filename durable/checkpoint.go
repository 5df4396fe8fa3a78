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

// The fallback for code that keeps running outside the SDK while updates
// wait (see queue). The timer ticks every fallbackTick while updates are
// held back; a tick at which no goroutine of the invocation entered the SDK
// since the previous one is idle. The queue is sent after parkedTicks idle
// ticks in a row at which every goroutine of the process was parked (the
// code waits for I/O, a timer or a channel: what the JavaScript SDK
// detects by its event loop going idle), or after busyTicks idle ticks in
// a row whatever the code does (about a second of code computing, or of a
// goroutine the SDK does not know about holding the others up). Counting
// ticks instead of measuring time keeps a slow or descheduled process from
// sending early: each tick needs the process to run.
const (
	defaultFallbackTick = 5 * time.Millisecond
	parkedTicks         = 3
	busyTicks           = 200
)

// queue is the invocation's checkpoint queue. All fields are guarded by the
// invocation's mutex; the lock is released only during the client call.
//
// Updates are numbered in enqueue order and sent in that order, at most
// one request in flight. The queue is sent by group commit, the rule the
// JavaScript SDK follows by sending once every continuation has parked:
//
//   - when no goroutine of the invocation runs user code (every one is
//     blocked on an acknowledgement, a future or the service): the last one
//     to block sends, so a lone sequential step costs one call, made at
//     once on its own goroutine;
//   - when a full batch is queued (maxBatchUpdates or maxBatchBytes);
//   - when a request returns and still nobody runs: whoever sent it sends
//     the next batch, while the goroutines its acknowledgements woke run
//     first to add what they produce;
//   - by the fallback timer (see fallbackTick) when code runs on outside
//     the SDK.
//
// A goroutine that needs its update acknowledged (acks) does not count as
// running; whoever acknowledges it counts it as running again before
// waking it, so nothing that depends on an update continues before the
// service has it.
type queue struct {
	token string
	// pending are the queued updates; sizes their estimated JSON sizes,
	// pendingBytes their sum.
	pending      []OperationUpdate
	sizes        []int
	pendingBytes int
	inflight     []OperationUpdate
	enqueued     uint64 // number of updates ever enqueued
	acked        uint64 // number of updates acknowledged by the service
	requests     uint64 // number of completed requests
	sending      bool
	closed       bool // the invocation's outcome is decided: no new updates
	// stopped: a response came without a token; nothing more may be sent.
	stopped bool
	// terminal: the request that stopped carried the EXECUTION update.
	terminal bool
	err      *CheckpointError
	// acks are the goroutines blocked until an update is acknowledged, in
	// the order of their updates.
	acks []ackWait
	// free are signalled, drained channels for ackWait.ch (buffered, so
	// that signalling never blocks).
	free []chan struct{}
	// The fallback timer: armed while updates are held back; seen is the
	// invocation's progress at the last tick, idle and parked count the
	// ticks in a row without progress (parked: with every goroutine of the
	// process parked).
	timer  *time.Timer
	armed  bool
	seen   uint64
	idle   int
	parked int
}

// ackWait is a goroutine blocked until update number seq is acknowledged
// (or the queue fails or stops). ch, which receives one signal, is taken
// only when the goroutine has to park (the one that sends the update
// itself usually finds it acknowledged), from the queue's free channels:
// the goroutine puts it back once woken.
type ackWait struct {
	seq uint64
	ch  chan struct{}
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

// addLocked queues u and returns its number.
func (inv *invocation) addLocked(u OperationUpdate) uint64 {
	q := &inv.q
	size := estimateUpdateSize(&u)
	q.pending = append(q.pending, u)
	q.sizes = append(q.sizes, size)
	q.pendingBytes += size
	q.enqueued++
	inv.progress.Add(1)
	return q.enqueued
}

// submit adds an update of context c (nil: not tied to a context) and, if
// await is set, waits for its acknowledgement. An update of a context that
// may no longer checkpoint is dropped with the suspension signal.
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
	if !await {
		inv.settleLocked()
		return nil
	}
	return inv.awaitAckLocked(seq)
}

// awaitAckLocked blocks the calling goroutine, which stops counting as
// running, until update number seq is acknowledged.
func (inv *invocation) awaitAckLocked(seq uint64) error {
	q := &inv.q
	q.acks = append(q.acks, ackWait{seq: seq})
	inv.blockLocked()
	if i := q.ackIndex(seq); i >= 0 {
		var ch chan struct{}
		if n := len(q.free); n > 0 {
			ch, q.free = q.free[n-1], q.free[:n-1]
		} else {
			ch = make(chan struct{}, 1)
		}
		q.acks[i].ch = ch
		inv.mu.Unlock()
		<-ch
		inv.mu.Lock()
		q.free = append(q.free, ch)
	}
	switch {
	case q.acked >= seq:
		return nil
	case q.err != nil:
		return q.err
	default:
		return errSuspended
	}
}

// ackIndex returns the index in acks of the waiter of update seq, or -1
// when it has been released.
func (q *queue) ackIndex(seq uint64) int {
	for i := len(q.acks) - 1; i >= 0 && q.acks[i].seq >= seq; i-- {
		if q.acks[i].seq == seq {
			return i
		}
	}
	return -1
}

// releaseAcksLocked wakes the waiters whose updates are acknowledged, or
// all of them when nothing more can be acknowledged, counting them as
// running again.
func (inv *invocation) releaseAcksLocked() {
	q := &inv.q
	all := q.err != nil || q.stopped
	n := 0
	for n < len(q.acks) && (all || q.acks[n].seq <= q.acked) {
		if ch := q.acks[n].ch; ch != nil {
			ch <- struct{}{} // its one signal: the buffer is empty
		}
		n++
	}
	if n == 0 {
		return
	}
	inv.running += n
	rest := copy(q.acks, q.acks[n:])
	clear(q.acks[rest:])
	q.acks = q.acks[:rest]
}

// settleLocked applies the group-commit rule (see queue) after an update
// was queued, a goroutine blocked or a request returned: it sends on the
// calling goroutine while the rule says so, then suspends the invocation
// when nobody runs, nothing is queued and some operation waits on the
// service, or arms the fallback timer when updates are held back by
// running code.
func (inv *invocation) settleLocked() {
	q := &inv.q
	for q.err == nil && !q.stopped && !q.sending {
		switch {
		case len(q.pending) > 0 && (inv.running <= 0 || q.full()):
			inv.sendLocked()
		case len(q.pending) > 0:
			inv.armLocked()
			return
		case inv.running <= 0 && len(inv.waits) > 0 && inv.out.kind == outcomeNone:
			inv.finishLocked(outcome{kind: outcomePending})
			return
		default:
			return
		}
	}
}

// full reports whether the queue holds at least one full request.
func (q *queue) full() bool {
	return len(q.pending) >= maxBatchUpdates || q.pendingBytes > maxBatchBytes
}

// flushLocked sends until everything queued so far is acknowledged, for the
// response (the invocation's goroutines no longer matter).
func (inv *invocation) flushLocked() error {
	q := &inv.q
	for q.acked < q.enqueued {
		switch {
		case q.err != nil:
			return q.err
		case q.stopped:
			return errSuspended
		case q.sending:
			inv.cond.Wait()
		default:
			inv.sendLocked()
		}
	}
	return nil
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
	inv.settleLocked()
}

// armLocked starts the fallback timer unless it is running.
func (inv *invocation) armLocked() {
	q := &inv.q
	if q.armed {
		return
	}
	q.armed = true
	q.seen, q.idle, q.parked = inv.progress.Load(), 0, 0
	if q.timer == nil {
		q.timer = time.AfterFunc(inv.opts.fallbackTick, inv.fallbackTicked)
		return
	}
	q.timer.Reset(inv.opts.fallbackTick)
}

// fallbackTicked is one tick of the fallback timer (see fallbackTick).
func (inv *invocation) fallbackTicked() {
	parked := processParked()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	q := &inv.q
	if !q.armed {
		return
	}
	if len(q.pending) == 0 || q.sending || q.err != nil || q.stopped {
		q.armed = false
		return
	}
	switch p := inv.progress.Load(); {
	case p != q.seen:
		q.seen, q.idle, q.parked = p, 0, 0
	case parked:
		q.idle++
		q.parked++
	default:
		q.idle++
		q.parked = 0
	}
	if q.parked < parkedTicks && q.idle < busyTicks {
		q.timer.Reset(inv.opts.fallbackTick)
		return
	}
	q.armed = false
	inv.sendLocked()
	inv.settleLocked()
}

// batchLen returns how many queued updates the next request carries: at
// most maxBatchUpdates and, beyond the first, at most maxBatchBytes of
// estimated JSON (sizes are the updates' estimated sizes).
func batchLen(sizes []int) int {
	total := 0
	for i, size := range sizes {
		if i == maxBatchUpdates {
			return i
		}
		total += size
		if i > 0 && total > maxBatchBytes {
			return i
		}
	}
	return len(sizes)
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
// quotes and backslashes, and \u00XX for control and HTML characters. It
// runs over every payload queued (a batch's result is tens of kilobytes),
// so the extra length of each byte comes from a table.
func jsonStringSize(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		n += int(jsonExtra[s[i]])
	}
	return n
}

// jsonExtra is how many bytes JSON adds to each byte of a string (see
// jsonStringSize).
var jsonExtra = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '"' || c == '\\':
			t[c] = 1
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			t[c] = 5
		}
	}
	return t
}()

// sendLocked sends one request with the head of the queue (possibly no
// updates: a poll), applies the response and wakes the goroutines it
// acknowledged. It releases the lock during the client call; the caller
// applies the group-commit rule again afterwards.
func (inv *invocation) sendLocked() {
	q := &inv.q
	n := batchLen(q.sizes)
	for _, size := range q.sizes[:n] {
		q.pendingBytes -= size
	}
	if n == len(q.pending) {
		// The whole queue goes: it becomes the batch in flight, and the
		// last batch's array (cleared when it was acknowledged) the
		// queue, rather than copying the updates and clearing the queue
		// (each a write barrier per pointer while the GC marks).
		q.inflight, q.pending = q.pending, q.inflight[:0]
	} else {
		q.inflight = append(q.inflight[:0], q.pending[:n]...)
		rest := copy(q.pending, q.pending[n:])
		clear(q.pending[rest:])
		q.pending = q.pending[:rest]
	}
	q.sizes = q.sizes[:copy(q.sizes, q.sizes[n:])]
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
		inv.releaseAcksLocked()
		inv.failLocked(q.err)
		return
	}
	q.acked += uint64(n)
	inv.observeLocked(out.NewExecutionState.Operations)
	if out.CheckpointToken == "" {
		q.stopped, q.terminal = true, terminal
		inv.releaseAcksLocked()
		if !terminal {
			inv.finishLocked(outcome{kind: outcomePending})
		}
		return
	}
	q.token = out.CheckpointToken
	inv.releaseAcksLocked()
}

// callCheckpoint calls the client. A panic in it (a custom client's bug)
// becomes a *PanicError, which fails the invocation like a panic of user
// code: otherwise it would crash the process from the fallback timer's or
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
