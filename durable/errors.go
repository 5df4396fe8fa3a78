package durable

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/acme/durable-lambda-go/wire"
)

// Sentinel errors. Match them with [errors.Is].
var (
	// ErrWrongGoroutine is returned by an operation called on a Context
	// from a goroutine other than the one that owns it. Use [Go] to fan
	// out.
	ErrWrongGoroutine = errors.New("durable: context used from a goroutine that does not own it")
	// ErrWrongContext is returned by an operation called on an enclosing
	// Context while a step body (or a blocking child body) of that context
	// runs. Inside a step, use only the StepContext.
	ErrWrongContext = errors.New("durable: enclosing context used inside a step or child body")
	// ErrRetryableSerdes marks a serialization failure that the retry
	// strategy may retry. See [RetryableSerdesError].
	ErrRetryableSerdes = errors.New("durable: retryable serialization failure")
)

// The ErrorType strings of the SDK's own error types.
const (
	errTypeStep           = "StepError"
	errTypeStepInterrupt  = "StepInterruptedError"
	errTypeNonDeterminism = "NonDeterministicExecutionError"
	errTypeCheckpoint     = "CheckpointError"
	errTypeSerdes         = "SerdesError"
	errTypePlain          = "Error"
)

// maxErrorDataBytes bounds the ErrorData attached with [WithErrorData].
const maxErrorDataBytes = wire.MaxOperationPayloadBytes

// OperationError is the base of every terminal failure the SDK reports.
// Every typed error of this package also matches *OperationError with
// [errors.As].
//
// ErrorType, Message, ErrorData and StackTrace are those of the recorded
// ErrorObject. Err is a stand-in rebuilt from that record, on the first run
// and on replay alike, so errors.As to a user's own error type is always
// false: match on ErrorType instead.
type OperationError struct {
	ErrorType  string
	Message    string
	ErrorData  string
	StackTrace []string
	Err        error
}

// Error returns the recorded message, or the error type when there is none.
func (e *OperationError) Error() string {
	if e.Message == "" {
		return e.ErrorType
	}
	return e.Message
}

// Unwrap returns the stand-in for the recorded cause.
func (e *OperationError) Unwrap() error { return e.Err }

func (e *OperationError) errorObject() ErrorObject {
	return ErrorObject{ErrorType: e.ErrorType, ErrorMessage: e.Message, ErrorData: e.ErrorData, StackTrace: e.StackTrace}
}

// errorObjectAs is the ErrorObject of an SDK error type: the recorded
// fields under that type's own ErrorType.
func (e *OperationError) errorObjectAs(errorType string) ErrorObject {
	o := e.errorObject()
	o.ErrorType = errorType
	return o
}

// asOperationError lets the embedding types match *OperationError.
func asOperationError(base *OperationError, target any) bool {
	if t, ok := target.(**OperationError); ok {
		*t = base
		return true
	}
	return false
}

// StepError is the failure of a step: its last attempt failed and the retry
// strategy gave up, or the record says so on replay. ErrorType and Message
// are those of the attempt's error (for a Go error: its type name, "Error"
// for errors.New and fmt.Errorf).
type StepError struct {
	OperationError
	// Name is the step's name.
	Name string
	// Attempts is the number of attempts made.
	Attempts int
}

// As matches *OperationError.
func (e *StepError) As(target any) bool { return asOperationError(&e.OperationError, target) }

func (e *StepError) errorObject() ErrorObject { return e.errorObjectAs(errTypeStep) }

// StepInterruptedError reports that an at-most-once step attempt was
// interrupted (the invocation ended while the body ran), so the body was
// not run again. It goes through the step's retry strategy like any other
// failure and consumes one attempt.
type StepInterruptedError struct {
	OperationError
	// Name is the step's name.
	Name string
	// Attempt is the interrupted attempt (1-based).
	Attempt int
}

// As matches *OperationError.
func (e *StepInterruptedError) As(target any) bool {
	return asOperationError(&e.OperationError, target)
}

func newStepInterruptedError(name string, attempt int) *StepInterruptedError {
	return &StepInterruptedError{
		OperationError: OperationError{
			ErrorType: errTypeStepInterrupt,
			Message:   fmt.Sprintf("step %q attempt %d was interrupted before it finished", name, attempt),
		},
		Name:    name,
		Attempt: attempt,
	}
}

