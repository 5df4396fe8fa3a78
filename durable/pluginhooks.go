package durable

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// This file calls the plugins' hooks. The SDK reaches it from a few
// places only, each behind a nil check, so that a handler without plugins
// builds no hook information:
//
//   - invocation.runRoot and invocation.run: the invocation hooks;
//   - execContext.replayRecord: OnOperationStart, when an operation is
//     claimed (live, or replayed while unfinished);
//   - invocation.observeLocked: the records of checkpoint responses, which
//     feed OnOperationEnd and OnOperationChange on the invocation's hook
//     goroutine (as do the records the service changed between
//     invocations);
//   - runStepBody: the attempt hooks around step bodies and condition
//     checks;
//   - runChild: WrapChildContextFn around child functions;
//   - replayHandler.Handle: EnrichLogContext.

// maxPluginDepth is the default of WithPluginChildOperationsDepth: every
// depth is reported.
const maxPluginDepth = math.MaxInt

// pluginSet is a handler's plugins, with which hooks any of them
// implements; nil when the handler has none.
type pluginSet struct {
	list []Plugin
	// depth is the deepest operation depth reported (maxPluginDepth: all).
	depth int

	invocationStart, invocationEnd, wrapInvocation     bool
	operationStart, operationEnd, operationChange      bool
	attemptStart, attemptEnd, wrapAttempt, wrapChild   bool
	enrichLog                                          bool
	invocationInfo, attemptHooks, recordHooks, anyHook bool
}

func newPluginSet(list []Plugin, depth int) *pluginSet {
	if len(list) == 0 {
		return nil
	}
	s := &pluginSet{list: slices.Clone(list), depth: depth}
	for i := range s.list {
		p := &s.list[i]
		s.invocationStart = s.invocationStart || p.OnInvocationStart != nil
		s.invocationEnd = s.invocationEnd || p.OnInvocationEnd != nil
		s.wrapInvocation = s.wrapInvocation || p.WrapInvocation != nil
		s.operationStart = s.operationStart || p.OnOperationStart != nil
		s.operationEnd = s.operationEnd || p.OnOperationEnd != nil
		s.operationChange = s.operationChange || p.OnOperationChange != nil
		s.attemptStart = s.attemptStart || p.OnOperationAttemptStart != nil
		s.attemptEnd = s.attemptEnd || p.OnOperationAttemptEnd != nil
		s.wrapAttempt = s.wrapAttempt || p.WrapOperationAttemptFn != nil
		s.wrapChild = s.wrapChild || p.WrapChildContextFn != nil
		s.enrichLog = s.enrichLog || p.EnrichLogContext != nil
	}
	s.invocationInfo = s.invocationStart || s.invocationEnd || s.wrapInvocation
	s.attemptHooks = s.attemptStart || s.attemptEnd || s.wrapAttempt
	s.recordHooks = s.operationEnd || s.operationChange
	s.anyHook = s.invocationInfo || s.attemptHooks || s.recordHooks || s.operationStart || s.wrapChild || s.enrichLog
	if !s.anyHook {
		return nil
	}
	return s
}

// invocationHooks is the plugins' view of one invocation.
type invocationHooks struct {
	set *pluginSet
	inv *invocation
	// info is the invocation's InvocationHookInfo, built before the
	// handler runs (when an invocation hook wants it).
	info InvocationHookInfo

	mu sync.Mutex
	// ended holds the operations of the initial log whose OnOperationEnd
	// was dispatched, and those whose end is held for the next invocation
	// (see endsHere and holdEnd).
	ended map[string]struct{}
	// result is the handler's value, for OnInvocationEnd.
	result any

	// The hook goroutine: it runs OnOperationEnd, OnOperationChange and
	// OnInvocationEnd in the order their records arrived, so that the
	// checkpointing that reports the records never waits for a hook. It
	// is woken once per batch of events, not per event (see
	// hookBatchLen).
	qmu     sync.Mutex
	queue   []hookEvent // from head on
	head    int
	wake    chan struct{}
	timer   *time.Timer   // wakes the goroutine hookBatchDelay after a batch began
	idle    chan struct{} // closed when the goroutine has run the final event
	started bool
	// active: the goroutine is draining the queue, or a wake-up (the
	// timer or wake) is on its way to it.
	active bool
	// known holds the latest record of every CONTEXT operation (the
	// parents: see depthOf and replayedNext), and of every other operation
	// too when a plugin implements OnOperationChange, which reports them
	// all; hook goroutine only.
	known map[string]*Operation
	// held holds the ends the service made that this invocation saw but
	// leaves to the next one (see holdEnd); hook goroutine only.
	held []OperationHookInfo
}

