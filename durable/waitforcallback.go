package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/acme/durable-lambda-go/wire"
)

// WaitForCallbackOption configures [WaitForCallback]. Every
// [CallbackOption] is one too; [WithSubmitterRetry] is one only.
type WaitForCallbackOption interface {
	applyWaitForCallback(*waitForCallbackConfig)
}

type waitForCallbackOptionFunc func(*waitForCallbackConfig)

func (f waitForCallbackOptionFunc) applyWaitForCallback(c *waitForCallbackConfig) { f(c) }

type waitForCallbackConfig struct {
	callback callbackConfig
	retry    RetryStrategy
}

// WithSubmitterRetry sets the retry strategy of WaitForCallback's
// submitter step (default [ExponentialBackoff], like any step). It is a
// WaitForCallbackOption only: passing it to CreateCallback does not
// compile.
func WithSubmitterRetry(s RetryStrategy) WaitForCallbackOption {
	return waitForCallbackOptionFunc(func(c *waitForCallbackConfig) { c.retry = s })
}

// errTypeCallbackSubmitter is the ErrorType recorded for a
// *CallbackSubmitterError.
const errTypeCallbackSubmitter = "CallbackSubmitterError"

// CallbackSubmitterError reports that WaitForCallback's submitter failed
// (after its retries): the callback was created but never handed over.
// Message and ErrorData are those of the submitter's last error; ErrorType
// is "CallbackSubmitterError". It matches *CallbackError.
type CallbackSubmitterError struct {
	CallbackError
}

func (e *CallbackSubmitterError) errorObject() ErrorObject {
	return e.errorObjectAs(errTypeCallbackSubmitter)
}

// recordedError is an error recorded exactly as its ErrorObject: how
// WaitForCallback records a callback's own failure on its context, so that
// the ErrorType the external system (or the service's timeout) gave
// survives replay.
type recordedError struct{ obj ErrorObject }

func (e *recordedError) Error() string { return e.obj.ErrorMessage }

func (e *recordedError) errorObject() ErrorObject { return e.obj }

// WaitForCallback creates a callback, hands its id to submitter and waits
// for the external system to complete it, all as one operation named name:
// a context (SubType "WaitForCallback") holding the callback and a step
// that runs submitter. It returns the callback's result, read like
// [Callback.Result] (by [WithCallbackSerdes], [WithCallbackDeserializer] or
// the default [RawSerdes]).
//
// The records match the other SDKs': the context's result is the JSON
// encoding of the callback's text (a JSON string), and the submitter's
// step records no result.
//
// submitter runs like a step body (use only its StepContext) and is
// retried by [WithSubmitterRetry]'s strategy (default
// [ExponentialBackoff]); it must send the id somewhere the external system
// picks it up, idempotently, since it may run more than once. On replay a
// finished WaitForCallback returns its recorded result without running
// anything.
//
// Errors: a failure posted by the external system is a
// *CallbackExternalError whose ErrorType is the one posted, a timeout a
// *CallbackTimeoutError, a submitter that kept failing a
// *CallbackSubmitterError; all match *CallbackError. They are rebuilt from
// the operation's record, so CallbackID is empty.
func WaitForCallback[O any](ctx Context, name string, submitter func(sc StepContext, callbackID string) error, opts ...WaitForCallbackOption) (O, error) {
	var zero O
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError("WaitForCallback", name, err)
	}
	if submitter == nil {
		return zero, argumentError("WaitForCallback", name, "the submitter is nil")
	}
	cfg := &waitForCallbackConfig{}
	for _, o := range opts {
		o.applyWaitForCallback(cfg)
	}
	if err := cfg.callback.validate(c, "WaitForCallback", name); err != nil {
		return zero, err
	}
	childCfg, err := newChildConfig(c, "WaitForCallback", name, wire.SubTypeWaitForCallback,
		[]ChildOption{WithChildSerdes(callbackTextSerdes{}), WithChildErrorMapper(waitForCallbackError(name))})
	if err != nil {
		return zero, err
	}
	r, err := startChild(c, name, childCfg)
	if err != nil {
		return zero, err
	}
	raw, err := runChildInline(c, r, func(ctx Context) (*string, error) {
		return waitForCallbackBody(ctx.impl(), submitter, cfg)
	})
	if err != nil || raw == nil || *raw == "" {
		return zero, err
	}
	var out O
	meta := SerdesContext{OperationID: r.id, DurableExecutionArn: c.inv.arn}
	if err := cfg.callback.serdes.Unmarshal(c, meta, []byte(*raw), &out); err != nil {
		return zero, newSerdesError("waitForCallback "+strconv.Quote(name), "deserialize", err)
	}
	return out, nil
}

