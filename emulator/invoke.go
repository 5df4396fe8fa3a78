package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// invokeCall is an invocation prepared under the lock and run without it.
type invokeCall struct {
	exec *execution
	inv  *invocation
	fn   *function
	req  InvokeRequest
}

// beginInvocation starts the next invocation of e: a fresh seed token
// (superseding all earlier ones), the filtered operation log and the ids
// changed by the service since the previous invocation.
func (s *Service) beginInvocation(e *execution) invokeCall {
	now := s.now()
	inv := &invocation{
		requestID:      s.cfg.NewID(),
		start:          now,
		token:          s.cfg.NewID(),
		unseenExternal: map[string]struct{}{},
	}
	e.inv = inv
	e.due = false
	visible := e.visibleOps()
	in := wire.InvocationInput{
		DurableExecutionArn:   e.arn,
		CheckpointToken:       inv.token,
		InitialExecutionState: &wire.ExecutionState{Operations: cloneOps(visible)},
	}
	for _, op := range e.ops {
		if _, ok := e.updated[op.Id]; ok {
			in.UpdatedOperationIds = append(in.UpdatedOperationIds, op.Id)
		}
	}
	// The stored header changes only when the updated ids are cleared: it
	// says the execution is due both before (due) and now (in flight).
	if len(e.updated) > 0 {
		s.markDirty(e)
	}
	clear(e.updated)
	// The whole log usually fits: then it is encoded once. Otherwise the
	// first page that fits goes in, and the rest through GetExecutionState.
	payload := mustMarshal(in)
	if len(payload) > initialStateBudget {
		in.InitialExecutionState = initialState(visible)
		payload = mustMarshal(in)
	}
	fn := s.functions[e.function]
	timeout := DefaultFunctionTimeout
	if fn != nil {
		timeout = fn.Timeout
	}
	return invokeCall{exec: e, inv: inv, fn: fn, req: InvokeRequest{
		RequestID:   inv.requestID,
		FunctionArn: e.fnArn,
		Payload:     payload,
		Deadline:    now.Add(timeout),
	}}
}

// initialStateBudget is the room for operations in an invocation payload.
const initialStateBudget = wire.MaxResponseBytes - 64*1024

// mustMarshal encodes an invocation payload, which holds only wire types
// that always encode.
func mustMarshal(in wire.InvocationInput) []byte {
	payload, err := json.Marshal(in)
	if err != nil {
		panic(fmt.Sprintf("emulator: encoding an invocation payload: %v", err))
	}
	return payload
}

// initialState is the first page of the log that fits an invocation
// payload; NextMarker continues it through GetExecutionState.
func initialState(ops []*wire.Operation) *wire.ExecutionState {
	st := &wire.ExecutionState{Operations: []wire.Operation{}}
	size := 0
	for i, op := range ops {
		c := cloneOp(op)
		b, err := json.Marshal(c)
		if err != nil {
			panic(fmt.Sprintf("emulator: encoding operation %s: %v", op.Id, err))
		}
		if size+len(b) > initialStateBudget {
			st.NextMarker = strconv.Itoa(i)
			return st
		}
		size += len(b) + 1
		st.Operations = append(st.Operations, c)
	}
	return st
}

// call runs an Invoker with the function's timeout, converting a panic
// into a Runtime.ExitError and a missed deadline into Sandbox.Timedout.
// The Invoker runs without the service's lock.
func (s *Service) call(ctx context.Context, fn *function, req InvokeRequest) ([]byte, error) {
	if fn == nil {
		return nil, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: wire.ErrCodeResourceNotFound, ErrorMessage: "Function not found for " + req.FunctionArn}}
	}
	ictx, cancel := context.WithTimeout(ctx, fn.Timeout)
	defer cancel()
	type result struct {
		out []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Runtime.ExitError", ErrorMessage: fmt.Sprintf("panic: %v", p)}}}
			}
		}()
		out, err := fn.Invoker.Invoke(ictx, req)
		ch <- result{out, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-ictx.Done():
		r = result{err: ictx.Err()}
	}
	if r.err != nil && ctx.Err() == nil && errors.Is(ictx.Err(), context.DeadlineExceeded) {
		return nil, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Sandbox.Timedout",
			ErrorMessage: fmt.Sprintf("Task timed out after %.2f seconds", fn.Timeout.Seconds())}}
	}
	return r.out, r.err
}

// invocationError is the ErrorObject recorded for a failed invocation.
func invocationError(err error) *wire.ErrorObject {
	var fe *wire.FunctionError
	if errors.As(err, &fe) {
		return cloneError(&fe.ErrorObject)
	}
	return &wire.ErrorObject{ErrorType: "Runtime.Unknown", ErrorMessage: err.Error()}
}