// hookEvent is one piece of work for the hook goroutine: records to report
// (ops; updated=true for the changes made between invocations), or the end
// of the invocation (last; final is OnInvocationEnd's info, closing says
// that the execution ended).
type hookEvent struct {
	ops []Operation
	// repeated marks the records of ops that repeat an end an earlier
	// record of this invocation's responses reported (nil: none does).
	repeated []bool
	updated  bool
	last     bool
	closing  bool
	final    *InvocationEndHookInfo
}

func newInvocationHooks(set *pluginSet, inv *invocation) *invocationHooks {
	return &invocationHooks{set: set, inv: inv, ended: map[string]struct{}{}}
}

// each calls call for every plugin in registration order. A panic is
// contained and logged; the next plugin's hook runs regardless.
func (h *invocationHooks) each(hook string, call func(p *Plugin)) {
	for i := range h.set.list {
		h.safely(i, hook, call)
	}
}

// safely calls call for plugin i, containing a panic.
func (h *invocationHooks) safely(i int, hook string, call func(p *Plugin)) {
	defer func() {
		if v := recover(); v != nil {
			h.logPanic(i, hook, v)
		}
	}()
	call(&h.set.list[i])
}

// logPanic logs a contained panic of plugin i's hook.
func (h *invocationHooks) logPanic(i int, hook string, v any) {
	slog.New(h.inv.logBase).Error("durable: a plugin hook panicked; the panic is contained and the execution goes on",
		slog.Int("plugin", i), slog.String("hook", hook), slog.String("panic", fmt.Sprint(v)))
}

// reported reports whether operations claimed at depth reach the plugins.
func (h *invocationHooks) reported(depth int) bool { return depth <= h.set.depth }

// childrenOmitted reports whether an operation at depth of type typ has
// children the plugins do not see.
func (h *invocationHooks) childrenOmitted(depth int, typ OperationType) bool {
	return typ == wire.OperationTypeContext && depth == h.set.depth
}

// hooksAt returns the invocation's hooks for operations claimed on c, or
// nil when there are none or c lies deeper than the plugins see.
func (c *execContext) hooksAt() *invocationHooks {
	h := c.inv.hooks
	if h == nil || !h.reported(c.depth) {
		return nil
	}
	return h
}

// ---- Invocation hooks ----

// buildInvocationInfo fills the invocation's info before the handler runs.
func (h *invocationHooks) buildInvocationInfo(root *execContext) {
	inv := h.inv
	h.info = InvocationHookInfo{
		ExecutionArn:      inv.arn,
		RequestID:         inv.requestID,
		IsFirstInvocation: !inv.replaying,
	}
	if inv.execOp != nil {
		h.info.ExecutionStartTimestamp = wire.TimeOf(inv.execOp.StartTimestamp)
	}
	if in := inv.input(); len(in) > 0 {
		var v any
		if err := inv.opts.serdes.Unmarshal(root, SerdesContext{DurableExecutionArn: inv.arn}, in, &v); err == nil {
			h.info.ExecutionInput = v
		}
	}
	initial := inv.initial.all()
	h.info.Operations = make(map[string]OperationHookInfo, len(initial))
	for id, op := range initial {
		if d := h.depthIn(initial, op); h.reported(d) {
			h.info.Operations[id] = h.recordInfo(op, d)
		}
	}
	if len(inv.updated) > 0 {
		h.info.UpdatedOperations = make(map[string]OperationHookInfo, len(inv.updated))
		for id := range inv.updated {
			if info, ok := h.info.Operations[id]; ok {
				h.info.UpdatedOperations[id] = info
			}
		}
	}
}

// runRoot runs the handler's body inside the invocation hooks:
// OnInvocationStart, then WrapInvocation around body. The records the
// service changed since the previous invocation go to the hook goroutine.
func (h *invocationHooks) runRoot(root *execContext, body func(*execContext) ([]byte, error)) ([]byte, error) {
	if h.set.invocationInfo {
		h.buildInvocationInfo(root)
	}
	if h.set.invocationStart {
		h.each("OnInvocationStart", func(p *Plugin) {
			if p.OnInvocationStart != nil {
				p.OnInvocationStart(h.inv.ctx, h.info)
			}
		})
	}
	if h.set.recordHooks && len(h.inv.updated) > 0 {
		ops := make([]Operation, 0, len(h.inv.updated))
		for id := range h.inv.updated {
			if op := h.inv.initial.get(id); op != nil {
				ops = append(ops, *op)
			}
		}
		h.enqueue(hookEvent{ops: ops, updated: true})
	}
	if !h.set.wrapInvocation {
		return body(root)
	}
	r := &rootRun{h: h, root: root, body: body}
	_, err := h.runWrapped(&r.chain, wrapInvocationHook, root.Context, r)
	return r.result, err
}

// rootRun is the handler's body as the work of the WrapInvocation chain.
type rootRun struct {
	chain  wrapChain
	h      *invocationHooks
	root   *execContext
	body   func(*execContext) ([]byte, error)
	result []byte
}

