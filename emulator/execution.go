package emulator

import (
	"time"

	"github.com/acme/durable-lambda-go/internal/slab"
	"github.com/acme/durable-lambda-go/wire"
)

// execution is the service's record of one durable execution.
type execution struct {
	arn      string
	seq      int // position in the service's start order
	name, id string
	function string // function name
	version  string
	fnArn    string // qualified function ARN
	input    string
	config   wire.DurableConfig
	depth    int
	maxOps   int    // the execution's operation limit; 0: the service's
	parent   *opRef // the CHAINED_INVOKE operation that started it, if any

	status wire.ExecutionStatus
	start  time.Time
	end    time.Time
	result *string
	err    *wire.ErrorObject

	ops   []*wire.Operation // first-recorded order
	opPos map[string]int    // position in ops, by id
	// blocks allocate the operations a checkpoint records and the
	// details of their events.
	blocks recordBlocks

	events        eventLog
	statusChanges []wire.StatusChangeEvent
	invocations   []Invocation
	timers        []*timer
	jobs          []*plainJob // unfinished plain chained-invoke targets
	clientTokens  map[string]cachedCheckpoint

	// Invocation loop state.
	inv      *invocation         // the invocation in flight, nil if none
	due      bool                // an invocation should start when none is in flight
	failures int                 // consecutive failed invocations
	updated  map[string]struct{} // external changes since the last invocation started
	closing  *closeOutcome       // an EXECUTION update, applied when the invocation ends
	done     chan struct{}       // closed when the execution closes
	gone     chan struct{}       // closed when this copy leaves the service (rollback, retention)
	subs     []*subscription

	st stored // what the Store holds of it
	// group is the commit group of its last queued change; Run invokes it
	// only once that group is committed (see Service.committed).
	group *commitGroup
}

// recordBlocks allocate what checkpoints record, a growing number at a
// time: an execution may record thousands of steps and child contexts.
type recordBlocks struct {
	ops            slab.Block[wire.Operation]
	steps          slab.Block[wire.StepDetails]
	contexts       slab.Block[wire.ContextDetails]
	results        slab.Block[wire.EventResult]
	retries        slab.Block[wire.RetryDetails]
	stepsSucceeded slab.Block[wire.StepSucceededDetails]
	resultDetails  slab.Block[wire.ResultDetails]
}

// The sizes of recordBlocks' blocks: the first, and the largest.
const (
	firstRecordBlock = 4
	lastRecordBlock  = 256
)

func newRecordBlocks() recordBlocks {
	return recordBlocks{
		ops:            slab.Growing[wire.Operation](firstRecordBlock, lastRecordBlock),
		steps:          slab.Growing[wire.StepDetails](firstRecordBlock, lastRecordBlock),
		contexts:       slab.Growing[wire.ContextDetails](firstRecordBlock, lastRecordBlock),
		results:        slab.Growing[wire.EventResult](firstRecordBlock, lastRecordBlock),
		retries:        slab.Growing[wire.RetryDetails](firstRecordBlock, lastRecordBlock),
		stepsSucceeded: slab.Growing[wire.StepSucceededDetails](firstRecordBlock, lastRecordBlock),
		resultDetails:  slab.Growing[wire.ResultDetails](firstRecordBlock, lastRecordBlock),
	}
}

// invocation is the state of the invocation in flight.
type invocation struct {
	requestID string
	start     time.Time
	token     string // the only token accepted next; "" once withheld
	// unseen holds the positions of the operations changed since the last
	// response to this invocation; unseenExternal the ids of the subset
	// changed by the service.
	unseen         opSet
	unseenExternal map[string]struct{}
}

// closeOutcome is how an EXECUTION update closes the execution.
type closeOutcome struct {
	status wire.ExecutionStatus
	result *string
	err    *wire.ErrorObject
}

// cachedCheckpoint is a response replayed for a repeated ClientToken.
type cachedCheckpoint struct {
	at  time.Time
	out wire.CheckpointOutput
}

// Invocation describes one finished invocation of an execution.
type Invocation struct {
	RequestID string
	Start     time.Time
	End       time.Time
	// Status is the envelope status the function returned; empty when the
	// invocation failed.
	Status wire.InvocationStatus
	// Error is the invocation failure, if any.
	Error *wire.ErrorObject
}

