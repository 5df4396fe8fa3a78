package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// The ErrorType strings the service records for a timed-out callback.
const (
	errTypeServiceCallbackTimeout   = "Callback.Timeout"
	errTypeServiceCallbackHeartbeat = "Callback.Heartbeat"
)

// maxCallbackTimeoutSeconds is the largest callback timeout or heartbeat
// timeout the service accepts.
const maxCallbackTimeoutSeconds = 99_999_999

// Deserializer turns the text an external system posted for a callback
// into a value. Every [Serdes] is a Deserializer.
type Deserializer interface {
	// Unmarshal deserializes data into v, a non-nil pointer.
	Unmarshal(ctx context.Context, meta SerdesContext, data []byte, v any) error
}

// WithCallbackDeserializer sets the Deserializer of callback results for
// every callback of the handler that has no [WithCallbackSerdes] option.
// Without it, callback results are read by [RawSerdes], verbatim.
func WithCallbackDeserializer(d Deserializer) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.callbackDeserializer = d })
}

// CallbackResultSerdes is a Serdes for callback results that decodes JSON;
// install it with [WithCallbackSerdes] or [WithCallbackDeserializer] (the
// default is [RawSerdes], as in the official SDK). External systems post
// callback results as text, usually JSON, so it reads them the way a Go
// user expects whatever the result type:
//
//   - into a *[]byte or *json.RawMessage it copies the text unchanged;
//   - into a *string it decodes a JSON string literal (`"abc"` gives abc)
//     and takes any other text verbatim (`abc` gives abc);
//   - into anything else it decodes JSON.
//
// Marshal is the mirror image ([]byte and json.RawMessage unchanged,
// everything else as JSON), so a value survives a round trip: what an
// external system should post for a given result. It makes the same
// callback readable as a string and as a struct.
type CallbackResultSerdes struct{}

// Marshal returns []byte and json.RawMessage values unchanged and encodes
// anything else as JSON.
func (CallbackResultSerdes) Marshal(ctx context.Context, meta SerdesContext, v any) ([]byte, error) {
	switch t := v.(type) {
	case []byte:
		return t, nil
	case json.RawMessage:
		return t, nil
	}
	return JSONSerdes{}.Marshal(ctx, meta, v)
}

// Unmarshal stores data into v as described on the type.
func (CallbackResultSerdes) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	switch t := v.(type) {
	case *[]byte:
		*t = bytes.Clone(data)
		return nil
	case *json.RawMessage:
		*t = bytes.Clone(data)
		return nil
	case *string:
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) > 0 && trimmed[0] == '"' && json.Unmarshal(trimmed, t) == nil {
			return nil
		}
		*t = string(data)
		return nil
	}
	return json.Unmarshal(data, v)
}

// CallbackOption configures [CreateCallback]. Every CallbackOption is also
// a [WaitForCallbackOption], configuring the callback WaitForCallback
// creates.
type CallbackOption interface {
	WaitForCallbackOption
	applyCallback(*callbackConfig)
}

type callbackOptionFunc func(*callbackConfig)

func (f callbackOptionFunc) applyCallback(c *callbackConfig) { f(c) }

func (f callbackOptionFunc) applyWaitForCallback(c *waitForCallbackConfig) { f(&c.callback) }

type callbackConfig struct {
	timeout   time.Duration
	heartbeat time.Duration
	serdes    Deserializer
	subType   string
}

// WithCallbackTimeout makes the service time the callback out (a
// *CallbackTimeoutError) when no result arrives within d. It is rounded up
// to whole seconds; zero (the default) means no timeout.
func WithCallbackTimeout(d time.Duration) CallbackOption {
	return callbackOptionFunc(func(c *callbackConfig) { c.timeout = d })
}

// WithCallbackHeartbeatTimeout makes the service time the callback out (a
// *CallbackTimeoutError with Heartbeat set) when the external system sends
// no heartbeat or result for d. It is rounded up to whole seconds; zero
// (the default) means no heartbeat is required.
func WithCallbackHeartbeatTimeout(d time.Duration) CallbackOption {
	return callbackOptionFunc(func(c *callbackConfig) { c.heartbeat = d })
}

// WithCallbackSerdes sets the Serdes that reads the callback's result,
// overriding [WithCallbackDeserializer] and the default [RawSerdes].
func WithCallbackSerdes(s Serdes) CallbackOption {
	return callbackOptionFunc(func(c *callbackConfig) { c.serdes = s })
}

// WithCallbackSubType sets the SubType recorded for the callback (default
// "Callback"): 1 to 32 characters of [A-Za-z0-9_-], not one of the SDK's
// own subtypes. It is part of the callback's replay identity.
func WithCallbackSubType(subType string) CallbackOption {
	return callbackOptionFunc(func(c *callbackConfig) { c.subType = subType })
}

