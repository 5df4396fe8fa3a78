package emulator

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// TimerKind says what a timer does when it fires.
type TimerKind string

// The service's timers.
const (
	// TimerWait completes a WAIT operation.
	TimerWait TimerKind = "wait"
	// TimerStepRetry turns a PENDING STEP READY.
	TimerStepRetry TimerKind = "step-retry"
	// TimerCallbackTimeout times a CALLBACK out (Callback.Timeout).
	TimerCallbackTimeout TimerKind = "callback-timeout"
	// TimerCallbackHeartbeat times a CALLBACK out when no heartbeat
	// arrived in time (Callback.Heartbeat).
	TimerCallbackHeartbeat TimerKind = "callback-heartbeat"
	// TimerExecutionTimeout times the execution out.
	TimerExecutionTimeout TimerKind = "execution-timeout"
	// TimerInvocationRetry re-invokes the function after a failed
	// invocation.
	TimerInvocationRetry TimerKind = "invocation-retry"
)

// Timer is an armed timer.
type Timer struct {
	Kind         TimerKind
	At           time.Time
	ExecutionArn string
	// OperationID is the operation the timer acts on; empty for execution
	// and invocation-retry timers.
	OperationID string
}

type timer struct {
	kind TimerKind
	at   time.Time
	opID string
	seq  uint64
}

// arm adds a timer to e.
func (s *Service) arm(e *execution, kind TimerKind, at time.Time, opID string) {
	s.timerSeq++
	e.timers = append(e.timers, &timer{kind: kind, at: at, opID: opID, seq: s.timerSeq})
	s.markDirty(e)
}

// disarm removes e's timers of the given kinds for opID.
func (s *Service) disarm(e *execution, opID string, kinds ...TimerKind) {
	e.timers = slices.DeleteFunc(e.timers, func(t *timer) bool {
		return t.opID == opID && slices.Contains(kinds, t.kind)
	})
	s.markDirty(e)
}

func (e *execution) hasTimer(kind TimerKind) bool {
	return slices.ContainsFunc(e.timers, func(t *timer) bool { return t.kind == kind })
}

// Timers lists the armed timers of all executions, earliest first.
func (s *Service) Timers() []Timer {
	s.lock()
	defer s.mu.Unlock()
	type entry struct {
		t   Timer
		seq uint64
	}
	var all []entry
	for _, e := range s.order {
		for _, t := range e.timers {
			all = append(all, entry{Timer{Kind: t.kind, At: t.at, ExecutionArn: e.arn, OperationID: t.opID}, t.seq})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].t.At.Equal(all[j].t.At) {
			return all[i].t.At.Before(all[j].t.At)
		}
		return all[i].seq < all[j].seq
	})
	out := make([]Timer, len(all))
	for i, a := range all {
		out[i] = a.t
	}
	return out
}

// nextDue returns the earliest timer due at or before now, with its
// execution, ordered by time and then arming order.
func (s *Service) nextDue(now time.Time) (*execution, *timer) {
	var be *execution
	var bt *timer
	for _, e := range s.order {
		for _, t := range e.timers {
			if t.at.After(now) {
				continue
			}
			if bt == nil || t.at.Before(bt.at) || (t.at.Equal(bt.at) && t.seq < bt.seq) {
				be, bt = e, t
			}
		}
	}
	return be, bt
}

// nextTimerAt returns the time of the earliest armed timer or retention
// expiry.
func (s *Service) nextTimerAt() (time.Time, bool) {
	at, found := s.nextExpiry()
	for _, e := range s.order {
		for _, t := range e.timers {
			if !found || t.at.Before(at) {
				at, found = t.at, true
			}
		}
	}
	return at, found
}

// fireDueLocked fires every timer due at the clock's time, in order, and
// deletes the executions whose retention ended.
func (s *Service) fireDueLocked() {
	now := s.now()
	s.expireLocked(now)
	for {
		e, t := s.nextDue(now)
		if t == nil {
			return
		}
		s.disarm(e, t.opID, t.kind)
		s.fire(e, t)
	}
}

// fire performs a timer's effect.
func (s *Service) fire(e *execution, t *timer) {
	if e.status.Terminal() {
		return
	}
	now := s.now()
	op, _ := e.lookupOp(t.opID)
	switch t.kind {
	case TimerExecutionTimeout:
		s.terminate(e, wire.ExecutionStatusTimedOut, nil, &wire.ErrorObject{
			ErrorType:    "States.Timeout",
			ErrorMessage: fmt.Sprintf("Execution timed out after %d seconds.", e.config.ExecutionTimeout),
		})
	case TimerInvocationRetry:
		e.due = true
	case TimerWait:
		if op == nil || op.Status != wire.OperationStatusStarted {
			return
		}
		op.Status = wire.OperationStatusSucceeded
		op.EndTimestamp = s.stampAt(now)
		s.emit(e, withDetails(opEvent(wire.EventWaitSucceeded, op), func(ev *wire.Event) {
			ev.WaitSucceededDetails = &wire.WaitSucceededDetails{Duration: waitDuration(op)}
		}))
		e.touch(op.Id, true)
	case TimerStepRetry:
		if op == nil || op.Status != wire.OperationStatusPending {
			return
		}
		op.Status = wire.OperationStatusReady
		op.StepDetails.NextAttemptTimestamp = nil
		e.touch(op.Id, true)
	case TimerCallbackTimeout, TimerCallbackHeartbeat:
		errType, msg := "Callback.Timeout", "Callback timed out"
		if t.kind == TimerCallbackHeartbeat {
			errType, msg = "Callback.Heartbeat", "Callback heartbeat timed out"
		}
		s.closeCallback(e, op, wire.OperationStatusTimedOut, nil, &wire.ErrorObject{ErrorType: errType, ErrorMessage: msg})
	}
	s.markDirty(e)
}

func withDetails(ev wire.Event, set func(*wire.Event)) wire.Event {
	set(&ev)
	return ev
}

// waitDuration is the WaitSeconds a WAIT was started with.
func waitDuration(op *wire.Operation) int {
	if op.WaitDetails == nil || op.WaitDetails.ScheduledEndTimestamp == nil || op.StartTimestamp == nil {
		return 0
	}
	return int(op.WaitDetails.ScheduledEndTimestamp.Sub(op.StartTimestamp.Time).Round(time.Second) / time.Second)
}

// AdvanceTo moves the service's *VirtualClock to t, firing every timer
// that falls due on the way in timestamp order (the clock is set to each
// timer's time as it fires). It does not run invocations; call RunDue.
// It fails if the clock is not virtual or t is in the past.
func (s *Service) AdvanceTo(t time.Time) (err error) {
	vc, ok := s.cfg.Clock.(*VirtualClock)
	if !ok {
		return fmt.Errorf("emulator: AdvanceTo needs a *VirtualClock, the service has %T", s.cfg.Clock)
	}
	s.lock()
	defer s.unlockWith(&err)
	if t.Before(vc.Now()) {
		return fmt.Errorf("emulator: AdvanceTo %s is before the clock's time %s", t.Format(time.RFC3339Nano), vc.Now().Format(time.RFC3339Nano))
	}
	for {
		at, ok := s.nextTimerAt()
		if !ok || at.After(t) {
			break
		}
		if at.After(vc.Now()) {
			vc.Set(at)
			s.tick = time.Time{}
		}
		s.fireDueLocked()
	}
	vc.Set(t)
	s.tick = time.Time{}
	return nil
}
