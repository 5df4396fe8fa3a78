package emulator

import (
	"context"
	"encoding/base64"
	"regexp"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// OpenCallback is a CALLBACK operation waiting for an external result.
type OpenCallback struct {
	CallbackID  string
	OperationID string
	Name        string
}

var callbackIDPattern = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)

func (s *Service) applyCallback(e *execution, op *wire.Operation, u *wire.OperationUpdate, now time.Time) {
	switch u.Action {
	case wire.OperationActionStart:
		raw := e.id + "/" + op.Id + "/" + s.cfg.NewID()
		id := base64.StdEncoding.EncodeToString([]byte(raw))
		op.Status = wire.OperationStatusStarted
		op.CallbackDetails = &wire.CallbackDetails{CallbackId: id}
		s.callbacks[id] = opRef{arn: e.arn, opID: op.Id}
		details := &wire.CallbackStartedDetails{CallbackId: id}
		if o := u.CallbackOptions; o != nil {
			details.Timeout, details.HeartbeatTimeout = o.TimeoutSeconds, o.HeartbeatTimeoutSeconds
			if o.TimeoutSeconds > 0 {
				s.arm(e, TimerCallbackTimeout, now.Add(time.Duration(o.TimeoutSeconds)*time.Second), op.Id)
			}
			if o.HeartbeatTimeoutSeconds > 0 {
				s.arm(e, TimerCallbackHeartbeat, now.Add(time.Duration(o.HeartbeatTimeoutSeconds)*time.Second), op.Id)
			}
		}
		s.emit(e, withDetails(opEvent(wire.EventCallbackStarted, op), func(ev *wire.Event) {
			ev.CallbackStartedDetails = details
		}))
	case wire.OperationActionCancel:
		op.Status = wire.OperationStatusCancelled
		op.EndTimestamp = s.stampAt(now)
		s.disarm(e, op.Id, TimerCallbackTimeout, TimerCallbackHeartbeat)
	}
}

// closeCallback moves a STARTED callback to a terminal status, emits its
// event and re-invokes the function.
func (s *Service) closeCallback(e *execution, op *wire.Operation, status wire.OperationStatus, result *string, errObj *wire.ErrorObject) {
	if op == nil || op.Status != wire.OperationStatusStarted {
		return
	}
	op.Status = status
	op.EndTimestamp = s.stampAt(s.now())
	op.CallbackDetails.Result = result
	op.CallbackDetails.Error = cloneError(errObj)
	s.disarm(e, op.Id, TimerCallbackTimeout, TimerCallbackHeartbeat)
	ev := opEvent("", op)
	switch status {
	case wire.OperationStatusSucceeded:
		ev.EventType = wire.EventCallbackSucceeded
		ev.CallbackSucceededDetails = &wire.ResultDetails{Result: e.eventResult(result)}
	case wire.OperationStatusFailed:
		ev.EventType = wire.EventCallbackFailed
		ev.CallbackFailedDetails = &wire.ErrorDetails{Error: eventError(errObj)}
	default:
		ev.EventType = wire.EventCallbackTimedOut
		ev.CallbackTimedOutDetails = &wire.ErrorDetails{Error: eventError(errObj)}
	}
	s.emit(e, ev)
	e.touch(op.Id, true)
}

// openCallback finds a callback that can still be completed:
// ResourceNotFoundException for an unknown id, CallbackTimeoutException
// when it is closed or its execution is.
func (s *Service) openCallback(callbackID string) (*execution, *wire.Operation, error) {
	if len(callbackID) > 1024 || !callbackIDPattern.MatchString(callbackID) {
		return nil, nil, invalidParam("Invalid callback id %q", callbackID)
	}
	ref, ok := s.callbacks[callbackID]
	if !ok {
		return nil, nil, wire.NewAPIError(wire.ErrCodeResourceNotFound, "Callback not found: %s", callbackID)
	}
	e := s.executions[ref.arn]
	op, _ := e.lookupOp(ref.opID)
	if e.status.Terminal() || op.Status != wire.OperationStatusStarted {
		return nil, nil, wire.NewAPIError(wire.ErrCodeCallbackTimeout, "Callback %s has already completed or timed out", callbackID)
	}
	return e, op, nil
}

// SendCallbackSuccess completes a callback with result (stored verbatim
// as text; empty means no result).
func (s *Service) SendCallbackSuccess(ctx context.Context, callbackID string, result []byte) (err error) {
	s.lock()
	defer s.unlockWith(&err)
	e, op, err := s.openCallback(callbackID)
	if err != nil {
		return err
	}
	var r *string
	if len(result) > 0 {
		r = wire.String(string(result))
	}
	if err := checkSize(r, wire.MaxInvokeInputBytes, "Callback result"); err != nil {
		return err
	}
	s.closeCallback(e, op, wire.OperationStatusSucceeded, r, nil)
	return nil
}

// SendCallbackFailure fails a callback with cause.
func (s *Service) SendCallbackFailure(ctx context.Context, callbackID string, cause wire.ErrorObject) (err error) {
	s.lock()
	defer s.unlockWith(&err)
	e, op, err := s.openCallback(callbackID)
	if err != nil {
		return err
	}
	if err := checkErrorSize(&cause, "Callback"); err != nil {
		return err
	}
	s.closeCallback(e, op, wire.OperationStatusFailed, nil, &cause)
	return nil
}

// SendCallbackHeartbeat restarts a callback's heartbeat timeout. It
// records no history event.
func (s *Service) SendCallbackHeartbeat(ctx context.Context, callbackID string) (err error) {
	s.lock()
	defer s.unlockWith(&err)
	e, op, err := s.openCallback(callbackID)
	if err != nil {
		return err
	}
	for i := range e.events.len() {
		if ev := e.events.at(i); ev.EventType == wire.EventCallbackStarted && ev.Id == op.Id {
			if hb := ev.CallbackStartedDetails.HeartbeatTimeout; hb > 0 {
				s.disarm(e, op.Id, TimerCallbackHeartbeat)
				s.arm(e, TimerCallbackHeartbeat, s.now().Add(time.Duration(hb)*time.Second), op.Id)
			}
			break
		}
	}
	return nil
}

// ExpireCallback times a callback out as if its timeout had fired
// (ErrorType "Callback.Timeout").
func (s *Service) ExpireCallback(ctx context.Context, callbackID string) (err error) {
	s.lock()
	defer s.unlockWith(&err)
	e, op, err := s.openCallback(callbackID)
	if err != nil {
		return err
	}
	s.closeCallback(e, op, wire.OperationStatusTimedOut, nil, &wire.ErrorObject{ErrorType: "Callback.Timeout", ErrorMessage: "Callback timed out"})
	return nil
}

// OpenCallbacks lists the execution's callbacks still waiting for a
// result, in start order.
func (s *Service) OpenCallbacks(arn string) ([]OpenCallback, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return nil, err
	}
	var out []OpenCallback
	if e.status.Terminal() {
		return out, nil
	}
	for _, op := range e.ops {
		if op.Type == wire.OperationTypeCallback && op.Status == wire.OperationStatusStarted {
			out = append(out, OpenCallback{CallbackID: op.CallbackDetails.CallbackId, OperationID: op.Id, Name: op.Name})
		}
	}
	return out, nil
}