// waitForCallbackBody runs inside WaitForCallback's context k: the
// callback (k's first operation), the submitter step (its second), then
// the wait for the callback. It returns the callback's result text (nil
// when the callback has none).
func waitForCallbackBody(k *execContext, submitter func(StepContext, string) error, cfg *waitForCallbackConfig) (*string, error) {
	cbID := k.nextID()
	callbackID, err := startCallback(k, cbID, "", &cfg.callback)
	if err != nil {
		return nil, err
	}
	stepCfg := &stepConfig{retry: cfg.retry, subType: wire.SubTypeStep, serdes: noResultSerdes{}}
	_, err = runStep(k, k.nextID(), "", func(sc StepContext) (Void, error) {
		return Void{}, submitter(sc, callbackID)
	}, stepCfg)
	var se *StepError
	if errors.As(err, &se) {
		return nil, &CallbackSubmitterError{CallbackError: CallbackError{OperationError: se.OperationError}}
	}
	if err != nil {
		return nil, err
	}
	rec, err := awaitTerminal(k, cbID)
	if err != nil {
		return nil, err
	}
	if rec.Status == wire.OperationStatusSucceeded {
		if rec.CallbackDetails == nil {
			return nil, nil
		}
		return rec.CallbackDetails.Result, nil
	}
	var ce *CallbackError
	errors.As(callbackFailure("", callbackID, rec), &ce)
	return nil, &recordedError{obj: ce.OperationError.errorObject()}
}

// callbackTextSerdes records WaitForCallback's context result, a
// callback's text (a *string), as the other SDKs do: its JSON encoding,
// a JSON string, and nothing when the callback has no result.
type callbackTextSerdes struct{}

// Marshal encodes a *string as a JSON string; nil gives no payload.
func (callbackTextSerdes) Marshal(_ context.Context, _ SerdesContext, v any) ([]byte, error) {
	s, ok := v.(*string)
	if !ok {
		return nil, fmt.Errorf("durable: callback text serdes cannot serialize %T", v)
	}
	if s == nil {
		return nil, nil
	}
	return json.Marshal(*s)
}

// Unmarshal decodes a JSON string into a **string; no payload gives nil.
func (callbackTextSerdes) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	p, ok := v.(**string)
	if !ok {
		return fmt.Errorf("durable: callback text serdes cannot deserialize into %T", v)
	}
	if len(data) == 0 {
		*p = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*p = &s
	return nil
}

// noResultSerdes records no result: WaitForCallback's submitter step has
// none, and the other SDKs record its SUCCEED without a payload.
type noResultSerdes struct{}

// Marshal returns no payload.
func (noResultSerdes) Marshal(context.Context, SerdesContext, any) ([]byte, error) { return nil, nil }

// Unmarshal leaves v as it is: there is nothing to read.
func (noResultSerdes) Unmarshal(context.Context, SerdesContext, []byte, any) error { return nil }

// waitForCallbackError rebuilds WaitForCallback's typed error from its
// context's recorded failure.
func waitForCallbackError(name string) func(*ChildContextError) error {
	return func(e *ChildContextError) error {
		base := CallbackError{OperationError: e.OperationError, Name: name}
		switch e.ErrorType {
		case errTypeCallbackSubmitter:
			return &CallbackSubmitterError{CallbackError: base}
		case errTypeCallback:
			return &base
		case errTypeServiceCallbackTimeout, errTypeServiceCallbackHeartbeat:
			return &CallbackTimeoutError{CallbackError: base, Heartbeat: e.ErrorType == errTypeServiceCallbackHeartbeat}
		}
		return &CallbackExternalError{CallbackError: base}
	}
}
