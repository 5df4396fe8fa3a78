package durable_test

// This file pins the documented surface of the official Go SDK's durable
// package (its public docs and release notes): every documented function
// and method is assigned to a variable of its documented type, and every
// documented type, field and constant is used, so any drift from the
// documented signatures fails to compile and so fails `go test`.
//
// Generic functions are pinned at one instantiation (int, string); a
// signature that differs for any type argument differs for these too.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Handler and entry points.
var (
	_ func(durable.Context, int) (string, error)                                                                 = durable.Handler[int, string](nil)
	_ func(durable.Handler[int, string], ...durable.HandlerOption)                                               = durable.Start[int, string]
	_ func(durable.Handler[int, string], ...durable.HandlerOption) func(context.Context, []byte) ([]byte, error) = durable.Wrap[int, string]
	_ func(durable.Context) time.Time                                                                            = durable.ExecutionStartTime
)

// Handler options.
var (
	_ func(durable.Serdes) durable.HandlerOption          = durable.WithSerdes
	_ func(durable.Deserializer) durable.HandlerOption    = durable.WithCallbackDeserializer
	_ func(slog.Handler) durable.HandlerOption            = durable.WithLogHandler
	_ func(durable.ReplayLogMode) durable.HandlerOption   = durable.WithReplayLogMode
	_ func(bool) durable.HandlerOption                    = durable.WithStackTraces
	_ func(durable.ExecutionClient) durable.HandlerOption = durable.WithExecutionClient
	_ durable.ReplayLogMode                               = durable.ReplayLogModeSuppress
	_ durable.ReplayLogMode                               = durable.ReplayLogModeEmit
	_ int                                                 = durable.MaxStackTraceFrames
)

// In-handler reconfiguration. The documented call form is
// ConfigureSerdes(ctx, SerdesConfig{…}) with the result unused; the SDK's
// functions return an error (a call from a goroutine that does not own
// the Context), which that call form compiles against unchanged.
var (
	_ func(durable.Context, durable.SerdesConfig) error = durable.ConfigureSerdes
	_ func(durable.Context, durable.LogConfig) error    = durable.ConfigureLogging
	_                                                   = durable.SerdesConfig{Serdes: durable.JSONSerdes{}, CallbackDeserializer: durable.RawSerdes{}}
	_                                                   = durable.LogConfig{Handler: slog.NewJSONHandler(io.Discard, nil), Level: slog.LevelInfo, ReplayMode: durable.ReplayLogModeEmit}
)

// The custom-client seam: the SDK's own types, no AWS SDK or wire types.
type customClient struct{}

func (customClient) GetExecutionState(context.Context, durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	return durable.GetExecutionStateOutput{}, nil
}

func (customClient) Checkpoint(context.Context, durable.CheckpointInput) (durable.CheckpointOutput, error) {
	return durable.CheckpointOutput{}, &durable.ClientError{Scope: durable.ErrorScopeInvocation}
}

var (
	_ durable.ExecutionClient = customClient{}
	_                         = durable.Operation{Type: durable.OperationTypeStep, Status: durable.OperationStatusSucceeded,
		StepDetails: &durable.StepDetails{}, WaitDetails: &durable.WaitDetails{}, CallbackDetails: &durable.CallbackDetails{},
		ChainedInvokeDetails: &durable.ChainedInvokeDetails{}, ContextDetails: &durable.ContextDetails{}, ExecutionDetails: &durable.ExecutionDetails{}}
	_                         = durable.OperationUpdate{Type: durable.OperationTypeWait, Action: durable.OperationActionStart}
	_                         = durable.ErrorObject{ErrorType: "", ErrorMessage: ""}
	_ durable.OperationType   = durable.OperationTypeCallback
	_ durable.OperationStatus = durable.OperationStatusStarted
	_ durable.OperationAction = durable.OperationActionSucceed
	_ durable.ErrorScope      = durable.ErrorScopeExecution
)

