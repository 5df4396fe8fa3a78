package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/acme/durable-lambda-go/wire"
)

// getStatePageSize is the MaxItems used when paging the initial state.
const getStatePageSize = 1000

// errSuspended is the suspension signal: an operation returns it when the
// invocation has ended (it is suspending, or its outcome is otherwise
// decided) and the calling code must unwind. It matches no public type.
var errSuspended error = suspendedError{}

type suspendedError struct{}

func (suspendedError) Error() string {
	return "durable: the invocation is suspending; return this error unchanged"
}

type outcomeKind int

const (
	outcomeNone outcomeKind = iota
	outcomePending
	outcomeSucceeded
	outcomeFailed
	outcomeInvocationError
)

// outcome is how an invocation ends; the first one decided wins.
type outcome struct {
	kind   outcomeKind
	result []byte       // outcomeSucceeded: the serialized handler result
	errObj *ErrorObject // outcomeFailed
	err    error        // outcomeInvocationError
}

// invocation is the state of one Lambda invocation of a durable handler.
//
// One mutex guards the checkpoint queue, the records learnt from checkpoint
// responses and the scheduler (who runs, who waits on the service), so that
// the suspension decision sees all of them at once.
//
// Scheduling: running counts goroutines executing user code (or SDK work
// on its behalf). A goroutine that blocks on the service registers a
// serviceWait and decrements running; one that blocks on a sibling (a
// future) just decrements it. Whoever wakes a blocked goroutine increments
// running for it before waking it. When running drops to zero while some
// operation waits on the service, the queue is flushed and, if nothing
// woke up meanwhile, the invocation suspends with PENDING. While code still
// runs, a poller sends empty checkpoints to learn when the waits end.
type invocation struct {
	opts      *handlerOptions
	client    ExecutionClient
	ctx       context.Context
	arn       string
	requestID string
	fnARN     string
	// tenantID is the tenant of a tenant-isolated function's invocation.
	tenantID string
	execOp   *Operation
	// execIndex is execOp's index in the initial log (-1 without one):
	// the root context's operations follow it.
	execIndex int
	execID    string
	// initial is the operation log at invocation start.
	initial records
	// updated holds the envelope's UpdatedOperationIds; immutable.
	updated map[string]struct{}
	// updatedIDs is the envelope's UpdatedOperationIds as sent (see
	// isUpdated); immutable.
	updatedIDs []string
	replaying  bool
	// logHandler is the handler's configured log handler; logBase adds
	// the invocation's attributes to it (or to ConfigureLogging's).
	logHandler slog.Handler
	logBase    slog.Handler
	ended      atomic.Bool
	// hooks calls the plugins' hooks (nil without plugins).
	hooks *invocationHooks

	mu   sync.Mutex
	cond sync.Cond
	q    queue
	// latest indexes by id the records of the checkpoint responses
	// observed before unindexed (see latestLocked).
	latest    map[string]*Operation
	unindexed [][]Operation
	running   int
	// stepBodies counts the step bodies running now (see enterStepBody;
	// atomic, read without the lock).
	stepBodies atomic.Int64
	waits      []*serviceWait
	// progress counts the moments a goroutine of the invocation entered
	// the SDK (queued an update, blocked, started a goroutine or a step
	// body, or returned from one); the checkpoint queue's fallback timer
	// watches it. Atomic: step bodies count without the lock.
	progress atomic.Uint64
	out      outcome
	done     chan struct{} // closed when the outcome is decided
	// rootDone is closed when the handler goroutine has returned.
	rootDone chan struct{}
	poller   chan struct{} // wakes the poller goroutine; nil until started
}

// serviceWait is a goroutine blocked until an operation's record satisfies
// ready.
type serviceWait struct {
	id    string
	until time.Time // when the service is expected to change it; zero if unknown
	ready func(*Operation) bool
	ch    chan struct{}
	op    *Operation // the satisfying record; nil when released by the end of the invocation
}

