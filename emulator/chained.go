package emulator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// ChainedInvokeOutcome is how a test resolves a chained invoke whose
// target is not registered.
type ChainedInvokeOutcome struct {
	// Status is SUCCEEDED, FAILED, TIMED_OUT or STOPPED.
	Status wire.OperationStatus
	// Result is the target's serialized result (SUCCEEDED).
	Result *string
	// Error is the target's error (the other statuses).
	Error *wire.ErrorObject
}

// applyChainedInvoke starts or cancels a CHAINED_INVOKE. A registered
// durable target gets its own execution; a registered plain target gets
// one invocation with the raw payload; an unregistered target leaves the
// operation STARTED until ResolveChainedInvoke.
func (s *Service) applyChainedInvoke(e *execution, op *wire.Operation, u *wire.OperationUpdate, now time.Time) {
	if u.Action == wire.OperationActionCancel {
		op.Status = wire.OperationStatusCancelled
		op.EndTimestamp = s.stampAt(now)
		return
	}
	opts := u.ChainedInvokeOptions
	op.Status = wire.OperationStatusStarted
	op.ChainedInvokeDetails = &wire.ChainedInvokeDetails{}
	details := &wire.ChainedInvokeStartedDetails{
		FunctionName: opts.FunctionName,
		Input:        &wire.EventInput{Payload: u.Payload},
		TenantId:     opts.TenantId,
	}
	failure := s.startTarget(e, op, opts.FunctionName, []byte(wire.Deref(u.Payload)), details)
	s.emit(e, withDetails(opEvent(wire.EventChainedInvokeStarted, op), func(ev *wire.Event) {
		ev.ChainedInvokeStartedDetails = details
	}))
	if failure != nil {
		s.closeChained(e, op, wire.OperationStatusFailed, nil, failure)
	}
}

// startTarget starts the target of a chained invoke and fills in the
// started event's ExecutedVersion and DurableExecutionArn. It returns the
// error the operation fails with when the target cannot be started.
//
// Both fields are always present, as in the service's history: a durable
// target's ARN is its real execution; for a plain or unregistered target
// (protocol §9 #13) the emulator names a placeholder execution ARN of the
// target, which no API knows.
func (s *Service) startTarget(e *execution, op *wire.Operation, ref string, payload []byte, details *wire.ChainedInvokeStartedDetails) *wire.ErrorObject {
	name, q, err := parseFunctionRef(ref, "")
	details.ExecutedVersion = q
	if q == "" {
		details.ExecutedVersion = "$LATEST"
	}
	placeholder := func() string {
		id := s.cfg.NewID()
		return wire.ExecutionARN{Partition: "aws", Region: s.cfg.Region, Account: s.cfg.AccountID,
			Function: name, Qualifier: details.ExecutedVersion, Name: id, ID: id}.String()
	}
	if err != nil {
		details.DurableExecutionArn = placeholder()
		return apiErrorObject(err)
	}
	fn, ok := s.functions[name]
	if !ok {
		details.DurableExecutionArn = placeholder()
		return nil // unregistered: resolved by ResolveChainedInvoke
	}
	version := fn.Version
	if q != "" {
		v, ok := fn.version(q)
		if !ok {
			details.DurableExecutionArn = placeholder()
			return &wire.ErrorObject{ErrorType: wire.ErrCodeResourceNotFound, ErrorMessage: fmt.Sprintf("Function not found: %s:%s", fn.arn, q)}
		}
		version = v
	}
	details.ExecutedVersion = version
	if !fn.Durable {
		details.DurableExecutionArn = placeholder()
		e.jobs = append(e.jobs, &plainJob{parent: e, opID: op.Id, function: fn.Name, version: version, payload: payload})
		return nil
	}
	var fail *wire.ErrorObject
	switch {
	case q == "":
		fail = &wire.ErrorObject{ErrorType: wire.ErrCodeInvalidParameterValue, ErrorMessage: "You cannot invoke a durable function using an unqualified ARN."}
	case e.depth+1 > s.cfg.MaxInvokeDepth:
		fail = &wire.ErrorObject{ErrorType: wire.ErrCodeInvalidParameterValue,
			ErrorMessage: fmt.Sprintf("Chained invoke depth exceeds the maximum of %d", s.cfg.MaxInvokeDepth)}
	}
	if fail == nil {
		child, _, err := s.startLocked(fn, version, "", payload, e.depth+1, &opRef{arn: e.arn, opID: op.Id})
		if err == nil {
			details.DurableExecutionArn = child.arn
			return nil
		}
		fail = apiErrorObject(err)
	}
	details.DurableExecutionArn = placeholder()
	return fail
}

func apiErrorObject(err error) *wire.ErrorObject {
	var apiErr *wire.APIError
	if errors.As(err, &apiErr) {
		return &wire.ErrorObject{ErrorType: apiErr.Code, ErrorMessage: apiErr.Message}
	}
	return &wire.ErrorObject{ErrorType: "ServiceException", ErrorMessage: err.Error()}
}

