package wire

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ErrorObject is the protocol's description of an error. All fields are
// optional. ErrorData is free-form machine-readable data.
type ErrorObject struct {
	ErrorType    string     `json:"ErrorType,omitempty"`
	ErrorMessage string     `json:"ErrorMessage,omitempty"`
	ErrorData    string     `json:"ErrorData,omitempty"`
	StackTrace   StackTrace `json:"StackTrace,omitempty"`
}

// StackTrace is a list of frames. The REST API sends a JSON list of strings;
// some producers send one newline-joined string, which decodes to one frame
// per line.
type StackTrace []string

// UnmarshalJSON accepts a list of strings or a single string.
func (s *StackTrace) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		if one == "" {
			*s = nil
			return nil
		}
		*s = strings.Split(one, "\n")
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// Operation is the service's record of one durable operation.
type Operation struct {
	Id                   string                `json:"Id"`
	ParentId             string                `json:"ParentId,omitempty"`
	Name                 string                `json:"Name,omitempty"`
	Type                 OperationType         `json:"Type"`
	SubType              string                `json:"SubType,omitempty"`
	Status               OperationStatus       `json:"Status"`
	StartTimestamp       *Timestamp            `json:"StartTimestamp,omitempty"`
	EndTimestamp         *Timestamp            `json:"EndTimestamp,omitempty"`
	ExecutionDetails     *ExecutionDetails     `json:"ExecutionDetails,omitempty"`
	StepDetails          *StepDetails          `json:"StepDetails,omitempty"`
	WaitDetails          *WaitDetails          `json:"WaitDetails,omitempty"`
	CallbackDetails      *CallbackDetails      `json:"CallbackDetails,omitempty"`
	ChainedInvokeDetails *ChainedInvokeDetails `json:"ChainedInvokeDetails,omitempty"`
	ContextDetails       *ContextDetails       `json:"ContextDetails,omitempty"`
}

// ExecutionDetails carries the execution's input on the EXECUTION operation.
type ExecutionDetails struct {
	InputPayload *string `json:"InputPayload,omitempty"`
}

// StepDetails is the state of a STEP. Attempt counts finished attempts.
// Result also holds a waitForCondition state after a RETRY.
type StepDetails struct {
	Attempt              int          `json:"Attempt,omitempty"`
	NextAttemptTimestamp *Timestamp   `json:"NextAttemptTimestamp,omitempty"`
	Result               *string      `json:"Result,omitempty"`
	Error                *ErrorObject `json:"Error,omitempty"`
}

// WaitDetails is the state of a WAIT.
type WaitDetails struct {
	ScheduledEndTimestamp *Timestamp `json:"ScheduledEndTimestamp,omitempty"`
}

// CallbackDetails is the state of a CALLBACK. The service assigns CallbackId
// on START.
type CallbackDetails struct {
	CallbackId string       `json:"CallbackId,omitempty"`
	Result     *string      `json:"Result,omitempty"`
	Error      *ErrorObject `json:"Error,omitempty"`
}

// ChainedInvokeDetails is the state of a CHAINED_INVOKE.
type ChainedInvokeDetails struct {
	Result *string      `json:"Result,omitempty"`
	Error  *ErrorObject `json:"Error,omitempty"`
}

// ContextDetails is the state of a CONTEXT. ReplayChildren asks the service
// to keep returning the children of the completed context.
type ContextDetails struct {
	Result         *string      `json:"Result,omitempty"`
	Error          *ErrorObject `json:"Error,omitempty"`
	ReplayChildren bool         `json:"ReplayChildren,omitempty"`
}

// OperationUpdate is one change an SDK asks for in a checkpoint.
type OperationUpdate struct {
	Id                   string                `json:"Id"`
	ParentId             string                `json:"ParentId,omitempty"`
	Name                 string                `json:"Name,omitempty"`
	Type                 OperationType         `json:"Type"`
	SubType              string                `json:"SubType,omitempty"`
	Action               OperationAction       `json:"Action"`
	Payload              *string               `json:"Payload,omitempty"`
	Error                *ErrorObject          `json:"Error,omitempty"`
	StepOptions          *StepOptions          `json:"StepOptions,omitempty"`
	WaitOptions          *WaitOptions          `json:"WaitOptions,omitempty"`
	CallbackOptions      *CallbackOptions      `json:"CallbackOptions,omitempty"`
	ChainedInvokeOptions *ChainedInvokeOptions `json:"ChainedInvokeOptions,omitempty"`
	ContextOptions       *ContextOptions       `json:"ContextOptions,omitempty"`
}

// StepOptions accompany a STEP RETRY.
type StepOptions struct {
	NextAttemptDelaySeconds int `json:"NextAttemptDelaySeconds"`
}

// WaitOptions accompany a WAIT START.
type WaitOptions struct {
	WaitSeconds int `json:"WaitSeconds"`
}

// CallbackOptions accompany a CALLBACK START; zero disables a timeout.
type CallbackOptions struct {
	TimeoutSeconds          int `json:"TimeoutSeconds,omitempty"`
	HeartbeatTimeoutSeconds int `json:"HeartbeatTimeoutSeconds,omitempty"`
}

// ChainedInvokeOptions accompany a CHAINED_INVOKE START.
type ChainedInvokeOptions struct {
	FunctionName string `json:"FunctionName"`
	TenantId     string `json:"TenantId,omitempty"`
	XAmznTraceId string `json:"XAmznTraceId,omitempty"`
}

// ContextOptions accompany a CONTEXT update.
type ContextOptions struct {
	ReplayChildren bool `json:"ReplayChildren,omitempty"`
}

// String returns s as a *string, for the optional payload fields.
func String(s string) *string { return &s }

// Deref returns *s, or "" when s is nil.
func Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
