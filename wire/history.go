package wire

// EventType names a history event.
type EventType string

// The history event types of the protocol.
const (
	EventExecutionStarted       EventType = "ExecutionStarted"
	EventExecutionSucceeded     EventType = "ExecutionSucceeded"
	EventExecutionFailed        EventType = "ExecutionFailed"
	EventExecutionTimedOut      EventType = "ExecutionTimedOut"
	EventExecutionStopped       EventType = "ExecutionStopped"
	EventContextStarted         EventType = "ContextStarted"
	EventContextSucceeded       EventType = "ContextSucceeded"
	EventContextFailed          EventType = "ContextFailed"
	EventWaitStarted            EventType = "WaitStarted"
	EventWaitSucceeded          EventType = "WaitSucceeded"
	EventWaitCancelled          EventType = "WaitCancelled"
	EventStepStarted            EventType = "StepStarted"
	EventStepSucceeded          EventType = "StepSucceeded"
	EventStepFailed             EventType = "StepFailed"
	EventChainedInvokeStarted   EventType = "ChainedInvokeStarted"
	EventChainedInvokeSucceeded EventType = "ChainedInvokeSucceeded"
	EventChainedInvokeFailed    EventType = "ChainedInvokeFailed"
	EventChainedInvokeTimedOut  EventType = "ChainedInvokeTimedOut"
	EventChainedInvokeStopped   EventType = "ChainedInvokeStopped"
	EventCallbackStarted        EventType = "CallbackStarted"
	EventCallbackSucceeded      EventType = "CallbackSucceeded"
	EventCallbackFailed         EventType = "CallbackFailed"
	EventCallbackTimedOut       EventType = "CallbackTimedOut"
	EventInvocationCompleted    EventType = "InvocationCompleted"
)

// Event is one entry of an execution's history. EventId starts at 1 and
// grows by one per event. Operation events carry the operation's Id, Name,
// SubType and ParentId; exactly one Details member is set.
type Event struct {
	EventType      EventType  `json:"EventType"`
	SubType        string     `json:"SubType,omitempty"`
	EventId        int        `json:"EventId"`
	Id             string     `json:"Id,omitempty"`
	Name           string     `json:"Name,omitempty"`
	ParentId       string     `json:"ParentId,omitempty"`
	EventTimestamp *Timestamp `json:"EventTimestamp"`

	ExecutionStartedDetails       *ExecutionStartedDetails     `json:"ExecutionStartedDetails,omitempty"`
	ExecutionSucceededDetails     *ResultDetails               `json:"ExecutionSucceededDetails,omitempty"`
	ExecutionFailedDetails        *ErrorDetails                `json:"ExecutionFailedDetails,omitempty"`
	ExecutionTimedOutDetails      *ErrorDetails                `json:"ExecutionTimedOutDetails,omitempty"`
	ExecutionStoppedDetails       *ErrorDetails                `json:"ExecutionStoppedDetails,omitempty"`
	ContextStartedDetails         *EmptyDetails                `json:"ContextStartedDetails,omitempty"`
	ContextSucceededDetails       *ResultDetails               `json:"ContextSucceededDetails,omitempty"`
	ContextFailedDetails          *ErrorDetails                `json:"ContextFailedDetails,omitempty"`
	WaitStartedDetails            *WaitStartedDetails          `json:"WaitStartedDetails,omitempty"`
	WaitSucceededDetails          *WaitSucceededDetails        `json:"WaitSucceededDetails,omitempty"`
	WaitCancelledDetails          *ErrorDetails                `json:"WaitCancelledDetails,omitempty"`
	StepStartedDetails            *EmptyDetails                `json:"StepStartedDetails,omitempty"`
	StepSucceededDetails          *StepSucceededDetails        `json:"StepSucceededDetails,omitempty"`
	StepFailedDetails             *StepFailedDetails           `json:"StepFailedDetails,omitempty"`
	ChainedInvokeStartedDetails   *ChainedInvokeStartedDetails `json:"ChainedInvokeStartedDetails,omitempty"`
	ChainedInvokeSucceededDetails *ResultDetails               `json:"ChainedInvokeSucceededDetails,omitempty"`
	ChainedInvokeFailedDetails    *ErrorDetails                `json:"ChainedInvokeFailedDetails,omitempty"`
	ChainedInvokeTimedOutDetails  *ErrorDetails                `json:"ChainedInvokeTimedOutDetails,omitempty"`
	ChainedInvokeStoppedDetails   *ErrorDetails                `json:"ChainedInvokeStoppedDetails,omitempty"`
	CallbackStartedDetails        *CallbackStartedDetails      `json:"CallbackStartedDetails,omitempty"`
	CallbackSucceededDetails      *ResultDetails               `json:"CallbackSucceededDetails,omitempty"`
	CallbackFailedDetails         *ErrorDetails                `json:"CallbackFailedDetails,omitempty"`
	CallbackTimedOutDetails       *ErrorDetails                `json:"CallbackTimedOutDetails,omitempty"`
	InvocationCompletedDetails    *InvocationCompletedDetails  `json:"InvocationCompletedDetails,omitempty"`
}