// NonDeterministicExecutionError reports that replay found a different
// operation at a position than the one recorded: the handler is not
// deterministic. The execution fails; it is never retried.
type NonDeterministicExecutionError struct {
	OperationError
	// OperationID is the wire id of the operation.
	OperationID                                 string
	RecordedType, RecordedSubType, RecordedName string
	CurrentType, CurrentSubType, CurrentName    string
}

// As matches *OperationError.
func (e *NonDeterministicExecutionError) As(target any) bool {
	return asOperationError(&e.OperationError, target)
}

func newNonDeterminismError(id string, rec *Operation, typ OperationType, subType, name string) *NonDeterministicExecutionError {
	e := &NonDeterministicExecutionError{
		OperationID:     id,
		RecordedType:    string(rec.Type),
		RecordedSubType: rec.SubType,
		RecordedName:    rec.Name,
		CurrentType:     string(typ),
		CurrentSubType:  subType,
		CurrentName:     name,
	}
	e.ErrorType = errTypeNonDeterminism
	e.Message = fmt.Sprintf("non-deterministic execution: operation %s was recorded as %s/%s %q but the handler now runs %s/%s %q",
		id, e.RecordedType, e.RecordedSubType, e.RecordedName, e.CurrentType, e.CurrentSubType, e.CurrentName)
	return e
}

// ErrorScope says what a failure of the durable-execution API affects.
type ErrorScope int

const (
	// ErrorScopeInvocation means the invocation fails and the service
	// invokes the function again (throttling, 5xx, network, stale token).
	ErrorScopeInvocation ErrorScope = iota + 1
	// ErrorScopeExecution means retrying cannot help: the execution fails.
	ErrorScopeExecution
)

// String returns "invocation" or "execution".
func (s ErrorScope) String() string {
	switch s {
	case ErrorScopeInvocation:
		return "invocation"
	case ErrorScopeExecution:
		return "execution"
	}
	return fmt.Sprintf("ErrorScope(%d)", int(s))
}

// ClientError lets a custom [ExecutionClient] state the scope of a failure
// explicitly; it takes precedence over the SDK's classification.
type ClientError struct {
	Scope ErrorScope
	Err   error
}

