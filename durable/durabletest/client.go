package durabletest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// fault is what is planned for one checkpoint call.
type fault struct {
	fail      error // the request never arrives; the call returns fail
	drop      bool  // it is applied but the response is lost
	crash     bool  // it is applied, then the invocation dies
	omitToken bool  // the response carries no checkpoint token
}

// faults is the runner's fault-injection plan. Checkpoint calls made by
// the runner's handler are numbered from 1 across a run (empty polls
// included); a planned fault applies to the call with that number.
type faults struct {
	mu      sync.Mutex
	calls   int
	planned map[int]fault
}

func newFaults() *faults {
	return &faults{planned: map[int]fault{}}
}

// plan lets change edit the fault planned for call n.
func (f *faults) plan(n int, change func(*fault)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.planned[n]
	change(&p)
	f.planned[n] = p
}

// next numbers a checkpoint call and returns the fault planned for it.
func (f *faults) next() (int, fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.calls, f.planned[f.calls]
}

// count returns how many checkpoint calls were numbered.
func (f *faults) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// errCrashed is what a crashed invocation's later calls get.
var errCrashed = errors.New("durabletest: the invocation crashed (injected fault); it can no longer reach the service")

// faultClient is the ExecutionClient of one invocation of the runner's
// handler: the emulator, with the runner's faults injected.
type faultClient struct {
	svc    *emulator.Service
	faults *faults

	mu        sync.Mutex
	crashedAt int // the checkpoint number the invocation crashed after; 0 = running
}

func (c *faultClient) crashed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashedAt
}

// Checkpoint forwards to the emulator unless a fault is planned: fail
// (the request never arrives), drop (it is applied but the response is
// lost), crash (it is applied, then the invocation dies), or a response
// without a token.
func (c *faultClient) Checkpoint(ctx context.Context, in durable.CheckpointInput) (durable.CheckpointOutput, error) {
	if c.crashed() != 0 {
		return durable.CheckpointOutput{}, errCrashed
	}
	n, planned := c.faults.next()
	if planned.fail != nil {
		return durable.CheckpointOutput{}, planned.fail
	}
	out, err := c.svc.Checkpoint(ctx, in)
	if err != nil {
		return out, err
	}
	switch {
	case planned.crash:
		c.mu.Lock()
		c.crashedAt = n
		c.mu.Unlock()
		return durable.CheckpointOutput{}, errCrashed
	case planned.drop:
		return durable.CheckpointOutput{}, fmt.Errorf("durabletest: checkpoint %d was applied but its response was dropped (injected fault)", n)
	case planned.omitToken:
		out.CheckpointToken = ""
	}
	return out, nil
}

// GetExecutionState forwards to the emulator; a crashed invocation is
// rejected.
func (c *faultClient) GetExecutionState(ctx context.Context, in durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	if c.crashed() != 0 {
		return durable.GetExecutionStateOutput{}, errCrashed
	}
	return c.svc.GetExecutionState(ctx, in)
}

// durableInvoker hosts a durable handler in process. Each invocation wraps
// the handler with a client made by newClient, puts a Lambda context
// (request id, invoked ARN) into ctx — which already carries the
// invocation deadline — and maps failures to *wire.FunctionError (see
// Exit and functionError). A panic is also kept in panics (nil: not
// kept).
func durableInvoker[I, O any](handler durable.Handler[I, O], opts []durable.HandlerOption, newClient func() *faultClient, panics *panicLog) emulator.Invoker {
	return emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		client := newClient()
		all := append(append([]durable.HandlerOption{}, opts...), durable.WithExecutionClient(client))
		fn := durable.Wrap(handler, all...)
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: req.RequestID, InvokedFunctionArn: req.FunctionArn})
		out, err := fn(ctx, req.Payload)
		if n := client.crashed(); n != 0 {
			return nil, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Runtime.ExitError",
				ErrorMessage: fmt.Sprintf("the invocation crashed after checkpoint %d (injected fault)", n)}}
		}
		if err != nil {
			if fe := exitFailure(req.RequestID, err); fe != nil {
				return nil, fe
			}
			panics.keep(req.RequestID, err)
			return nil, functionError(err)
		}
		return out, nil
	})
}

// panicLog keeps the *durable.PanicError of each invocation that
// panicked, by request id, so a TestError can unwrap to it.
type panicLog struct {
	mu        sync.Mutex
	byRequest map[string]*durable.PanicError
}

func newPanicLog() *panicLog {
	return &panicLog{byRequest: map[string]*durable.PanicError{}}
}

// keep records err of invocation requestID if it is a panic.
func (l *panicLog) keep(requestID string, err error) {
	var pe *durable.PanicError
	if l == nil || !errors.As(err, &pe) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byRequest[requestID] = pe
}

// of returns the panic of invocation requestID, or nil.
func (l *panicLog) of(requestID string) *durable.PanicError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byRequest[requestID]
}

// functionError maps a handler's invocation failure to the error the
// Lambda runtime would report: a panic as durable.Start reports it (type
// PanicError, with the stack taken where it panicked), anything else an
// unhandled error named after its type.
func functionError(err error) *wire.FunctionError {
	var pe *durable.PanicError
	if errors.As(err, &pe) {
		return &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: errorTypeName(pe), ErrorMessage: pe.Error(), StackTrace: pe.StackTrace}}
	}
	var fe *wire.FunctionError
	if errors.As(err, &fe) {
		return fe
	}
	return &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: errorTypeName(err), ErrorMessage: err.Error()}}
}

// errorTypeName is the Go type name of err without package or pointer,
// as a Lambda runtime reports an unhandled error's type.
func errorTypeName(err error) string {
	name := reflect.TypeOf(err).String()
	name = strings.TrimLeft(name, "*")
	if i := strings.LastIndex(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return name
}
