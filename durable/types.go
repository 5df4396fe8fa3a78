package durable

import "github.com/acme/durable-lambda-go/wire"

// The protocol's JSON types, re-exported so that a custom [ExecutionClient]
// never needs to import the wire package.
type (
	// Operation is the service's record of one durable operation.
	Operation = wire.Operation
	// OperationUpdate is one change sent in a checkpoint.
	OperationUpdate = wire.OperationUpdate
	// ErrorObject is the protocol's description of an error.
	ErrorObject = wire.ErrorObject
	// OperationType is the kind of an operation (STEP, WAIT, ...).
	OperationType = wire.OperationType
	// OperationStatus is the state of an operation record.
	OperationStatus = wire.OperationStatus
	// OperationAction is what an update asks the service to do.
	OperationAction = wire.OperationAction
	// ExecutionDetails carries the execution's input.
	ExecutionDetails = wire.ExecutionDetails
	// StepDetails is the state of a STEP.
	StepDetails = wire.StepDetails
	// WaitDetails is the state of a WAIT.
	WaitDetails = wire.WaitDetails
	// CallbackDetails is the state of a CALLBACK.
	CallbackDetails = wire.CallbackDetails
	// ChainedInvokeDetails is the state of a CHAINED_INVOKE.
	ChainedInvokeDetails = wire.ChainedInvokeDetails
	// ContextDetails is the state of a CONTEXT.
	ContextDetails = wire.ContextDetails
	// ExecutionState is one page of the operation log.
	ExecutionState = wire.ExecutionState
	// CheckpointInput is the request of CheckpointDurableExecution.
	CheckpointInput = wire.CheckpointInput
	// CheckpointOutput is the response of CheckpointDurableExecution.
	CheckpointOutput = wire.CheckpointOutput
	// GetExecutionStateInput is the request of GetDurableExecutionState.
	GetExecutionStateInput = wire.GetStateInput
	// GetExecutionStateOutput is the response of GetDurableExecutionState.
	GetExecutionStateOutput = wire.GetStateOutput
	// InvocationInput is the envelope a durable function receives.
	InvocationInput = wire.InvocationInput
	// InvocationOutput is the envelope a durable function returns.
	InvocationOutput = wire.InvocationOutput
)

// More protocol types a custom [ExecutionClient] may need to name.
type (
	// Timestamp is a protocol timestamp (epoch seconds on the wire).
	Timestamp = wire.Timestamp
	// StackTrace is the stack trace of an [ErrorObject].
	StackTrace = wire.StackTrace
	// APIError is a failure answered by the durable-execution API: its
	// error code (e.g. "InvalidParameterValueException"), HTTP status and
	// message. A custom ExecutionClient reports the service's errors as an
	// *APIError so the SDK classifies them as it does the AWS client's.
	APIError = wire.APIError
)

// The operation types of the protocol.
const (
	OperationTypeExecution     = wire.OperationTypeExecution
	OperationTypeContext       = wire.OperationTypeContext
	OperationTypeStep          = wire.OperationTypeStep
	OperationTypeWait          = wire.OperationTypeWait
	OperationTypeCallback      = wire.OperationTypeCallback
	OperationTypeChainedInvoke = wire.OperationTypeChainedInvoke
)

// The operation statuses of the protocol. PENDING marks a step waiting for
// its retry time, READY a step whose retry time has passed.
const (
	OperationStatusStarted   = wire.OperationStatusStarted
	OperationStatusPending   = wire.OperationStatusPending
	OperationStatusReady     = wire.OperationStatusReady
	OperationStatusSucceeded = wire.OperationStatusSucceeded
	OperationStatusFailed    = wire.OperationStatusFailed
	OperationStatusCancelled = wire.OperationStatusCancelled
	OperationStatusTimedOut  = wire.OperationStatusTimedOut
	OperationStatusStopped   = wire.OperationStatusStopped
)

// The actions an [OperationUpdate] asks the service to take.
const (
	OperationActionStart   = wire.OperationActionStart
	OperationActionSucceed = wire.OperationActionSucceed
	OperationActionFail    = wire.OperationActionFail
	OperationActionRetry   = wire.OperationActionRetry
	OperationActionCancel  = wire.OperationActionCancel
)