// Context types.
var (
	_ func(durable.Context) string           = durable.Context.ExecutionArn
	_ func(durable.Context) string           = durable.Context.RequestID
	_ func(durable.Context) string           = durable.Context.InvokedFunctionARN
	_ func(durable.Context) *slog.Logger     = durable.Context.Logger
	_ func(durable.Context) bool             = durable.Context.IsReplaying
	_ context.Context                        = durable.Context(nil)
	_ func(durable.StepContext) *slog.Logger = durable.StepContext.Logger
	_ func(durable.StepContext) int          = durable.StepContext.Attempt
	_ context.Context                        = durable.StepContext(nil)
)

// Operations.
var (
	_ func(durable.Context, string, func(durable.StepContext) (int, error), ...durable.StepOption) (int, error)                                          = durable.Step[int]
	_ func(durable.Context, string, func(durable.StepContext) (int, error), ...durable.StepOption) *durable.Future[int]                                  = durable.StepAsync[int]
	_ func(durable.Context, string, time.Duration, ...durable.WaitOption) error                                                                          = durable.Wait
	_ func(durable.Context, string, time.Duration, ...durable.WaitOption) *durable.Future[durable.Void]                                                  = durable.WaitAsync
	_ func(durable.Context, string, string, string, ...durable.InvokeOption) (int, error)                                                                = durable.Invoke[int, string]
	_ func(durable.Context, string, string, string, ...durable.InvokeOption) *durable.Future[int]                                                        = durable.InvokeAsync[int, string]
	_ func(durable.Context, string, func(durable.Context) (int, error), ...durable.ChildOption) (int, error)                                             = durable.RunInChildContext[int]
	_ func(durable.Context, string, func(durable.Context) (int, error), ...durable.ChildOption) *durable.Future[int]                                     = durable.RunInChildContextAsync[int]
	_ func(durable.Context, string, func(durable.Context) (int, error), ...durable.ChildOption) *durable.Future[int]                                     = durable.Go[int]
	_ func(durable.Context, string, ...durable.CallbackOption) (*durable.Callback[int], error)                                                           = durable.CreateCallback[int]
	_ func(*durable.Callback[int]) string                                                                                                                = (*durable.Callback[int]).ID
	_ func(*durable.Callback[int], durable.Context) (int, error)                                                                                         = (*durable.Callback[int]).Result
	_ func(durable.Context, string, func(durable.StepContext, string) error, ...durable.WaitForCallbackOption) (int, error)                              = durable.WaitForCallback[int]
	_ func(durable.Context, string, func(durable.StepContext, int) (int, error), durable.ConditionConfig[int]) (int, error)                              = durable.WaitForCondition[int]
	_ func(durable.Context, string, []string, func(durable.Context, string, int) (int, error), ...durable.BatchOption) (durable.BatchResult[int], error) = durable.Map[string, int]
	_ func(durable.Context, string, []durable.Branch[int], ...durable.BatchOption) (durable.BatchResult[int], error)                                     = durable.Parallel[int]
	_ func(durable.Context, string, []durable.AnyBranch, ...durable.BatchOption) (durable.BatchResult[json.RawMessage], error)                           = durable.ParallelMixed
	_ func(string, func(durable.Context) (int, error), ...durable.TypedBranchOption) *durable.TypedBranch[int]                                           = durable.NewTypedBranch[int]
	_ func(*durable.TypedBranch[int], durable.BatchResult[json.RawMessage]) (int, error)                                                                 = (*durable.TypedBranch[int]).Result
	_ durable.AnyBranch                                                                                                                                  = (*durable.TypedBranch[int])(nil)
	_ func(durable.Context, string, []*durable.Future[int], ...durable.ChildOption) ([]int, error)                                                       = durable.All[int]
	_ func(durable.Context, string, []*durable.Future[int], ...durable.ChildOption) ([]durable.Settled[int], error)                                      = durable.AllSettled[int]
	_ func(durable.Context, string, []*durable.Future[int], ...durable.ChildOption) (int, error)                                                         = durable.Any[int]
	_ func(durable.Context, string, []*durable.Future[int], ...durable.ChildOption) (int, error)                                                         = durable.Race[int]
	_ func(durable.Context, string, []durable.Awaitable, ...durable.ChildOption) error                                                                   = durable.Join
	_ func(durable.Context, string, []durable.Branch[int], ...durable.ChildOption) (string, int, error)                                                  = durable.Select[int]
	_ func(durable.Context, string, func(durable.Context, int) (int, error), durable.RetryStrategy, ...durable.RetryOption) (int, error)                 = durable.Retry[int]
	_ func(*durable.Future[int], durable.Context) (int, error)                                                                                           = (*durable.Future[int]).Result
	_ durable.Awaitable                                                                                                                                  = (*durable.Future[int])(nil)
	_                                                                                                                                                    = durable.Settled[int]{Value: 1, Err: nil}
	_                                                                                                                                                    = durable.Branch[int]{Name: "", Func: func(durable.Context) (int, error) { return 0, nil }}
	_                                                                                                                                                    = durable.Void{}
)