func (r *rootRun) run(sdk, hook context.Context) (any, error) {
	r.root.Context = mergeContext(sdk, hook)
	res, err := r.body(r.root)
	r.result = res
	return r.h.handlerResult(), err
}

// setResult records the handler's value for OnInvocationEnd.
func (h *invocationHooks) setResult(v any) {
	h.mu.Lock()
	h.result = v
	h.mu.Unlock()
}

func (h *invocationHooks) handlerResult() any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.result
}

// end dispatches OnInvocationEnd after every record of the invocation has
// been reported, on the hook goroutine, and waits for it until the
// invocation's context ends (the Lambda deadline): a slow hook cannot hold
// the response back past it. resp is the response envelope, err the
// invocation failure.
func (h *invocationHooks) end(resp InvocationOutput, err error) {
	if !h.set.recordHooks && !h.set.invocationEnd {
		return
	}
	var final *InvocationEndHookInfo
	if h.set.invocationEnd {
		final = &InvocationEndHookInfo{InvocationHookInfo: h.info}
		switch {
		case err != nil:
			final.Status, final.ExecutionError = PluginInvocationRetrying, err
		case resp.Status == wire.InvocationStatusSucceeded:
			final.Status, final.ExecutionResult = PluginInvocationSucceeded, h.handlerResult()
		case resp.Status == wire.InvocationStatusFailed:
			final.Status = PluginInvocationFailed
			if resp.Error != nil {
				final.ExecutionError = ErrorFromObject(*resp.Error)
			} else if obj := h.inv.out.errObj; obj != nil {
				// Recorded on the EXECUTION operation, too large for the response.
				final.ExecutionError = ErrorFromObject(*obj)
			}
		default:
			final.Status = PluginInvocationPending
		}
	}
	closing := err == nil && (resp.Status == wire.InvocationStatusSucceeded || resp.Status == wire.InvocationStatusFailed)
	h.enqueue(hookEvent{last: true, closing: closing, final: final})
	h.qmu.Lock()
	idle := h.idle
	h.qmu.Unlock()
	select {
	case <-idle:
	case <-h.inv.ctx.Done():
	}
}

// ---- Operation start ----

// operationStarted dispatches OnOperationStart for an operation claimed on
// c: a new one (rec nil) or one replayed before it finished. A finished
// record fires nothing: its end was reported when it happened.
func (c *execContext) operationStarted(id string, typ OperationType, subType, name string, rec *Operation) {
	h := c.hooksAt()
	if h == nil || !h.set.operationStart {
		return
	}
	var info OperationHookInfo
	if rec == nil {
		info = OperationHookInfo{ExecutionArn: c.inv.arn, ID: id, Name: name, Type: string(typ), SubType: subType,
			Status: PluginOperationStarted, ParentID: c.parentID, StartTimestamp: time.Now()}
	} else {
		if rec.Status.Terminal() || h.isEnded(id) {
			return
		}
		info = h.recordInfo(rec, c.depth)
	}
	info.ChildrenOmitted = h.childrenOmitted(c.depth, typ)
	h.each("OnOperationStart", func(p *Plugin) {
		if p.OnOperationStart != nil {
			p.OnOperationStart(c, info)
		}
	})
}

// isEnded reports whether the end of id was dispatched.
func (h *invocationHooks) isEnded(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.ended[id]
	return ok
}

// markEnded records that the end of id is dispatched; false if it was.
func (h *invocationHooks) markEnded(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.ended[id]; ok {
		return false
	}
	h.ended[id] = struct{}{}
	return true
}

// recordInfo describes a recorded operation at depth.
func (h *invocationHooks) recordInfo(op *Operation, depth int) OperationHookInfo {
	info := OperationHookInfo{
		ExecutionArn:    h.inv.arn,
		ID:              op.Id,
		Name:            op.Name,
		Type:            string(op.Type),
		SubType:         op.SubType,
		Status:          PluginOperationStatus(op.Status),
		IsReplay:        h.inv.initial.get(op.Id) != nil,
		ParentID:        op.ParentId,
		ChildrenOmitted: h.childrenOmitted(depth, op.Type),
		StartTimestamp:  wire.TimeOf(op.StartTimestamp),
		EndTimestamp:    wire.TimeOf(op.EndTimestamp),
	}
	var result *string
	var failure *ErrorObject
	switch {
	case op.StepDetails != nil:
		info.Attempt = op.StepDetails.Attempt
		result, failure = op.StepDetails.Result, op.StepDetails.Error
	case op.ContextDetails != nil:
		result, failure = op.ContextDetails.Result, op.ContextDetails.Error
	case op.CallbackDetails != nil:
		result, failure = op.CallbackDetails.Result, op.CallbackDetails.Error
	case op.ChainedInvokeDetails != nil:
		result, failure = op.ChainedInvokeDetails.Result, op.ChainedInvokeDetails.Error
	}
	if result != nil && op.Status == wire.OperationStatusSucceeded {
		info.Result = *result
	}
	if failure != nil && op.Status != wire.OperationStatusSucceeded {
		info.Error = ErrorFromObject(*failure)
	}
	return info
}