// closeChained moves a STARTED chained invoke to a terminal status, emits
// its event and re-invokes the function.
func (s *Service) closeChained(e *execution, op *wire.Operation, status wire.OperationStatus, result *string, errObj *wire.ErrorObject) {
	if e.status.Terminal() || op == nil || op.Status != wire.OperationStatusStarted {
		return
	}
	op.Status = status
	op.EndTimestamp = s.stampAt(s.now())
	op.ChainedInvokeDetails.Result = result
	op.ChainedInvokeDetails.Error = cloneError(errObj)
	ev := opEvent("", op)
	errDetails := &wire.ErrorDetails{Error: eventError(errObj)}
	switch status {
	case wire.OperationStatusSucceeded:
		ev.EventType = wire.EventChainedInvokeSucceeded
		ev.ChainedInvokeSucceededDetails = &wire.ResultDetails{Result: e.eventResult(result)}
	case wire.OperationStatusFailed:
		ev.EventType = wire.EventChainedInvokeFailed
		ev.ChainedInvokeFailedDetails = errDetails
	case wire.OperationStatusTimedOut:
		ev.EventType = wire.EventChainedInvokeTimedOut
		ev.ChainedInvokeTimedOutDetails = errDetails
	default:
		ev.EventType = wire.EventChainedInvokeStopped
		ev.ChainedInvokeStoppedDetails = errDetails
	}
	s.emit(e, ev)
	e.touch(op.Id, true)
}

// resolveFromChild resolves the parent's chained invoke with a durable
// target's outcome.
func (s *Service) resolveFromChild(child *execution) {
	parent, ok := s.executions[child.parent.arn]
	if !ok {
		return
	}
	status := map[wire.ExecutionStatus]wire.OperationStatus{
		wire.ExecutionStatusSucceeded: wire.OperationStatusSucceeded,
		wire.ExecutionStatusFailed:    wire.OperationStatusFailed,
		wire.ExecutionStatusTimedOut:  wire.OperationStatusTimedOut,
		wire.ExecutionStatusStopped:   wire.OperationStatusStopped,
	}[child.status]
	op, _ := parent.lookupOp(child.parent.opID)
	s.closeChained(parent, op, status, child.result, child.err)
	s.markDirty(parent)
}

// ResolveChainedInvoke completes a STARTED chained invoke from outside,
// as if its target had finished with out. Tests use it for targets that
// are not registered.
func (s *Service) ResolveChainedInvoke(ctx context.Context, arn, operationID string, out ChainedInvokeOutcome) (err error) {
	switch out.Status {
	case wire.OperationStatusSucceeded, wire.OperationStatusFailed, wire.OperationStatusTimedOut, wire.OperationStatusStopped:
	default:
		return invalidParam("Invalid chained invoke outcome %q: want SUCCEEDED, FAILED, TIMED_OUT or STOPPED", out.Status)
	}
	s.lock()
	defer s.unlockWith(&err)
	e, err := s.lookup(arn)
	if err != nil {
		return err
	}
	op, ok := e.lookupOp(operationID)
	if !ok || op.Type != wire.OperationTypeChainedInvoke {
		return wire.NewAPIError(wire.ErrCodeResourceNotFound, "Chained invoke %s not found in %s", operationID, arn)
	}
	if e.status.Terminal() || op.Status != wire.OperationStatusStarted {
		return invalidParam("Chained invoke %s is %s, not STARTED", operationID, op.Status)
	}
	s.closeChained(e, op, out.Status, out.Result, out.Error)
	return nil
}

// runPlain performs one invocation of a plain chained-invoke target and
// resolves the parent operation with its outcome. Like execute, it
// abandons an invocation cut off by the end of ctx.
func (s *Service) runPlain(ctx context.Context, job *plainJob) {
	s.lock()
	fn := s.functions[job.function]
	req := InvokeRequest{RequestID: s.cfg.NewID(), FunctionArn: s.functionARN(job.function) + ":" + job.version, Payload: job.payload}
	if fn != nil {
		req = s.plainRequest(fn, job.version, job.payload)
	}
	s.mu.Unlock()
	out, err := s.call(ctx, fn, req)
	s.lock()
	defer s.unlock()
	if !s.current(job.parent) {
		return // a failed commit replaced the execution; its stored state decides
	}
	if err != nil && ctx.Err() != nil {
		job.running = false // shutting down: run it again later
		return
	}
	e := job.parent
	e.jobs = slices.DeleteFunc(e.jobs, func(j *plainJob) bool { return j == job })
	s.markDirty(e)
	op, _ := e.lookupOp(job.opID)
	if err != nil {
		s.closeChained(e, op, wire.OperationStatusFailed, nil, invocationError(err))
		return
	}
	s.closeChained(e, op, wire.OperationStatusSucceeded, wire.String(string(out)), nil)
}
