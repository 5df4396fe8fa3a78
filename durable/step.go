package durable

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// StepSemantics says how often a step body may run per attempt.
type StepSemantics int

const (
	// AtLeastOncePerRetry (the default) checkpoints the attempt's start
	// without waiting for it; an attempt interrupted by the end of the
	// invocation runs again, so the body may run more than once.
	AtLeastOncePerRetry StepSemantics = iota
	// AtMostOncePerRetry waits until the attempt's start is checkpointed
	// before running the body; an interrupted attempt is not run again but
	// fails with a *StepInterruptedError that goes through the retry
	// strategy.
	AtMostOncePerRetry
)

// StepOption configures a [Step].
type StepOption interface {
	applyStep(*stepConfig)
}

type stepOptionFunc func(*stepConfig)

func (f stepOptionFunc) applyStep(c *stepConfig) { f(c) }

type stepConfig struct {
	retry     RetryStrategy
	semantics StepSemantics
	serdes    Serdes
	subType   string
}

// WithRetry sets the step's retry strategy (default [ExponentialBackoff]).
func WithRetry(s RetryStrategy) StepOption {
	return stepOptionFunc(func(c *stepConfig) { c.retry = s })
}

// WithSemantics sets the step's semantics (default AtLeastOncePerRetry).
func WithSemantics(s StepSemantics) StepOption {
	return stepOptionFunc(func(c *stepConfig) { c.semantics = s })
}

// WithStepSerdes sets the Serdes of the step's result.
func WithStepSerdes(s Serdes) StepOption {
	return stepOptionFunc(func(c *stepConfig) { c.serdes = s })
}

// WithStepSubType sets the SubType recorded for the step (default "Step"):
// 1 to 32 characters of [A-Za-z0-9_-], not one of the SDK's own subtypes.
// It is part of the step's replay identity.
func WithStepSubType(subType string) StepOption {
	return stepOptionFunc(func(c *stepConfig) { c.subType = subType })
}

// resolveSubType applies a subtype option: empty means defaultSubType,
// which is always allowed; any other subtype must be well-formed and not
// one of the SDK's. op and name identify the calling function in errors.
func resolveSubType(op, name, subType, defaultSubType string) (string, error) {
	switch {
	case subType == "":
		return defaultSubType, nil
	case subType != defaultSubType && !validSubType(subType):
		return "", argumentError(op, name, "subtype %q must be 1-32 characters of [A-Za-z0-9_-] and not one of the SDK's subtypes", subType)
	}
	return subType, nil
}

// validSubType checks a user subtype: well-formed and not reserved.
func validSubType(s string) bool {
	switch s {
	case wire.SubTypeStep, wire.SubTypeWaitForCondition, wire.SubTypeWait, wire.SubTypeCallback,
		wire.SubTypeChainedInvoke, wire.SubTypeRunInChildContext, wire.SubTypeWaitForCallback,
		wire.SubTypeParallel, wire.SubTypeParallelBranch, wire.SubTypeMap, wire.SubTypeMapIteration:
		return false
	}
	// 1 to 32 characters of [A-Za-z0-9_-], checked without a regexp,
	// whose compilation at package initialization costs every cold start.
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// stepContext implements StepContext.
type stepContext struct {
	context.Context
	inv     *invocation
	id      string
	name    string
	attempt int
	logger  atomic.Pointer[slog.Logger]
	// values is the context a WrapOperationAttemptFn hook passed on (nil
	// without one): its values come first (see mergeContext).
	values context.Context
}

func (s *stepContext) stepContext() {}

// Value returns the wrap hook's value for key, if any, else the SDK's.
func (s *stepContext) Value(key any) any {
	if s.values != nil {
		if v := s.values.Value(key); v != nil {
			return v
		}
	}
	return s.Context.Value(key)
}

// Attempt returns the current attempt, starting at 1.
func (s *stepContext) Attempt() int { return s.attempt }

// Logger returns a logger whose records carry the step's id, name and
// attempt.
func (s *stepContext) Logger() *slog.Logger {
	return lazyLogger(&s.logger, func() *slog.Logger {
		h := s.inv.logBase.WithAttrs([]slog.Attr{
			slog.String(logKeyOperationID, s.id),
			slog.String(logKeyOperationName, s.name),
			slog.Int(logKeyAttempt, s.attempt),
		})
		return slog.New(&replayHandler{next: h, ctx: liveSource{}, logCtx: s, inv: s.inv, mode: s.inv.opts.replayLog})
	})
}

// Step runs fn as a durable step named name and returns its result.
//
// The first time, fn runs and its result is checkpointed; on replay the
// recorded result (or error) is returned without running fn again. A
// failed attempt is retried by the step's RetryStrategy (default
// [ExponentialBackoff]): the invocation suspends until the retry time and
// the service invokes the function again. When the strategy gives up, Step
// returns a *StepError.
//
// fn must not use ctx (or any other Context): inside a step, use only the
// StepContext. Its result is serialized with the step's Serdes (default
// JSON); a serialization failure fails the step with ErrorType
// "SerdesError". Step returns the deserialized checkpoint, on the first run
// as on replay, so a custom Serdes shows the same value every time.
func Step[O any](ctx Context, name string, fn func(StepContext) (O, error), opts ...StepOption) (O, error) {
	var zero O
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError("Step", name, err)
	}
	cfg, err := newStepConfig(c, "Step", name, opts)
	if err != nil {
		return zero, err
	}
	return runStep(c, c.nextID(), name, fn, cfg)
}

