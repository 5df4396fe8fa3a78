package wire

// OperationType is the kind of a durable operation.
type OperationType string

// The operation types of the protocol.
const (
	OperationTypeExecution     OperationType = "EXECUTION"
	OperationTypeContext       OperationType = "CONTEXT"
	OperationTypeStep          OperationType = "STEP"
	OperationTypeWait          OperationType = "WAIT"
	OperationTypeCallback      OperationType = "CALLBACK"
	OperationTypeChainedInvoke OperationType = "CHAINED_INVOKE"
)

// Valid reports whether t is one of the protocol's operation types.
func (t OperationType) Valid() bool {
	switch t {
	case OperationTypeExecution, OperationTypeContext, OperationTypeStep,
		OperationTypeWait, OperationTypeCallback, OperationTypeChainedInvoke:
		return true
	}
	return false
}

// OperationStatus is the state of an operation record.
type OperationStatus string

// The operation statuses of the protocol. PENDING marks a step waiting for
// its retry time, READY a step whose retry time has passed.
const (
	OperationStatusStarted   OperationStatus = "STARTED"
	OperationStatusPending   OperationStatus = "PENDING"
	OperationStatusReady     OperationStatus = "READY"
	OperationStatusSucceeded OperationStatus = "SUCCEEDED"
	OperationStatusFailed    OperationStatus = "FAILED"
	OperationStatusCancelled OperationStatus = "CANCELLED"
	OperationStatusTimedOut  OperationStatus = "TIMED_OUT"
	OperationStatusStopped   OperationStatus = "STOPPED"
)

// Valid reports whether s is one of the protocol's operation statuses.
func (s OperationStatus) Valid() bool {
	switch s {
	case OperationStatusStarted, OperationStatusPending, OperationStatusReady,
		OperationStatusSucceeded, OperationStatusFailed, OperationStatusCancelled,
		OperationStatusTimedOut, OperationStatusStopped:
		return true
	}
	return false
}

// Terminal reports whether s is a final status: SUCCEEDED, FAILED,
// CANCELLED, TIMED_OUT or STOPPED.
func (s OperationStatus) Terminal() bool {
	switch s {
	case OperationStatusSucceeded, OperationStatusFailed, OperationStatusCancelled,
		OperationStatusTimedOut, OperationStatusStopped:
		return true
	}
	return false
}

// OperationAction is what an [OperationUpdate] asks the service to do.
type OperationAction string

// The operation actions of the protocol.
const (
	OperationActionStart   OperationAction = "START"
	OperationActionSucceed OperationAction = "SUCCEED"
	OperationActionFail    OperationAction = "FAIL"
	OperationActionRetry   OperationAction = "RETRY"
	OperationActionCancel  OperationAction = "CANCEL"
)

// ExecutionStatus is the state of a whole durable execution.
type ExecutionStatus string

// The execution statuses of the protocol.
const (
	ExecutionStatusRunning   ExecutionStatus = "RUNNING"
	ExecutionStatusSucceeded ExecutionStatus = "SUCCEEDED"
	ExecutionStatusFailed    ExecutionStatus = "FAILED"
	ExecutionStatusTimedOut  ExecutionStatus = "TIMED_OUT"
	ExecutionStatusStopped   ExecutionStatus = "STOPPED"
)

// Valid reports whether s is one of the protocol's execution statuses.
func (s ExecutionStatus) Valid() bool {
	switch s {
	case ExecutionStatusRunning, ExecutionStatusSucceeded, ExecutionStatusFailed,
		ExecutionStatusTimedOut, ExecutionStatusStopped:
		return true
	}
	return false
}

// Terminal reports whether the execution has closed.
func (s ExecutionStatus) Terminal() bool {
	return s.Valid() && s != ExecutionStatusRunning
}

// InvocationStatus is the Status of an invocation's response envelope.
type InvocationStatus string

// The invocation statuses a durable function may return.
const (
	InvocationStatusSucceeded InvocationStatus = "SUCCEEDED"
	InvocationStatusFailed    InvocationStatus = "FAILED"
	InvocationStatusPending   InvocationStatus = "PENDING"
)

// Valid reports whether s is one of the three invocation statuses.
func (s InvocationStatus) Valid() bool {
	switch s {
	case InvocationStatusSucceeded, InvocationStatusFailed, InvocationStatusPending:
		return true
	}
	return false
}

// The SubType strings the SDKs put on operations.
const (
	SubTypeStep              = "Step"
	SubTypeWaitForCondition  = "WaitForCondition"
	SubTypeWait              = "Wait"
	SubTypeCallback          = "Callback"
	SubTypeChainedInvoke     = "ChainedInvoke"
	SubTypeRunInChildContext = "RunInChildContext"
	SubTypeWaitForCallback   = "WaitForCallback"
	SubTypeParallel          = "Parallel"
	SubTypeParallelBranch    = "ParallelBranch"
	SubTypeMap               = "Map"
	SubTypeMapIteration      = "MapIteration"
)