// ---- Records: operation end and change, on the hook goroutine ----

// observe hands the records of a checkpoint response to the hook
// goroutine, with those that repeat an end already reported (see
// hookEvent.repeated). Called with the invocation's lock held; it only
// queues.
func (h *invocationHooks) observe(ops []Operation, repeated []bool) {
	if h.set.recordHooks && len(ops) > 0 {
		h.enqueue(hookEvent{ops: ops, repeated: repeated})
	}
}

// The hook goroutine's batches. Waking a parked goroutine costs more than
// most hooks (on a multi-core machine, the runtime wakes an idle core for
// it), so records reach the hooks in batches: the goroutine is woken when
// hookBatchLen events are queued, hookBatchDelay after the first event of
// a batch, or at once for the invocation's end. An operation's end
// therefore reaches OnOperationEnd at most hookBatchDelay after its
// checkpoint response, and always before OnInvocationEnd.
const (
	hookBatchLen   = 64
	hookBatchDelay = time.Millisecond
)

// enqueue adds ev to the hook goroutine's queue, starting it if needed,
// and wakes it when a batch is due.
func (h *invocationHooks) enqueue(ev hookEvent) {
	h.qmu.Lock()
	h.queue = append(h.queue, ev)
	if !h.started {
		h.started = true
		h.wake = make(chan struct{}, 1)
		h.idle = make(chan struct{})
		h.timer = time.NewTimer(hookBatchDelay)
		h.active = true
		go h.loop()
	}
	due := ev.last || len(h.queue)-h.head >= hookBatchLen
	if !h.active {
		h.active = true
		if !due {
			h.timer.Reset(hookBatchDelay)
		}
	}
	h.qmu.Unlock()
	if due {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

// loop is the hook goroutine: it runs the queued events in order until the
// final one.
func (h *invocationHooks) loop() {
	defer close(h.idle)
	for {
		select {
		case <-h.wake:
		case <-h.timer.C:
		}
		for {
			h.qmu.Lock()
			if h.head == len(h.queue) {
				h.active = false
				h.timer.Stop()
				h.qmu.Unlock()
				break
			}
			ev := h.queue[h.head]
			h.queue[h.head] = hookEvent{}
			if h.head++; h.head == len(h.queue) {
				h.queue, h.head = h.queue[:0], 0 // emptied: reuse the array
			}
			h.qmu.Unlock()
			if h.run(ev) {
				h.timer.Stop()
				return
			}
		}
	}
}

// run handles one event; it reports whether it was the final one.
func (h *invocationHooks) run(ev hookEvent) bool {
	if h.known == nil {
		h.known = make(map[string]*Operation)
		for i := range h.inv.initial.ops {
			h.remember(&h.inv.initial.ops[i])
		}
	}
	if !ev.last {
		h.report(ev.ops, ev.repeated, ev.updated)
		return false
	}
	if ev.closing {
		// No invocation follows to report the held ends.
		h.dispatchEnds(h.held)
		h.held = nil
	}
	if ev.final != nil {
		h.each("OnInvocationEnd", func(p *Plugin) {
			if p.OnInvocationEnd != nil {
				p.OnInvocationEnd(h.inv.ctx, *ev.final)
			}
		})
	}
	return true
}

// report dispatches OnOperationChange for changed records and
// OnOperationEnd for those that reached a terminal status, but for those
// repeated marks (see hookEvent.repeated). updated marks the changes made
// between invocations, whose records are in the initial log.
func (h *invocationHooks) report(ops []Operation, repeated []bool, updated bool) {
	if !updated {
		for i := range ops {
			h.remember(&ops[i])
		}
	}
	var changed map[string]OperationHookInfo
	var endBuf [4]OperationHookInfo // a response reports a few records at a time
	ends := endBuf[:0]
	for i := range ops {
		op := &ops[i]
		d := h.depthOf(op)
		if !h.reported(d) {
			continue
		}
		ended := h.set.operationEnd && op.Status.Terminal() && op.Type != wire.OperationTypeExecution &&
			(repeated == nil || !repeated[i])
		if !ended && !h.set.operationChange {
			continue // a start, say: no hook describes it
		}
		info := h.recordInfo(op, d)
		if h.set.operationChange {
			if changed == nil {
				changed = make(map[string]OperationHookInfo, len(ops))
			}
			changed[op.Id] = info
		}
		if ended {
			if !updated && h.holdEnd(op, info) {
				continue
			}
			if h.endsHere(op.Id, updated) {
				ends = append(ends, info)
			}
		}
	}
	if len(h.held) > 0 {
		ends = append(h.releaseHidden(), ends...)
	}
	if len(changed) > 0 {
		all := make(map[string]OperationHookInfo, len(h.known))
		for id, op := range h.known {
			if d := h.depthOf(op); h.reported(d) {
				all[id] = h.recordInfo(op, d)
			}
		}
		change := OperationChangeHookInfo{ExecutionArn: h.inv.arn, UpdatedOperations: changed, Operations: all}
		h.each("OnOperationChange", func(p *Plugin) {
			if p.OnOperationChange != nil {
				p.OnOperationChange(h.inv.ctx, change)
			}
		})
	}
	h.dispatchEnds(ends)
}

// remember records op in known if a hook needs it later: a CONTEXT
// operation, the parent of others, or any operation when a plugin
// implements OnOperationChange.
func (h *invocationHooks) remember(op *Operation) {
	if op.Type == wire.OperationTypeContext || h.set.operationChange {
		h.known[op.Id] = op
	}
}

// depthOf returns the depth of op among the records in known; see
// depthIn.
func (h *invocationHooks) depthOf(op *Operation) int { return h.depthIn(h.known, op) }

// depthIn returns the depth of op (the number of its ancestors, following
// ParentId through ops; an ancestor missing from ops counts as a root), or
// 0 when every depth is reported.
func (h *invocationHooks) depthIn(ops map[string]*Operation, op *Operation) int {
	if h.set.depth == maxPluginDepth {
		return 0
	}
	d := 0
	for parent := op.ParentId; parent != "" && d <= len(ops); d++ {
		p := ops[parent]
		if p == nil {
			return d + 1
		}
		parent = p.ParentId
	}
	return d
}

// dispatchEnds calls OnOperationEnd for each of ends.
func (h *invocationHooks) dispatchEnds(ends []OperationHookInfo) {
	for i := range ends {
		h.each("OnOperationEnd", func(p *Plugin) {
			if p.OnOperationEnd != nil {
				p.OnOperationEnd(h.inv.ctx, ends[i])
			}
		})
	}
}

// holdEnd holds back the end of op, which a checkpoint response of this
// invocation reports terminal, when the next invocation reports it
// instead: an end the service made (an elapsed wait, a completed callback,
// a finished chained invoke) is among the next invocation's updated
// operations even when this invocation saw it, because the service lists
// every operation it changed since the previous invocation began. Ending it
// here too would end it twice. It counts as dispatched for this
// invocation (see markEnded). A held end is dispatched here after all
// when no invocation will replay op: when an enclosing context ends (its
// children leave the operation log the next invocation receives) or the
// execution does.
func (h *invocationHooks) holdEnd(op *Operation, info OperationHookInfo) bool {
	switch op.Type {
	case wire.OperationTypeWait, wire.OperationTypeCallback, wire.OperationTypeChainedInvoke:
	default:
		return false // ended by this function's own checkpoint
	}
	if op.Status == wire.OperationStatusCancelled || !h.replayedNext(op.ParentId) {
		return false
	}
	if h.markEnded(op.Id) {
		h.held = append(h.held, info)
	}
	return true
}

// releaseHidden removes from the held ends those of operations no later
// invocation replays, and returns them.
func (h *invocationHooks) releaseHidden() []OperationHookInfo {
	var out []OperationHookInfo
	h.held = slices.DeleteFunc(h.held, func(info OperationHookInfo) bool {
		if h.replayedNext(info.ParentID) {
			return false
		}
		out = append(out, info)
		return true
	})
	return out
}

// replayedNext reports whether the next invocation receives the records
// of the operations whose parent is parentID ("" at the top level):
// whether no enclosing context has ended without ReplayChildren (the
// service leaves such a context's children out of the operation log).
func (h *invocationHooks) replayedNext(parentID string) bool {
	for range len(h.known) + 1 {
		parent := h.known[parentID]
		if parent == nil {
			return true
		}
		if parent.Status.Terminal() && (parent.ContextDetails == nil || !parent.ContextDetails.ReplayChildren) {
			return false
		}
		parentID = parent.ParentId
	}
	return true
}

// endsHere reports whether the terminal record of id is reported as its
// end now: once per invocation, and never for an operation that had
// already ended before the invocation (unless the service ended it since
// the previous one: updated). The end of an operation the invocation
// started takes no entry in ended: report skips the records that repeat
// it (hookEvent.repeated), and OnOperationStart asks about records of
// the initial log only.
func (h *invocationHooks) endsHere(id string, updated bool) bool {
	rec := h.inv.initial.get(id)
	if rec == nil && !updated {
		return true
	}
	if rec != nil && rec.Status.Terminal() && !updated && !h.inv.isUpdated(id) {
		return false
	}
	return h.markEnded(id)
}

// ---- Attempts ----

// runHookedAttempt runs one attempt of the step or condition check sc
// inside the attempt hooks; start is its start, or zero for now.
func runHookedAttempt[O any](h *invocationHooks, c *execContext, subType string, fn func(StepContext) (O, error), sc *stepContext, start time.Time) (O, error) {
	if start.IsZero() {
		start = time.Now()
	}
	a := &attemptRun[O]{fn: fn, attempt: attemptSource{c: c, sc: sc, subType: subType, start: start}}
	if h.set.attemptStart {
		info := a.attempt.info()
		h.each("OnOperationAttemptStart", func(p *Plugin) {
			if p.OnOperationAttemptStart != nil {
				p.OnOperationAttemptStart(c, info)
			}
		})
	}
	var err error
	if h.set.wrapAttempt {
		a.chain.attempt = &a.attempt
		_, err = h.runWrapped(&a.chain, wrapAttemptHook, sc.Context, a)
	} else {
		a.out, err = fn(sc)
	}
	if h.set.attemptEnd {
		end := AttemptEndHookInfo{OperationHookInfo: a.attempt.info().OperationHookInfo, Attempt: sc.attempt, Outcome: PluginAttemptSucceeded}
		end.EndTimestamp = time.Now()
		if err != nil {
			end.Outcome, end.Error = PluginAttemptFailed, err
			end.OperationHookInfo.Status = PluginOperationFailed
		} else {
			end.OperationHookInfo.Status = PluginOperationSucceeded
		}
		h.each("OnOperationAttemptEnd", func(p *Plugin) {
			if p.OnOperationAttemptEnd != nil {
				p.OnOperationAttemptEnd(c, end)
			}
		})
	}
	return a.out, err
}

// attemptSource is what an attempt's AttemptHookInfo is made of. The info
// is built on the stack for each hook that gets it, from these few fields,
// instead of held in the attempt's allocation (224 bytes of it).
type attemptSource struct {
	c       *execContext
	sc      *stepContext
	subType string
	start   time.Time
}

// info returns the attempt's AttemptHookInfo.
func (s *attemptSource) info() AttemptHookInfo {
	c, sc := s.c, s.sc
	return AttemptHookInfo{OperationHookInfo: OperationHookInfo{
		ExecutionArn: c.inv.arn, ID: sc.id, Name: sc.name, Type: string(wire.OperationTypeStep), SubType: s.subType,
		Status: PluginOperationStarted, Attempt: sc.attempt, IsReplay: c.inv.initial.get(sc.id) != nil,
		ParentID: c.parentID, StartTimestamp: s.start,
	}, Attempt: sc.attempt}
}

// attemptRun is one hooked attempt: what its info is made of, and the
// step body as the work of the WrapOperationAttemptFn chain. It is one
// allocation.
type attemptRun[O any] struct {
	chain   wrapChain
	attempt attemptSource
	fn      func(StepContext) (O, error)
	out     O
}

// run runs the body with the hook's context values in front of the SDK's
// (see stepContext.Value).
func (a *attemptRun[O]) run(sdk, hook context.Context) (any, error) {
	sc := a.attempt.sc
	if hook != nil && !sameContext(sdk, hook) {
		sc.values = hook
	}
	var err error
	a.out, err = a.fn(sc)
	return a.out, err
}

// ---- Child contexts ----

// runHookedChild runs a child's function on k inside WrapChildContextFn.
func runHookedChild[O any](h *invocationHooks, r *childRun, k *execContext, fn func(Context) (O, error)) (O, error) {
	c := r.parent
	w := &childWork[O]{k: k, fn: fn}
	w.info = OperationHookInfo{ExecutionArn: c.inv.arn, ID: r.id, Name: r.name, Type: string(wire.OperationTypeContext),
		SubType: r.cfg.subType, Status: PluginOperationStarted, ParentID: c.parentID,
		ChildrenOmitted: h.childrenOmitted(c.depth, wire.OperationTypeContext)}
	if r.rec != nil {
		w.info = h.recordInfo(r.rec, c.depth)
		w.info.IsReplayingChildren = true
	} else {
		w.info.StartTimestamp = time.Now()
	}
	w.chain.child = &w.info
	_, err := h.runWrapped(&w.chain, wrapChildHook, k.Context, w)
	return w.out, err
}

// childWork is a child's function as the work of the WrapChildContextFn
// chain, with the chain's info.
type childWork[O any] struct {
	chain wrapChain
	info  OperationHookInfo
	k     *execContext
	fn    func(Context) (O, error)
	out   O
}

func (w *childWork[O]) run(sdk, hook context.Context) (any, error) {
	w.k.Context = mergeContext(sdk, hook)
	var err error
	w.out, err = w.fn(w.k)
	return w.out, err
}

// ---- Logs ----

// sdkLogKeys are the SDK's own top-level log fields: a plugin's field never
// replaces one.
var sdkLogKeys = []string{logKeyTimestamp, logKeyLevel, logKeyMessage, logKeyRequestID, logKeyExecutionArn,
	logKeyTenantID, logKeyOperationID, logKeyOperationName, logKeyAttempt, logKeyReplay, logKeyErrorType,
	logKeyErrorMessage, logKeyStackTrace}

// enrichRecord adds the plugins' EnrichLogContext fields to r, in key
// order, under the keys nobody else took: the SDK's (at the top level),
// those attached to the logger at the current group level, the record's
// own. Of several plugins, a later one's value wins.
func (h *invocationHooks) enrichRecord(ctx context.Context, r slog.Record, attached []string, grouped bool) slog.Record {
	var fields map[string]any
	for i := range h.set.list {
		h.safely(i, "EnrichLogContext", func(p *Plugin) {
			if p.EnrichLogContext == nil {
				return
			}
			m := p.EnrichLogContext(ctx)
			for k, v := range m {
				if fields == nil {
					fields = make(map[string]any, len(m))
				}
				fields[k] = v
			}
		})
	}
	if len(fields) == 0 {
		return r
	}
	own := make(map[string]bool, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		own[a.Key] = true
		return true
	})
	keys := slices.Sorted(maps.Keys(fields))
	r = r.Clone()
	for _, k := range keys {
		if own[k] || slices.Contains(attached, k) || !grouped && slices.Contains(sdkLogKeys, k) {
			continue
		}
		r.AddAttrs(slog.Any(k, fields[k]))
	}
	return r
}

// ---- Wrap hooks ----

// wrapBody is the work a wrap hook receives.
type wrapBody = func(context.Context) (any, error)

// wrapKind says which wrap hook a chain calls.
type wrapKind int

const (
	wrapInvocationHook wrapKind = iota
	wrapAttemptHook
	wrapChildHook
)

var wrapHookNames = [...]string{
	wrapInvocationHook: "WrapInvocation",
	wrapAttemptHook:    "WrapOperationAttemptFn",
	wrapChildHook:      "WrapChildContextFn",
}

// wrapWork is the innermost work of a wrap chain. run gets the SDK's
// context and the one the innermost hook passed (nil when none did), and
// decides how the work sees both (mergeContext).
type wrapWork interface {
	run(sdk, hook context.Context) (any, error)
}

// wrapChain is one run of wrapped work: the layers of the plugins that
// implement the hook, outermost first, and the work. It is embedded in the
// caller's per-run struct (with the info the hooks get), so that a wrapped
// run costs that one allocation plus the fn handed to each hook.
type wrapChain struct {
	h    *invocationHooks
	kind wrapKind
	// The info the hooks get: the one of kind.
	attempt *attemptSource
	child   *OperationHookInfo

	w      workOnce
	layers []wrapLayer
	buf    [1]wrapLayer
}

// wrapLayer is one plugin's wrap hook in a chain; its call (handed to the
// hook as fn) runs the next layer at most once. Every layer's outcome is
// the work's (see enter), so a layer keeps none of its own.
type wrapLayer struct {
	ch     *wrapChain
	plugin int // index in the plugin list
	next   int // index of the next layer (len(layers): the work)
	ctx    context.Context
	fn     wrapBody
	mu     sync.Mutex
	done   bool
}

// runWrapped runs work inside the wrap hooks of kind (the first plugin
// outermost) and returns work's own outcome. work runs exactly once, with
// the SDK's ctx and the context the innermost hook passed: a hook that
// does not call fn, or panics before, has it called for it; a hook calling
// fn again gets the first outcome. A panic of work propagates; what a hook
// returns is ignored. ch is the chain, embedded in work's struct.
func (h *invocationHooks) runWrapped(ch *wrapChain, kind wrapKind, ctx context.Context, work wrapWork) (any, error) {
	ch.h, ch.kind = h, kind
	ch.w = workOnce{work: work, sdk: ctx, stackTraces: h.inv.opts.stackTraces}
	n := 0
	for i := range h.set.list {
		if ch.hookOf(i) {
			n++
		}
	}
	ch.layers = ch.buf[:0]
	if n > len(ch.buf) {
		ch.layers = make([]wrapLayer, 0, n)
	}
	for i := range h.set.list {
		if ch.hookOf(i) {
			ch.layers = append(ch.layers, wrapLayer{ch: ch, plugin: i, next: len(ch.layers) + 1})
		}
	}
	for k := range ch.layers {
		ch.layers[k].fn = ch.layers[k].call
	}
	_, _ = ch.enter(0, ctx) // the outcome is work's, read below
	return ch.w.outcome(ctx)
}

// hookOf reports whether plugin i implements the chain's hook.
func (ch *wrapChain) hookOf(i int) bool {
	p := &ch.h.set.list[i]
	switch ch.kind {
	case wrapInvocationHook:
		return p.WrapInvocation != nil
	case wrapAttemptHook:
		return p.WrapOperationAttemptFn != nil
	default:
		return p.WrapChildContextFn != nil
	}
}

// callHook calls plugin i's hook of the chain with fn.
func (ch *wrapChain) callHook(i int, ctx context.Context, fn wrapBody) {
	p := &ch.h.set.list[i]
	// What the hook returns is ignored: the outcome is work's.
	switch ch.kind {
	case wrapInvocationHook:
		_, _ = p.WrapInvocation(ctx, ch.h.info, fn)
	case wrapAttemptHook:
		_, _ = p.WrapOperationAttemptFn(ctx, ch.attempt.info(), fn)
	default:
		_, _ = p.WrapChildContextFn(ctx, *ch.child, fn)
	}
}

// enter runs layer k (len(layers): the work) with ctx. A layer's next one
// runs at most once, and at least once: after the hook returns (or
// panics) without having called it.
func (ch *wrapChain) enter(k int, ctx context.Context) (any, error) {
	if k == len(ch.layers) {
		return ch.w.call(ctx)
	}
	l := &ch.layers[k]
	l.ctx = ctx
	func() {
		defer func() {
			if ch.w.panicked() {
				return // work's own panic: let it unwind untouched
			}
			if v := recover(); v != nil {
				ch.h.logPanic(l.plugin, wrapHookNames[ch.kind], v)
			}
		}()
		ch.callHook(l.plugin, ctx, l.fn)
	}()
	ch.w.repanic()
	return l.call(ctx)
}

// call runs the layer's next layer, once; a nil ctx is the layer's own.
// A later call returns the work's outcome so far.
func (l *wrapLayer) call(ctx context.Context) (any, error) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return l.ch.w.result()
	}
	l.done = true
	l.mu.Unlock()
	if ctx == nil {
		ctx = l.ctx
	}
	return l.ch.enter(l.next, ctx)
}

