package wire

import (
	"fmt"
	"strings"
)

// CheckpointInput is the request of CheckpointDurableExecution. The ARN
// travels in the URL path; the rest is the JSON body.
type CheckpointInput struct {
	DurableExecutionArn string            `json:"-"`
	CheckpointToken     string            `json:"CheckpointToken"`
	ClientToken         string            `json:"ClientToken,omitempty"`
	Updates             []OperationUpdate `json:"Updates,omitempty"`
}

// CheckpointOutput is the response of CheckpointDurableExecution. An absent
// CheckpointToken means the invocation may not checkpoint any more.
type CheckpointOutput struct {
	CheckpointToken   string         `json:"CheckpointToken,omitempty"`
	NewExecutionState ExecutionState `json:"NewExecutionState"`
}

// GetStateInput is the request of GetDurableExecutionState.
type GetStateInput struct {
	DurableExecutionArn string
	CheckpointToken     string
	Marker              string
	MaxItems            int
}

// GetStateOutput is the response of GetDurableExecutionState.
type GetStateOutput struct {
	Operations []Operation `json:"Operations"`
	NextMarker string      `json:"NextMarker,omitempty"`
}

// EndpointSocketEnv names the environment variable that gives the path of
// a Unix socket on which a local endpoint, the one AWS_ENDPOINT_URL_LAMBDA
// (or AWS_ENDPOINT_URL) names, also listens. The SDK's default client then
// sends the same HTTP requests, addressed to that URL, over the socket
// instead of TCP, but without a SigV4 signature (no Authorization,
// X-Amz-Date or X-Amz-Security-Token): only local processes reach the
// socket, and the endpoint does not authenticate them. durablectl sets it
// for the functions it runs. It has no effect without an endpoint
// override.
const EndpointSocketEnv = "DURABLE_LAMBDA_ENDPOINT_SOCKET"

// The service's exception names.
const (
	ErrCodeInvalidParameterValue = "InvalidParameterValueException"
	ErrCodeResourceNotFound      = "ResourceNotFoundException"
	ErrCodeCallbackTimeout       = "CallbackTimeoutException"
	ErrCodeAlreadyStarted        = "DurableExecutionAlreadyStartedException"
	ErrCodeTooManyRequests       = "TooManyRequestsException"
	ErrCodeService               = "ServiceException"
	ErrCodeKMSAccessDenied       = "KMSAccessDeniedException"
	ErrCodeKMSDisabled           = "KMSDisabledException"
	ErrCodeKMSInvalidState       = "KMSInvalidStateException"
	ErrCodeKMSNotFound           = "KMSNotFoundException"
	ErrCodeRequestTooLarge       = "RequestTooLargeException"
	ErrCodeServiceUnavailable    = "ServiceUnavailableException"
	// ErrCodeInvalidRequestContent answers a request body that is not
	// JSON, or an unreadable request (a bad header, a stalled body).
	ErrCodeInvalidRequestContent  = "InvalidRequestContentException"
	InvalidCheckpointTokenMessage = "Invalid checkpoint token"
)

// APIError is an error answered by the durable-execution API: the
// exception name, its HTTP status and its message.
type APIError struct {
	Code       string
	StatusCode int
	Message    string
}

// Error formats the error as "<Code>: <Message>".
func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// IsInvalidCheckpointToken reports whether e rejects a stale, consumed or
// unknown checkpoint token. The prefix is compared case-insensitively.
func (e *APIError) IsInvalidCheckpointToken() bool {
	return e.Code == ErrCodeInvalidParameterValue &&
		strings.HasPrefix(strings.ToLower(e.Message), strings.ToLower(InvalidCheckpointTokenMessage))
}

// NewAPIError returns an APIError with the status code that belongs to code.
func NewAPIError(code, format string, args ...any) *APIError {
	return &APIError{Code: code, StatusCode: StatusCodeOf(code), Message: fmt.Sprintf(format, args...)}
}

// StatusCodeOf returns the HTTP status the service uses for an exception.
func StatusCodeOf(code string) int {
	switch code {
	case ErrCodeResourceNotFound:
		return 404
	case ErrCodeAlreadyStarted:
		return 409
	case ErrCodeTooManyRequests:
		return 429
	case ErrCodeService:
		return 500
	case ErrCodeServiceUnavailable:
		return 503
	case ErrCodeRequestTooLarge:
		return 413
	case ErrCodeKMSAccessDenied, ErrCodeKMSDisabled, ErrCodeKMSInvalidState, ErrCodeKMSNotFound:
		return 502
	default:
		return 400
	}
}

// FunctionError is an invocation failure reported by a function runtime:
// an unhandled error, a crash (ErrorType "Runtime.ExitError") or a timeout.
// The service records it in the InvocationCompleted event and re-invokes.
type FunctionError struct {
	ErrorObject
}

// Error formats the failure as "<ErrorType>: <ErrorMessage>".
func (e *FunctionError) Error() string {
	return fmt.Sprintf("%s: %s", e.ErrorType, e.ErrorMessage)
}

// DurableConfig is a function's durable-execution configuration.
type DurableConfig struct {
	ExecutionTimeout      int `json:"ExecutionTimeout,omitempty"`
	RetentionPeriodInDays int `json:"RetentionPeriodInDays,omitempty"`
}

// Execution is the response of GetDurableExecution.
type Execution struct {
	DurableExecutionArn   string          `json:"DurableExecutionArn"`
	DurableExecutionName  string          `json:"DurableExecutionName"`
	FunctionArn           string          `json:"FunctionArn"`
	Version               string          `json:"Version,omitempty"`
	Status                ExecutionStatus `json:"Status"`
	StartTimestamp        *Timestamp      `json:"StartTimestamp"`
	EndTimestamp          *Timestamp      `json:"EndTimestamp,omitempty"`
	InputPayload          *string         `json:"InputPayload,omitempty"`
	Result                *string         `json:"Result,omitempty"`
	Error                 *ErrorObject    `json:"Error,omitempty"`
	ExecutionDataIncluded bool            `json:"ExecutionDataIncluded"`
	DurableConfig         *DurableConfig  `json:"DurableConfig,omitempty"`
}

// ExecutionSummary is one entry of ListDurableExecutionsByFunction.
type ExecutionSummary struct {
	DurableExecutionArn  string          `json:"DurableExecutionArn"`
	DurableExecutionName string          `json:"DurableExecutionName"`
	FunctionArn          string          `json:"FunctionArn"`
	Status               ExecutionStatus `json:"Status"`
	StartTimestamp       *Timestamp      `json:"StartTimestamp"`
	EndTimestamp         *Timestamp      `json:"EndTimestamp,omitempty"`
}

// ListExecutionsOutput is the response of ListDurableExecutionsByFunction.
type ListExecutionsOutput struct {
	DurableExecutions []ExecutionSummary `json:"DurableExecutions"`
	NextMarker        string             `json:"NextMarker,omitempty"`
}

// HistoryOutput is the response of GetDurableExecutionHistory.
type HistoryOutput struct {
	Events     []Event `json:"Events"`
	NextMarker string  `json:"NextMarker,omitempty"`
}

// StopOutput is the response of StopDurableExecution.
type StopOutput struct {
	StopTimestamp *Timestamp `json:"StopTimestamp"`
}