func newExecution(arn wire.ExecutionARN, function string, cfg wire.DurableConfig, input string, now time.Time, depth int) *execution {
	e := &execution{
		arn:          arn.String(),
		name:         arn.Name,
		id:           arn.ID,
		function:     function,
		version:      arn.Qualifier,
		fnArn:        arn.FunctionARN(),
		input:        input,
		config:       cfg,
		depth:        depth,
		status:       wire.ExecutionStatusRunning,
		start:        now,
		opPos:        map[string]int{},
		blocks:       newRecordBlocks(),
		clientTokens: map[string]cachedCheckpoint{},
		updated:      map[string]struct{}{},
		done:         make(chan struct{}),
		gone:         make(chan struct{}),
		st:           stored{ops: map[string]struct{}{}},
	}
	e.addOp(&wire.Operation{
		Id:               arn.ID,
		Name:             arn.Name,
		Type:             wire.OperationTypeExecution,
		Status:           wire.OperationStatusStarted,
		StartTimestamp:   wire.At(now),
		ExecutionDetails: &wire.ExecutionDetails{InputPayload: wire.String(input)},
	})
	return e
}

func (e *execution) addOp(op *wire.Operation) {
	e.opPos[op.Id] = len(e.ops)
	e.ops = append(e.ops, op)
	e.markStored(op.Id)
}

// lookupOp returns the operation id, if recorded.
func (e *execution) lookupOp(id string) (*wire.Operation, bool) {
	if p, ok := e.opPos[id]; ok {
		return e.ops[p], true
	}
	return nil, false
}

// markStored records that operation id changed since the Store's last
// commit. Executions of a service without a Store track nothing: their
// st.ops is nil.
func (e *execution) markStored(id string) {
	if e.st.ops != nil {
		e.st.ops[id] = struct{}{}
	}
}

func (e *execution) executionOp() *wire.Operation {
	op, _ := e.lookupOp(e.id)
	return op
}

func (e *execution) retentionExpired(now time.Time) bool {
	return e.status.Terminal() && !now.Before(e.retentionEnd())
}

// touch records that an operation changed. external marks a change made
// by the service (timer, callback, chained invoke), which must be reported
// to the function and re-invokes it when none is in flight.
func (e *execution) touch(opID string, external bool) {
	pos, ok := e.opPos[opID]
	if !ok {
		pos = -1
	}
	e.touchAt(pos, opID, external)
}

// touchAt is touch for the operation at position pos of the log (-1: an
// id the log does not hold).
func (e *execution) touchAt(pos int, opID string, external bool) {
	e.markStored(opID)
	if e.inv != nil {
		if pos >= 0 {
			e.inv.unseen.add(pos)
		}
		if external {
			e.inv.unseenExternal[opID] = struct{}{}
		}
	}
	if external {
		e.updated[opID] = struct{}{}
		if e.inv == nil && !e.hasTimer(TimerInvocationRetry) {
			e.due = true
		}
	}
}

// hasPendingWork reports whether the function has something to wait for:
// a STEP waiting for its retry, or a started WAIT, CALLBACK or
// CHAINED_INVOKE.
func (e *execution) hasPendingWork() bool {
	for _, op := range e.ops {
		switch op.Type {
		case wire.OperationTypeStep:
			if op.Status == wire.OperationStatusPending {
				return true
			}
		case wire.OperationTypeWait, wire.OperationTypeCallback, wire.OperationTypeChainedInvoke:
			if op.Status == wire.OperationStatusStarted {
				return true
			}
		}
	}
	return false
}

// visibleOps returns the operation log as the function sees it: children
// of a completed CONTEXT are omitted unless it has ReplayChildren, and
// omission is recursive (protocol §3.4).
func (e *execution) visibleOps() []*wire.Operation {
	visible := make(map[string]bool, len(e.ops))
	var isVisible func(op *wire.Operation) bool
	isVisible = func(op *wire.Operation) bool {
		if v, ok := visible[op.Id]; ok {
			return v
		}
		v := true
		if parent, ok := e.lookupOp(op.ParentId); ok && op.ParentId != "" && parent != op {
			v = isVisible(parent) && (!parent.Status.Terminal() ||
				(parent.ContextDetails != nil && parent.ContextDetails.ReplayChildren))
		}
		visible[op.Id] = v
		return v
	}
	out := make([]*wire.Operation, 0, len(e.ops))
	for _, op := range e.ops {
		if isVisible(op) {
			out = append(out, op)
		}
	}
	return out
}