// execute runs a prepared invocation and processes its outcome, ending
// with release(mode). An invocation that failed because ctx ended (the
// service is shutting down) is abandoned rather than recorded: the
// execution stays due, so a restarted service runs it again.
func (s *Service) execute(ctx context.Context, c invokeCall, mode releaseMode) {
	out, err := s.call(ctx, c.fn, c.req)
	s.lock()
	defer s.release(mode)
	if !s.current(c.exec) {
		return // a failed commit replaced the execution; its stored state decides
	}
	if err != nil && ctx.Err() != nil {
		c.inv.token = ""
		if c.exec.inv == c.inv {
			c.exec.inv = nil
			c.exec.due = !c.exec.status.Terminal()
		}
		s.markDirty(c.exec)
		return
	}
	s.finishInvocation(c.exec, c.inv, out, err)
}

// finishInvocation applies protocol §6.3's result processing.
func (s *Service) finishInvocation(e *execution, inv *invocation, out []byte, callErr error) {
	now := s.now()
	if e.inv == inv {
		e.inv = nil
	}
	inv.token = ""
	var failure *wire.ErrorObject
	var env wire.InvocationOutput
	switch {
	case callErr != nil:
		failure = invocationError(callErr)
	case e.closing == nil && !e.status.Terminal():
		env, failure = parseEnvelope(out, e.hasPendingWork() || len(inv.unseenExternal) > 0)
	}
	rec := Invocation{RequestID: inv.requestID, Start: inv.start, End: now, Error: failure}
	if failure == nil {
		rec.Status = env.Status
	}
	e.invocations = append(e.invocations, rec)
	details := &wire.InvocationCompletedDetails{
		StartTimestamp: wire.At(inv.start),
		EndTimestamp:   s.stampAt(now),
		RequestId:      inv.requestID,
	}
	if failure != nil {
		details.Error = eventError(failure)
	}
	s.emit(e, wire.Event{EventType: wire.EventInvocationCompleted, InvocationCompletedDetails: details})
	switch {
	case e.status.Terminal():
	case e.closing != nil:
		c := e.closing
		s.terminate(e, c.status, c.result, c.err)
	case failure != nil:
		e.failures++
		s.log.Info("emulator: invocation failed", "execution", e.arn, "requestId", inv.requestID,
			"errorType", failure.ErrorType, "error", failure.ErrorMessage, "consecutiveFailures", e.failures)
		if e.failures >= s.cfg.MaxInvocationAttempts {
			s.terminate(e, wire.ExecutionStatusFailed, nil, failure)
			return
		}
		s.arm(e, TimerInvocationRetry, now.Add(s.cfg.InvocationRetryDelay<<(e.failures-1)), "")
	default:
		e.failures = 0
		switch env.Status {
		case wire.InvocationStatusSucceeded:
			s.terminate(e, wire.ExecutionStatusSucceeded, env.Result, nil)
		case wire.InvocationStatusFailed:
			s.terminate(e, wire.ExecutionStatusFailed, nil, env.Error)
		case wire.InvocationStatusPending:
			if len(inv.unseenExternal) > 0 {
				e.due = true
			}
		}
	}
	s.markDirty(e)
}

// parseEnvelope validates a durable function's response; an invalid one
// is an invocation failure. PENDING is valid only when the function has
// something to wait for, or a change it has not observed yet (which
// re-invokes it).
func parseEnvelope(out []byte, canPend bool) (wire.InvocationOutput, *wire.ErrorObject) {
	var env wire.InvocationOutput
	if tooLarge := responseTooLarge(out); tooLarge != nil {
		return env, tooLarge
	}
	bad := func(format string, args ...any) (wire.InvocationOutput, *wire.ErrorObject) {
		return env, &wire.ErrorObject{ErrorType: wire.ErrCodeInvalidParameterValue, ErrorMessage: fmt.Sprintf(format, args...)}
	}
	if err := json.Unmarshal(out, &env); err != nil {
		return bad("Invalid durable invocation response: %v", err)
	}
	switch env.Status {
	case wire.InvocationStatusSucceeded:
		if env.Error != nil {
			return bad("A SUCCEEDED response must not carry an Error.")
		}
	case wire.InvocationStatusFailed:
		if env.Result != nil {
			return bad("A FAILED response must not carry a Result.")
		}
	case wire.InvocationStatusPending:
		if !canPend {
			return bad("Cannot return PENDING status with no pending operations.")
		}
	default:
		return bad("Invalid Status %q in durable invocation response.", env.Status)
	}
	return env, nil
}

// nextWork picks work that is due now: a plain chained-invoke job, a
// queued asynchronous invoke, or else an execution to invoke. Must hold
// the lock.
func (s *Service) nextWork() (*plainJob, *execution) {
	for _, e := range s.order {
		for _, job := range e.jobs {
			if !job.running {
				job.running = true
				return job, nil
			}
		}
	}
	for _, job := range s.async {
		if !job.running {
			job.running = true
			return job, nil
		}
	}
	for _, e := range s.order {
		if e.due && e.inv == nil && !e.status.Terminal() {
			return nil, e
		}
	}
	return nil, nil
}