func newInvocation(ctx context.Context, opts *handlerOptions, client ExecutionClient, in *InvocationInput, ops []Operation, logHandler slog.Handler) *invocation {
	own := *opts // ConfigureSerdes and ConfigureLogging change this invocation's copy
	inv := &invocation{
		opts:      &own,
		client:    client,
		ctx:       ctx,
		arn:       in.DurableExecutionArn,
		latest:    make(map[string]*Operation),
		done:      make(chan struct{}),
		rootDone:  make(chan struct{}),
		running:   1,
		execIndex: -1,
	}
	inv.cond.L = &inv.mu
	inv.initial.ops = ops
	inv.q.token = in.CheckpointToken
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		inv.requestID, inv.fnARN, inv.tenantID = lc.AwsRequestID, lc.InvokedFunctionArn, lc.TenantID
	}
	for i := range ops {
		if ops[i].Type == wire.OperationTypeExecution {
			inv.execOp, inv.execIndex = &ops[i], i
			break
		}
	}
	if parsed, err := wire.ParseExecutionARN(inv.arn); err == nil {
		inv.execID = parsed.ID
	}
	if inv.execOp != nil {
		inv.execID = inv.execOp.Id
	}
	inv.updatedIDs = in.UpdatedOperationIds
	if len(in.UpdatedOperationIds) > 0 {
		inv.updated = make(map[string]struct{}, len(in.UpdatedOperationIds))
		for _, id := range in.UpdatedOperationIds {
			inv.updated[id] = struct{}{}
		}
	}
	inv.replaying = len(ops) > 1
	if own.pluginSet != nil {
		inv.hooks = newInvocationHooks(own.pluginSet, inv)
	}
	inv.logHandler = logHandler
	inv.setLogHandler(logHandler)
	return inv
}

// fewUpdatedIDs is how many UpdatedOperationIds isUpdated compares one by
// one rather than hashing the id.
const fewUpdatedIDs = 8

// isUpdated reports whether the service changed the operation id since the
// last invocation (the envelope's UpdatedOperationIds has it). Every
// replayed operation asks; the ids are usually few, and comparing them is
// cheaper than hashing id for the map.
func (inv *invocation) isUpdated(id string) bool {
	if len(inv.updatedIDs) > fewUpdatedIDs {
		_, ok := inv.updated[id]
		return ok
	}
	for _, u := range inv.updatedIDs {
		if u == id {
			return true
		}
	}
	return false
}

// setLogHandler makes h the handler of the invocation's loggers, with the
// invocation's attributes: requestId, executionArn and, for an invocation
// of a tenant-isolated function, tenantId.
func (inv *invocation) setLogHandler(h slog.Handler) {
	attrs := []slog.Attr{
		slog.String(logKeyRequestID, inv.requestID),
		slog.String(logKeyExecutionArn, inv.arn),
	}
	if inv.tenantID != "" {
		attrs = append(attrs, slog.String(logKeyTenantID, inv.tenantID))
	}
	inv.logBase = h.WithAttrs(attrs)
}

// input returns the execution's serialized input (nil when absent).
func (inv *invocation) input() []byte {
	if inv.execOp == nil || inv.execOp.ExecutionDetails == nil || inv.execOp.ExecutionDetails.InputPayload == nil {
		return nil
	}
	return []byte(*inv.execOp.ExecutionDetails.InputPayload)
}

// run runs body (the handler) on its own goroutine and returns the response
// envelope, or an error for an invocation failure.
//
// Once the outcome is decided, operations blocked on the service return the
// suspension signal and the handler unwinds; the response is sent after the
// handler goroutine has returned (or the Lambda deadline has passed), so
// that no user code of this invocation runs after it.
func (inv *invocation) run(body func(*execContext) ([]byte, error)) ([]byte, error) {
	go inv.runRoot(body)
	select {
	case <-inv.done:
		select {
		case <-inv.rootDone:
		case <-inv.ctx.Done():
		}
	case <-inv.ctx.Done():
		inv.mu.Lock()
		inv.finishLocked(outcome{kind: outcomeInvocationError, err: fmt.Errorf("durable: invocation ended before the handler: %w", context.Cause(inv.ctx))})
		inv.mu.Unlock()
	}
	inv.awaitStepBodies()
	resp, err := inv.respond()
	if inv.hooks != nil {
		inv.hooks.end(resp, err)
	}
	if err != nil {
		return nil, err
	}
	return encodeOutput(resp), nil
}

