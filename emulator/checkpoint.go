package emulator

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Limits the service enforces on checkpoints.
const (
	// MaxUpdatesPerCheckpoint caps the updates of one request.
	MaxUpdatesPerCheckpoint = 1000
	// MaxErrorBytes caps the JSON size of one ErrorObject.
	MaxErrorBytes = wire.MaxOperationPayloadBytes
	// MaxCallbackTimeoutSeconds caps CallbackOptions values.
	MaxCallbackTimeoutSeconds = 99_999_999
	// ClientTokenTTL is how long a ClientToken's response is replayed.
	ClientTokenTTL = 15 * time.Minute
	// DefaultMaxItems is the page size of the state, history and list
	// APIs when MaxItems is 0.
	DefaultMaxItems = 100
	// MaxPageItems is the largest MaxItems those APIs accept.
	MaxPageItems = 1000
)

func invalidParam(format string, args ...any) *wire.APIError {
	return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, format, args...)
}

func invalidToken() *wire.APIError {
	return invalidParam("%s", wire.InvalidCheckpointTokenMessage)
}

// Checkpoint implements CheckpointDurableExecution: it validates the
// token and the batch as a whole, applies the updates in order (emitting
// their history events), and answers a fresh token with every operation
// changed since the invocation's previous response, including the ones
// just written. After an EXECUTION update the token is withheld.
func (s *Service) Checkpoint(ctx context.Context, in wire.CheckpointInput) (_ wire.CheckpointOutput, err error) {
	s.lock()
	defer s.unlockWith(&err)
	e, err := s.lookup(in.DurableExecutionArn)
	if err != nil {
		return wire.CheckpointOutput{}, err
	}
	now := s.now()
	if in.ClientToken != "" {
		if c, ok := e.clientTokens[in.ClientToken]; ok && now.Sub(c.at) < ClientTokenTTL {
			return copyCheckpointOutput(c.out), nil
		}
	}
	if e.status.Terminal() || e.inv == nil || e.inv.token == "" || in.CheckpointToken != e.inv.token {
		return wire.CheckpointOutput{}, invalidToken()
	}
	if err := s.validateUpdates(e, in.Updates); err != nil {
		return wire.CheckpointOutput{}, err
	}
	for i := range in.Updates {
		s.apply(e, &in.Updates[i], now)
	}
	inv := e.inv
	out := wire.CheckpointOutput{}
	// The changed operations in first-recorded order, found through their
	// positions: a scan of the whole log per checkpoint would make a run
	// of N steps cost O(N²).
	positions := inv.unseen.appendTo(make([]int, 0, inv.unseen.len()))
	var c cloner
	for _, p := range positions {
		c.count(e.ops[p])
	}
	c.alloc()
	out.NewExecutionState.Operations = make([]wire.Operation, len(positions))
	for i, p := range positions {
		out.NewExecutionState.Operations[i] = c.clone(e.ops[p])
	}
	inv.unseen.clear()
	clear(inv.unseenExternal)
	if e.closing == nil && !e.status.Terminal() {
		inv.token = s.cfg.NewID()
		out.CheckpointToken = inv.token
	} else {
		inv.token = ""
	}
	if in.ClientToken != "" {
		for k, c := range e.clientTokens {
			if now.Sub(c.at) >= ClientTokenTTL {
				delete(e.clientTokens, k)
			}
		}
		e.clientTokens[in.ClientToken] = cachedCheckpoint{at: now, out: copyCheckpointOutput(out)}
	}
	s.markDirty(e)
	return out, nil
}

func copyCheckpointOutput(o wire.CheckpointOutput) wire.CheckpointOutput {
	ops := make([]wire.Operation, len(o.NewExecutionState.Operations))
	for i := range o.NewExecutionState.Operations {
		ops[i] = cloneOp(&o.NewExecutionState.Operations[i])
	}
	o.NewExecutionState.Operations = ops
	return o
}