// Options per operation.
var (
	_ func(durable.RetryStrategy) durable.StepOption                   = durable.WithRetry
	_ func(durable.StepSemantics) durable.StepOption                   = durable.WithSemantics
	_ durable.StepSemantics                                            = durable.AtLeastOncePerRetry
	_ durable.StepSemantics                                            = durable.AtMostOncePerRetry
	_ func(durable.Serdes) durable.StepOption                          = durable.WithStepSerdes
	_ func(string) durable.StepOption                                  = durable.WithStepSubType
	_ func(durable.Serdes) durable.InvokeOption                        = durable.WithInvokePayloadSerdes
	_ func(durable.Serdes) durable.InvokeOption                        = durable.WithInvokeResultSerdes
	_ func(string) durable.InvokeOption                                = durable.WithTenantID
	_ func(durable.Serdes) durable.ChildOption                         = durable.WithChildSerdes
	_ func(func(*durable.ChildContextError) error) durable.ChildOption = durable.WithChildErrorMapper
	_ func(func(int) string) durable.ChildOption                       = durable.WithChildSummary[int]
	_ func(string) durable.ChildOption                                 = durable.WithChildSubType
	_ func() durable.ChildOption                                       = durable.WithChildVirtual
	_ func(time.Duration) durable.CallbackOption                       = durable.WithCallbackTimeout
	_ func(time.Duration) durable.CallbackOption                       = durable.WithCallbackHeartbeatTimeout
	_ func(durable.Serdes) durable.CallbackOption                      = durable.WithCallbackSerdes
	_ func(string) durable.CallbackOption                              = durable.WithCallbackSubType
	_ durable.WaitForCallbackOption                                    = durable.WithCallbackTimeout(time.Minute) // a CallbackOption is a WaitForCallbackOption
	_ func(durable.RetryStrategy) durable.WaitForCallbackOption        = durable.WithSubmitterRetry
	_ func(int) durable.BatchOption                                    = durable.WithMaxConcurrency
	_ func(durable.CompletionConfig) durable.BatchOption               = durable.WithCompletion
	_ func(func(int) string) durable.BatchOption                       = durable.WithItemNamer
	_ func(durable.NestingMode) durable.BatchOption                    = durable.WithNesting
	_ durable.NestingMode                                              = durable.NestingNormal
	_ durable.NestingMode                                              = durable.NestingFlat
	_ func(func(durable.BatchResult[int]) string) durable.BatchOption  = durable.WithBatchSummary[int]
	_ func(durable.Serdes) durable.BatchOption                         = durable.WithBatchSerdes
	_ func(durable.Serdes) durable.BatchOption                         = durable.WithBatchResultSerdes
	_ func(bool) durable.RetryOption                                   = durable.WithAttemptChildContext
	_ func(...durable.ChildOption) durable.RetryOption                 = durable.WithAttemptChildOptions
	_                                                                  = durable.ConditionConfig[int]{InitialState: 0, WaitStrategy: func(int, int) durable.WaitDecision {
		return durable.WaitDecision{Continue: false, Delay: time.Second, Err: nil}
	}, Serdes: durable.JSONSerdes{}}
)

