package durable

import (
	"fmt"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// errTypeWaitForCondition is the ErrorType recorded for a
// *WaitForConditionError.
const errTypeWaitForCondition = "WaitForConditionError"

// WaitDecision is a wait strategy's answer after a check: stop (the zero
// value), check again after Delay (Continue), or fail the operation (Err).
// A Delay of less than one second is raised to one second; delays are
// rounded up to whole seconds.
type WaitDecision struct {
	Continue bool
	Delay    time.Duration
	Err      error
}

// WaitStrategy decides, after each check of [WaitForCondition], whether to
// check again. state is what the check returned; attempt is the 1-based
// number of the check that just ran. It must be deterministic except for
// the delay.
type WaitStrategy[S any] func(state S, attempt int) WaitDecision

// ConditionConfig configures [WaitForCondition].
type ConditionConfig[S any] struct {
	// InitialState is the state the first check receives.
	InitialState S
	// WaitStrategy decides after each check whether to check again
	// (required; see [NewWaitStrategy]).
	WaitStrategy WaitStrategy[S]
	// Serdes serializes the state between checks (default: the handler's
	// Serdes, JSON).
	Serdes Serdes
}

// WaitConfig configures the strategy built by [NewWaitStrategy]. Zero
// fields take the defaults noted.
type WaitConfig[S any] struct {
	// MaxAttempts is the most checks made (default 60); when the last one
	// still says continue, the operation fails with a
	// *WaitForConditionError.
	MaxAttempts int
	// InitialDelay is the delay after the first check (default 5 s).
	InitialDelay time.Duration
	// MaxDelay caps the delay (default 5 min).
	MaxDelay time.Duration
	// BackoffRate multiplies the delay after each check (default 1.5;
	// must be at least 1).
	BackoffRate float64
	// Jitter randomizes the delay (default JitterFull).
	Jitter JitterStrategy
	// ShouldContinue reports whether the state still calls for another
	// check (required).
	ShouldContinue func(S) bool
}

// NewWaitStrategy returns a WaitStrategy that checks again while
// ShouldContinue(state) holds: after check n the delay is
// min(InitialDelay × BackoffRate^(n−1), MaxDelay), jittered and rounded to
// whole seconds (at least 1), for at most MaxAttempts checks.
func NewWaitStrategy[S any](cfg WaitConfig[S]) (WaitStrategy[S], error) {
	if cfg.ShouldContinue == nil {
		return nil, fmt.Errorf("durable: WaitConfig.ShouldContinue is nil")
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 60
	}
	if cfg.InitialDelay == 0 {
		cfg.InitialDelay = 5 * time.Second
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = 5 * time.Minute
	}
	if cfg.BackoffRate == 0 {
		cfg.BackoffRate = 1.5
	}
	if cfg.Jitter == "" {
		cfg.Jitter = JitterFull
	}
	if err := validateBackoff("WaitConfig", cfg.MaxAttempts, cfg.InitialDelay, cfg.MaxDelay, cfg.Jitter); err != nil {
		return nil, err
	}
	if err := validateRate("WaitConfig", cfg.BackoffRate); err != nil {
		return nil, err
	}
	return func(state S, attempt int) WaitDecision {
		if !cfg.ShouldContinue(state) {
			return WaitDecision{}
		}
		if attempt >= cfg.MaxAttempts {
			return WaitDecision{Err: &WaitForConditionError{
				OperationError: OperationError{ErrorType: errTypeWaitForCondition,
					Message: fmt.Sprintf("the condition was still unmet after %d attempts", attempt)},
				Attempts: attempt,
			}}
		}
		return WaitDecision{Continue: true, Delay: exponentialDelay(cfg.InitialDelay, cfg.MaxDelay, cfg.BackoffRate, cfg.Jitter, attempt)}
	}, nil
}

// MustNewWaitStrategy is NewWaitStrategy that panics on a bad config.
func MustNewWaitStrategy[S any](cfg WaitConfig[S]) WaitStrategy[S] {
	s, err := NewWaitStrategy(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// WaitForConditionError is the failure of [WaitForCondition]: a check
// returned an error, the wait strategy returned one (for example after its
// last attempt), or the state could not be serialized. ErrorType and
// Message are those of the recorded error.
type WaitForConditionError struct {
	OperationError
	// Name is the operation's name.
	Name string
	// Attempts is the number of checks made.
	Attempts int
}

// As matches *OperationError.
func (e *WaitForConditionError) As(target any) bool {
	return asOperationError(&e.OperationError, target)
}

func (e *WaitForConditionError) errorObject() ErrorObject {
	return e.errorObjectAs(errTypeWaitForCondition)
}

// WaitForCondition polls durably: it runs check on a state, starting from
// cfg.InitialState, and asks cfg.WaitStrategy whether to check again. Each
// "not yet" is checkpointed with the new state, and the invocation
// suspends (unless other code runs) until the strategy's delay has passed;
// the next check, possibly in a later invocation, receives that recorded
// state. When the strategy stops, the final state is checkpointed and
// returned; on replay it is returned without running check.
//
// check runs like a step body: use only its StepContext, never ctx. An
// error from check fails the operation at once, without retries. Every
// failure is a *WaitForConditionError.
func WaitForCondition[S any](ctx Context, name string, check func(StepContext, S) (S, error), cfg ConditionConfig[S]) (S, error) {
	var zero S
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError("WaitForCondition", name, err)
	}
	if cfg.WaitStrategy == nil {
		return zero, argumentError("WaitForCondition", name, "ConditionConfig.WaitStrategy is nil")
	}
	if check == nil {
		return zero, argumentError("WaitForCondition", name, "the check function is nil")
	}
	cfg.Serdes = c.inv.opts.serdesOr(cfg.Serdes)
	w := conditionRun[S]{c: c, id: c.nextID(), name: name, cfg: &cfg}
	return w.run(check)
}

// conditionRun is one WaitForCondition call.
type conditionRun[S any] struct {
	c    *execContext
	id   string
	name string
	cfg  *ConditionConfig[S]
}

func (w *conditionRun[S]) meta() SerdesContext {
	return SerdesContext{OperationID: w.id, DurableExecutionArn: w.c.inv.arn}
}

func (w *conditionRun[S]) what() string { return "waitForCondition " + strconv.Quote(w.name) }

func (w *conditionRun[S]) update(action OperationAction) OperationUpdate {
	return w.c.update(w.id, wire.OperationTypeStep, wire.SubTypeWaitForCondition, w.name, action)
}

// run applies the replay table, then checks until the strategy stops.
func (w *conditionRun[S]) run(check func(StepContext, S) (S, error)) (S, error) {
	var zero S
	rec, err := w.c.replayRecord(w.id, wire.OperationTypeStep, wire.SubTypeWaitForCondition, w.name)
	if err != nil {
		return zero, err
	}
	needStart := true
	if rec != nil {
		switch rec.Status {
		case wire.OperationStatusSucceeded:
			return w.decode(attemptsOf(rec), rec.StepDetails)
		case wire.OperationStatusPending:
			if rec, err = w.c.waitOnService(w.id, retryTime(rec), stepReady); err != nil {
				return zero, err
			}
		case wire.OperationStatusStarted:
			needStart = false
		case wire.OperationStatusReady:
		default:
			var recorded *ErrorObject
			if rec.StepDetails != nil {
				recorded = rec.StepDetails.Error
			}
			return zero, w.errorFromObject(attemptsOf(rec), recordedFailure(recorded, errTypeWaitForCondition, w.what(), rec.Status))
		}
	}
	attempt, state := 1, w.cfg.InitialState
	if rec != nil {
		attempt = attemptsOf(rec) + 1
		if rec.StepDetails != nil && rec.StepDetails.Result != nil {
			if state, err = w.decode(attempt, rec.StepDetails); err != nil {
				return zero, w.fail(attempt, err)
			}
		}
	}
	for {
		if needStart {
			if err := w.c.enqueueAsync(w.update(wire.OperationActionStart)); err != nil {
				return zero, err
			}
		}
		next, payload, decision, err := w.attempt(check, attempt, state)
		if err != nil {
			return zero, w.fail(attempt, err)
		}
		if !decision.Continue {
			u := w.update(wire.OperationActionSucceed)
			u.Payload = payload
			if err := w.c.checkpoint(u); err != nil {
				return zero, err
			}
			return next, nil
		}
		delay := delaySeconds(decision.Delay)
		u := w.update(wire.OperationActionRetry)
		u.Payload = payload
		u.StepOptions = &wire.StepOptions{NextAttemptDelaySeconds: delay}
		if err := w.c.checkpoint(u); err != nil {
			return zero, err
		}
		op, err := w.c.waitOnService(w.id, time.Now().Add(time.Duration(delay)*time.Second), stepReady)
		if err != nil {
			return zero, err
		}
		attempt, state, needStart = attemptsOf(op)+1, next, true
	}
}

// attempt runs one check and the strategy. The state it returns is the
// serialized one read back, so that the first run sees exactly what a
// replay will see.
func (w *conditionRun[S]) attempt(check func(StepContext, S) (S, error), attempt int, state S) (S, *string, WaitDecision, error) {
	var zero S
	sc := &stepContext{Context: w.c.Context, inv: w.c.inv, id: w.id, name: w.name, attempt: attempt}
	out, err := runStepBody(w.c, wire.SubTypeWaitForCondition, func(sc StepContext) (S, error) { return check(sc, state) }, sc, time.Time{})
	if err != nil {
		return zero, nil, WaitDecision{}, err
	}
	b, err := w.cfg.Serdes.Marshal(w.c, w.meta(), out)
	if err != nil {
		serr := newSerdesError(w.what(), "serialize", err)
		w.c.inv.endIfTransient(serr)
		return zero, nil, WaitDecision{}, serr
	}
	payload := wire.String(string(b))
	next, err := w.decode(attempt, &StepDetails{Result: payload})
	if err != nil {
		return zero, nil, WaitDecision{}, err
	}
	decision := w.cfg.WaitStrategy(next, attempt)
	if decision.Err != nil {
		return zero, nil, WaitDecision{}, decision.Err
	}
	return next, payload, decision, nil
}

// decode deserializes the state recorded in d (absent: the zero value).
func (w *conditionRun[S]) decode(attempts int, d *StepDetails) (S, error) {
	var out S
	if d == nil || d.Result == nil {
		return out, nil
	}
	if err := unmarshalString(w.c, w.cfg.Serdes, w.meta(), *d.Result, &out); err != nil {
		var zero S
		serr := newSerdesError(w.what(), "deserialize", err)
		if w.c.inv.endIfTransient(serr) {
			return zero, serr
		}
		return zero, w.errorFromObject(attempts, errorObjectOf(serr, w.c.inv.opts.stackTraces))
	}
	return out, nil
}

// fail checkpoints FAIL with err and returns the operation's error. A
// *WaitForConditionError (from the strategy, or a decoding failure)
// records its cause rather than the wrapper's type.
func (w *conditionRun[S]) fail(attempt int, err error) error {
	obj := errorObjectOf(err, w.c.inv.opts.stackTraces)
	if wfc, ok := err.(*WaitForConditionError); ok {
		obj = wfc.OperationError.errorObject()
	}
	u := w.update(wire.OperationActionFail)
	u.Error = &obj
	if cerr := w.c.checkpoint(u); cerr != nil {
		return cerr
	}
	return w.errorFromObject(attempt, obj)
}

// errorFromObject builds the error returned for a recorded failure; its Err
// is the stand-in rebuilt from the record, the same on replay.
func (w *conditionRun[S]) errorFromObject(attempts int, obj ErrorObject) *WaitForConditionError {
	return &WaitForConditionError{OperationError: recordedOperationError(obj), Name: w.name, Attempts: attempts}
}