// runJob runs a plain function's invocation: a chained-invoke target's,
// or a queued asynchronous Invoke's.
func (s *Service) runJob(ctx context.Context, job *plainJob) {
	if job.parent == nil {
		s.runAsync(ctx, job)
		return
	}
	s.runPlain(ctx, job)
}

// RunNext fires the timers that are due, then runs at most one piece of
// due work — an invocation of an execution, a plain chained-invoke
// target or a queued asynchronous Invoke — synchronously, and reports
// whether it ran one. Callers that need to count or cap invocations
// drive the service with it.
func (s *Service) RunNext(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.lock()
	s.fireDueLocked()
	job, e := s.nextWork()
	var c invokeCall
	if e != nil {
		c = s.beginInvocation(e)
	}
	s.unlock()
	switch {
	case job != nil:
		s.runJob(ctx, job)
	case e != nil:
		s.execute(ctx, c, releaseAnswer)
	default:
		return false, nil
	}
	return true, nil
}

// RunDue fires the timers that are due, then runs every invocation that is
// due now, synchronously and one at a time, until none is due. At most one
// invocation is in flight per execution. Virtual time does not move.
func (s *Service) RunDue(ctx context.Context) error {
	for {
		ran, err := s.RunNext(ctx)
		if err != nil || !ran {
			return err
		}
	}
}

// Run drives the service on its clock until ctx is done, then waits for
// the invocations in flight, commits what they changed and returns nil.
// It fires timers when due and runs invocations as they become due,
// concurrently across executions and one at a time per execution, at most
// Config.MaxConcurrentInvocations at once (oldest execution first). With
// a *VirtualClock, time moves only through AdvanceTo.
//
// Run's own changes are committed lazily (see release): an invocation's
// payload is sent once the changes of its execution are committed, and
// the end of an invocation frees its place under the cap before its
// outcome is committed.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		_ = s.durable() // a failed commit is undone and logged; nobody waits for it
	}()
	for {
		s.lock()
		s.fireDueLocked()
		var jobs []*plainJob
		var calls []invokeCall
		for limit := s.cfg.MaxConcurrentInvocations; limit <= 0 || s.inflight < limit; s.inflight++ {
			job, e := s.nextWork()
			if job != nil {
				jobs = append(jobs, job)
				continue
			}
			if e == nil {
				break
			}
			calls = append(calls, s.beginInvocation(e))
			s.invoking++
		}
		next, hasTimer := s.nextTimerAt()
		s.release(releaseOwn)
		for _, job := range jobs {
			wg.Go(func() {
				s.runJob(ctx, job)
				s.invocationEnded(false)
			})
		}
		for _, c := range calls {
			wg.Go(func() {
				// The payload shows the execution's state: it is sent once
				// that is committed. If the commit failed, the execution
				// was replaced by its stored state, which decides whether
				// it is due.
				if s.committed(c.exec) == nil {
					s.execute(ctx, c, releaseOwn)
				}
				s.invocationEnded(true)
			})
		}
		if !s.sleep(ctx, next, hasTimer) {
			return nil
		}
	}
}

// invocationEnded counts an invocation Run started as ended (durable: of
// a durable execution) and wakes Run, which may start another under
// MaxConcurrentInvocations.
func (s *Service) invocationEnded(durable bool) {
	s.mu.Lock()
	s.inflight--
	if durable {
		s.invoking--
	}
	s.wakeGatherers()
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// sleep waits for a wake-up, the next timer (if any) or the end of ctx,
// reporting false for the latter.
func (s *Service) sleep(ctx context.Context, next time.Time, hasTimer bool) bool {
	var timerC <-chan time.Time
	if hasTimer {
		t := time.NewTimer(max(next.Sub(s.cfg.Clock.Now()), 0))
		defer t.Stop()
		timerC = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-s.wake:
	case <-timerC:
	}
	return true
}

// WaitForExecution blocks until the execution closes (or ctx is done) and
// returns GetExecution(arn, true). Someone must drive the service.
func (s *Service) WaitForExecution(ctx context.Context, arn string) (wire.Execution, error) {
	for {
		s.lock()
		e, err := s.lookup(arn)
		s.mu.Unlock()
		if err != nil {
			return wire.Execution{}, err
		}
		select {
		case <-e.done:
			// Answer only once the outcome is committed; a failed commit
			// replaced the execution, so look again.
			if err := s.durable(); err != nil {
				continue
			}
			return s.GetExecution(ctx, arn, true)
		case <-e.gone: // replaced after a failed commit, or expired: look again
		case <-ctx.Done():
			return wire.Execution{}, ctx.Err()
		}
	}
}