// newStepConfig applies and validates a step's options; op names the
// calling function in errors.
func newStepConfig(c *execContext, op, name string, opts []StepOption) (*stepConfig, error) {
	if len(opts) == 0 {
		return &c.inv.opts.step, nil
	}
	cfg := &stepConfig{}
	for _, o := range opts {
		o.applyStep(cfg)
	}
	var err error
	if cfg.subType, err = resolveSubType(op, name, cfg.subType, wire.SubTypeStep); err != nil {
		return nil, err
	}
	cfg.serdes = c.inv.opts.serdesOr(cfg.serdes)
	return cfg, nil
}

// runStep runs the step whose wire id c already took.
func runStep[O any](c *execContext, id, name string, fn func(StepContext) (O, error), cfg *stepConfig) (O, error) {
	var zero O
	rec, err := c.replayRecord(id, wire.OperationTypeStep, cfg.subType, name)
	if err != nil {
		return zero, err
	}
	s := stepRun{c: c, id: id, name: name, cfg: cfg}
	attempt, replayed, err := s.resume(rec)
	if err != nil {
		return zero, err
	}
	if replayed {
		if rec.StepDetails == nil || rec.StepDetails.Result == nil {
			return zero, nil
		}
		return decodeStepResult[O](&s, attempt, *rec.StepDetails.Result)
	}
	for {
		out, payload, recorded, attemptErr, err := runStepAttempt(&s, fn, attempt)
		if err != nil {
			return zero, err
		}
		if attemptErr == nil {
			if err := s.succeed(recorded); err != nil {
				return zero, err
			}
			if s.c.inv.opts.plain.keeps(s.cfg.serdes, reflect.TypeFor[O](), payload) {
				return out, nil // what decoding result would give
			}
			return decodeStepResult[O](&s, attempt, wire.Deref(recorded))
		}
		if attempt, err = s.failed(attempt, attemptErr); err != nil {
			return zero, err
		}
	}
}

// runStepAttempt makes one attempt of a step: it checkpoints START when needed
// and runs the body, returning its result, the serialized result and the
// Payload its SUCCEED update records (see recordedPayload), or the attempt's
// failure (attemptErr, which goes through the retry strategy). An
// interrupted at-most-once attempt fails without running. err is an SDK
// failure (a checkpoint, the suspension signal) that ends the step.
func runStepAttempt[O any](s *stepRun, fn func(StepContext) (O, error), attempt int) (out O, payload []byte, recorded *string, attemptErr, err error) {
	if s.interrupted {
		return out, nil, nil, newStepInterruptedError(s.name, attempt), nil
	}
	if err := s.start(); err != nil {
		return out, nil, nil, nil, err
	}
	// The first attempt of a new step starts when the step does (resume
	// read the clock), unless START is checkpointed before it runs.
	var start time.Time
	if attempt == 1 && s.fresh && s.cfg.semantics != AtMostOncePerRetry {
		start = s.started
	}
	a := &stepAttempt{stepContext: stepContext{Context: s.c.Context, inv: s.c.inv, id: s.id, name: s.name, attempt: attempt}}
	out, bodyErr := runStepBody(s.c, s.cfg.subType, fn, &a.stepContext, start)
	if bodyErr != nil {
		return out, nil, nil, bodyErr, nil
	}
	payload, merr := encodeResult(s.c, s.c.inv.opts.plain, s.cfg.serdes, s.meta(), &out, a.text[:])
	if merr != nil {
		return out, nil, nil, newSerdesError(s.what(), "serialize", merr), nil
	}
	return out, payload, recordedPayload(s.cfg.serdes, payload, &a.result), nil, nil
}

