package durabletest_test

// This file pins the documented surface of the official Go SDK's
// durabletest package (the testing API reference and release notes): every
// documented function and method is assigned to a variable of its
// documented type and every documented type and field is used, so drift
// from the documented signatures fails to compile and so fails `go test`.
// Generic functions are pinned at one instantiation.

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

type runner = durabletest.LocalRunner[int, string]

// The local runner.
var (
	_ func(durable.Handler[int, string], ...durable.HandlerOption) *runner              = durabletest.NewLocalRunner[int, string]
	_ func(*runner, int) (*durabletest.TestResult, error)                               = (*runner).Run
	_ func(*runner, int, ...durabletest.RunnerOption) (*durabletest.TestResult, error)  = (*runner).RunUntilComplete
	_ func(int) durabletest.RunnerOption                                                = durabletest.WithMaxInvocations
	_ func(int) durabletest.RunnerOption                                                = durabletest.WithMaxOperations
	_ int                                                                               = durabletest.DefaultMaxInvocations
	_ func(*runner) bool                                                                = (*runner).CompletePendingTimers
	_ func(*runner) []durabletest.OpenCallback                                          = (*runner).OpenCallbacks
	_                                                                                   = durabletest.OpenCallback{CallbackID: "", Name: ""}
	_ func(*runner, string, any) error                                                  = (*runner).SendCallbackSuccess
	_ func(*runner, string, string, string) error                                       = (*runner).SendCallbackFailure
	_ func(*runner, string) error                                                       = (*runner).SendCallbackHeartbeat
	_ func(*runner, string) error                                                       = (*runner).TimeoutCallback
	_ func(*runner, string, any) error                                                  = (*runner).CompleteChainedInvoke
	_ func(*runner, string, string, string) error                                       = (*runner).FailChainedInvoke
	_ func(*runner, string) error                                                       = (*runner).TimeoutChainedInvoke
	_ func(*runner, string, durabletest.Function)                                       = (*runner).RegisterFunction
	_ func(durable.Handler[int, string], ...durable.HandlerOption) durabletest.Function = durabletest.DurableFunction[int, string]
	_ func(func(context.Context, int) (string, error)) durabletest.Function             = durabletest.PlainFunction[int, string]
	_ int                                                                               = durabletest.MaxInvokeDepth
	_ func(*runner, int)                                                                = (*runner).OmitTokenOnCheckpoint
	_ func(*runner)                                                                     = (*runner).Reset
)

// The cloud runner.
var (
	_ func(durabletest.DurableExecutionAPI, string, ...durabletest.CloudRunnerOption) *durabletest.CloudRunner = durabletest.NewCloudRunner
	_ func(time.Duration) durabletest.CloudRunnerOption                                                        = durabletest.WithPollInterval
	_ func(time.Duration) durabletest.CloudRunnerOption                                                        = durabletest.WithTimeout
	_ func(*durabletest.CloudRunner, context.Context, any) (*durabletest.TestResult, error)                    = (*durabletest.CloudRunner).Run
	_ func(*durabletest.CloudRunner, context.Context, string) (*durabletest.TestResult, error)                 = (*durabletest.CloudRunner).RunWithArn
)

// Results. Events is []types.Event of the AWS SDK for Go v2's Lambda
// package, as documented (see TestResult.Events).
var (
	_ = durabletest.TestResult{Status: durabletest.StatusSucceeded, RawResult: "", Error: (*durabletest.TestError)(nil),
		Operations: []durabletest.TestOperation{}, Events: []types.Event{}, Invocations: []durabletest.TestInvocation{}, CapReached: false}
	_ durabletest.ExecutionStatus                                           = durabletest.StatusFailed
	_ durabletest.ExecutionStatus                                           = durabletest.StatusPending
	_ func(*durabletest.TestResult) (int, error)                            = durabletest.ResultAs[int]
	_ func(*durabletest.TestOperation) (int, error)                         = durabletest.OperationResultAs[int]
	_ func(*durabletest.TestResult, string) *durabletest.TestOperation      = (*durabletest.TestResult).Operation
	_ func(*durabletest.TestResult, string, int) *durabletest.TestOperation = (*durabletest.TestResult).OperationByNameAndIndex
	_ func(*durabletest.TestResult, int) *durabletest.TestOperation         = (*durabletest.TestResult).OperationByIndex
	_ func(*durabletest.TestResult, string) *durabletest.TestOperation      = (*durabletest.TestResult).OperationByID
	_ func(*durabletest.TestResult, string) []durabletest.TestOperation     = (*durabletest.TestResult).OperationsByType
	_ func(*durabletest.TestResult) []string                                = (*durabletest.TestResult).EventTypes
	_ func(*durabletest.TestResult, ...durabletest.TreeColumn) string       = (*durabletest.TestResult).FormatTree
	// WriteTree returns the writer's error, as the testing API reference
	// declares it: func (r *TestResult) WriteTree(w io.Writer, columns ...TreeColumn) error.
	_ func(*durabletest.TestResult, io.Writer, ...durabletest.TreeColumn) error = (*durabletest.TestResult).WriteTree
	_ func() []durabletest.TreeColumn                                           = durabletest.DefaultTreeColumns
	_                                                                           = durabletest.TestOperation{ID: "", Name: "", Status: "", Type: "", SubType: "", ParentID: "",
		StartTime: time.Time{}, EndTime: time.Time{}, StepDetails: &durabletest.TestStepDetails{},
		CallbackDetails: &durabletest.TestCallbackDetails{}, InvokeDetails: &durabletest.TestInvokeDetails{},
		ContextDetails: &durabletest.TestContextDetails{}, WaitDetails: &durabletest.TestWaitDetails{}}
	_ func(*durabletest.TestOperation) bool = (*durabletest.TestOperation).IsTerminal
)

// Golden signatures.
var (
	_ func(*durabletest.TestResult) []durabletest.OperationSignature               = durabletest.EventSignature
	_ func(testing.TB, *durabletest.TestResult, string)                            = durabletest.AssertGoldenSignature
	_ func(testing.TB, *durabletest.TestResult, string)                            = durabletest.AssertGoldenSignatureUnordered
	_ func(testing.TB, *durabletest.TestResult, ...durabletest.OperationSignature) = durabletest.AssertSignatureContains
	_ func(testing.TB, *durabletest.TestResult, ...durabletest.OperationSignature) = durabletest.AssertSignatureExcludes
)
