package durabletest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/slab"
	"github.com/acme/durable-lambda-go/wire"
)

// ExecutionStatus is the outcome of a test run.
type ExecutionStatus string

// The statuses of a TestResult. Pending means the run stopped with the
// execution still running: it waits for a callback or a chained invoke
// the test must complete, or the invocation cap was reached.
const (
	StatusSucceeded ExecutionStatus = "SUCCEEDED"
	StatusFailed    ExecutionStatus = "FAILED"
	StatusTimedOut  ExecutionStatus = "TIMED_OUT"
	StatusStopped   ExecutionStatus = "STOPPED"
	StatusPending   ExecutionStatus = "PENDING"
)

// TestError is an error recorded by the service.
//
// The error of an invocation of a LocalRunner's handler that panicked,
// and the execution's error when those panics failed it, also match the
// handler's *durable.PanicError with errors.As: its StackTrace (the one
// recorded) starts at the line that panicked.
type TestError struct {
	ErrorType    string
	ErrorMessage string
	ErrorData    string
	StackTrace   []string

	err error // the Go error behind the record, when the runner saw it
}

// Error formats the error as "<ErrorType>: <ErrorMessage>".
func (e *TestError) Error() string { return e.ErrorType + ": " + e.ErrorMessage }

// Unwrap returns the Go error behind the record, when the LocalRunner saw
// it (a *durable.PanicError), or nil.
func (e *TestError) Unwrap() error { return e.err }

func testError(o *wire.ErrorObject) *TestError {
	if o == nil {
		return nil
	}
	return &TestError{ErrorType: o.ErrorType, ErrorMessage: o.ErrorMessage, ErrorData: o.ErrorData, StackTrace: o.StackTrace}
}

// TestInvocation is one invocation of the execution.
type TestInvocation struct {
	RequestID string
	Start     time.Time
	End       time.Time
	// Status is the envelope status returned; empty when the invocation
	// failed (Error is then set), and in a CloudRunner's result, which
	// only sees the history.
	Status string
	Error  *TestError
}

// Waiting is something a pending execution waits for that only the test
// can provide.
type Waiting struct {
	// Kind is "callback" or "chained-invoke".
	Kind string
	// ExecutionArn is the execution the operation belongs to: the
	// runner's, or one a chained invoke started.
	ExecutionArn string
	OperationID  string
	Name         string
	// CallbackID is set for a callback.
	CallbackID string
	// FunctionName is the target of a chained invoke.
	FunctionName string
}

// String describes w for messages.
func (w Waiting) String() string {
	if w.Kind == "callback" {
		return fmt.Sprintf("callback %q (id %s)", w.Name, w.CallbackID)
	}
	return fmt.Sprintf("chained invoke %q of %s", w.Name, w.FunctionName)
}

// TestResult is the state of the runner's execution after a run.
type TestResult struct {
	// ExecutionArn is the execution's ARN.
	ExecutionArn string
	Status       ExecutionStatus
	// RawResult is the serialized result of a SUCCEEDED execution.
	RawResult string
	// Error is the error of a FAILED, TIMED_OUT or STOPPED execution.
	Error *TestError
	// Operations lists the execution's operations in start order, without
	// the EXECUTION operation.
	Operations []TestOperation
	// Events is the execution's history, in the AWS SDK for Go v2's Lambda
	// type (types.Event of github.com/aws/aws-sdk-go-v2/service/lambda/types),
	// the element type the official SDK documents: code that reads the
	// history of a CloudRunner or a LocalRunner result the documented way
	// (aws.ToString(ev.Name), ev.EventType == types.EventTypeStepSucceeded)
	// compiles unchanged, and the package already depends on that module
	// for the CloudRunner. Members the service did not set are nil.
	Events []types.Event
	// Invocations lists the execution's finished invocations.
	Invocations []TestInvocation
	// Waiting says, for a PENDING result, what the execution waits for:
	// its open callbacks and chained invokes, and the open callbacks of
	// the durable executions those invokes started (complete them with
	// SendCallbackSuccess and friends like the execution's own).
	Waiting []Waiting
	// CapReached reports that the run stopped at the invocation cap.
	CapReached bool
}