// stepAttempt is one attempt's allocation: its StepContext, and the
// serialized result that its SUCCEED update records, whose text is in
// text when it fits (a small result then costs no allocation of its own).
// text is written once, before result refers to it.
type stepAttempt struct {
	stepContext
	result string
	text   [64]byte
}

// decodeStepResult deserializes a step's checkpointed result. A fresh step
// returns it too, not the body's own value, so that the first run sees
// exactly what every replay will see — unless the decode would give the
// body's value back (plainTypes.keeps).
func decodeStepResult[O any](s *stepRun, attempts int, result string) (O, error) {
	out, err := decodeResult[O](s.c, s.c.inv.opts.plain, s.cfg.serdes, s.meta(), result)
	if err != nil {
		var zero O
		serr := newSerdesError(s.what(), "deserialize", err)
		if s.c.inv.endIfTransient(serr) {
			return zero, serr
		}
		return zero, s.errorFromObject(attempts, errorObjectOf(serr, s.c.inv.opts.stackTraces))
	}
	return out, nil
}

// runStepBody runs fn with the context marked busy, so that using the
// enclosing Context inside the body is detected, inside the plugins'
// attempt hooks when there are any. subType is the operation's; start is
// the attempt's start for the hooks when the caller knows it (zero: now).
func runStepBody[O any](c *execContext, subType string, fn func(StepContext) (O, error), sc *stepContext, start time.Time) (O, error) {
	if !c.inv.enterStepBody() {
		var zero O
		return zero, errSuspended
	}
	defer c.inv.exitStepBody()
	c.markLive()
	c.busy++
	defer func() { c.busy-- }()
	if h := c.hooksAt(); h != nil && h.set.attemptHooks {
		return runHookedAttempt(h, c, subType, fn, sc, start)
	}
	return fn(sc)
}

// stepRun is the non-generic part of one Step call.
type stepRun struct {
	c       *execContext
	id      string
	name    string
	cfg     *stepConfig
	started time.Time
	// needStart: the next attempt must checkpoint START first.
	needStart bool
	// fresh: the step has no record; started is when it began.
	fresh bool
	// interrupted: the next attempt is an at-most-once attempt found
	// STARTED, which fails without running.
	interrupted bool
}

func (s *stepRun) what() string { return "step " + strconv.Quote(s.name) }

func (s *stepRun) meta() SerdesContext {
	return SerdesContext{OperationID: s.id, DurableExecutionArn: s.c.inv.arn}
}

func (s *stepRun) update(action OperationAction) OperationUpdate {
	return s.c.update(s.id, wire.OperationTypeStep, s.cfg.subType, s.name, action)
}

// resume applies the replay table to the recorded operation. It returns
// the attempt to run next, or replayed=true when the record is final (with
// err for a failed step; the caller decodes a success).
func (s *stepRun) resume(rec *Operation) (attempt int, replayed bool, err error) {
	s.needStart = true
	if rec == nil {
		s.started, s.fresh = time.Now(), true
		return 1, false, nil
	}
	finished := 0
	if rec.StepDetails != nil {
		finished = rec.StepDetails.Attempt
	}
	if rec.Status == wire.OperationStatusSucceeded {
		return finished, true, nil
	}
	// Elapsed, for the retry strategy, counts from the first attempt.
	if s.started = wire.TimeOf(rec.StartTimestamp); s.started.IsZero() {
		s.started = time.Now()
	}
	switch rec.Status {
	case wire.OperationStatusPending:
		op, err := s.c.waitOnService(s.id, retryTime(rec), stepReady)
		if err != nil {
			return 0, true, err
		}
		return attemptsOf(op) + 1, false, nil
	case wire.OperationStatusReady:
		return finished + 1, false, nil
	case wire.OperationStatusStarted:
		s.needStart = false
		s.interrupted = s.cfg.semantics == AtMostOncePerRetry
		return finished + 1, false, nil
	}
	var recorded *ErrorObject
	if rec.StepDetails != nil {
		recorded = rec.StepDetails.Error
	}
	return finished, true, s.errorFromObject(finished, recordedFailure(recorded, errTypePlain, "step", rec.Status))
}