// GetExecutionState implements GetDurableExecutionState: a page of the
// filtered operation log (protocol §3.4). The token must be the current
// token of the invocation in flight; it is not consumed.
func (s *Service) GetExecutionState(ctx context.Context, in wire.GetStateInput) (_ wire.GetStateOutput, err error) {
	s.lock()
	defer s.unlockRead(&err)
	e, err := s.lookup(in.DurableExecutionArn)
	if err != nil {
		return wire.GetStateOutput{}, err
	}
	if in.CheckpointToken == "" {
		return wire.GetStateOutput{}, invalidParam("CheckpointToken is required")
	}
	if e.status.Terminal() || e.inv == nil || e.inv.token == "" || in.CheckpointToken != e.inv.token {
		return wire.GetStateOutput{}, invalidToken()
	}
	maxItems, err := pageSize(in.MaxItems)
	if err != nil {
		return wire.GetStateOutput{}, err
	}
	ops := e.visibleOps()
	from, err := parseMarker(in.Marker, len(ops))
	if err != nil {
		return wire.GetStateOutput{}, err
	}
	to := min(from+maxItems, len(ops))
	out := wire.GetStateOutput{Operations: cloneOps(ops[from:to])}
	if to < len(ops) {
		out.NextMarker = strconv.Itoa(to)
	}
	return out, nil
}

func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultMaxItems, nil
	case n < 0 || n > MaxPageItems:
		return 0, invalidParam("MaxItems must be between 1 and %d", MaxPageItems)
	}
	return n, nil
}

// parseMarker decodes an offset marker; "" is the start.
func parseMarker(m string, n int) (int, error) {
	if m == "" {
		return 0, nil
	}
	i, err := strconv.Atoi(m)
	if err != nil || i < 0 || i > n {
		return 0, invalidParam("Invalid marker %q", m)
	}
	return i, nil
}

// validID reports whether id is 1-64 characters of [a-zA-Z0-9_-], the
// form of operation IDs, function names and execution names. It is the
// checkpoint's hot path: a loop, not a regular expression.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := range len(id) {
		if !idChars[id[i]] {
			return false
		}
	}
	return true
}

// idChars marks the bytes validID accepts.
var idChars = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
	}
	return t
}()

