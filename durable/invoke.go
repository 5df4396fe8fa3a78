package durable

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/acme/durable-lambda-go/wire"
)

// Sentinels of a chained invoke's outcome. Match them with [errors.Is].
var (
	// ErrInvokeTimedOut matches the *InvokeError of an invoked function
	// that timed out.
	ErrInvokeTimedOut = errors.New("durable: invoked function timed out")
	// ErrExecutionStopped matches the *InvokeError of an invoked durable
	// function whose execution was stopped.
	ErrExecutionStopped = errors.New("durable: execution stopped")
	// ErrExecutionCancelled matches the *InvokeError of a chained invoke
	// the service cancelled before the invoked function finished.
	ErrExecutionCancelled = errors.New("durable: execution cancelled")
)

// errTypeInvoke is the ErrorType recorded for an *InvokeError.
const errTypeInvoke = "InvokeError"

// InvokeOption configures [Invoke] and [InvokeAsync].
type InvokeOption interface {
	applyInvoke(*invokeConfig)
}

type invokeOptionFunc func(*invokeConfig)

func (f invokeOptionFunc) applyInvoke(c *invokeConfig) { f(c) }

type invokeConfig struct {
	payloadSerdes Serdes
	resultSerdes  Serdes
	tenantID      string
}

// WithInvokePayloadSerdes sets the Serdes that turns the input into the
// invoked function's event (default: the handler's Serdes, JSON).
func WithInvokePayloadSerdes(s Serdes) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.payloadSerdes = s })
}

// WithInvokeResultSerdes sets the Serdes that reads the invoked function's
// result (default: the handler's Serdes, JSON).
func WithInvokeResultSerdes(s Serdes) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.resultSerdes = s })
}

// WithTenantID invokes the function for the tenant tenantID (functions
// with tenant isolation).
func WithTenantID(tenantID string) InvokeOption {
	return invokeOptionFunc(func(c *invokeConfig) { c.tenantID = tenantID })
}

func newInvokeConfig(c *execContext, op, name, functionID string, opts []InvokeOption) (*invokeConfig, error) {
	if functionID == "" {
		return nil, argumentError(op, name, "the function id is empty")
	}
	cfg := &invokeConfig{}
	for _, o := range opts {
		o.applyInvoke(cfg)
	}
	cfg.payloadSerdes = c.inv.opts.serdesOr(cfg.payloadSerdes)
	cfg.resultSerdes = c.inv.opts.serdesOr(cfg.resultSerdes)
	return cfg, nil
}

// Invoke calls another Lambda function, functionID (a name or ARN), with
// input and returns its result: a chained invoke. The service runs the
// function asynchronously; meanwhile the invocation suspends (unless other
// code runs) and the service invokes this function again when the invoked
// one has finished. A durable target must be named with a qualifier (a
// version or an alias), since durable functions cannot be invoked
// unqualified. The invoke is never retried.
//
// On replay the recorded result (or error) is returned without invoking
// again. The input is serialized with the payload Serdes and must not
// exceed 1 MiB; a larger input is a plain error and nothing is recorded. A
// failed, timed-out or stopped target is an *InvokeError.
func Invoke[O, I any](ctx Context, name, functionID string, input I, opts ...InvokeOption) (O, error) {
	var zero O
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError("Invoke", name, err)
	}
	cfg, err := newInvokeConfig(c, "Invoke", name, functionID, opts)
	if err != nil {
		return zero, err
	}
	return runInvoke[O](c, c.nextID(), name, functionID, input, cfg)
}

// InvokeAsync is the asynchronous form of [Invoke]: it takes the invoke's
// id now and returns a lazy [Future] whose invoke starts once the future is
// awaited. A future nobody awaits records nothing.
func InvokeAsync[O, I any](ctx Context, name, functionID string, input I, opts ...InvokeOption) *Future[O] {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return failedFuture[O](c.inv, useError("InvokeAsync", name, err))
	}
	cfg, err := newInvokeConfig(c, "InvokeAsync", name, functionID, opts)
	if err != nil {
		return failedFuture[O](c.inv, err)
	}
	id := c.nextID()
	return lazyFuture(c, func(sc *execContext) (O, error) {
		return runInvoke[O](sc, id, name, functionID, input, cfg)
	})
}