// Batch results and completion.
var (
	_ = durable.CompletionConfig{MinSuccessful: 1, ToleratedFailureCount: new(int), ToleratedFailurePercentage: new(int),
		ShouldComplete: func(durable.BatchProgress) durable.CompletionDecision { return durable.ContinueBatch() }}
	_ func() durable.CompletionDecision                                     = durable.ContinueBatch
	_ func(durable.CompletionOutcome) durable.CompletionDecision            = durable.CompleteBatch
	_ durable.CompletionOutcome                                             = durable.CompletionOutcomeSucceeded
	_ durable.CompletionOutcome                                             = durable.CompletionOutcomeFailed
	_                                                                       = durable.BatchResult[int]{Items: []durable.BatchItem[int]{}, Reason: durable.CompletionReason(0)}
	_ func(durable.BatchResult[int]) []int                                  = durable.BatchResult[int].Results
	_ func(durable.BatchResult[int]) []durable.BatchItem[int]               = durable.BatchResult[int].Succeeded
	_ func(durable.BatchResult[int]) []durable.BatchItem[int]               = durable.BatchResult[int].Failed
	_ func(durable.BatchResult[int]) []durable.BatchItem[int]               = durable.BatchResult[int].Started
	_ func(durable.BatchResult[int]) []error                                = durable.BatchResult[int].Errors
	_ func(durable.BatchResult[int]) bool                                   = durable.BatchResult[int].HasFailure
	_ func(durable.BatchResult[int]) int                                    = durable.BatchResult[int].SuccessCount
	_ func(durable.BatchResult[int]) int                                    = durable.BatchResult[int].FailureCount
	_ func(durable.BatchResult[int]) int                                    = durable.BatchResult[int].StartedCount
	_ func(durable.BatchResult[int]) int                                    = durable.BatchResult[int].TotalCount
	_ func(durable.BatchResult[int]) durable.BatchItemStatus                = durable.BatchResult[int].Status
	_ func(durable.BatchResult[int], string) (durable.BatchItem[int], bool) = durable.BatchResult[int].Item
	_ func(durable.BatchResult[int], string) (int, error)                   = durable.BatchResult[int].Result
	_ func(durable.BatchResult[int]) error                                  = durable.BatchResult[int].ThrowIfError
)

// Retry strategies.
var (
	_ func(durable.RetryAttempt) durable.RetryDecision         = durable.RetryStrategy(nil)
	_                                                          = durable.RetryAttempt{Err: nil, Attempt: 1, Elapsed: time.Second}
	_                                                          = durable.RetryDecision{Retry: true, Delay: time.Second}
	_ time.Duration                                            = durable.DefaultRetryDelay
	_ func() durable.RetryStrategy                             = durable.ExponentialBackoff
	_ func() durable.RetryStrategy                             = durable.NoRetry
	_ func(durable.RetryConfig) (durable.RetryStrategy, error) = durable.NewRetryStrategy
	_ func(durable.RetryConfig) durable.RetryStrategy          = durable.MustNewRetryStrategy
	_                                                          = durable.RetryConfig{MaxAttempts: 3, InitialDelay: time.Second, MaxDelay: time.Minute, BackoffRate: 2,
		Jitter: durable.JitterFull, RetryableErrors: []durable.ErrorMatcher{durable.ErrorIs(io.EOF)}}
	_ func(durable.LinearRetryConfig) (durable.RetryStrategy, error) = durable.LinearBackoff
	_ func(durable.LinearRetryConfig) durable.RetryStrategy          = durable.MustLinearBackoff
	_                                                                = durable.LinearRetryConfig{MaxAttempts: 6, InitialDelay: time.Second, Increment: time.Second, MaxDelay: time.Minute, Jitter: durable.JitterNone}
	_ durable.JitterStrategy                                         = durable.JitterHalf
	_ string                                                         = string(durable.JitterFull)
	_ func(error) bool                                               = durable.ErrorMatcher(nil)
	_ func(error) durable.ErrorMatcher                               = durable.ErrorIs
	_ func() durable.ErrorMatcher                                    = durable.ErrorAs[*durable.StepError]
	_ func(string) durable.ErrorMatcher                              = durable.ErrorContains
	_ func(*regexp.Regexp) durable.ErrorMatcher                      = durable.ErrorMatches
	_ func(string) durable.ErrorMatcher                              = durable.ErrorTypeIs
	_                                                                = durable.WaitConfig[int]{MaxAttempts: 60, InitialDelay: time.Second, MaxDelay: time.Minute, BackoffRate: 1.5,
		Jitter: durable.JitterFull, ShouldContinue: func(int) bool { return false }}
	_ func(durable.WaitConfig[int]) (durable.WaitStrategy[int], error) = durable.NewWaitStrategy[int]
	_ func(durable.WaitConfig[int]) durable.WaitStrategy[int]          = durable.MustNewWaitStrategy[int]
)

