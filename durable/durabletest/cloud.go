package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/internal/lambdahistory"
	"github.com/acme/durable-lambda-go/wire"
)

// DurableExecutionAPI is the part of the Lambda API a CloudRunner uses;
// *lambda.Client implements it, against AWS or a local endpoint.
type DurableExecutionAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
	GetDurableExecution(ctx context.Context, in *lambda.GetDurableExecutionInput, opts ...func(*lambda.Options)) (*lambda.GetDurableExecutionOutput, error)
	GetDurableExecutionHistory(ctx context.Context, in *lambda.GetDurableExecutionHistoryInput, opts ...func(*lambda.Options)) (*lambda.GetDurableExecutionHistoryOutput, error)
}

// CloudRunner runs a deployed durable function (or one behind the local
// endpoint) and reports the same TestResult as the LocalRunner, built
// from GetDurableExecution and the execution history.
type CloudRunner struct {
	api          DurableExecutionAPI
	functionName string
	poll         time.Duration
	timeout      time.Duration
}

// CloudRunnerOption configures a CloudRunner.
type CloudRunnerOption func(*CloudRunner)

// WithPollInterval sets how often the execution's status is read; 1s by
// default.
func WithPollInterval(d time.Duration) CloudRunnerOption {
	return func(r *CloudRunner) { r.poll = d }
}

// WithTimeout bounds how long Run and RunWithArn wait for the execution to
// close; 15 minutes by default.
func WithTimeout(d time.Duration) CloudRunnerOption {
	return func(r *CloudRunner) { r.timeout = d }
}

// NewCloudRunner returns a runner for functionName, which must be
// qualified (a version, an alias or $LATEST) as Lambda requires for
// durable functions.
func NewCloudRunner(api DurableExecutionAPI, functionName string, opts ...CloudRunnerOption) *CloudRunner {
	r := &CloudRunner{api: api, functionName: functionName, poll: time.Second, timeout: 15 * time.Minute}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Run starts an execution with event (encoded as JSON) through an
// asynchronous Invoke and waits for it with RunWithArn.
func (r *CloudRunner) Run(ctx context.Context, event any) (*TestResult, error) {
	payload, err := json.Marshal(event)
	if err != nil {
		return nil, fmt.Errorf("durabletest: encoding the event: %w", err)
	}
	out, err := r.api.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(r.functionName),
		InvocationType: lambdatypes.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return nil, fmt.Errorf("durabletest: invoking %s: %w", r.functionName, err)
	}
	arn := aws.ToString(out.DurableExecutionArn)
	if arn == "" {
		return nil, fmt.Errorf("durabletest: invoking %s returned no durable execution ARN; is it a durable function?", r.functionName)
	}
	return r.RunWithArn(ctx, arn)
}

// RunWithArn waits for the execution to close (polling its status) and
// returns its result. When the timeout passes first it returns the
// result so far, with Status PENDING, and an error.
func (r *CloudRunner) RunWithArn(ctx context.Context, executionArn string) (*TestResult, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	for {
		ex, err := r.api.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(executionArn)})
		if err != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("durabletest: reading %s: %w", executionArn, err)
		}
		if err == nil && ex.Status != lambdatypes.ExecutionStatusRunning {
			return r.result(ctx, executionArn, ex)
		}
		select {
		case <-ctx.Done():
			res, rerr := r.result(context.WithoutCancel(ctx), executionArn, ex)
			return res, errors.Join(fmt.Errorf("durabletest: %s still running: %w", executionArn, ctx.Err()), rerr)
		case <-time.After(r.poll):
		}
	}
}

// result assembles a TestResult from the execution and its history.
func (r *CloudRunner) result(ctx context.Context, arn string, ex *lambda.GetDurableExecutionOutput) (*TestResult, error) {
	events, err := r.history(ctx, arn)
	if err != nil {
		return nil, err
	}
	wireEvents, err := lambdahistory.ToWireAll(events)
	if err != nil {
		return nil, err
	}
	res := &TestResult{ExecutionArn: arn, Status: StatusPending, Events: events}
	if ex != nil && ex.Status != lambdatypes.ExecutionStatusRunning {
		res.Status = ExecutionStatus(ex.Status)
		res.RawResult = aws.ToString(ex.Result)
		if e := ex.Error; e != nil {
			res.Error = &TestError{ErrorType: aws.ToString(e.ErrorType), ErrorMessage: aws.ToString(e.ErrorMessage),
				ErrorData: aws.ToString(e.ErrorData), StackTrace: e.StackTrace}
		}
	}
	res.Operations, res.Invocations = fromHistory(wireEvents)
	return res, nil
}

// history reads every page of the execution's history.
func (r *CloudRunner) history(ctx context.Context, arn string) ([]lambdatypes.Event, error) {
	var events []lambdatypes.Event
	var marker *string
	for {
		out, err := r.api.GetDurableExecutionHistory(ctx, &lambda.GetDurableExecutionHistoryInput{
			DurableExecutionArn: aws.String(arn), IncludeExecutionData: aws.Bool(true), Marker: marker, MaxItems: 1000})
		if err != nil {
			return nil, fmt.Errorf("durabletest: reading the history of %s: %w", arn, err)
		}
		events = append(events, out.Events...)
		if aws.ToString(out.NextMarker) == "" {
			return events, nil
		}
		marker = out.NextMarker
	}
}