// validate checks the options and fills in defaults; op and name identify
// the calling function in errors.
func (cfg *callbackConfig) validate(c *execContext, op, name string) error {
	var err error
	if cfg.subType, err = resolveSubType(op, name, cfg.subType, wire.SubTypeCallback); err != nil {
		return err
	}
	for _, d := range []time.Duration{cfg.timeout, cfg.heartbeat} {
		if d < 0 || d > maxCallbackTimeoutSeconds*time.Second {
			return argumentError(op, name, "callback timeout %v must be between 0 and %d seconds", d, maxCallbackTimeoutSeconds)
		}
	}
	if cfg.serdes == nil {
		cfg.serdes = c.inv.opts.callbackDeserializer
	}
	if cfg.serdes == nil {
		cfg.serdes = RawSerdes{}
	}
	return nil
}

// options returns the CallbackOptions of the START update (nil when no
// timeout is set).
func (cfg *callbackConfig) options() *wire.CallbackOptions {
	if cfg.timeout == 0 && cfg.heartbeat == 0 {
		return nil
	}
	return &wire.CallbackOptions{TimeoutSeconds: timeoutSeconds(cfg.timeout), HeartbeatTimeoutSeconds: timeoutSeconds(cfg.heartbeat)}
}

// timeoutSeconds rounds a timeout up to whole seconds (zero stays zero).
func timeoutSeconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// Callback is a callback created with [CreateCallback]: an id to hand to
// an external system, and the result that system posts.
type Callback[O any] struct {
	id         string
	name       string
	callbackID string
	cfg        *callbackConfig
}

// ID returns the callback id the service assigned. The external system
// completes the callback with it (SendDurableExecutionCallbackSuccess,
// ...Failure, ...Heartbeat). It is the same in every invocation.
func (cb *Callback[O]) ID() string { return cb.callbackID }

// Result blocks until the external system has completed the callback (or
// it timed out) and returns its result, read by the callback's Serdes. ctx
// is the calling code's Context. While no other code runs the invocation
// suspends, and the service invokes the function again when the callback
// completes.
//
// A failure posted by the external system is a *CallbackExternalError; a
// timeout is a *CallbackTimeoutError (matching [ErrCallbackTimedOut]); both
// match *CallbackError. A callback that completed without a result yields
// the zero value.
func (cb *Callback[O]) Result(ctx Context) (O, error) {
	var zero O
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError("Callback.Result", cb.name, err)
	}
	rec, err := awaitTerminal(c, cb.id)
	if err != nil {
		return zero, err
	}
	return callbackOutcome[O](c.inv, cb.id, cb.name, cb.callbackID, cb.cfg.serdes, rec)
}

// CreateCallback creates a callback named name and returns it once the
// service has assigned its id. Hand [Callback.ID] to the external system
// (or use [WaitForCallback], which does both in one operation) and read the
// outcome with [Callback.Result].
//
// On replay the recorded callback is returned with the same id; nothing is
// created again. The options must be the same on every invocation.
func CreateCallback[O any](ctx Context, name string, opts ...CallbackOption) (*Callback[O], error) {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return nil, useError("CreateCallback", name, err)
	}
	cfg := &callbackConfig{}
	for _, o := range opts {
		o.applyCallback(cfg)
	}
	if err := cfg.validate(c, "CreateCallback", name); err != nil {
		return nil, err
	}
	id := c.nextID()
	callbackID, err := startCallback(c, id, name, cfg)
	if err != nil {
		return nil, err
	}
	return &Callback[O]{id: id, name: name, callbackID: callbackID, cfg: cfg}, nil
}

// startCallback creates the callback whose wire id c already took (unless
// it is recorded) and returns the service's callback id.
func startCallback(c *execContext, id, name string, cfg *callbackConfig) (string, error) {
	rec, err := c.replayRecord(id, wire.OperationTypeCallback, cfg.subType, name)
	if err != nil {
		return "", err
	}
	if rec == nil {
		u := c.update(id, wire.OperationTypeCallback, cfg.subType, name, wire.OperationActionStart)
		u.CallbackOptions = cfg.options()
		if err := c.checkpoint(u); err != nil {
			return "", err
		}
		c.inv.mu.Lock()
		rec = c.inv.recordLocked(id)
		c.inv.mu.Unlock()
	}
	if rec == nil || rec.CallbackDetails == nil || rec.CallbackDetails.CallbackId == "" {
		err := &CallbackError{OperationError: OperationError{ErrorType: errTypeCallback,
			Message: "callback " + strconv.Quote(name) + ": the service assigned no callback id"}, Name: name}
		c.inv.fail(err)
		return "", err
	}
	return rec.CallbackDetails.CallbackId, nil
}

