package durable

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// RetryOption configures [Retry].
type RetryOption interface {
	applyRetry(*retryConfig)
}

type retryOptionFunc func(*retryConfig)

func (f retryOptionFunc) applyRetry(c *retryConfig) { f(c) }

type retryConfig struct {
	flat        bool
	attemptOpts []ChildOption
}

// WithAttemptChildContext chooses whether each attempt of [Retry] runs in
// a child context of its own (true, the default) or directly in Retry's
// context (false). See Retry for what the flat form costs on replay.
func WithAttemptChildContext(on bool) RetryOption {
	return retryOptionFunc(func(c *retryConfig) { c.flat = !on })
}

// WithAttemptChildOptions configures the child context of each attempt of
// [Retry] like the options of [RunInChildContext]. Their Serdes and summary
// ([WithChildSerdes], [WithChildSummary]) also apply to the record of
// Retry's own context, which holds the same result. They need attempt
// child contexts: combined with WithAttemptChildContext(false) they are an
// argument error.
func WithAttemptChildOptions(opts ...ChildOption) RetryOption {
	return retryOptionFunc(func(c *retryConfig) { c.attemptOpts = append(c.attemptOpts, opts...) })
}

// errTypeRetry is the ErrorType recorded for a *RetryError.
const errTypeRetry = "RetryError"

// RetryError reports that [Retry] gave up: its last attempt failed and the
// strategy did not retry it, or the record says so on replay. ErrorType,
// Message, ErrorData and StackTrace are those of the last attempt's error
// (e.g. "StepError" when the attempt returned a failed step's error); Err
// is the stand-in rebuilt from that record, the same on the first run and
// on replay.
//
// It is recorded on Retry's context with ErrorType "RetryError", the last
// attempt's message and stack trace, and as ErrorData the JSON
// {"attempts":n,"errorType":"...","errorData":"..."} holding the rest.
type RetryError struct {
	OperationError
	// Name is the Retry's name.
	Name string
	// Attempts is the number of attempts made.
	Attempts int
}

// As matches *OperationError.
func (e *RetryError) As(target any) bool { return asOperationError(&e.OperationError, target) }

// retryRecord is the ErrorData of a recorded RetryError: what its
// ErrorObject cannot hold otherwise.
type retryRecord struct {
	Attempts  int    `json:"attempts"`
	ErrorType string `json:"errorType"`
	ErrorData string `json:"errorData,omitempty"`
}

func (e *RetryError) errorObject() ErrorObject {
	data, _ := json.Marshal(retryRecord{Attempts: e.Attempts, ErrorType: e.ErrorType, ErrorData: e.ErrorData})
	return ErrorObject{ErrorType: errTypeRetry, ErrorMessage: e.Message, ErrorData: string(data), StackTrace: e.StackTrace}
}

// newRetryError builds the RetryError of a Retry whose last attempt failed
// with obj.
func newRetryError(name string, attempts int, obj ErrorObject) *RetryError {
	return &RetryError{
		OperationError: OperationError{
			ErrorType:  obj.ErrorType,
			Message:    obj.ErrorMessage,
			ErrorData:  obj.ErrorData,
			StackTrace: obj.StackTrace,
			Err:        ErrorFromObject(obj),
		},
		Name:     name,
		Attempts: attempts,
	}
}

// Retry runs fn, a group of durable operations, until it succeeds or
// strategy gives up, and returns its result. attempt is 1-based.
//
// Retry is one operation of ctx: a child context named name (SubType
// "RunInChildContext", as the other SDKs record their retry helper), whose
// result is checkpointed, so on replay a finished Retry returns its
// recorded outcome without running anything. Inside it, attempt n runs in
// a child context named "<name>-attempt-<n>". When it fails, strategy
// receives RetryAttempt{Err, Attempt: n, Elapsed} (Elapsed since the Retry
// started) and, if it retries, a durable [Wait] named "<name>-backoff-<n>"
// of the decided delay (rounded up to whole seconds, at least one; a zero
// Delay is [DefaultRetryDelay], a negative one gives up) runs before
// attempt n+1: the invocation suspends meanwhile. If Retry's id is "P",
// attempt 1 is "P-1", backoff 1 "P-2", attempt 2 "P-3", and so on.
//
// On replay a finished attempt is not run again (a failed one returns its
// recorded error, a succeeded one its recorded result), a finished backoff
// wait returns at once, and a recorded backoff stands for the decision to
// retry: strategy is consulted only when no record decides, so a jittered
// or time-dependent strategy cannot change a recorded course. The Err it
// receives is the error fn returned, or, for an attempt that failed in an
// earlier invocation, the *[ChildContextError] rebuilt from its record.
//
// With WithAttemptChildContext(false), fn runs directly in Retry's
// context, whose counter numbers all attempts' operations and the backoff
// waits in one sequence. Nothing records an attempt's outcome then: on
// replay fn runs again for every earlier attempt, its operations return
// their recorded results, and it must fail again the same way, so the
// code between its operations must be deterministic, and an attempt's
// failure must come from its operations' recorded outcomes, not from
// anything that may change between invocations. A replayed attempt that
// takes another course is reported as non-determinism when it reaches an
// id recorded for another operation.
//
// fn must use only the Context it receives: using ctx inside it returns
// [ErrWrongContext]. When strategy gives up, Retry returns a *[RetryError]
// (it matches *[OperationError]). Other errors (the suspension signal, a
// non-determinism or checkpoint failure, which end the invocation) pass
// through without consulting strategy; a backoff wait that the service
// ends otherwise fails Retry with a *[ChildContextError]. A nil fn or
// strategy and bad options are argument errors that record nothing.
func Retry[O any](ctx Context, name string, fn func(ctx Context, attempt int) (O, error), strategy RetryStrategy, opts ...RetryOption) (O, error) {
	var zero O
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError("Retry", name, err)
	}
	switch {
	case fn == nil:
		return zero, argumentError("Retry", name, "the function is nil")
	case strategy == nil:
		return zero, argumentError("Retry", name, "the retry strategy is nil")
	}
	cfg := &retryConfig{}
	for _, o := range opts {
		o.applyRetry(cfg)
	}
	if cfg.flat && len(cfg.attemptOpts) > 0 {
		return zero, argumentError("Retry", name, "WithAttemptChildOptions needs attempt child contexts")
	}
	attemptCfg, err := newChildConfig(c, "Retry", name, wire.SubTypeRunInChildContext, cfg.attemptOpts)
	if err != nil {
		return zero, err
	}
	run := &retryRun{name: name, strategy: strategy, started: time.Now()}
	if !cfg.flat {
		run.attemptCfg = attemptCfg
	}
	r, err := startChild(c, name, &childConfig{
		serdes:    attemptCfg.serdes,
		summary:   attemptCfg.summary,
		subType:   wire.SubTypeRunInChildContext,
		errMapper: run.mapError,
	})
	if err != nil {
		return zero, err
	}
	if r.rec != nil {
		if t := wire.TimeOf(r.rec.StartTimestamp); !t.IsZero() {
			run.started = t
		}
	}
	return runChildInline(c, r, func(k Context) (O, error) { return retryAttempts(k.impl(), run, fn) })
}

