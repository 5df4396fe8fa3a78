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
