package durable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/acme/durable-lambda-go/wire"
)

// Handler is a durable function: it receives the execution's input
// (decoded from JSON, or with the Serdes of [WithSerdes]) and returns its
// result. It runs again from the top on every invocation, replaying
// recorded operations, so everything outside operations must be
// deterministic.
//
// A returned error fails the execution: the response is FAILED with the
// error's ErrorObject. Panics are invocation failures (see [PanicError]).
// A result or error too large for the response (6 MiB less 50 bytes) is
// checkpointed on the EXECUTION operation and the response carries none.
type Handler[I, O any] func(ctx Context, event I) (O, error)

// ExecutionClient is the seam to the durable-execution API: the two calls
// a durable function makes. The default client calls the Lambda REST API
// with net/http, signed with SigV4 (the signing key derived once a day),
// from the Lambda runtime's environment; [WithExecutionClient] installs another
// (an emulator, a fake, the AWS SDK's Lambda client behind an adapter).
//
// The request and response types, the operation records and their
// OperationType, OperationStatus and OperationAction constants are all
// declared in this package, so a custom client imports nothing else of
// this module. Report failures as an *APIError (the service's error code,
// HTTP status and message, classified as the SDK classifies the AWS
// client's), a *ClientError with an explicit scope, or any other error (an
// invocation-scoped failure, like a network error). Checkpoint must not
// retain in.Updates after it returns.
type ExecutionClient interface {
	Checkpoint(ctx context.Context, in CheckpointInput) (CheckpointOutput, error)
	GetExecutionState(ctx context.Context, in GetExecutionStateInput) (GetExecutionStateOutput, error)
}

// Wrap turns a durable handler into the function the Lambda runtime calls
// with the raw invocation payload. It returns the response envelope, or an
// error for an invocation failure (the service invokes the function again):
// an envelope that is not a durable one, an invocation-scoped checkpoint
// failure, a retryable serialization failure, or a *PanicError.
//
// Do not pass the result to lambda.Start as a function: the reflective
// path would JSON-decode the payload into a []byte. Use [Start], or pass
// lambda.Start a lambda.Handler whose Invoke method calls it.
func Wrap[I, O any](handler Handler[I, O], opts ...HandlerOption) func(context.Context, []byte) ([]byte, error) {
	rt := newRuntime(newHandlerOptions(opts))
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		return rt.invoke(ctx, payload, func(c *execContext) ([]byte, error) {
			meta := SerdesContext{DurableExecutionArn: c.inv.arn}
			var event I
			if in := c.inv.input(); len(in) > 0 {
				if err := rt.opts.serdes.Unmarshal(c, meta, in, &event); err != nil {
					return nil, newSerdesError("execution input", "deserialize", err)
				}
			}
			out, err := handler(c, event)
			if err != nil {
				return nil, err
			}
			if c.inv.hooks != nil {
				c.inv.hooks.setResult(out)
			}
			// The result uses ConfigureSerdes's choice, if the handler made one.
			b, err := encodeResult(c, c.inv.opts.plain, c.inv.opts.serdes, meta, &out, nil)
			if err != nil {
				return nil, newSerdesError("execution result", "serialize", err)
			}
			return b, nil
		})
	}
}

// Start runs handler as the Lambda function's handler; it does not
// return. It registers with the Lambda runtime's raw-payload interface (so
// it also works when built with -tags lambda.norpc). A *PanicError from the
// handler is raised again as a panic so the runtime records a crash and
// the process exits; the recorded error is the PanicError's type, message
// and StackTrace, so it shows the frame that panicked.
func Start[I, O any](handler Handler[I, O], opts ...HandlerOption) {
	lambda.Start(rawHandler(Wrap(handler, opts...)))
}

// rawHandler adapts Wrap's function to lambda.Handler.
type rawHandler func(context.Context, []byte) ([]byte, error)

// Invoke calls the function and re-raises a recovered panic as the
// runtime's error report, carrying the stack taken at recovery.
func (h rawHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := h(ctx, payload)
	var pe *PanicError
	if errors.As(err, &pe) {
		panic(pe.invokeResponse())
	}
	return out, err
}

// handlerRuntime is the per-Wrap state shared by invocations: options, the log
// handler and the lazily built default client.
type handlerRuntime struct {
	opts       *handlerOptions
	logHandler slog.Handler

	mu     sync.Mutex
	client ExecutionClient
}

func newRuntime(opts *handlerOptions) *handlerRuntime {
	rt := &handlerRuntime{opts: opts, client: opts.client, logHandler: opts.logHandler}
	if rt.logHandler == nil {
		rt.logHandler = defaultLogHandler(opts.stackTraces)
	}
	return rt
}

// executionClient returns the configured client, building the default one
// on first use.
func (rt *handlerRuntime) executionClient() (ExecutionClient, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.client == nil {
		c, err := newDefaultClient(os.Getenv)
		if err != nil {
			return nil, err
		}
		rt.client = c
	}
	return rt.client, nil
}

// errNotDurable explains a payload that is not a durable envelope.
const errNotDurable = "the invocation payload is not a durable-execution envelope (no DurableExecutionArn or CheckpointToken); is the function configured with DurableConfig?"

// invoke handles one invocation: decode and validate the envelope, page
// the operation log, run the handler, respond.
func (rt *handlerRuntime) invoke(ctx context.Context, payload []byte, body func(*execContext) ([]byte, error)) ([]byte, error) {
	var in InvocationInput
	if err := wire.DecodeInvocationInput(payload, &in); err != nil {
		return nil, fmt.Errorf("durable: %s: %w", errNotDurable, err)
	}
	if in.DurableExecutionArn == "" || in.CheckpointToken == "" {
		return nil, errors.New("durable: " + errNotDurable)
	}
	client, err := rt.executionClient()
	if err != nil {
		return nil, fmt.Errorf("durable: creating the durable-execution client: %w", err)
	}
	ops, err := loadOperations(ctx, client, &in)
	if err != nil {
		var ce *CheckpointError
		if errors.As(err, &ce) && ce.Scope() == ErrorScopeExecution {
			obj := errorObjectOf(ce, rt.opts.stackTraces)
			return encodeOutput(InvocationOutput{Status: wire.InvocationStatusFailed, Error: &obj}), nil
		}
		return nil, err
	}
	inv := newInvocation(ctx, rt.opts, client, &in, ops, rt.logHandler)
	return inv.run(body)
}

// loadOperations returns the whole operation log: the envelope's first page
// and the pages fetched with GetDurableExecutionState.
func loadOperations(ctx context.Context, client ExecutionClient, in *InvocationInput) ([]Operation, error) {
	if in.InitialExecutionState == nil {
		return nil, nil
	}
	ops := in.InitialExecutionState.Operations
	seen := map[string]bool{}
	for marker := in.InitialExecutionState.NextMarker; marker != ""; {
		if seen[marker] {
			return nil, fmt.Errorf("durable: GetDurableExecutionState returned marker %q twice", marker)
		}
		seen[marker] = true
		out, err := client.GetExecutionState(ctx, GetExecutionStateInput{
			DurableExecutionArn: in.DurableExecutionArn,
			CheckpointToken:     in.CheckpointToken,
			Marker:              marker,
			MaxItems:            getStatePageSize,
		})
		if err != nil {
			return nil, classifyClientError("GetDurableExecutionState", err)
		}
		ops = append(ops, out.Operations...)
		marker = out.NextMarker
	}
	return ops, nil
}
