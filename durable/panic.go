package durable

import (
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"unicode"

	runtimemsg "github.com/aws/aws-lambda-go/lambda/messages"
)

// PanicError is a panic recovered from user code (the handler, a step body,
// a child function, a map item). It is an invocation failure, the Go
// counterpart of a crashed process: [Wrap] returns it as its error and
// [Start] raises it again so the Lambda runtime records a crash, with
// StackTrace as the recorded error's stack, and the service re-invokes.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking goroutine's stack as runtime/debug.Stack
	// prints it, taken when the panic was recovered (empty when stack
	// traces are disabled with WithStackTraces(false)).
	Stack []byte
	// StackTrace lists the frames of the panicking goroutine from the
	// function that panicked outwards, one "function (file:line)" each, as
	// the recorded ErrorObject carries them: the panic machinery, the
	// SDK's internal frames and the goroutine's start are left out, the
	// SDK's exported functions (Step, Map, ...) are kept to show where
	// user code entered the SDK. At most [MaxStackTraceFrames] frames;
	// empty when stack traces are disabled.
	StackTrace []string

	// frames are StackTrace's frames, for the Lambda runtime's report.
	frames []runtime.Frame
}

// Error describes the panic.
func (e *PanicError) Error() string { return fmt.Sprintf("durable: panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// errorObject is the ErrorObject of the panic.
func (e *PanicError) errorObject() ErrorObject {
	return ErrorObject{ErrorType: goErrorType(e), ErrorMessage: e.Error(), StackTrace: e.StackTrace}
}

// invokeResponse is the error the Lambda runtime reports for the panic:
// its ErrorObject with the stack taken at recovery (a panic raised anew
// would carry the stack of wherever it was raised), and ShouldExit so the
// process ends as after any panic.
func (e *PanicError) invokeResponse() runtimemsg.InvokeResponse_Error {
	obj := e.errorObject()
	r := runtimemsg.InvokeResponse_Error{Message: obj.ErrorMessage, Type: obj.ErrorType, ShouldExit: true}
	for _, f := range e.frames {
		r.StackTrace = append(r.StackTrace, &runtimemsg.InvokeResponse_Error_StackFrame{Label: f.Function, Path: f.File, Line: int32(f.Line)})
	}
	return r
}

// newPanicError describes the recovered panic value v. It must be called
// by the deferred function that recovered v, on the panicking goroutine,
// while the panicking frames are still on the stack.
func newPanicError(v any, stackTraces bool) *PanicError {
	pe := &PanicError{Value: v}
	if !stackTraces {
		return pe
	}
	pe.Stack = debug.Stack()
	pcs := make([]uintptr, 128)
	pcs = pcs[:runtime.Callers(1, pcs)]
	pe.frames = panicFrames(pcs)
	for _, f := range pe.frames {
		pe.StackTrace = append(pe.StackTrace, fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line))
	}
	return pe
}

// sdkPackage is this package's import path.
var sdkPackage = reflect.TypeFor[PanicError]().PkgPath()

// panicFrames selects, from the stack of a deferred function that
// recovered a panic, the frames that explain it: those below the panic
// machinery (runtime.gopanic and the runtime's own panicking helpers,
// such as those of a nil dereference), without the SDK's internal frames
// and without the frames that start the goroutine. At most
// MaxStackTraceFrames are kept. Should the SDK itself have panicked, its
// frames are kept.
func panicFrames(pcs []uintptr) []runtime.Frame {
	var all []runtime.Frame
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		all = append(all, f)
		if !more {
			break
		}
	}
	// The recovering frames sit above the nearest runtime.gopanic; the
	// runtime's panicking helpers below it.
	start := 0
	for i, f := range all {
		if f.Function == "runtime.gopanic" {
			start = i + 1
			break
		}
	}
	for start < len(all) && isRuntimeFrame(all[start]) {
		start++
	}
	all = all[start:]
	// The goroutine's start: trailing runtime and SDK frames.
	end := len(all)
	for end > 0 && (isRuntimeFrame(all[end-1]) || isSDKFrame(all[end-1])) {
		end--
	}
	if end == 0 {
		end = len(all)
	}
	var out []runtime.Frame
	for i, f := range all[:end] {
		if i > 0 && isSDKFrame(f) && !isSDKAPIFrame(f) {
			continue
		}
		out = append(out, f)
		if len(out) == MaxStackTraceFrames {
			break
		}
	}
	return out
}

// isRuntimeFrame reports a frame of package runtime.
func isRuntimeFrame(f runtime.Frame) bool {
	return strings.HasPrefix(f.Function, "runtime.")
}

// isSDKFrame reports a frame of this package's code (its tests are user
// code).
func isSDKFrame(f runtime.Frame) bool {
	return strings.HasPrefix(f.Function, sdkPackage+".") && !strings.HasSuffix(f.File, "_test.go")
}

// isSDKAPIFrame reports an SDK frame of an exported function or of an
// exported method of an exported type (Step, (*Future).Result), not of a
// closure or an internal helper.
func isSDKAPIFrame(f runtime.Frame) bool {
	name := strings.TrimPrefix(f.Function, sdkPackage+".")
	name = strings.ReplaceAll(name, "[...]", "")
	name = strings.NewReplacer("(*", "", "(", "", ")", "").Replace(name)
	for part := range strings.SplitSeq(name, ".") {
		if part == "" || !unicode.IsUpper([]rune(part)[0]) {
			return false
		}
	}
	return true
}