// Serialization.
var (
	_ func(durable.Serdes, context.Context, durable.SerdesContext, any) ([]byte, error) = durable.Serdes.Marshal
	_ func(durable.Serdes, context.Context, durable.SerdesContext, []byte, any) error   = durable.Serdes.Unmarshal
	_                                                                                   = durable.SerdesContext{OperationID: "", DurableExecutionArn: ""}
	_ durable.Serdes                                                                    = durable.JSONSerdes{}
	_ durable.Serdes                                                                    = durable.RawSerdes{}
	_ durable.Deserializer                                                              = durable.RawSerdes{}
	_ func(func(int) ([]byte, error), func([]byte) (int, error)) durable.Serdes         = durable.SerdesOf[int]
	_ func(string, ...durable.FileSystemSerdesConfig) durable.Serdes                    = durable.NewFileSystemSerdes
	_                                                                                   = durable.FileSystemSerdesConfig{Mode: durable.FileSystemSerdesModeOverflow, PathEncoding: durable.FileSystemPathEncodingURI,
		GeneratePreview: func(v any) map[string]any { return durable.BuildPreview(v, durable.PreviewConfig{}) }}
	_ durable.FileSystemPathEncoding                  = durable.FileSystemPathEncodingHash
	_ durable.FileSystemSerdesMode                    = durable.FileSystemSerdesModeAlways
	_ func(any, durable.PreviewConfig) map[string]any = durable.BuildPreview
	_                                                 = durable.PreviewConfig{Mode: durable.PreviewExcludeAll, Include: []durable.PreviewField{{Name: "id"}},
		Exclude: []durable.PreviewField{{Name: "body"}}, Mask: []durable.PreviewField{{Name: "email", Match: durable.FieldMatchAnywhere}}}
	_ func(error) error = durable.RetryableSerdesError
)

// Errors.
var (
	_ = durable.OperationError{ErrorType: "", Message: "", ErrorData: "", StackTrace: nil, Err: nil}
	_ = durable.StepError{Name: "", Attempts: 0}
	_ = durable.StepInterruptedError{}
	_ = durable.InvokeError{FunctionID: "", Status: durable.OperationStatusFailed}
	_ = durable.CallbackError{}
	_ = durable.CallbackExternalError{}
	_ = durable.CallbackTimeoutError{Heartbeat: true}
	_ = durable.CallbackSubmitterError{}
	_ = durable.ChildContextError{}
	_ = durable.WaitForConditionError{Attempts: 0}
	_ = durable.CombinatorError{}
	_ = durable.BatchError{Name: "", Reason: durable.CompletionReason(0), Errors: nil}
	_ = durable.BatchCompletionError{}
	_ = durable.BranchNotCompletedError{}
	_ = func(e durable.RetryError) (int, error, string, string) {
		return e.Attempts, e.Err, e.ErrorType, e.Message
	}
	_ = durable.SerdesError{Operation: "", Direction: ""}
	_ = durable.NonDeterministicExecutionError{RecordedType: "", RecordedSubType: "", RecordedName: "",
		CurrentType: "", CurrentSubType: "", CurrentName: ""}
	_ func(*durable.CheckpointError) durable.ErrorScope = (*durable.CheckpointError).Scope
	_ func(*durable.CheckpointError) bool               = (*durable.CheckpointError).Retryable
	_                                                   = durable.ClientError{Scope: durable.ErrorScopeInvocation}
	_                                                   = []error{durable.ErrCallbackTimedOut, durable.ErrInvokeTimedOut, durable.ErrExecutionStopped,
		durable.ErrExecutionCancelled, durable.ErrWrongGoroutine, durable.ErrWrongContext, durable.ErrRetryableSerdes}
	_ func(error, string) error       = durable.WithErrorData
	_ func(durable.ErrorObject) error = durable.ErrorFromObject
	_ error                           = (*durable.OperationError)(nil)
	_ error                           = (*durable.StepError)(nil)
	_ error                           = (*durable.InvokeError)(nil)
	_ error                           = (*durable.CallbackError)(nil)
	_ error                           = (*durable.ChildContextError)(nil)
	_ error                           = (*durable.WaitForConditionError)(nil)
	_ error                           = (*durable.BatchError)(nil)
	_ error                           = (*durable.RetryError)(nil)
	_ error                           = (*durable.SerdesError)(nil)
	_ error                           = (*durable.NonDeterministicExecutionError)(nil)
	_ error                           = (*durable.CheckpointError)(nil)
	_ error                           = (*durable.ClientError)(nil)
)

