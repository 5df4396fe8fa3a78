package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/acme/durable-lambda-go/wire"
)

// InvokeInput is a direct Invoke of a plain (non-durable) function.
type InvokeInput struct {
	// FunctionName is a name, name:qualifier, or a full or partial ARN.
	FunctionName string
	// Qualifier is a version, alias or $LATEST, if not in FunctionName.
	// A plain function may be invoked unqualified ($LATEST).
	Qualifier string
	// Payload is the event, a JSON document; "{}" when empty.
	Payload []byte
	// Async queues the invocation (InvocationType Event) instead of
	// running it: Invoke returns at once and a driver of the service
	// (Run, RunDue, RunNext) runs it.
	Async bool
}

// InvokeOutput is the outcome of Invoke.
type InvokeOutput struct {
	// ExecutedVersion is the version that ran: "$LATEST" for an
	// unqualified invoke, else the version number the qualifier names.
	ExecutedVersion string
	// Payload is the function's response (a synchronous invoke that did
	// not fail).
	Payload []byte
	// FunctionError is the function's error (a synchronous invoke that
	// failed): the error the function reported, its timeout
	// (Sandbox.Timedout), its crash (Runtime.ExitError) or a response
	// too large (Function.ResponseSizeTooLarge).
	FunctionError *wire.ErrorObject
}

// LookupFunction returns the registered function a reference (a name,
// name:qualifier, or a full or partial ARN) names, or
// ResourceNotFoundException.
func (s *Service) LookupFunction(ref string) (FunctionInfo, error) {
	s.lock()
	defer s.mu.Unlock()
	fn, _, err := s.resolveFunction(ref, "")
	if err != nil {
		return FunctionInfo{}, err
	}
	return fn.info(), nil
}

// Invoke invokes a plain function as Lambda does: no durable execution,
// the raw event in and the function's response out. Synchronously it
// runs the invocation in the caller's goroutine and returns its outcome;
// a failure of the function is InvokeOutput.FunctionError, not an error.
// With Async it queues the invocation and returns; the driver runs it
// once and logs a failure (Lambda would retry an asynchronous invocation
// twice; the emulator does not, and does not persist the queue).
//
// A durable function is InvalidParameterValueException: start an
// execution of it with StartExecution.
func (s *Service) Invoke(ctx context.Context, in InvokeInput) (InvokeOutput, error) {
	if len(in.Payload) > 0 && !json.Valid(in.Payload) {
		var v any
		err := json.Unmarshal(in.Payload, &v)
		return InvokeOutput{}, wire.NewAPIError(wire.ErrCodeInvalidRequestContent, "Could not parse request body into json: %v", err)
	}
	limit := s.cfg.MaxSyncInputBytes
	if in.Async {
		limit = s.cfg.MaxAsyncInputBytes
	}
	if err := inputSize(len(in.Payload), limit); err != nil {
		return InvokeOutput{}, err
	}
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	s.lock()
	fn, q, err := s.resolveFunction(in.FunctionName, in.Qualifier)
	if err == nil && fn.Durable {
		err = wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Function %s is a durable function: invoke it through a version or alias to start a durable execution", fn.Name)
	}
	version := "$LATEST"
	if err == nil && q != "" {
		var ok bool
		if version, ok = fn.version(q); !ok {
			err = wire.NewAPIError(wire.ErrCodeResourceNotFound, "Function not found: %s:%s", fn.arn, q)
		}
	}
	if err != nil {
		s.mu.Unlock()
		return InvokeOutput{}, err
	}
	out := InvokeOutput{ExecutedVersion: version}
	if in.Async {
		s.async = append(s.async, &plainJob{function: fn.Name, version: version, payload: payload})
		return out, s.unlock() // wakes Run
	}
	req := s.plainRequest(fn, version, payload)
	s.mu.Unlock()
	res, err := s.call(ctx, fn, req)
	switch {
	case err != nil && ctx.Err() != nil:
		return InvokeOutput{}, ctx.Err()
	case err != nil:
		out.FunctionError = invocationError(err)
	default:
		if out.FunctionError = responseTooLarge(res); out.FunctionError == nil {
			out.Payload = res
		}
	}
	return out, nil
}

// plainRequest is an invocation of a plain function's version. Must hold
// the lock.
func (s *Service) plainRequest(fn *function, version string, payload []byte) InvokeRequest {
	return InvokeRequest{
		RequestID:   s.cfg.NewID(),
		FunctionArn: fn.arn + ":" + version,
		Payload:     payload,
		Deadline:    s.now().Add(fn.Timeout),
	}
}

// runAsync performs a queued asynchronous invocation of a plain function
// and logs its outcome. An invocation cut off by the end of ctx stays
// queued, to run again when the service is driven again.
func (s *Service) runAsync(ctx context.Context, job *plainJob) {
	s.lock()
	fn := s.functions[job.function]
	var req InvokeRequest
	if fn != nil {
		req = s.plainRequest(fn, job.version, job.payload)
	}
	s.mu.Unlock()
	_, err := s.call(ctx, fn, req)
	s.lock()
	defer s.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		job.running = false
		return
	}
	s.async = slices.DeleteFunc(s.async, func(j *plainJob) bool { return j == job })
	if err != nil {
		e := invocationError(err)
		s.log.Warn("emulator: asynchronous invocation failed", "function", job.function, "version", job.version,
			"requestId", req.RequestID, "errorType", e.ErrorType, "error", e.ErrorMessage)
		return
	}
	s.log.Debug("emulator: asynchronous invocation succeeded", "function", job.function, "version", job.version, "requestId", req.RequestID)
}

// inputSize rejects an Invoke input larger than limit.
func inputSize(size, limit int) error {
	if size > limit {
		return wire.NewAPIError(wire.ErrCodeRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", limit)
	}
	return nil
}

// responseTooLarge is the error of a function response over Lambda's
// limit, or nil.
func responseTooLarge(out []byte) *wire.ErrorObject {
	if len(out) <= wire.MaxResponseBytes {
		return nil
	}
	return &wire.ErrorObject{ErrorType: "Function.ResponseSizeTooLarge",
		ErrorMessage: fmt.Sprintf("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes).", len(out), wire.MaxResponseBytes)}
}