// awaitStepBodies holds back the response of a failed invocation until the
// step bodies it started (in map items, branches or futures) have
// returned, bounded by the Lambda deadline. The service re-invokes right
// after a failed invocation; a body still running then would run beside
// the next invocation's attempt of the same step. After any other outcome
// no invocation follows that could overlap (the execution ended, or it
// suspended, which needs every body to have returned), and bodies that
// outlive a completed batch may keep running: they cannot checkpoint.
func (inv *invocation) awaitStepBodies() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.out.kind != outcomeInvocationError {
		return
	}
	stop := context.AfterFunc(inv.ctx, func() {
		inv.mu.Lock()
		inv.cond.Broadcast()
		inv.mu.Unlock()
	})
	defer stop()
	for inv.stepBodies.Load() > 0 && inv.ctx.Err() == nil {
		inv.cond.Wait()
	}
}

// enterStepBody admits a step body unless the invocation's outcome is
// decided: a body started after that could run beside the next
// invocation. Each admitted body must call exitStepBody. It takes no
// lock: the count goes up before the outcome is read, and the outcome is
// decided before awaitStepBodies reads the count, so either the body is
// refused or awaitStepBodies sees it.
func (inv *invocation) enterStepBody() bool {
	inv.stepBodies.Add(1)
	if inv.ended.Load() {
		inv.exitStepBody()
		return false
	}
	inv.progress.Add(1)
	return true
}

// exitStepBody records that an admitted step body returned, waking
// awaitStepBodies after the last one once the outcome is decided.
func (inv *invocation) exitStepBody() {
	inv.progress.Add(1)
	if inv.stepBodies.Add(-1) == 0 && inv.ended.Load() {
		inv.mu.Lock()
		inv.cond.Broadcast()
		inv.mu.Unlock()
	}
}

func (inv *invocation) runRoot(body func(*execContext) ([]byte, error)) {
	defer close(inv.rootDone)
	returned := false
	defer inv.recoverPanic(&returned)
	root := newRootContext(inv)
	var result []byte
	var err error
	if inv.hooks != nil {
		result, err = inv.hooks.runRoot(root, body)
	} else {
		result, err = body(root)
	}
	returned = true
	inv.mu.Lock()
	defer inv.mu.Unlock()
	switch {
	case err == nil:
		inv.finishLocked(outcome{kind: outcomeSucceeded, result: result})
	case errors.Is(err, errSuspended) && inv.out.kind != outcomeNone:
		// The outcome was decided elsewhere; the handler just unwound.
	default:
		inv.failLocked(err)
	}
	inv.running--
}

// errGoexit is the invocation failure of user code that called
// runtime.Goexit (t.FailNow in a test, say) instead of returning.
var errGoexit = errors.New("durable: user code called runtime.Goexit")

// recoverPanic, deferred by a goroutine running user code, turns a panic
// of that code into an invocation failure, and so does runtime.Goexit
// (nothing panicked, but *returned is still false): otherwise the
// invocation would wait for an outcome nobody decides.
func (inv *invocation) recoverPanic(returned *bool) {
	v := recover()
	if v == nil && *returned {
		return
	}
	var err error = errGoexit
	if pe, ok := v.(*PanicError); ok {
		err = pe // raised again by the SDK (see workOnce), with the original stack
	} else if v != nil {
		err = newPanicError(v, inv.opts.stackTraces)
	}
	inv.mu.Lock()
	inv.finishLocked(outcome{kind: outcomeInvocationError, err: err})
	inv.mu.Unlock()
}

// failLocked ends the invocation for an error returned by user code or
// raised by the SDK: FAILED for a terminal error, an invocation failure for
// a retryable serialization error or an invocation-scoped checkpoint error.
func (inv *invocation) failLocked(err error) {
	var ce *CheckpointError
	if errors.As(err, &ce) && ce.Scope() == ErrorScopeInvocation || errors.Is(err, ErrRetryableSerdes) {
		inv.finishLocked(outcome{kind: outcomeInvocationError, err: err})
		return
	}
	obj := errorObjectOf(err, inv.opts.stackTraces)
	inv.finishLocked(outcome{kind: outcomeFailed, errObj: &obj})
}

// fail ends the invocation with err (see failLocked).
func (inv *invocation) fail(err error) {
	inv.mu.Lock()
	inv.failLocked(err)
	inv.mu.Unlock()
}