// Error returns the wrapped error's message.
func (e *ClientError) Error() string {
	if e.Err == nil {
		return "durable: client error (" + e.Scope.String() + " scope)"
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *ClientError) Unwrap() error { return e.Err }

// CheckpointError is a failed CheckpointDurableExecution or
// GetDurableExecutionState call. Once one happens the invocation stops
// checkpointing. An invocation-scoped failure makes the invocation fail (the
// service retries it); an execution-scoped one fails the execution.
type CheckpointError struct {
	OperationError
	scope     ErrorScope
	retryable bool
}

// As matches *OperationError.
func (e *CheckpointError) As(target any) bool { return asOperationError(&e.OperationError, target) }

// Scope says whether the invocation or the whole execution fails.
func (e *CheckpointError) Scope() ErrorScope { return e.scope }

// Retryable reports whether a later invocation may succeed where this one
// failed: true for throttling, 5xx and network failures; false for a stale
// checkpoint token and for execution-scoped failures.
func (e *CheckpointError) Retryable() bool { return e.retryable }

// classifyClientError turns a client failure into a CheckpointError by the
// ordered table of the protocol: an explicit ClientError scope; an invalid
// checkpoint token (invocation, not retryable); KMS errors (execution);
// 429 and 5xx (invocation); other 4xx (execution); anything else, such as a
// network failure or a timeout (invocation).
func classifyClientError(call string, err error) *CheckpointError {
	ce := &CheckpointError{OperationError: OperationError{
		ErrorType: errTypeCheckpoint,
		Message:   fmt.Sprintf("%s failed: %v", call, err),
		Err:       err,
	}}
	var clientErr *ClientError
	var apiErr *wire.APIError
	switch {
	case errors.As(err, &clientErr):
		ce.scope = clientErr.Scope
		ce.retryable = clientErr.Scope != ErrorScopeExecution
		if ce.scope != ErrorScopeExecution {
			ce.scope = ErrorScopeInvocation
		}
	case errors.As(err, &apiErr):
		status := apiStatus(apiErr)
		switch {
		case apiErr.IsInvalidCheckpointToken():
			ce.scope = ErrorScopeInvocation
		case isKMSCode(apiErr.Code):
			ce.scope = ErrorScopeExecution
		case status == 429 || status >= 500 ||
			apiErr.Code == wire.ErrCodeTooManyRequests || apiErr.Code == wire.ErrCodeService ||
			apiErr.Code == wire.ErrCodeServiceUnavailable:
			ce.scope, ce.retryable = ErrorScopeInvocation, true
		case status >= 400:
			ce.scope = ErrorScopeExecution
		default:
			ce.scope, ce.retryable = ErrorScopeInvocation, true
		}
	default:
		ce.scope, ce.retryable = ErrorScopeInvocation, true
	}
	return ce
}

// apiStatus is the HTTP status of an API error; a client that left it unset
// gets the one the service answers with for the exception, when its code
// is one the service documents (an unknown code stays 0).
func apiStatus(e *wire.APIError) int {
	if e.StatusCode != 0 {
		return e.StatusCode
	}
	switch e.Code {
	case wire.ErrCodeInvalidParameterValue, wire.ErrCodeResourceNotFound, wire.ErrCodeCallbackTimeout,
		wire.ErrCodeAlreadyStarted, wire.ErrCodeRequestTooLarge:
		return wire.StatusCodeOf(e.Code)
	}
	return 0
}

func isKMSCode(code string) bool {
	switch code {
	case wire.ErrCodeKMSAccessDenied, wire.ErrCodeKMSDisabled, wire.ErrCodeKMSInvalidState, wire.ErrCodeKMSNotFound:
		return true
	}
	return false
}

// SerdesError is a failed serialization or deserialization. It is
// permanent unless the serdes wrapped its error with
// [RetryableSerdesError]. Inside a step it surfaces as a *StepError whose
// ErrorType is "SerdesError".
type SerdesError struct {
	OperationError
	// Operation names what was being (de)serialized, e.g. `step "charge"`.
	Operation string
	// Direction is "serialize" or "deserialize".
	Direction string
}

// As matches *OperationError.
func (e *SerdesError) As(target any) bool { return asOperationError(&e.OperationError, target) }

func newSerdesError(operation, direction string, err error) *SerdesError {
	return &SerdesError{
		OperationError: OperationError{
			ErrorType: errTypeSerdes,
			Message:   fmt.Sprintf("%s: %s failed: %v", operation, direction, err),
			Err:       err,
		},
		Operation: operation,
		Direction: direction,
	}
}

// RetryableSerdesError marks err, returned by a [Serdes], as transient: the
// step's retry strategy may retry it instead of failing at once. The result
// matches [ErrRetryableSerdes] and err.
func RetryableSerdesError(err error) error {
	return fmt.Errorf("%w: %w", ErrRetryableSerdes, err)
}

// endIfTransient ends the invocation with err, so that the service
// invokes the function again, when err is a serialization failure marked
// with [RetryableSerdesError]; it reports whether it did. Such a failure
// must not be recorded as the operation's outcome.
func (inv *invocation) endIfTransient(err error) bool {
	if !errors.Is(err, ErrRetryableSerdes) {
		return false
	}
	inv.fail(err)
	return true
}

// errorWithData attaches ErrorData to an error.
type errorWithData struct {
	err  error
	data string
}

func (e *errorWithData) Error() string { return e.err.Error() }
func (e *errorWithData) Unwrap() error { return e.err }

// WithErrorData returns err annotated with machine-readable data that is
// recorded as the ErrorObject's ErrorData when err fails a step or the
// execution. Data longer than 256 KiB is truncated.
func WithErrorData(err error, data string) error {
	if err == nil {
		return nil
	}
	if len(data) > maxErrorDataBytes {
		data = data[:maxErrorDataBytes]
	}
	return &errorWithData{err: err, data: data}
}

// ErrorFromObject rebuilds an error from a recorded ErrorObject: the SDK's
// own typed error when ErrorType names one, else an *OperationError.
func ErrorFromObject(obj ErrorObject) error {
	base := OperationError{ErrorType: obj.ErrorType, Message: obj.ErrorMessage, ErrorData: obj.ErrorData, StackTrace: obj.StackTrace}
	switch obj.ErrorType {
	case errTypeStep:
		return &StepError{OperationError: base}
	case errTypeStepInterrupt:
		return &StepInterruptedError{OperationError: base}
	case errTypeSerdes:
		return &SerdesError{OperationError: base}
	case errTypeChildContext:
		return &ChildContextError{OperationError: base}
	case errTypeCombinator:
		return &CombinatorError{OperationError: base}
	case errTypeBatch:
		return &BatchError{OperationError: base}
	case errTypeBatchCompletion:
		return &BatchCompletionError{OperationError: base}
	case errTypeInvoke:
		return &InvokeError{OperationError: base}
	case errTypeWaitForCondition:
		return &WaitForConditionError{OperationError: base}
	case errTypeCallback:
		return &CallbackError{OperationError: base}
	case errTypeCallbackExternal:
		return &CallbackExternalError{CallbackError: CallbackError{OperationError: base}}
	case errTypeCallbackTimeout:
		return &CallbackTimeoutError{CallbackError: CallbackError{OperationError: base}}
	case errTypeCallbackSubmitter:
		return &CallbackSubmitterError{CallbackError: CallbackError{OperationError: base}}
	}
	return &base
}

// recordedOperationError is the OperationError of a recorded failure: the
// record's fields and, as Err, the stand-in rebuilt from it, the same on
// the first run and on replay.
func recordedOperationError(obj ErrorObject) OperationError {
	return OperationError{ErrorType: obj.ErrorType, Message: obj.ErrorMessage, ErrorData: obj.ErrorData,
		StackTrace: obj.StackTrace, Err: ErrorFromObject(obj)}
}

// recordedFailure is the error a failed record carries or, when it carries
// none, one of errorType saying that what ended with the record's status.
func recordedFailure(recorded *ErrorObject, errorType, what string, status OperationStatus) ErrorObject {
	if recorded != nil {
		return *recorded
	}
	return ErrorObject{ErrorType: errorType, ErrorMessage: what + " ended with status " + string(status)}
}

// objectError is implemented by the SDK's error types: the ErrorObject that
// represents them on the wire.
type objectError interface {
	error
	errorObject() ErrorObject
}

// errorObjectOf converts an error into the ErrorObject recorded for it.
//
// ErrorType: an SDK error type found in the chain wins; otherwise "Error"
// for the standard library's plain errors (errors.New, fmt.Errorf,
// errors.Join) and the Go type name (without package or pointer) for any
// other type. ErrorMessage is err.Error(), except that an SDK error returned
// unwrapped keeps its recorded message. ErrorData comes from
// [WithErrorData]; StackTrace from an SDK error that carries one, when
// stackTraces is set.
func errorObjectOf(err error, stackTraces bool) ErrorObject {
	var obj ErrorObject
	var oe objectError
	if errors.As(err, &oe) {
		obj = oe.errorObject()
		if oe != err {
			obj.ErrorMessage = err.Error()
		}
	} else {
		obj = ErrorObject{ErrorType: goErrorType(err), ErrorMessage: err.Error()}
	}
	var wd *errorWithData
	if errors.As(err, &wd) {
		obj.ErrorData = wd.data
	}
	if !stackTraces {
		obj.StackTrace = nil
	} else if len(obj.StackTrace) > MaxStackTraceFrames {
		obj.StackTrace = obj.StackTrace[:MaxStackTraceFrames]
	}
	return obj
}

// goErrorType names a non-SDK error's type for ErrorObject.ErrorType,
// looking through WithErrorData's wrapper.
func goErrorType(err error) string {
	for {
		wd, ok := err.(*errorWithData)
		if !ok {
			break
		}
		err = wd.err
	}
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.PkgPath() + "." + t.Name() {
	case "errors.errorString", "fmt.wrapError", "fmt.wrapErrors", "errors.joinError":
		return errTypePlain
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		return errTypePlain
	}
	return name
}