// retryRun is the non-generic part of one Retry call.
type retryRun struct {
	name     string
	strategy RetryStrategy
	// attemptCfg configures the attempts' child contexts (nil: flat).
	attemptCfg *childConfig
	// started is when the Retry's context was first started.
	started time.Time
}

// retryAttempts runs the attempts and backoff waits in Retry's context k.
func retryAttempts[O any](k *execContext, run *retryRun, fn func(Context, int) (O, error)) (O, error) {
	var zero O
	for attempt := 1; ; attempt++ {
		out, err, cause := runAttempt(k, run, fn, attempt)
		if err == nil {
			return out, nil
		}
		if errors.Is(err, errSuspended) || k.inv.ended.Load() {
			return zero, err
		}
		backoff := run.name + "-backoff-" + strconv.Itoa(attempt)
		id := k.nextID()
		rec, err2 := k.replayRecord(id, wire.OperationTypeWait, wire.SubTypeWait, backoff)
		if err2 != nil {
			return zero, err2
		}
		secs := 0
		if rec == nil {
			retry, s := run.decide(attempt, cause)
			if !retry {
				return zero, newRetryError(run.name, attempt, run.attemptObject(err, k.inv.opts.stackTraces))
			}
			secs = s
		}
		if err := runWait(k, id, backoff, secs); err != nil {
			return zero, err
		}
	}
}

// runAttempt runs attempt n, in its own child context unless flat. It
// returns fn's value or the attempt's error, and the error the strategy
// sees: fn's own error when fn ran and failed in this invocation, else
// the attempt's error.
func runAttempt[O any](k *execContext, run *retryRun, fn func(Context, int) (O, error), n int) (out O, err, cause error) {
	if run.attemptCfg == nil {
		out, err = fn(k, n)
		return out, err, err
	}
	r, err := startChild(k, run.name+"-attempt-"+strconv.Itoa(n), run.attemptCfg)
	if err != nil {
		return out, err, err
	}
	var fnErr error
	out, err = runChildInline(k, r, func(ac Context) (O, error) {
		v, e := fn(ac, n)
		fnErr = e
		return v, e
	})
	if fnErr == nil {
		fnErr = err
	}
	return out, err, fnErr
}

// decide consults the strategy after attempt n failed with cause; it
// returns whether to retry and the backoff in whole seconds.
func (run *retryRun) decide(n int, cause error) (bool, int) {
	d := run.strategy(RetryAttempt{Err: cause, Attempt: n, Elapsed: time.Since(run.started)})
	if !d.Retry || d.Delay < 0 {
		return false, 0
	}
	if d.Delay == 0 {
		d.Delay = DefaultRetryDelay
	}
	return true, delaySeconds(d.Delay)
}

// attemptObject is the recorded form of an attempt's error: for an
// attempt child context, the error its function returned (the
// *ChildContextError carries it); in the flat form, the error itself.
func (run *retryRun) attemptObject(err error, stackTraces bool) ErrorObject {
	if ce, ok := err.(*ChildContextError); ok && run.attemptCfg != nil {
		return ce.OperationError.errorObject()
	}
	return errorObjectOf(err, stackTraces)
}

// mapError rebuilds the *RetryError from the failure recorded on Retry's
// context; any other failure stays a *ChildContextError.
func (run *retryRun) mapError(e *ChildContextError) error {
	var rec retryRecord
	if e.ErrorType != errTypeRetry || json.Unmarshal([]byte(e.ErrorData), &rec) != nil {
		return e
	}
	return newRetryError(run.name, rec.Attempts, ErrorObject{
		ErrorType: rec.ErrorType, ErrorMessage: e.Message, ErrorData: rec.ErrorData, StackTrace: e.StackTrace,
	})
}
