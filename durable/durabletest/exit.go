package durabletest

import (
	"errors"
	"fmt"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

// Exit stands for os.Exit(code) in a handler a LocalRunner runs (or a
// DurableFunction it hosts): the invocation ends there, as when the
// function's process dies, and is recorded as failed with ErrorType
// "Runtime.ExitError", as Lambda records a process that exited. The
// service then re-invokes the function. A panic, by contrast, is recorded
// as the SDK's PanicError with its stack.
//
// Exit does not return. Called anywhere else, it is an ordinary panic.
func Exit(code int) {
	panic(exitCode(code))
}

// exitCode is the panic value of Exit.
type exitCode int

// exitFailure is the failure of an invocation that called Exit, or nil.
func exitFailure(requestID string, err error) *wire.FunctionError {
	var pe *durable.PanicError
	if !errors.As(err, &pe) {
		return nil
	}
	code, ok := pe.Value.(exitCode)
	if !ok {
		return nil
	}
	return &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Runtime.ExitError",
		ErrorMessage: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: exit status %d", requestID, code)}}
}
