package durable

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Context is the handle a durable handler receives. It is a
// context.Context (cancelled when the invocation's Lambda deadline passes)
// plus the durable execution's identity and a replay-aware logger.
//
// Operations ([Step], [Wait], ...) take a Context as their first argument.
// A Context belongs to the goroutine that received it: calling an
// operation on it from another goroutine returns [ErrWrongGoroutine], and
// calling one while a step body of that context runs returns
// [ErrWrongContext]. The interface is sealed: only this package implements
// it.
type Context interface {
	context.Context
	// ExecutionArn returns the durable execution's ARN.
	ExecutionArn() string
	// RequestID returns the Lambda request id of the current invocation.
	// It changes from one invocation to the next, so using it outside a
	// step makes the handler non-deterministic.
	RequestID() string
	// InvokedFunctionARN returns the ARN the function was invoked with.
	InvokedFunctionARN() string
	// Logger returns a logger that drops records while this context is
	// replaying code that already ran in an earlier invocation.
	Logger() *slog.Logger
	// IsReplaying reports whether this context is still re-running code
	// that an earlier invocation already ran.
	IsReplaying() bool

	impl() *execContext
}

// StepContext is the handle a step body receives: a context.Context, a
// logger that is never suppressed (a step body only runs live) and the
// attempt number. It offers no durable operations.
type StepContext interface {
	context.Context
	// Logger returns a logger whose records carry the step's id, name and
	// attempt.
	Logger() *slog.Logger
	// Attempt returns the current attempt, starting at 1.
	Attempt() int

	stepContext()
}

// execContext implements Context for the root and for child contexts.
type execContext struct {
	context.Context
	inv *invocation
	// positional is the context's positional id ("" for the root); its
	// operations are "<positional>-1", "<positional>-2", ...
	positional string
	// parentID is the ParentId of the operations created here: the wire
	// id of the nearest checkpointed ancestor context ("" at the root).
	parentID string
	// parent is the enclosing context (nil at the root). A context whose
	// ancestor has closed or only replays sends no more checkpoints.
	parent *execContext
	// depth is the depth in the operation tree of the operations claimed
	// here (see WithPluginChildOperationsDepth): 0 at the root, one more
	// in each checkpointed child context.
	depth   int
	counter int
	owner   uintptr
	// busy is non-zero while a step body (or a blocking child body) of
	// this context runs on the owner goroutine.
	busy      int
	replaying atomic.Bool
	// closed is set when the context's body has returned: it and its
	// descendants never checkpoint again, and using it is an error.
	closed atomic.Bool
	// replayOnly marks a context re-run to rebuild a result from its
	// children's records: it and its descendants never checkpoint.
	replayOnly bool
	logger     atomic.Pointer[slog.Logger]
	// taken is the initial record of the id nextID or nextPositional
	// returned last (nil for a new operation), so that replayRecord
	// need not look it up again.
	taken *Operation
	// takenAt is the index in the initial log of the last record this
	// context found (at first, of the record that opened it): the next
	// one is looked for after it.
	takenAt int
}

func newRootContext(inv *invocation) *execContext {
	c := &execContext{Context: inv.ctx, inv: inv, owner: currentGoroutine(), takenAt: inv.execIndex}
	c.replaying.Store(inv.replaying)
	return c
}

func (c *execContext) impl() *execContext { return c }

// ExecutionArn returns the durable execution's ARN.
func (c *execContext) ExecutionArn() string { return c.inv.arn }

// RequestID returns the Lambda request id of the current invocation.
func (c *execContext) RequestID() string { return c.inv.requestID }

// InvokedFunctionARN returns the ARN the function was invoked with.
func (c *execContext) InvokedFunctionARN() string { return c.inv.fnARN }

// IsReplaying reports whether the context is re-running recorded code.
func (c *execContext) IsReplaying() bool { return c.replaying.Load() }

// Logger returns the context's replay-aware logger.
func (c *execContext) Logger() *slog.Logger {
	return lazyLogger(&c.logger, func() *slog.Logger {
		return slog.New(&replayHandler{next: c.inv.logBase, ctx: c, logCtx: c, inv: c.inv, mode: c.inv.opts.replayLog})
	})
}

// lazyLogger returns *p, building it with build on first use; safe for
// concurrent callers (one of the built loggers wins).
func lazyLogger(p *atomic.Pointer[slog.Logger], build func() *slog.Logger) *slog.Logger {
	if l := p.Load(); l != nil {
		return l
	}
	p.CompareAndSwap(nil, build())
	return p.Load()
}

// markLive records that the context has moved past what earlier
// invocations ran: it met a new operation, one the service changed since
// the last invocation, or ran a step body.
func (c *execContext) markLive() {
	if c.replaying.Load() {
		c.replaying.Store(false)
	}
}

// checkUse enforces the ownership rules before an operation.
func (c *execContext) checkUse() error {
	if !checksEnabled {
		return nil
	}
	if currentGoroutine() != c.owner {
		return ErrWrongGoroutine
	}
	if c.busy != 0 || c.closed.Load() {
		return ErrWrongContext
	}
	return nil
}