// awaitTerminal returns the record of operation id once it is terminal,
// blocking on the service until then.
func awaitTerminal(c *execContext, id string) (*Operation, error) {
	c.inv.mu.Lock()
	rec := c.inv.recordLocked(id)
	c.inv.mu.Unlock()
	if rec != nil && rec.Status.Terminal() {
		return rec, nil
	}
	return c.waitOnService(id, time.Time{}, operationDone)
}

// operationDone reports whether an operation has ended.
func operationDone(op *Operation) bool { return op.Status.Terminal() }

// callbackOutcome turns a terminal CALLBACK record into Result's return
// values.
func callbackOutcome[O any](inv *invocation, id, name, callbackID string, d Deserializer, rec *Operation) (O, error) {
	var out O
	if rec.Status != wire.OperationStatusSucceeded {
		return out, callbackFailure(name, callbackID, rec)
	}
	if rec.CallbackDetails == nil || wire.Deref(rec.CallbackDetails.Result) == "" {
		return out, nil
	}
	meta := SerdesContext{OperationID: id, DurableExecutionArn: inv.arn}
	if err := unmarshalString(inv.ctx, d, meta, *rec.CallbackDetails.Result, &out); err != nil {
		var zero O
		return zero, newSerdesError("callback "+strconv.Quote(name), "deserialize", err)
	}
	return out, nil
}

// callbackFailure returns the typed error of a callback that ended other
// than SUCCEEDED; every one of them matches *CallbackError.
func callbackFailure(name, callbackID string, rec *Operation) error {
	base := CallbackError{Name: name, CallbackID: callbackID}
	var obj *ErrorObject
	if rec.CallbackDetails != nil {
		obj = rec.CallbackDetails.Error
	}
	if obj == nil && rec.Status == wire.OperationStatusTimedOut {
		obj = &ErrorObject{ErrorType: errTypeServiceCallbackTimeout, ErrorMessage: "callback timed out"}
	}
	if obj != nil {
		base.OperationError = recordedOperationError(*obj)
	}
	switch rec.Status {
	case wire.OperationStatusFailed:
		return &CallbackExternalError{CallbackError: base}
	case wire.OperationStatusTimedOut:
		return &CallbackTimeoutError{CallbackError: base, Heartbeat: base.ErrorType == errTypeServiceCallbackHeartbeat}
	}
	base.ErrorType = errTypeCallback
	base.Message = fmt.Sprintf("callback %q ended with status %s", name, rec.Status)
	return &base
}

// ErrCallbackTimedOut matches every *CallbackTimeoutError with [errors.Is].
var ErrCallbackTimedOut = errors.New("durable: callback timed out")

// The ErrorType strings recorded for the callback errors.
const (
	errTypeCallback         = "CallbackError"
	errTypeCallbackExternal = "CallbackExternalError"
	errTypeCallbackTimeout  = "CallbackTimeoutError"
)

// CallbackError is the failure of a callback. The more specific
// *CallbackExternalError, *CallbackTimeoutError and *CallbackSubmitterError
// all match *CallbackError (and *OperationError) with errors.As; a bare
// *CallbackError reports a callback the service ended otherwise (for
// example cancelled).
type CallbackError struct {
	OperationError
	// Name is the callback's (or WaitForCallback's) name.
	Name string
	// CallbackID is the service's id of the callback ("" when unknown).
	CallbackID string
}

// As matches *OperationError and, for the specific callback errors that
// embed it, *CallbackError.
func (e *CallbackError) As(target any) bool {
	if t, ok := target.(**CallbackError); ok {
		*t = e
		return true
	}
	return asOperationError(&e.OperationError, target)
}

func (e *CallbackError) errorObject() ErrorObject { return e.errorObjectAs(errTypeCallback) }

// CallbackExternalError is a failure the external system posted
// (SendDurableExecutionCallbackFailure). ErrorType, Message and ErrorData
// are the ones it sent.
type CallbackExternalError struct {
	CallbackError
}

func (e *CallbackExternalError) errorObject() ErrorObject {
	return e.errorObjectAs(errTypeCallbackExternal)
}

// CallbackTimeoutError reports a callback the service timed out: no result
// within the timeout, or (Heartbeat) no heartbeat within the heartbeat
// timeout. ErrorType is the service's "Callback.Timeout" or
// "Callback.Heartbeat". It matches [ErrCallbackTimedOut].
type CallbackTimeoutError struct {
	CallbackError
	// Heartbeat is set when the heartbeat timeout expired.
	Heartbeat bool
}

// Is matches ErrCallbackTimedOut.
func (e *CallbackTimeoutError) Is(target error) bool { return target == ErrCallbackTimedOut }

func (e *CallbackTimeoutError) errorObject() ErrorObject {
	return e.errorObjectAs(errTypeCallbackTimeout)
}