// start checkpoints the attempt's START when needed: fire-and-forget for
// at-least-once, acknowledged before the body runs for at-most-once.
func (s *stepRun) start() error {
	if !s.needStart {
		return nil
	}
	s.needStart = false
	if s.cfg.semantics == AtMostOncePerRetry {
		return s.c.checkpoint(s.update(wire.OperationActionStart))
	}
	return s.c.enqueueAsync(s.update(wire.OperationActionStart))
}

// succeed checkpoints the result and waits for the acknowledgement.
func (s *stepRun) succeed(payload *string) error {
	u := s.update(wire.OperationActionSucceed)
	u.Payload = payload
	return s.c.checkpoint(u)
}

// failed handles a failed attempt: it asks the retry strategy, then either
// checkpoints FAIL and returns the StepError, or checkpoints RETRY, waits
// (suspending if nothing else runs) until the service marks the step READY
// and returns the next attempt's number.
func (s *stepRun) failed(attempt int, bodyErr error) (int, error) {
	obj := errorObjectOf(bodyErr, s.c.inv.opts.stackTraces)
	retry, delay := s.decide(attempt, bodyErr)
	if !retry {
		u := s.update(wire.OperationActionFail)
		u.Error = &obj
		if err := s.c.checkpoint(u); err != nil {
			return 0, err
		}
		return 0, s.errorFromObject(attempt, obj)
	}
	u := s.update(wire.OperationActionRetry)
	u.Error = &obj
	u.StepOptions = &wire.StepOptions{NextAttemptDelaySeconds: delay}
	if err := s.c.checkpoint(u); err != nil {
		return 0, err
	}
	op, err := s.c.waitOnService(s.id, time.Now().Add(time.Duration(delay)*time.Second), stepReady)
	if err != nil {
		return 0, err
	}
	s.needStart, s.interrupted = true, false
	return attemptsOf(op) + 1, nil
}

// decide consults the retry strategy. Serialization failures are final
// unless marked retryable.
func (s *stepRun) decide(attempt int, err error) (bool, int) {
	var se *SerdesError
	if errors.As(err, &se) && !errors.Is(err, ErrRetryableSerdes) {
		return false, 0
	}
	strategy := s.cfg.retry
	if strategy == nil {
		strategy = ExponentialBackoff()
	}
	d := strategy(RetryAttempt{Err: err, Attempt: attempt, Elapsed: time.Since(s.started)})
	if !d.Retry || d.Delay < 0 {
		return false, 0
	}
	if d.Delay == 0 {
		d.Delay = DefaultRetryDelay
	}
	return true, delaySeconds(d.Delay)
}

// errorFromObject builds the StepError for a recorded error; its Err is
// the stand-in rebuilt from the record, the same on the first run and on
// replay.
func (s *stepRun) errorFromObject(attempts int, obj ErrorObject) *StepError {
	return &StepError{OperationError: recordedOperationError(obj), Name: s.name, Attempts: attempts}
}

// stepReady reports whether a waiting step may run its next attempt.
func stepReady(op *Operation) bool {
	return op.Status != wire.OperationStatusPending
}

func attemptsOf(op *Operation) int {
	if op.StepDetails == nil {
		return 0
	}
	return op.StepDetails.Attempt
}

// retryTime is when the service will mark a PENDING step READY.
func retryTime(op *Operation) time.Time {
	if op.StepDetails == nil {
		return time.Time{}
	}
	return wire.TimeOf(op.StepDetails.NextAttemptTimestamp)
}