// workOnce is the innermost work of a wrap chain.
type workOnce struct {
	work wrapWork
	sdk  context.Context

	mu  sync.Mutex
	res any
	err error
	// panicVal is work's panic (a *PanicError), nil unless it panicked.
	panicVal    any
	entered     bool
	stackTraces bool
}

func (w *workOnce) call(ctx context.Context) (any, error) {
	w.mu.Lock()
	if w.entered {
		defer w.mu.Unlock()
		if w.panicVal != nil {
			panic(w.panicVal)
		}
		return w.res, w.err
	}
	w.entered = true
	w.mu.Unlock()
	finished := false
	defer func() {
		if finished {
			return
		}
		v := recover()
		if v == nil {
			return // runtime.Goexit: it goes on unwinding
		}
		// Raised again as a *PanicError taken here, on the panicking
		// stack, so the invocation records where work panicked.
		pe, ok := v.(*PanicError)
		if !ok {
			pe = newPanicError(v, w.stackTraces)
		}
		w.mu.Lock()
		w.panicVal = pe
		w.mu.Unlock()
		panic(pe)
	}()
	res, err := w.work.run(w.sdk, ctx)
	finished = true
	w.mu.Lock()
	w.res, w.err = res, err
	w.mu.Unlock()
	return res, err
}