// cloneOp returns a copy of op that shares no mutable state with it.
func cloneOp(op *wire.Operation) wire.Operation {
	var c cloner
	return c.clone(op)
}

// cloneOps returns copies of ops (see cloner).
func cloneOps(ops []*wire.Operation) []wire.Operation {
	var c cloner
	for _, op := range ops {
		c.count(op)
	}
	c.alloc()
	out := make([]wire.Operation, len(ops))
	for i, op := range ops {
		out[i] = c.clone(op)
	}
	return out
}

// A cloner copies operations, details included. The STEP and CONTEXT
// details of the operations counted before alloc are taken from one block
// each, not allocated one by one: a checkpoint's response or a state page
// copies hundreds of operations.
type cloner struct {
	nSteps, nContexts int
	steps             slab.Block[wire.StepDetails]
	contexts          slab.Block[wire.ContextDetails]
}

// count reserves room for op's details in the blocks alloc makes.
func (c *cloner) count(op *wire.Operation) {
	if op.StepDetails != nil {
		c.nSteps++
	}
	if op.ContextDetails != nil {
		c.nContexts++
	}
}

// alloc sizes the blocks for the operations counted.
func (c *cloner) alloc() {
	c.steps, c.contexts = slab.Of[wire.StepDetails](c.nSteps), slab.Of[wire.ContextDetails](c.nContexts)
}

// clone returns a copy of op that shares no memory with it but strings.
func (c *cloner) clone(op *wire.Operation) wire.Operation {
	out := *op
	if op.ExecutionDetails != nil {
		d := *op.ExecutionDetails
		out.ExecutionDetails = &d
	}
	if op.StepDetails != nil {
		d := c.steps.New()
		*d = *op.StepDetails
		d.Error = cloneError(d.Error)
		out.StepDetails = d
	}
	if op.WaitDetails != nil {
		d := *op.WaitDetails
		out.WaitDetails = &d
	}
	if op.CallbackDetails != nil {
		d := *op.CallbackDetails
		d.Error = cloneError(d.Error)
		out.CallbackDetails = &d
	}
	if op.ChainedInvokeDetails != nil {
		d := *op.ChainedInvokeDetails
		d.Error = cloneError(d.Error)
		out.ChainedInvokeDetails = &d
	}
	if op.ContextDetails != nil {
		d := c.contexts.New()
		*d = *op.ContextDetails
		d.Error = cloneError(d.Error)
		out.ContextDetails = d
	}
	return out
}

func cloneError(e *wire.ErrorObject) *wire.ErrorObject {
	if e == nil {
		return nil
	}
	c := *e
	c.StackTrace = append(wire.StackTrace(nil), e.StackTrace...)
	if e.StackTrace == nil {
		c.StackTrace = nil
	}
	return &c
}

// emit appends a history event, assigning its EventId and timestamp, and
// forwards it to subscribers.
func (s *Service) emit(e *execution, ev wire.Event) {
	ev.EventId = e.events.len() + 1
	ev.EventTimestamp = s.stampAt(s.now())
	e.events.add(ev)
	if e.st.ops != nil { // see markStored
		if _, ok := e.opPos[ev.Id]; ok {
			e.markStored(ev.Id) // the operation the event reports changed
		}
	}
	for _, sub := range e.subs {
		sub.push(ev)
	}
	s.markDirty(e)
}

// opEvent returns an event of type t carrying op's identity fields.
func opEvent(t wire.EventType, op *wire.Operation) wire.Event {
	return wire.Event{EventType: t, Id: op.Id, Name: op.Name, SubType: op.SubType, ParentId: op.ParentId}
}

// eventResult wraps a result for an event of e. The wrapper is always
// present (Truncated:false), with or without a payload, as the service
// writes it.
func (e *execution) eventResult(p *string) *wire.EventResult {
	return e.blocks.results.Value(wire.EventResult{Payload: p})
}

// eventError wraps an error for an event; like eventResult, the wrapper is
// always present.
func eventError(err *wire.ErrorObject) *wire.EventError {
	return &wire.EventError{Payload: cloneError(err)}
}