// finishLocked decides the outcome (first one wins), closes the queue to new
// updates and releases every goroutine blocked on the service.
func (inv *invocation) finishLocked(o outcome) {
	if inv.out.kind != outcomeNone {
		return
	}
	inv.out = o
	inv.q.closed = true
	inv.ended.Store(true)
	for _, w := range inv.waits {
		close(w.ch)
	}
	inv.waits = nil
	close(inv.done)
	inv.cond.Broadcast()
}

// observeLocked records operations reported by a checkpoint response and
// wakes the goroutines waiting for them. Without plugins the records are
// indexed by id only when one is looked up (see latestLocked): a map's
// items are reported by thousands, and usually nobody asks for them.
func (inv *invocation) observeLocked(ops []Operation) {
	var repeated []bool // see hookEvent.repeated
	if inv.hooks != nil {
		// The hooks are told which records repeat an end already
		// reported: each record is compared with its predecessor as it
		// arrives.
		inv.indexLocked()
		for i := range ops {
			op := &ops[i]
			if op.Status.Terminal() {
				if prev := inv.latest[op.Id]; prev != nil && prev.Status.Terminal() {
					if repeated == nil {
						repeated = make([]bool, len(ops))
					}
					repeated[i] = true
				}
			}
			inv.latest[op.Id] = op
		}
	} else if len(ops) > 0 {
		inv.unindexed = append(inv.unindexed, ops)
	}
	woke := false
	for i := 0; i < len(ops) && len(inv.waits) > 0; i++ {
		op := &ops[i]
		for j := 0; j < len(inv.waits); {
			w := inv.waits[j]
			if w.id != op.Id || !w.ready(op) {
				j++
				continue
			}
			w.op = op
			inv.waits = slices.Delete(inv.waits, j, j+1)
			inv.running++
			close(w.ch)
			woke = true
		}
	}
	if inv.hooks != nil {
		inv.hooks.observe(ops, repeated)
	}
	if woke {
		inv.kickPollerLocked()
	}
}

// latestLocked returns the latest record of id a checkpoint response of
// this invocation reported, or nil.
func (inv *invocation) latestLocked(id string) *Operation {
	inv.indexLocked()
	return inv.latest[id]
}

// indexLocked indexes the responses' records observed since the last call,
// in order, so that a later response's record wins.
func (inv *invocation) indexLocked() {
	for _, ops := range inv.unindexed {
		for i := range ops {
			inv.latest[ops[i].Id] = &ops[i]
		}
	}
	clear(inv.unindexed)
	inv.unindexed = inv.unindexed[:0]
}

// record returns the latest known record of id: from a checkpoint response
// of this invocation, else from the initial log.
func (inv *invocation) recordLocked(id string) *Operation {
	if op := inv.latestLocked(id); op != nil {
		return op
	}
	return inv.initial.get(id)
}

// waitOnService blocks the calling goroutine until the record of id
// satisfies ready. until is when the service is expected to change it
// (zero if unknown), used to time polls. It returns errSuspended when the
// invocation ends first.
func (inv *invocation) waitOnService(id string, until time.Time, ready func(*Operation) bool) (*Operation, error) {
	inv.mu.Lock()
	if inv.out.kind != outcomeNone {
		inv.mu.Unlock()
		return nil, errSuspended
	}
	if op := inv.latestLocked(id); op != nil && ready(op) {
		inv.mu.Unlock()
		return op, nil
	}
	w := &serviceWait{id: id, until: until, ready: ready, ch: make(chan struct{})}
	inv.waits = append(inv.waits, w)
	inv.blockLocked()
	inv.mu.Unlock()
	<-w.ch
	if w.op == nil {
		return nil, errSuspended
	}
	return w.op, nil
}

// blockLocked marks the calling goroutine as no longer running user code
// and applies the checkpoint queue's group-commit rule (see queue): the
// last goroutine to block sends what is queued, and suspends the
// invocation when, with nothing in flight or queued, nobody runs and some
// operation waits on the service.
func (inv *invocation) blockLocked() {
	inv.running--
	inv.progress.Add(1)
	inv.settleLocked()
	if inv.running > 0 && len(inv.waits) > 0 {
		inv.kickPollerLocked()
	}
}

// kickPollerLocked starts the poller, or makes it recompute its schedule.
func (inv *invocation) kickPollerLocked() {
	if inv.poller == nil {
		inv.poller = make(chan struct{}, 1)
		go inv.poll(inv.poller)
		return
	}
	select {
	case inv.poller <- struct{}{}:
	default:
	}
}