// initChild sets up k, a zero context no other goroutine sees yet, as a
// context for the operations of a child whose positional id is positional;
// they hang under parentID (the child's own wire id, or for a virtual
// child the nearest checkpointed ancestor's) and are looked for after
// index takenAt of the initial log. k is owned by the calling goroutine
// until the body's goroutine claims it. initChild may run on the child's
// goroutine, so it reads none of the fields c's owner changes as it takes
// ids.
func (c *execContext) initChild(k *execContext, positional, parentID string, takenAt int, replayOnly bool) {
	k.Context, k.inv, k.positional, k.parentID, k.parent = c.Context, c.inv, positional, parentID, c
	k.depth, k.owner, k.replayOnly = c.depth, currentGoroutine(), replayOnly || c.replayOnly
	k.takenAt = takenAt
	if parentID != c.parentID {
		k.depth++
	}
	k.replaying.Store(c.replaying.Load())
}

// shadow returns a stand-in for c that runs one operation of c (whose id
// c already took, with c's takenAt then) on another goroutine: same ids
// and parent, its own owner and busy count. Its checkpoints stop when c
// closes.
func (c *execContext) shadow(takenAt int) *execContext {
	k := &execContext{}
	c.initChild(k, c.positional, c.parentID, takenAt, false)
	return k
}

// silenced reports whether updates of c must be dropped: c or an ancestor
// has closed (its body returned) or only replays.
func (c *execContext) silenced() bool {
	for a := c; a != nil; a = a.parent {
		if a.closed.Load() || a.replayOnly {
			return true
		}
	}
	return false
}

// checkpoint sends an update of this context and waits until the service
// acknowledged it. It returns the suspension signal, sending nothing, when
// an enclosing context has finished (see silenced).
func (c *execContext) checkpoint(u OperationUpdate) error {
	return c.inv.submit(c, u, true)
}

// enqueueAsync queues a fire-and-forget update of this context (dropped,
// with the suspension signal, when an enclosing context has finished).
func (c *execContext) enqueueAsync(u OperationUpdate) error {
	return c.inv.submit(c, u, false)
}

// nextID takes the next positional id of the context and returns its wire
// id. It is called synchronously at the operation's call site so ids
// follow program order.
func (c *execContext) nextID() string {
	c.counter++
	id, rec, at := c.inv.wireID(c.positional, c.counter, c.takenAt)
	c.taken, c.takenAt = rec, at
	return id
}

// nextPositional is nextID for an operation that opens a child context: it
// also returns the positional id, the prefix of the child's operations.
func (c *execContext) nextPositional() (positional, id string) {
	c.counter++
	id, c.taken, c.takenAt = c.inv.wireID(c.positional, c.counter, c.takenAt)
	return string(appendPositional(nil, c.positional, c.counter)), id
}

// replayRecord returns the recorded operation for id, or nil for a new one.
// A record of another type, subtype or name is non-determinism: the
// execution fails and the error is returned.
func (c *execContext) replayRecord(id string, typ OperationType, subType, name string) (*Operation, error) {
	rec := c.taken
	if rec == nil || rec.Id != id {
		rec = c.inv.initial.get(id)
	}
	if rec == nil {
		c.markLive()
		if c.inv.hooks != nil {
			c.operationStarted(id, typ, subType, name, nil)
		}
		return nil, nil
	}
	if rec.Type != typ || rec.SubType != subType || rec.Name != name {
		err := newNonDeterminismError(id, rec, typ, subType, name)
		c.inv.fail(err)
		return nil, err
	}
	if c.inv.isUpdated(id) {
		c.markLive()
	}
	if c.inv.hooks != nil {
		c.operationStarted(id, typ, subType, name, rec)
	}
	return rec, nil
}

// update returns an OperationUpdate of this context for id.
func (c *execContext) update(id string, typ OperationType, subType, name string, action OperationAction) OperationUpdate {
	return OperationUpdate{Id: id, ParentId: c.parentID, Name: name, Type: typ, SubType: subType, Action: action}
}

// waitOnService blocks until the record of id satisfies ready (see
// invocation.waitOnService); a record that changed in this invocation makes
// the context live.
func (c *execContext) waitOnService(id string, until time.Time, ready func(*Operation) bool) (*Operation, error) {
	op, err := c.inv.waitOnService(id, until, ready)
	if err == nil {
		c.markLive()
	}
	return op, err
}

// ExecutionStartTime returns when the execution started, as recorded by the
// service: the same value in every invocation, so it is safe to use in
// deterministic code (unlike time.Now).
func ExecutionStartTime(ctx Context) time.Time {
	c := ctx.impl()
	if c.inv.execOp == nil {
		return time.Time{}
	}
	return wire.TimeOf(c.inv.execOp.StartTimestamp)
}

// argumentError is a plain error for a bad argument or option: it matches
// no typed error.
func argumentError(op, name, format string, args ...any) error {
	return fmt.Errorf("durable: %s %q: %s", op, name, fmt.Sprintf(format, args...))
}

// useError wraps an ownership violation.
func useError(op, name string, err error) error {
	return fmt.Errorf("durable: %s %q: %w", op, name, err)
}
