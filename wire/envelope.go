package wire

// InvocationInput is the payload Lambda hands a durable function on each
// invocation.
type InvocationInput struct {
	DurableExecutionArn   string          `json:"DurableExecutionArn"`
	CheckpointToken       string          `json:"CheckpointToken"`
	InitialExecutionState *ExecutionState `json:"InitialExecutionState,omitempty"`
	UpdatedOperationIds   []string        `json:"UpdatedOperationIds,omitempty"`
}

// ExecutionState is one page of an execution's operation log.
type ExecutionState struct {
	Operations []Operation `json:"Operations"`
	NextMarker string      `json:"NextMarker,omitempty"`
}

// InvocationOutput is what a durable function returns from an invocation.
// Result is the handler's serialized result (double encoded), present only
// with SUCCEEDED; Error only with FAILED.
type InvocationOutput struct {
	Status InvocationStatus `json:"Status"`
	Result *string          `json:"Result,omitempty"`
	Error  *ErrorObject     `json:"Error,omitempty"`
}

// MaxResponseBytes is the Lambda response limit (6 MiB).
const MaxResponseBytes = 6 * 1024 * 1024

// MaxInlineResultBytes is the largest serialized result an SDK returns in
// the envelope; a larger one is checkpointed on the EXECUTION operation.
const MaxInlineResultBytes = MaxResponseBytes - 50

// MaxOperationPayloadBytes is the service's limit on one operation's
// result, state or error (256 KiB).
const MaxOperationPayloadBytes = 256 * 1024

// MaxInvokeInputBytes is the limit on a chained invoke's input (1 MiB).
const MaxInvokeInputBytes = 1024 * 1024

// MaxDurationSeconds is the largest wait or retry delay (366 days).
const MaxDurationSeconds = 31_622_400