// Poll timing while code runs and operations wait on the service: at the
// earliest known end time, else after firstPollDelay, backing off by
// pollBackoffStep per fruitless poll up to maxPollDelay; never when less
// than minRemainingForPoll of Lambda time is left.
const (
	firstPollDelay      = time.Second
	pollBackoffStep     = time.Second
	maxPollDelay        = 10 * time.Second
	minRemainingForPoll = time.Second
)

// poll is the poller goroutine.
func (inv *invocation) poll(kick chan struct{}) {
	delay := firstPollDelay
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		inv.mu.Lock()
		active := inv.running > 0 && len(inv.waits) > 0
		now := time.Now()
		next := now.Add(delay)
		for _, w := range inv.waits {
			if w.until.After(now) && w.until.Before(next) {
				next = w.until
			}
		}
		inv.mu.Unlock()
		if !active {
			select {
			case <-kick:
				delay = firstPollDelay
				continue
			case <-inv.done:
				return
			}
		}
		timer.Reset(time.Until(next))
		select {
		case <-kick:
			continue
		case <-inv.done:
			return
		case <-timer.C:
		}
		if dl, ok := inv.ctx.Deadline(); ok && time.Until(dl) < minRemainingForPoll {
			continue
		}
		inv.mu.Lock()
		waiting := len(inv.waits)
		if inv.out.kind == outcomeNone && inv.running > 0 && waiting > 0 {
			inv.pollLocked()
		}
		progressed := len(inv.waits) < waiting
		inv.mu.Unlock()
		if progressed {
			delay = firstPollDelay
		} else {
			delay = min(delay+pollBackoffStep, maxPollDelay)
		}
	}
}

// respond waits for the queue to drain and decides the response envelope,
// or the invocation failure.
func (inv *invocation) respond() (InvocationOutput, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.q.timer != nil {
		defer inv.q.timer.Stop()
	}
	out := inv.out
	if out.kind == outcomeSucceeded && len(out.result) > wire.MaxInlineResultBytes {
		inv.addLocked(OperationUpdate{
			Id:      inv.execID,
			Type:    wire.OperationTypeExecution,
			Action:  wire.OperationActionSucceed,
			Payload: wire.String(string(out.result)),
		})
		out.result = nil
	}
	if out.kind == outcomeFailed && errorObjectBytes(out.errObj) > wire.MaxInlineResultBytes {
		// The mirror image for an error too large for the envelope: it is
		// recorded on the EXECUTION operation and the envelope carries none.
		inv.addLocked(OperationUpdate{
			Id:     inv.execID,
			Type:   wire.OperationTypeExecution,
			Action: wire.OperationActionFail,
			Error:  out.errObj,
		})
		out.errObj = nil
	}
	flushErr := inv.flushLocked()
	q := &inv.q
	switch {
	case q.err != nil:
		if q.err.Scope() == ErrorScopeInvocation {
			return InvocationOutput{}, q.err
		}
		if out.kind != outcomeInvocationError {
			obj := errorObjectOf(q.err, inv.opts.stackTraces)
			out = outcome{kind: outcomeFailed, errObj: &obj}
		}
	case q.stopped && q.terminal:
		// The EXECUTION update closed the execution; the envelope's
		// contents are ignored.
		if out.kind == outcomeFailed {
			return InvocationOutput{Status: wire.InvocationStatusFailed}, nil
		}
		return InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: wire.String("")}, nil
	case q.stopped || flushErr != nil:
		out = outcome{kind: outcomePending}
	}
	switch out.kind {
	case outcomeSucceeded:
		return InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: wire.String(string(out.result))}, nil
	case outcomeFailed:
		return InvocationOutput{Status: wire.InvocationStatusFailed, Error: out.errObj}, nil
	case outcomePending:
		return InvocationOutput{Status: wire.InvocationStatusPending}, nil
	default:
		return InvocationOutput{}, out.err
	}
}

// errorObjectBytes is the size of an ErrorObject in the response envelope.
func errorObjectBytes(obj *ErrorObject) int {
	b, err := json.Marshal(obj)
	if err != nil {
		return 0
	}
	return len(b)
}

// encodeOutput encodes the response envelope (without HTML escaping, like
// the results it carries).
func encodeOutput(o InvocationOutput) []byte {
	return wire.AppendInvocationOutput(nil, &o)
}