// result returns work's outcome so far: zero until it has returned.
func (w *workOnce) result() (any, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.res, w.err
}

// panicked reports whether work panicked.
func (w *workOnce) panicked() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.panicVal != nil
}

// repanic raises work's panic again, after a hook swallowed it.
func (w *workOnce) repanic() {
	if w.panicked() {
		panic(w.panicVal)
	}
}

// outcome returns work's outcome, running it with ctx if no hook did.
func (w *workOnce) outcome(ctx context.Context) (any, error) {
	w.mu.Lock()
	entered, panicVal, res, err := w.entered, w.panicVal, w.res, w.err
	w.mu.Unlock()
	if !entered {
		return w.call(ctx)
	}
	if panicVal != nil {
		panic(panicVal)
	}
	return res, err
}

// mergeContext returns the context wrapped work runs with: sdk's
// cancellation, deadline and error, with the values of the hook's context
// first and sdk's after. A nil or unchanged hook context gives sdk.
func mergeContext(sdk, hook context.Context) context.Context {
	if hook == nil || sameContext(sdk, hook) {
		return sdk
	}
	return &valuesContext{Context: sdk, values: hook}
}

// sameContext compares two contexts without panicking on values of a
// non-comparable type.
func sameContext(a, b context.Context) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// valuesContext is a context with another context's values in front.
type valuesContext struct {
	context.Context
	values context.Context
}

// Value returns the hook context's value for key, else the SDK's.
func (c *valuesContext) Value(key any) any {
	if v := c.values.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}