// Plugins (EXPERIMENTAL): the hook struct, its info types and the options.
var (
	_ func(...durable.Plugin) durable.HandlerOption = durable.WithPlugins
	_ func(int) durable.HandlerOption               = durable.WithPluginChildOperationsDepth
	_                                               = durable.Plugin{
		OnInvocationStart:       func(context.Context, durable.InvocationHookInfo) {},
		OnInvocationEnd:         func(context.Context, durable.InvocationEndHookInfo) {},
		OnOperationStart:        func(context.Context, durable.OperationHookInfo) {},
		OnOperationEnd:          func(context.Context, durable.OperationHookInfo) {},
		OnOperationAttemptStart: func(context.Context, durable.AttemptHookInfo) {},
		OnOperationAttemptEnd:   func(context.Context, durable.AttemptEndHookInfo) {},
		OnOperationChange:       func(context.Context, durable.OperationChangeHookInfo) {},
		WrapInvocation: func(ctx context.Context, _ durable.InvocationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return fn(ctx)
		},
		WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return fn(ctx)
		},
		WrapChildContextFn: func(ctx context.Context, _ durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return fn(ctx)
		},
		EnrichLogContext: func(context.Context) map[string]any { return nil },
	}
	_ = durable.OperationHookInfo{ExecutionArn: "", ID: "", Name: "", Type: "", SubType: "",
		Status: durable.PluginOperationSucceeded, Attempt: 1, IsReplay: true, ParentID: "", ChildrenOmitted: true,
		StartTimestamp: time.Time{}, EndTimestamp: time.Time{}, Result: "", Error: nil}
	_ = durable.AttemptHookInfo{OperationHookInfo: durable.OperationHookInfo{}, Attempt: 1}
	_ = durable.AttemptEndHookInfo{Attempt: 1, Outcome: durable.PluginAttemptFailed, Error: nil}
	_ = durable.InvocationHookInfo{ExecutionArn: "", IsFirstInvocation: true, ExecutionInput: nil,
		ExecutionStartTimestamp: time.Time{}, UpdatedOperations: map[string]durable.OperationHookInfo{}}
	_ = durable.InvocationEndHookInfo{Status: durable.PluginInvocationPending, ExecutionResult: nil, ExecutionError: nil}
	_ = durable.OperationChangeHookInfo{ExecutionArn: "", UpdatedOperations: map[string]durable.OperationHookInfo{}}
	_ = []durable.PluginInvocationStatus{durable.PluginInvocationSucceeded, durable.PluginInvocationFailed, durable.PluginInvocationRetrying}
	_ = []durable.PluginOperationStatus{durable.PluginOperationStarted, durable.PluginOperationReady, durable.PluginOperationPending,
		durable.PluginOperationFailed, durable.PluginOperationTimedOut, durable.PluginOperationStopped, durable.PluginOperationCancelled}
	_ = durable.PluginAttemptSucceeded
	_ = durable.InvocationEndHookInfo{}.ExecutionArn // the end info carries the start info's fields
)