// validName reports whether name is 1-256 printable ASCII characters
// (0x20-0x7E), the form of operation names.
func validName(name string) bool {
	if len(name) == 0 || len(name) > 256 {
		return false
	}
	for i := range len(name) {
		if c := name[i]; c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// actionAllowed applies the action × type matrix of protocol §2.5.
func actionAllowed(t wire.OperationType, a wire.OperationAction) bool {
	switch t {
	case wire.OperationTypeExecution:
		return a == wire.OperationActionSucceed || a == wire.OperationActionFail
	case wire.OperationTypeStep:
		return a == wire.OperationActionStart || a == wire.OperationActionSucceed || a == wire.OperationActionFail || a == wire.OperationActionRetry
	case wire.OperationTypeContext:
		return a == wire.OperationActionStart || a == wire.OperationActionSucceed || a == wire.OperationActionFail
	case wire.OperationTypeWait, wire.OperationTypeCallback, wire.OperationTypeChainedInvoke:
		return a == wire.OperationActionStart || a == wire.OperationActionCancel
	}
	return false
}

// transition returns the status an action leads to from cur ("" = the
// operation does not exist yet), or false if the service rejects it
// (protocol §3.2's status-transition table).
func transition(t wire.OperationType, a wire.OperationAction, cur wire.OperationStatus) (wire.OperationStatus, bool) {
	in := func(allowed ...wire.OperationStatus) bool { return slices.Contains(allowed, cur) }
	const none = wire.OperationStatus("")
	switch t {
	case wire.OperationTypeStep:
		switch a {
		case wire.OperationActionStart:
			return wire.OperationStatusStarted, in(none, wire.OperationStatusReady)
		case wire.OperationActionSucceed:
			return wire.OperationStatusSucceeded, in(none, wire.OperationStatusStarted, wire.OperationStatusReady)
		case wire.OperationActionFail:
			return wire.OperationStatusFailed, in(none, wire.OperationStatusStarted, wire.OperationStatusReady)
		case wire.OperationActionRetry:
			return wire.OperationStatusPending, in(none, wire.OperationStatusStarted, wire.OperationStatusReady)
		}
	case wire.OperationTypeContext:
		switch a {
		case wire.OperationActionStart:
			return wire.OperationStatusStarted, in(none)
		case wire.OperationActionSucceed:
			return wire.OperationStatusSucceeded, in(none, wire.OperationStatusStarted)
		case wire.OperationActionFail:
			return wire.OperationStatusFailed, in(none, wire.OperationStatusStarted)
		}
	case wire.OperationTypeWait, wire.OperationTypeCallback, wire.OperationTypeChainedInvoke:
		switch a {
		case wire.OperationActionStart:
			return wire.OperationStatusStarted, in(none)
		case wire.OperationActionCancel:
			return wire.OperationStatusCancelled, in(wire.OperationStatusStarted)
		}
	case wire.OperationTypeExecution:
		if a == wire.OperationActionSucceed {
			return wire.OperationStatusSucceeded, true
		}
		return wire.OperationStatusFailed, true
	}
	return none, false
}

// batchOp is what a checkpoint's updates did so far to one operation, as
// validateUpdates simulates them: the status they lead to, the first one's
// action and their count.
type batchOp struct {
	typ    wire.OperationType
	status wire.OperationStatus
	first  wire.OperationAction
	n      int
}

// validateUpdates checks a batch as a whole against rules 1–7 of protocol
// §3.2, simulating the statuses the batch produces in order.
func (s *Service) validateUpdates(e *execution, ups []wire.OperationUpdate) error {
	if len(ups) > MaxUpdatesPerCheckpoint {
		return invalidParam("A checkpoint may contain at most %d updates, got %d", MaxUpdatesPerCheckpoint, len(ups))
	}
	// batch holds what the batch did so far to each operation it updates;
	// the map is the service's, reused by every checkpoint (the lock is
	// held) and emptied afterwards at a cost in proportion to the batch
	// rather than to the largest batch seen: cleared whole when the batch
	// is at least a quarter of that one (clearing costs the map's size),
	// else by deleting this batch's keys.
	batch := s.batch
	s.batchMax = max(s.batchMax, len(ups))
	defer func() {
		if len(ups)*4 >= s.batchMax {
			clear(batch)
			return
		}
		for i := range ups {
			delete(batch, ups[i].Id)
		}
	}()
	// parent and parentOK cache the last parent checked: the operations
	// of a batch often share their parent (a map's items, a child's
	// steps). An operation's type never changes and, once it exists, it
	// goes on existing, so the answer stands for the whole batch.
	parent, parentOK := "", false
	isContext := func(id string) bool {
		if id == parent {
			return parentOK
		}
		var typ wire.OperationType
		if o, ok := batch[id]; ok {
			typ = o.typ
		} else if op, ok := e.lookupOp(id); ok {
			typ = op.Type
		}
		parent, parentOK = id, typ == wire.OperationTypeContext
		return parentOK
	}
	newOps := 0
	for i := range ups {
		u := &ups[i]
		if u.Id == "" {
			return invalidParam("Update %d has no Id", i)
		}
		if !validID(u.Id) {
			return invalidParam("Invalid operation Id %q: must be 1-64 characters of [a-zA-Z0-9-_]", u.Id)
		}
		if u.ParentId != "" && !validID(u.ParentId) {
			return invalidParam("Invalid ParentId %q: must be 1-64 characters of [a-zA-Z0-9-_]", u.ParentId)
		}
		if u.Name != "" && !validName(u.Name) {
			return invalidParam("Invalid operation Name for %s: must be 1-256 printable ASCII characters", u.Id)
		}
		if !u.Type.Valid() {
			return invalidParam("Invalid operation Type %q for %s", u.Type, u.Id)
		}
		if !actionAllowed(u.Type, u.Action) {
			return invalidParam("Action %q is not valid for operation type %s (operation %s)", u.Action, u.Type, u.Id)
		}
		if u.Type == wire.OperationTypeExecution {
			if i != len(ups)-1 {
				return invalidParam("An EXECUTION update must be the last update of a checkpoint")
			}
			if err := checkResultRules(u); err != nil {
				return err
			}
			if err := checkSize(u.Payload, s.cfg.MaxExecutionResultBytes, "EXECUTION output"); err != nil {
				return err
			}
			if err := checkErrorSize(u.Error, "EXECUTION"); err != nil {
				return err
			}
			continue
		}
		b := batch[u.Id]
		var typ wire.OperationType
		var status wire.OperationStatus
		exists := b.n > 0
		if exists {
			ok := b.n == 1 && b.first == wire.OperationActionStart && u.Action != wire.OperationActionStart &&
				(u.Type == wire.OperationTypeStep || u.Type == wire.OperationTypeContext)
			if !ok {
				return invalidParam("Operation %s appears more than once in the checkpoint", u.Id)
			}
			typ, status = b.typ, b.status
		} else if op, ok := e.lookupOp(u.Id); ok {
			typ, status, exists = op.Type, op.Status, true
		}
		if u.ParentId != "" {
			if !isContext(u.ParentId) {
				return invalidParam("Parent operation %s of %s is not a CONTEXT operation of this execution", u.ParentId, u.Id)
			}
		}
		if exists && typ != u.Type {
			return invalidParam("Operation %s has type %s, not %s", u.Id, typ, u.Type)
		}
		next, ok := transition(u.Type, u.Action, status)
		if !ok {
			from := string(status)
			if !exists {
				from = "not started"
			}
			return invalidParam("Cannot %s %s operation %s: it is %s", u.Action, u.Type, u.Id, from)
		}
		if err := validateOptions(u, s.cfg.MaxOperationPayloadBytes); err != nil {
			return err
		}
		if !exists {
			newOps++
		}
		if b.n == 0 {
			b.first = u.Action
		}
		b.typ, b.status, b.n = u.Type, next, b.n+1
		batch[u.Id] = b
	}
	limit := s.cfg.MaxOperations
	if e.maxOps > 0 {
		limit = e.maxOps
	}
	if len(e.ops)-1+newOps > limit {
		return invalidParam("The execution would exceed the maximum of %d operations", limit)
	}
	return nil
}

// checkResultRules applies rule 6 of protocol §3.2 to SUCCEED and FAIL.
func checkResultRules(u *wire.OperationUpdate) error {
	switch {
	case u.Action == wire.OperationActionFail && u.Payload != nil:
		return invalidParam("A FAIL update must not carry a Payload (operation %s)", u.Id)
	case u.Action == wire.OperationActionSucceed && u.Error != nil:
		return invalidParam("A SUCCEED update must not carry an Error (operation %s)", u.Id)
	}
	return nil
}

// validateOptions applies rules 6 and 7 of protocol §3.2 to one update.
func validateOptions(u *wire.OperationUpdate, maxPayload int) error {
	if err := checkResultRules(u); err != nil {
		return err
	}
	switch u.Action {
	case wire.OperationActionRetry:
		if u.StepOptions == nil {
			return invalidParam("A RETRY update requires StepOptions (operation %s)", u.Id)
		}
		if u.Payload != nil && u.Error != nil {
			return invalidParam("A RETRY update must not carry both a Payload and an Error (operation %s)", u.Id)
		}
		if d := u.StepOptions.NextAttemptDelaySeconds; d < 1 || d > wire.MaxDurationSeconds {
			return invalidParam("NextAttemptDelaySeconds must be between 1 and %d, got %d", wire.MaxDurationSeconds, d)
		}
	case wire.OperationActionStart:
		switch u.Type {
		case wire.OperationTypeWait:
			if u.WaitOptions == nil {
				return invalidParam("A WAIT START requires WaitOptions (operation %s)", u.Id)
			}
			if w := u.WaitOptions.WaitSeconds; w < 1 || w > wire.MaxDurationSeconds {
				return invalidParam("WaitSeconds must be between 1 and %d, got %d", wire.MaxDurationSeconds, w)
			}
		case wire.OperationTypeCallback:
			if o := u.CallbackOptions; o != nil {
				if o.TimeoutSeconds < 0 || o.TimeoutSeconds > MaxCallbackTimeoutSeconds {
					return invalidParam("TimeoutSeconds must be between 0 and %d, got %d", MaxCallbackTimeoutSeconds, o.TimeoutSeconds)
				}
				if o.HeartbeatTimeoutSeconds < 0 || o.HeartbeatTimeoutSeconds > MaxCallbackTimeoutSeconds {
					return invalidParam("HeartbeatTimeoutSeconds must be between 0 and %d, got %d", MaxCallbackTimeoutSeconds, o.HeartbeatTimeoutSeconds)
				}
			}
		case wire.OperationTypeChainedInvoke:
			if u.ChainedInvokeOptions == nil || u.ChainedInvokeOptions.FunctionName == "" {
				return invalidParam("A CHAINED_INVOKE START requires ChainedInvokeOptions.FunctionName (operation %s)", u.Id)
			}
			return checkSize(u.Payload, wire.MaxInvokeInputBytes, "CHAINED_INVOKE input")
		}
	}
	if u.Payload != nil && len(*u.Payload) > maxPayload {
		return checkSize(u.Payload, maxPayload, string(u.Type)+" output")
	}
	return checkErrorSize(u.Error, string(u.Type))
}

func checkSize(p *string, limit int, what string) error {
	if p != nil && len(*p) > limit {
		return invalidParam("%s payload size must be less than or equal to %d bytes", what, limit)
	}
	return nil
}

func checkErrorSize(errObj *wire.ErrorObject, what string) error {
	if errObj == nil {
		return nil
	}
	b, err := json.Marshal(errObj)
	if err != nil {
		return invalidParam("%s error cannot be encoded: %v", what, err)
	}
	if len(b) > MaxErrorBytes {
		return invalidParam("%s error payload size must be less than or equal to %d bytes", what, MaxErrorBytes)
	}
	return nil
}

// apply performs one validated update and emits its history event.
func (s *Service) apply(e *execution, u *wire.OperationUpdate, now time.Time) {
	if u.Type == wire.OperationTypeExecution {
		if u.Action == wire.OperationActionSucceed {
			e.closing = &closeOutcome{status: wire.ExecutionStatusSucceeded, result: u.Payload}
		} else {
			e.closing = &closeOutcome{status: wire.ExecutionStatusFailed, err: cloneError(u.Error)}
		}
		return
	}
	pos, exists := e.opPos[u.Id]
	var op *wire.Operation
	if exists {
		op = e.ops[pos]
	} else {
		op = e.blocks.ops.Value(wire.Operation{Id: u.Id, ParentId: u.ParentId, Name: u.Name, Type: u.Type, SubType: u.SubType,
			StartTimestamp: s.stampAt(now)})
		pos = len(e.ops)
		e.addOp(op)
	}
	if op.Name == "" {
		op.Name = u.Name
	}
	if op.SubType == "" {
		op.SubType = u.SubType
	}
	defer e.touchAt(pos, op.Id, false)
	switch u.Type {
	case wire.OperationTypeStep:
		s.applyStep(e, op, u, now)
	case wire.OperationTypeContext:
		s.applyContext(e, op, u, now)
	case wire.OperationTypeWait:
		s.applyWait(e, op, u, now)
	case wire.OperationTypeCallback:
		s.applyCallback(e, op, u, now)
	case wire.OperationTypeChainedInvoke:
		s.applyChainedInvoke(e, op, u, now)
	}
}

func (s *Service) applyStep(e *execution, op *wire.Operation, u *wire.OperationUpdate, now time.Time) {
	if op.StepDetails == nil {
		op.StepDetails = e.blocks.steps.New()
	}
	d := op.StepDetails
	if u.Action == wire.OperationActionStart {
		op.Status = wire.OperationStatusStarted
		s.emit(e, withDetails(opEvent(wire.EventStepStarted, op), func(ev *wire.Event) {
			ev.StepStartedDetails = &wire.EmptyDetails{}
		}))
		return
	}
	d.Attempt++
	d.NextAttemptTimestamp = nil
	retry := e.blocks.retries.Value(wire.RetryDetails{CurrentAttempt: d.Attempt})
	switch u.Action {
	case wire.OperationActionSucceed:
		op.Status = wire.OperationStatusSucceeded
		op.EndTimestamp = s.stampAt(now)
		d.Result, d.Error = u.Payload, nil
	case wire.OperationActionFail:
		op.Status = wire.OperationStatusFailed
		op.EndTimestamp = s.stampAt(now)
		d.Result, d.Error = nil, cloneError(u.Error)
	case wire.OperationActionRetry:
		delay := u.StepOptions.NextAttemptDelaySeconds
		at := now.Add(time.Duration(delay) * time.Second)
		op.Status = wire.OperationStatusPending
		d.NextAttemptTimestamp = wire.At(at)
		d.Result, d.Error = u.Payload, cloneError(u.Error)
		retry.NextAttemptDelaySeconds = &delay
		s.arm(e, TimerStepRetry, at, op.Id)
	}
	if u.Action == wire.OperationActionFail || (u.Action == wire.OperationActionRetry && u.Error != nil) {
		s.emit(e, withDetails(opEvent(wire.EventStepFailed, op), func(ev *wire.Event) {
			ev.StepFailedDetails = &wire.StepFailedDetails{Error: eventError(d.Error), RetryDetails: retry}
		}))
		return
	}
	s.emit(e, withDetails(opEvent(wire.EventStepSucceeded, op), func(ev *wire.Event) {
		ev.StepSucceededDetails = e.blocks.stepsSucceeded.Value(wire.StepSucceededDetails{Result: e.eventResult(d.Result), RetryDetails: retry})
	}))
}

func (s *Service) applyContext(e *execution, op *wire.Operation, u *wire.OperationUpdate, now time.Time) {
	if op.ContextDetails == nil {
		op.ContextDetails = e.blocks.contexts.New()
	}
	d := op.ContextDetails
	if u.ContextOptions != nil && u.ContextOptions.ReplayChildren {
		d.ReplayChildren = true
	}
	switch u.Action {
	case wire.OperationActionStart:
		op.Status = wire.OperationStatusStarted
		s.emit(e, withDetails(opEvent(wire.EventContextStarted, op), func(ev *wire.Event) {
			ev.ContextStartedDetails = &wire.EmptyDetails{}
		}))
	case wire.OperationActionSucceed:
		op.Status = wire.OperationStatusSucceeded
		op.EndTimestamp = s.stampAt(now)
		d.Result = u.Payload
		s.emit(e, withDetails(opEvent(wire.EventContextSucceeded, op), func(ev *wire.Event) {
			ev.ContextSucceededDetails = e.blocks.resultDetails.Value(wire.ResultDetails{Result: e.eventResult(d.Result)})
		}))
	case wire.OperationActionFail:
		op.Status = wire.OperationStatusFailed
		op.EndTimestamp = s.stampAt(now)
		d.Error = cloneError(u.Error)
		s.emit(e, withDetails(opEvent(wire.EventContextFailed, op), func(ev *wire.Event) {
			ev.ContextFailedDetails = &wire.ErrorDetails{Error: eventError(d.Error)}
		}))
	}
}

func (s *Service) applyWait(e *execution, op *wire.Operation, u *wire.OperationUpdate, now time.Time) {
	switch u.Action {
	case wire.OperationActionStart:
		secs := u.WaitOptions.WaitSeconds
		at := now.Add(time.Duration(secs) * time.Second)
		op.Status = wire.OperationStatusStarted
		op.WaitDetails = &wire.WaitDetails{ScheduledEndTimestamp: wire.At(at)}
		s.arm(e, TimerWait, at, op.Id)
		s.emit(e, withDetails(opEvent(wire.EventWaitStarted, op), func(ev *wire.Event) {
			ev.WaitStartedDetails = &wire.WaitStartedDetails{Duration: secs, ScheduledEndTimestamp: wire.At(at)}
		}))
	case wire.OperationActionCancel:
		op.Status = wire.OperationStatusCancelled
		op.EndTimestamp = s.stampAt(now)
		s.disarm(e, op.Id, TimerWait)
		s.emit(e, withDetails(opEvent(wire.EventWaitCancelled, op), func(ev *wire.Event) {
			ev.WaitCancelledDetails = &wire.ErrorDetails{Error: eventError(u.Error)}
		}))
	}
}