// TestOperation is one operation of the execution.
type TestOperation struct {
	ID, Name, Status, Type, SubType, ParentID string
	StartTime, EndTime                        time.Time
	StepDetails                               *TestStepDetails
	CallbackDetails                           *TestCallbackDetails
	InvokeDetails                             *TestInvokeDetails
	ContextDetails                            *TestContextDetails
	WaitDetails                               *TestWaitDetails
}

// TestStepDetails is the state of a STEP.
type TestStepDetails struct {
	// Attempt counts finished attempts.
	Attempt         int
	NextAttemptTime time.Time
	Result          string
	Error           *TestError
}

// TestCallbackDetails is the state of a CALLBACK.
type TestCallbackDetails struct {
	CallbackID string
	Result     string
	Error      *TestError
}

// TestInvokeDetails is the state of a CHAINED_INVOKE.
type TestInvokeDetails struct {
	Result string
	Error  *TestError
}

// TestContextDetails is the state of a CONTEXT.
type TestContextDetails struct {
	Result         string
	Error          *TestError
	ReplayChildren bool
}

// TestWaitDetails is the state of a WAIT.
type TestWaitDetails struct {
	ScheduledEndTime time.Time
}

// IsTerminal reports whether the operation has finished.
func (op *TestOperation) IsTerminal() bool { return wire.OperationStatus(op.Status).Terminal() }

// testOperations converts an execution's operation log, but for the
// EXECUTION (nil when it holds nothing else).
func testOperations(ops []*wire.Operation) []TestOperation {
	if len(ops) <= 1 {
		return nil
	}
	steps, contexts := 0, 0
	for _, op := range ops {
		if op.StepDetails != nil {
			steps++
		}
		if op.ContextDetails != nil {
			contexts++
		}
	}
	c := opConverter{steps: slab.Of[TestStepDetails](steps), contexts: slab.Of[TestContextDetails](contexts)}
	out := make([]TestOperation, 0, len(ops)-1)
	for _, op := range ops {
		if op.Type != wire.OperationTypeExecution {
			out = append(out, c.convert(op))
		}
	}
	return out
}

// An opConverter converts operations to TestOperations, taking STEP and
// CONTEXT details from blocks: a result holds thousands of them.
type opConverter struct {
	steps    slab.Block[TestStepDetails]
	contexts slab.Block[TestContextDetails]
}

func (c *opConverter) convert(op *wire.Operation) TestOperation {
	t := TestOperation{ID: op.Id, Name: op.Name, Status: string(op.Status), Type: string(op.Type), SubType: op.SubType,
		ParentID: op.ParentId, StartTime: wire.TimeOf(op.StartTimestamp), EndTime: wire.TimeOf(op.EndTimestamp)}
	if d := op.StepDetails; d != nil {
		t.StepDetails = c.steps.New()
		*t.StepDetails = TestStepDetails{Attempt: d.Attempt, NextAttemptTime: wire.TimeOf(d.NextAttemptTimestamp), Result: wire.Deref(d.Result), Error: testError(d.Error)}
	}
	if d := op.CallbackDetails; d != nil {
		t.CallbackDetails = &TestCallbackDetails{CallbackID: d.CallbackId, Result: wire.Deref(d.Result), Error: testError(d.Error)}
	}
	if d := op.ChainedInvokeDetails; d != nil {
		t.InvokeDetails = &TestInvokeDetails{Result: wire.Deref(d.Result), Error: testError(d.Error)}
	}
	if d := op.ContextDetails; d != nil {
		t.ContextDetails = c.contexts.New()
		*t.ContextDetails = TestContextDetails{Result: wire.Deref(d.Result), Error: testError(d.Error), ReplayChildren: d.ReplayChildren}
	}
	if d := op.WaitDetails; d != nil {
		t.WaitDetails = &TestWaitDetails{ScheduledEndTime: wire.TimeOf(d.ScheduledEndTimestamp)}
	}
	return t
}