// noteStatus records the EventBridge status-change event for e's current
// status and queues it for Config.OnStatusChange.
func (s *Service) noteStatus(e *execution) {
	d := wire.StatusChangeDetail{
		DurableExecutionArn:  e.arn,
		DurableExecutionName: e.name,
		FunctionArn:          e.fnArn,
		Status:               e.status,
		StartTimestamp:       isoMillis(e.start),
	}
	at := e.start
	if e.status.Terminal() {
		d.EndTimestamp = isoMillis(e.end)
		at = e.end
	}
	ev := wire.StatusChangeEvent{
		Version:    "0",
		Id:         s.cfg.NewID(),
		DetailType: wire.StatusChangeDetailType,
		Source:     wire.StatusChangeSource,
		Account:    s.cfg.AccountID,
		Time:       at.UTC().Format(time.RFC3339),
		Region:     s.cfg.Region,
		Resources:  []string{},
		Detail:     d,
	}
	e.statusChanges = append(e.statusChanges, ev)
	s.notes = append(s.notes, ev)
}

func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// terminate closes a running execution: it records the outcome and the
// terminal event, cancels timers, invalidates tokens, publishes the status
// change and resolves a parent chained invoke.
func (s *Service) terminate(e *execution, status wire.ExecutionStatus, result *string, errObj *wire.ErrorObject) {
	if e.status.Terminal() {
		return
	}
	now := s.now()
	e.status, e.end, e.result, e.err = status, now, result, cloneError(errObj)
	e.closing = nil
	e.due = false
	e.timers = nil
	e.jobs = nil
	if e.inv != nil {
		e.inv.token = ""
	}
	op := e.executionOp()
	op.EndTimestamp = s.stampAt(now)
	switch status {
	case wire.ExecutionStatusSucceeded:
		op.Status = wire.OperationStatusSucceeded
		s.emit(e, wire.Event{EventType: wire.EventExecutionSucceeded, Id: e.id, Name: e.name,
			ExecutionSucceededDetails: &wire.ResultDetails{Result: e.eventResult(result)}})
	case wire.ExecutionStatusFailed:
		op.Status = wire.OperationStatusFailed
		s.emit(e, wire.Event{EventType: wire.EventExecutionFailed, Id: e.id, Name: e.name,
			ExecutionFailedDetails: &wire.ErrorDetails{Error: eventError(errObj)}})
	case wire.ExecutionStatusTimedOut:
		op.Status = wire.OperationStatusTimedOut
		s.emit(e, wire.Event{EventType: wire.EventExecutionTimedOut, Id: e.id, Name: e.name,
			ExecutionTimedOutDetails: &wire.ErrorDetails{Error: eventError(errObj)}})
	case wire.ExecutionStatusStopped:
		op.Status = wire.OperationStatusStopped
		s.emit(e, wire.Event{EventType: wire.EventExecutionStopped, Id: e.id, Name: e.name,
			ExecutionStoppedDetails: &wire.ErrorDetails{Error: eventError(errObj)}})
	}
	s.noteStatus(e)
	close(e.done)
	s.retain(e)
	s.markDirty(e)
	if e.parent != nil {
		s.resolveFromChild(e)
	}
}

// eventChunk is the number of events in each chunk of an eventLog.
const eventChunk = 256

// An eventLog is an execution's history in order. Its events are kept in
// chunks of eventChunk (all full but the last), so that recording an
// event never copies the history before it: a history of thousands of
// events in one slice was copied several times over as it grew.
type eventLog struct {
	chunks [][]wire.Event
	n      int
}

// newEventLog returns a log of events, which it keeps.
func newEventLog(events []wire.Event) eventLog {
	l := eventLog{n: len(events)}
	for i := 0; i < len(events); i += eventChunk {
		end := min(i+eventChunk, len(events))
		l.chunks = append(l.chunks, events[i:end:end])
	}
	return l
}

func (l *eventLog) len() int { return l.n }

// at returns the event at index i (EventId i+1).
func (l *eventLog) at(i int) *wire.Event { return &l.chunks[i/eventChunk][i%eventChunk] }

func (l *eventLog) add(ev wire.Event) {
	switch {
	case len(l.chunks) == 0:
		l.chunks = [][]wire.Event{nil} // the first chunk grows as needed
	case l.n%eventChunk == 0:
		l.chunks = append(l.chunks, make([]wire.Event, 0, eventChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, ev)
	l.n++
}

// all yields the events in order.
func (l *eventLog) all(yield func(*wire.Event) bool) {
	for _, c := range l.chunks {
		for i := range c {
			if !yield(&c[i]) {
				return
			}
		}
	}
}

// clone returns the events in one new slice.
func (l *eventLog) clone() []wire.Event {
	out := make([]wire.Event, 0, l.n)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}