// EventInput wraps an input payload in a history event.
type EventInput struct {
	Payload   *string `json:"Payload,omitempty"`
	Truncated bool    `json:"Truncated"`
}

// EventResult wraps a result payload in a history event.
type EventResult struct {
	Payload   *string `json:"Payload,omitempty"`
	Truncated bool    `json:"Truncated"`
}

// EventError wraps an error in a history event.
type EventError struct {
	Payload   *ErrorObject `json:"Payload,omitempty"`
	Truncated bool         `json:"Truncated"`
}

// EmptyDetails is the details member of events that carry nothing.
type EmptyDetails struct{}

// ResultDetails carries a result.
type ResultDetails struct {
	Result *EventResult `json:"Result,omitempty"`
}

// ErrorDetails carries an error.
type ErrorDetails struct {
	Error *EventError `json:"Error,omitempty"`
}

// ExecutionStartedDetails describes the start of an execution.
type ExecutionStartedDetails struct {
	Input            *EventInput `json:"Input,omitempty"`
	ExecutionTimeout int         `json:"ExecutionTimeout"`
}

// RetryDetails tells which attempt ended and, for a retry, the delay.
type RetryDetails struct {
	CurrentAttempt          int  `json:"CurrentAttempt"`
	NextAttemptDelaySeconds *int `json:"NextAttemptDelaySeconds,omitempty"`
}

// StepSucceededDetails describes a successful step attempt.
type StepSucceededDetails struct {
	Result       *EventResult  `json:"Result,omitempty"`
	RetryDetails *RetryDetails `json:"RetryDetails,omitempty"`
}

// StepFailedDetails describes a failed step attempt.
type StepFailedDetails struct {
	Error        *EventError   `json:"Error,omitempty"`
	RetryDetails *RetryDetails `json:"RetryDetails,omitempty"`
}

// WaitStartedDetails describes a started wait.
type WaitStartedDetails struct {
	Duration              int        `json:"Duration"`
	ScheduledEndTimestamp *Timestamp `json:"ScheduledEndTimestamp,omitempty"`
}

// WaitSucceededDetails describes a finished wait.
type WaitSucceededDetails struct {
	Duration int `json:"Duration"`
}

// CallbackStartedDetails describes a created callback.
type CallbackStartedDetails struct {
	CallbackId       string `json:"CallbackId"`
	Timeout          int    `json:"Timeout,omitempty"`
	HeartbeatTimeout int    `json:"HeartbeatTimeout,omitempty"`
}

// ChainedInvokeStartedDetails describes a started chained invoke.
type ChainedInvokeStartedDetails struct {
	FunctionName        string      `json:"FunctionName"`
	Input               *EventInput `json:"Input,omitempty"`
	TenantId            string      `json:"TenantId,omitempty"`
	ExecutedVersion     string      `json:"ExecutedVersion,omitempty"`
	DurableExecutionArn string      `json:"DurableExecutionArn,omitempty"`
}

// InvocationCompletedDetails describes one finished invocation. Error is set
// only when the invocation itself failed.
type InvocationCompletedDetails struct {
	StartTimestamp *Timestamp  `json:"StartTimestamp"`
	EndTimestamp   *Timestamp  `json:"EndTimestamp"`
	RequestId      string      `json:"RequestId"`
	Error          *EventError `json:"Error,omitempty"`
}

// StatusChangeEvent is the EventBridge event Lambda publishes on the default
// bus whenever a durable execution changes status.
type StatusChangeEvent struct {
	Version    string             `json:"version"`
	Id         string             `json:"id"`
	DetailType string             `json:"detail-type"`
	Source     string             `json:"source"`
	Account    string             `json:"account"`
	Time       string             `json:"time"`
	Region     string             `json:"region"`
	Resources  []string           `json:"resources"`
	Detail     StatusChangeDetail `json:"detail"`
}

// StatusChangeDetail is the detail of a [StatusChangeEvent]. Timestamps are
// ISO 8601 with milliseconds; EndTimestamp only for terminal statuses.
type StatusChangeDetail struct {
	DurableExecutionArn  string          `json:"durableExecutionArn"`
	DurableExecutionName string          `json:"durableExecutionName"`
	FunctionArn          string          `json:"functionArn"`
	Status               ExecutionStatus `json:"status"`
	StartTimestamp       string          `json:"startTimestamp"`
	EndTimestamp         string          `json:"endTimestamp,omitempty"`
}

// The constant envelope fields of a [StatusChangeEvent].
const (
	StatusChangeSource     = "aws.lambda"
	StatusChangeDetailType = "Durable Execution Status Change"
)