func testInvocations(invs []emulator.Invocation) []TestInvocation {
	out := make([]TestInvocation, len(invs))
	for i, inv := range invs {
		out[i] = TestInvocation{RequestID: inv.RequestID, Start: inv.Start, End: inv.End, Status: string(inv.Status), Error: testError(inv.Error)}
	}
	return out
}

// Operation returns the first operation with the name, or nil.
func (r *TestResult) Operation(name string) *TestOperation {
	return r.OperationByNameAndIndex(name, 0)
}

// OperationByNameAndIndex returns the index-th (0-based) operation with
// the name, or nil.
func (r *TestResult) OperationByNameAndIndex(name string, index int) *TestOperation {
	for i := range r.Operations {
		if r.Operations[i].Name == name {
			if index == 0 {
				return &r.Operations[i]
			}
			index--
		}
	}
	return nil
}

// OperationByIndex returns the index-th (0-based) operation in start
// order, or nil.
func (r *TestResult) OperationByIndex(index int) *TestOperation {
	if index < 0 || index >= len(r.Operations) {
		return nil
	}
	return &r.Operations[index]
}

// OperationByID returns the operation with the wire id, or nil.
func (r *TestResult) OperationByID(id string) *TestOperation {
	for i := range r.Operations {
		if r.Operations[i].ID == id {
			return &r.Operations[i]
		}
	}
	return nil
}

// OperationsByType returns the operations of a type ("STEP", "WAIT",
// "CALLBACK", "CHAINED_INVOKE", "CONTEXT") in start order.
func (r *TestResult) OperationsByType(opType string) []TestOperation {
	var out []TestOperation
	for _, op := range r.Operations {
		if op.Type == opType {
			out = append(out, op)
		}
	}
	return out
}

// EventTypes returns the history's event types in order.
func (r *TestResult) EventTypes() []string {
	out := make([]string, len(r.Events))
	for i, ev := range r.Events {
		out[i] = string(ev.EventType)
	}
	return out
}

// ErrNoResult is returned by ResultAs and OperationResultAs when there is
// no result to decode.
var ErrNoResult = errors.New("durabletest: no result")

// ResultAs decodes the execution's JSON result.
func ResultAs[O any](r *TestResult) (O, error) {
	var out O
	if r.Status != StatusSucceeded {
		return out, fmt.Errorf("%w: the execution is %s", ErrNoResult, r.Status)
	}
	return decode[O](r.RawResult)
}

// OperationResultAs decodes the JSON result of a succeeded step, callback,
// chained invoke or child context.
func OperationResultAs[O any](op *TestOperation) (O, error) {
	var out O
	if op == nil {
		return out, fmt.Errorf("%w: no such operation", ErrNoResult)
	}
	if op.Status != string(wire.OperationStatusSucceeded) && op.Status != string(wire.OperationStatusPending) {
		return out, fmt.Errorf("%w: operation %s is %s", ErrNoResult, op.ID, op.Status)
	}
	switch {
	case op.StepDetails != nil:
		return decode[O](op.StepDetails.Result)
	case op.CallbackDetails != nil:
		return decode[O](op.CallbackDetails.Result)
	case op.InvokeDetails != nil:
		return decode[O](op.InvokeDetails.Result)
	case op.ContextDetails != nil:
		return decode[O](op.ContextDetails.Result)
	}
	return out, fmt.Errorf("%w: operation %s of type %s carries no result", ErrNoResult, op.ID, op.Type)
}

func decode[O any](s string) (O, error) {
	var out O
	if s == "" {
		return out, fmt.Errorf("%w: the result is empty", ErrNoResult)
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return out, fmt.Errorf("durabletest: decoding result: %w", err)
	}
	return out, nil
}