// eventOperationTypes maps event-type prefixes to operation types.
var eventOperationTypes = []struct {
	prefix string
	typ    wire.OperationType
}{
	{"ChainedInvoke", wire.OperationTypeChainedInvoke},
	{"Callback", wire.OperationTypeCallback},
	{"Context", wire.OperationTypeContext},
	{"Step", wire.OperationTypeStep},
	{"Wait", wire.OperationTypeWait},
}

// eventStatuses maps event-type suffixes to the status they leave.
var eventStatuses = map[string]wire.OperationStatus{
	"Started":   wire.OperationStatusStarted,
	"Succeeded": wire.OperationStatusSucceeded,
	"Failed":    wire.OperationStatusFailed,
	"TimedOut":  wire.OperationStatusTimedOut,
	"Stopped":   wire.OperationStatusStopped,
	"Cancelled": wire.OperationStatusCancelled,
}

// fromHistory rebuilds the operations (in start order) and the
// invocations from a history.
func fromHistory(events []wire.Event) ([]TestOperation, []TestInvocation) {
	var ops []TestOperation
	index := map[string]int{}
	var invs []TestInvocation
	for _, ev := range events {
		if d := ev.InvocationCompletedDetails; d != nil {
			inv := TestInvocation{RequestID: d.RequestId, Start: wire.TimeOf(d.StartTimestamp), End: wire.TimeOf(d.EndTimestamp)}
			if d.Error != nil {
				inv.Error = testError(d.Error.Payload)
			}
			invs = append(invs, inv)
			continue
		}
		var typ wire.OperationType
		var suffix string
		for _, p := range eventOperationTypes {
			if rest, ok := strings.CutPrefix(string(ev.EventType), p.prefix); ok {
				typ, suffix = p.typ, rest
				break
			}
		}
		status, ok := eventStatuses[suffix]
		if typ == "" || !ok || ev.Id == "" {
			continue
		}
		i, seen := index[ev.Id]
		if !seen {
			i = len(ops)
			index[ev.Id] = i
			ops = append(ops, TestOperation{ID: ev.Id, Name: ev.Name, Type: string(typ), SubType: ev.SubType,
				ParentID: ev.ParentId, StartTime: wire.TimeOf(ev.EventTimestamp)})
		}
		applyEvent(&ops[i], ev, status)
	}
	return ops, invs
}

// applyEvent folds one event into its operation.
func applyEvent(op *TestOperation, ev wire.Event, status wire.OperationStatus) {
	at := wire.TimeOf(ev.EventTimestamp)
	if status.Terminal() {
		op.EndTime = at
	}
	result := func(r *wire.ResultDetails) string {
		if r == nil || r.Result == nil {
			return ""
		}
		return wire.Deref(r.Result.Payload)
	}
	errOf := func(d *wire.ErrorDetails) *TestError {
		if d == nil || d.Error == nil {
			return nil
		}
		return testError(d.Error.Payload)
	}
	switch wire.OperationType(op.Type) {
	case wire.OperationTypeStep:
		if op.StepDetails == nil {
			op.StepDetails = &TestStepDetails{}
		}
		var retry *wire.RetryDetails
		// Each attempt's outcome replaces the previous one, as on the
		// service's record.
		if d := ev.StepSucceededDetails; d != nil {
			retry = d.RetryDetails
			op.StepDetails.Result = result(&wire.ResultDetails{Result: d.Result})
			op.StepDetails.Error = nil
		}
		if d := ev.StepFailedDetails; d != nil {
			retry = d.RetryDetails
			op.StepDetails.Result = ""
			op.StepDetails.Error = errOf(&wire.ErrorDetails{Error: d.Error})
		}
		op.StepDetails.NextAttemptTime = time.Time{}
		if retry != nil {
			op.StepDetails.Attempt = retry.CurrentAttempt
			if retry.NextAttemptDelaySeconds != nil {
				status = wire.OperationStatusPending
				op.EndTime = time.Time{}
				op.StepDetails.NextAttemptTime = at.Add(time.Duration(*retry.NextAttemptDelaySeconds) * time.Second)
			}
		}
	case wire.OperationTypeWait:
		if d := ev.WaitStartedDetails; d != nil {
			op.WaitDetails = &TestWaitDetails{ScheduledEndTime: wire.TimeOf(d.ScheduledEndTimestamp)}
		}
	case wire.OperationTypeCallback:
		if op.CallbackDetails == nil {
			op.CallbackDetails = &TestCallbackDetails{}
		}
		if d := ev.CallbackStartedDetails; d != nil {
			op.CallbackDetails.CallbackID = d.CallbackId
		}
		op.CallbackDetails.Result = result(ev.CallbackSucceededDetails)
		op.CallbackDetails.Error = firstError(errOf(ev.CallbackFailedDetails), errOf(ev.CallbackTimedOutDetails))
	case wire.OperationTypeChainedInvoke:
		if op.InvokeDetails == nil {
			op.InvokeDetails = &TestInvokeDetails{}
		}
		op.InvokeDetails.Result = result(ev.ChainedInvokeSucceededDetails)
		op.InvokeDetails.Error = firstError(errOf(ev.ChainedInvokeFailedDetails), errOf(ev.ChainedInvokeTimedOutDetails), errOf(ev.ChainedInvokeStoppedDetails))
	case wire.OperationTypeContext:
		if op.ContextDetails == nil {
			op.ContextDetails = &TestContextDetails{}
		}
		op.ContextDetails.Result = result(ev.ContextSucceededDetails)
		op.ContextDetails.Error = errOf(ev.ContextFailedDetails)
	}
	op.Status = string(status)
}

func firstError(errs ...*TestError) *TestError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