// runInvoke runs the chained invoke whose wire id c already took.
func runInvoke[O, I any](c *execContext, id, name, functionID string, input I, cfg *invokeConfig) (O, error) {
	var zero O
	rec, err := c.replayRecord(id, wire.OperationTypeChainedInvoke, wire.SubTypeChainedInvoke, name)
	if err != nil {
		return zero, err
	}
	meta := SerdesContext{OperationID: id, DurableExecutionArn: c.inv.arn}
	what := "invoke " + strconv.Quote(name)
	if rec == nil {
		payload, err := cfg.payloadSerdes.Marshal(c, meta, input)
		if err != nil {
			return zero, newSerdesError(what, "serialize", err)
		}
		if len(payload) > wire.MaxInvokeInputBytes {
			return zero, argumentError("Invoke", name, "the serialized input is %d bytes; the limit is %d bytes (1 MiB)", len(payload), wire.MaxInvokeInputBytes)
		}
		u := c.update(id, wire.OperationTypeChainedInvoke, wire.SubTypeChainedInvoke, name, wire.OperationActionStart)
		u.Payload = wire.String(string(payload))
		u.ChainedInvokeOptions = &wire.ChainedInvokeOptions{FunctionName: functionID, TenantId: cfg.tenantID}
		if err := c.checkpoint(u); err != nil {
			return zero, err
		}
	}
	rec, err = awaitTerminal(c, id)
	if err != nil {
		return zero, err
	}
	details := rec.ChainedInvokeDetails
	if details == nil {
		details = &ChainedInvokeDetails{}
	}
	if rec.Status != wire.OperationStatusSucceeded {
		return zero, newInvokeError(name, functionID, rec.Status, details.Error)
	}
	var out O
	if details.Result == nil || *details.Result == "" {
		return out, nil
	}
	if err := unmarshalString(c, cfg.resultSerdes, meta, *details.Result, &out); err != nil {
		return zero, newSerdesError(what, "deserialize", err)
	}
	return out, nil
}

// InvokeError is the failure of a chained invoke: the invoked function
// failed, timed out ([ErrInvokeTimedOut]), for a durable target its
// execution was stopped ([ErrExecutionStopped]), or the service cancelled
// the invoke ([ErrExecutionCancelled]). ErrorType and Message are
// those the service recorded for the target's failure.
type InvokeError struct {
	OperationError
	// Name is the invoke operation's name.
	Name string
	// FunctionID is the invoked function as passed to Invoke.
	FunctionID string
	// Status is the recorded status: FAILED, TIMED_OUT, STOPPED (or
	// CANCELLED).
	Status OperationStatus
}

// As matches *OperationError.
func (e *InvokeError) As(target any) bool { return asOperationError(&e.OperationError, target) }

// Is matches ErrInvokeTimedOut for a timed-out target, ErrExecutionStopped
// for a stopped one and ErrExecutionCancelled for a cancelled invoke.
func (e *InvokeError) Is(target error) bool {
	switch e.Status {
	case wire.OperationStatusTimedOut:
		return target == ErrInvokeTimedOut
	case wire.OperationStatusStopped:
		return target == ErrExecutionStopped
	case wire.OperationStatusCancelled:
		return target == ErrExecutionCancelled
	}
	return false
}

func (e *InvokeError) errorObject() ErrorObject { return e.errorObjectAs(errTypeInvoke) }

func newInvokeError(name, functionID string, status OperationStatus, obj *ErrorObject) *InvokeError {
	e := &InvokeError{Name: name, FunctionID: functionID, Status: status}
	if obj == nil {
		e.ErrorType = errTypeInvoke
		e.Message = fmt.Sprintf("invoke %q of %s ended with status %s", name, functionID, status)
		return e
	}
	e.OperationError = recordedOperationError(*obj)
	return e
}
