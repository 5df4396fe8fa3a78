package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// start invokes the function asynchronously and returns the execution ARN.
func (s *stack) start(t *testing.T, name, payload string) string {
	t.Helper()
	out, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName:         aws.String(functionName),
		Qualifier:            aws.String("1"),
		InvocationType:       types.InvocationTypeEvent,
		DurableExecutionName: aws.String(name),
		Payload:              []byte(payload),
	})
	if err != nil {
		t.Fatalf("Invoke %s: %v", name, err)
	}
	if out.StatusCode != 202 || aws.ToString(out.DurableExecutionArn) == "" {
		t.Fatalf("Invoke %s: status %d, ARN %q; want 202 and an ARN", name, out.StatusCode, aws.ToString(out.DurableExecutionArn))
	}
	return aws.ToString(out.DurableExecutionArn)
}

// eventTypes lists the types of events in order.
func eventTypes(events []types.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e.EventType)
	}
	return out
}

// apiCode returns the service error code of err, or "" if it has none.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestInvokeRequestResponseReturnsTheResult(t *testing.T) {
	s := newStack(t)
	out, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName:         aws.String(functionName),
		Qualifier:            aws.String("prod"),
		DurableExecutionName: aws.String("sync-1"),
		Payload:              []byte(`{"name":"ada"}`),
	})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if out.StatusCode != 200 || out.FunctionError != nil || string(out.Payload) != `{"greeting":"hello ada"}` {
		t.Errorf("Invoke = %d, error %v, payload %s; want 200 and the greeting", out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
	}
	arn := aws.ToString(out.DurableExecutionArn)
	if !strings.Contains(arn, ":function:greeter:1/durable-execution/sync-1/") || aws.ToString(out.ExecutedVersion) != "1" {
		t.Errorf("ARN %q, executed version %q; want version 1 (the alias resolved)", arn, aws.ToString(out.ExecutedVersion))
	}

	got, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetDurableExecution: %v", err)
	}
	if got.Status != types.ExecutionStatusSucceeded || aws.ToString(got.Result) != `{"greeting":"hello ada"}` ||
		aws.ToString(got.InputPayload) != `{"name":"ada"}` || aws.ToString(got.DurableExecutionName) != "sync-1" ||
		got.StartTimestamp == nil || got.EndTimestamp == nil {
		t.Errorf("GetDurableExecution = %+v", got)
	}

	hist, err := s.client.GetDurableExecutionHistory(t.Context(), &lambda.GetDurableExecutionHistoryInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetDurableExecutionHistory: %v", err)
	}
	want := []string{"ExecutionStarted", "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"}
	if got := eventTypes(hist.Events); !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}

func TestInvokeFailedExecutionReportsFunctionError(t *testing.T) {
	s := newStack(t)
	out, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName: aws.String("greeter:1"),
		Payload:      []byte(`{"fail":true}`),
	})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var body struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(out.Payload, &body); err != nil {
		t.Fatalf("payload %s: %v", out.Payload, err)
	}
	if aws.ToString(out.FunctionError) != "Unhandled" || body.ErrorType != "RequestedFailure" {
		t.Errorf("FunctionError %q, payload %s; want Unhandled with errorType RequestedFailure", aws.ToString(out.FunctionError), out.Payload)
	}
	exec, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: out.DurableExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if exec.Status != types.ExecutionStatusFailed || exec.Error == nil || aws.ToString(exec.Error.ErrorType) != "RequestedFailure" {
		t.Errorf("execution = %s, error %+v; want FAILED with RequestedFailure", exec.Status, exec.Error)
	}
}

func TestInvokeWithOneNameStartsOneExecution(t *testing.T) {
	s := newStack(t)
	first := s.start(t, "once", `{"name":"bo"}`)
	second := s.start(t, "once", `{"name":"bo"}`)
	if first != second {
		t.Errorf("second Invoke returned %s, want the first execution %s", second, first)
	}
	_, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName: aws.String(functionName), Qualifier: aws.String("1"), InvocationType: types.InvocationTypeEvent,
		DurableExecutionName: aws.String("once"), Payload: []byte(`{"name":"other"}`),
	})
	var started *types.DurableExecutionAlreadyStartedException
	if !errors.As(err, &started) {
		t.Errorf("Invoke with the name and another payload = %v, want DurableExecutionAlreadyStartedException", err)
	}
	list, err := s.client.ListDurableExecutionsByFunction(t.Context(), &lambda.ListDurableExecutionsByFunctionInput{
		FunctionName: aws.String(functionName), DurableExecutionName: aws.String("once"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DurableExecutions) != 1 {
		t.Errorf("%d executions named once, want 1", len(list.DurableExecutions))
	}
}

func TestCallbackSuccessResumesTheExecution(t *testing.T) {
	s := newStack(t)
	arn := s.start(t, "approve", `{"name":"cy","callback":true}`)
	id := s.suspendedOnCallback(t, arn)

	if _, err := s.client.SendDurableExecutionCallbackHeartbeat(t.Context(), &lambda.SendDurableExecutionCallbackHeartbeatInput{CallbackId: aws.String(id)}); err != nil {
		t.Fatalf("SendDurableExecutionCallbackHeartbeat: %v", err)
	}
	if _, err := s.client.SendDurableExecutionCallbackSuccess(t.Context(), &lambda.SendDurableExecutionCallbackSuccessInput{
		CallbackId: aws.String(id), Result: []byte(`"approved"`),
	}); err != nil {
		t.Fatalf("SendDurableExecutionCallbackSuccess: %v", err)
	}
	exec := s.wait(t, arn)
	if exec.Status != wire.ExecutionStatusSucceeded || exec.Result == nil || *exec.Result != `{"approval":"approved","greeting":"hello cy"}` {
		t.Errorf("execution %s, result %v", exec.Status, exec.Result)
	}
	_, err := s.client.SendDurableExecutionCallbackSuccess(t.Context(), &lambda.SendDurableExecutionCallbackSuccessInput{CallbackId: aws.String(id)})
	var closed *types.CallbackTimeoutException
	if !errors.As(err, &closed) {
		t.Errorf("second SendDurableExecutionCallbackSuccess = %v, want CallbackTimeoutException", err)
	}
}

func TestCallbackFailureFailsTheExecution(t *testing.T) {
	s := newStack(t)
	arn := s.start(t, "reject", `{"name":"di","callback":true}`)
	id := s.suspendedOnCallback(t, arn)
	if _, err := s.client.SendDurableExecutionCallbackFailure(t.Context(), &lambda.SendDurableExecutionCallbackFailureInput{
		CallbackId: aws.String(id),
		Error:      &types.ErrorObject{ErrorType: aws.String("Rejected"), ErrorMessage: aws.String("not today")},
	}); err != nil {
		t.Fatalf("SendDurableExecutionCallbackFailure: %v", err)
	}
	exec := s.wait(t, arn)
	if exec.Status != wire.ExecutionStatusFailed || exec.Error == nil || exec.Error.ErrorMessage != "not today" {
		t.Errorf("execution %s, error %+v; want FAILED with the callback's message", exec.Status, exec.Error)
	}
	hist, err := s.svc.History(arn)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(hist, func(e wire.Event) bool { return e.EventType == wire.EventCallbackFailed })
	if i < 0 || hist[i].CallbackFailedDetails.Error.Payload.ErrorType != "Rejected" {
		t.Errorf("history has no CallbackFailed event with the sent error: %+v", hist)
	}
}

func TestStopDurableExecution(t *testing.T) {
	s := newStack(t)
	arn := s.start(t, "halt", `{"name":"ed","callback":true}`)
	s.suspendedOnCallback(t, arn)
	out, err := s.client.StopDurableExecution(t.Context(), &lambda.StopDurableExecutionInput{
		DurableExecutionArn: aws.String(arn),
		Error:               &types.ErrorObject{ErrorType: aws.String("Operator"), ErrorMessage: aws.String("stopped by test")},
	})
	if err != nil {
		t.Fatalf("StopDurableExecution: %v", err)
	}
	if out.StopTimestamp == nil {
		t.Error("StopTimestamp is missing")
	}
	got, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.ExecutionStatusStopped || got.Error == nil || aws.ToString(got.Error.ErrorMessage) != "stopped by test" {
		t.Errorf("execution %s, error %+v; want STOPPED with the cause", got.Status, got.Error)
	}
}

func TestStopWithoutACauseRecordsTheDefault(t *testing.T) {
	// The SDK sends {} as the body of a StopDurableExecution without Error.
	s := newStack(t)
	arn := s.start(t, "halt-default", `{"name":"em","callback":true}`)
	s.suspendedOnCallback(t, arn)
	if _, err := s.client.StopDurableExecution(t.Context(), &lambda.StopDurableExecutionInput{DurableExecutionArn: aws.String(arn)}); err != nil {
		t.Fatalf("StopDurableExecution: %v", err)
	}
	got, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.ExecutionStatusStopped || got.Error == nil || aws.ToString(got.Error.ErrorMessage) != "Execution stopped by StopDurableExecution" {
		t.Errorf("execution %s, error %+v; want STOPPED with the default cause", got.Status, got.Error)
	}
}

func TestCheckpointAndStateRejectStaleTokens(t *testing.T) {
	s := newStack(t)
	arn := s.start(t, "tokens", `{"name":"fa"}`)
	s.wait(t, arn)
	_, err := s.client.CheckpointDurableExecution(t.Context(), &lambda.CheckpointDurableExecutionInput{
		DurableExecutionArn: aws.String(arn), CheckpointToken: aws.String("stale"),
		Updates: []types.OperationUpdate{{Id: aws.String("x"), Type: types.OperationTypeStep, Action: types.OperationActionStart}},
	})
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || !strings.HasPrefix(strings.ToLower(aws.ToString(invalid.Message)), "invalid checkpoint token") {
		t.Errorf("CheckpointDurableExecution with a stale token = %v, want InvalidParameterValueException: Invalid checkpoint token", err)
	}
	_, err = s.client.GetDurableExecutionState(t.Context(), &lambda.GetDurableExecutionStateInput{
		DurableExecutionArn: aws.String(arn), CheckpointToken: aws.String("stale"),
	})
	if !errors.As(err, &invalid) {
		t.Errorf("GetDurableExecutionState with a stale token = %v, want InvalidParameterValueException", err)
	}
}

func TestServiceErrors(t *testing.T) {
	s := newStack(t)
	missing := "arn:aws:lambda:us-east-1:123456789012:function:greeter:1/durable-execution/none/00000000-0000-0000-0000-000000000000"
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"unqualified invoke", func() error {
			_, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String(functionName)})
			return err
		}, wire.ErrCodeInvalidParameterValue},
		{"unknown function", func() error {
			_, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("nobody:1")})
			return err
		}, wire.ErrCodeResourceNotFound},
		{"unknown execution", func() error {
			_, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(missing)})
			return err
		}, wire.ErrCodeResourceNotFound},
		{"history of unknown execution", func() error {
			_, err := s.client.GetDurableExecutionHistory(t.Context(), &lambda.GetDurableExecutionHistoryInput{DurableExecutionArn: aws.String(missing)})
			return err
		}, wire.ErrCodeResourceNotFound},
		{"stop unknown execution", func() error {
			_, err := s.client.StopDurableExecution(t.Context(), &lambda.StopDurableExecutionInput{DurableExecutionArn: aws.String(missing)})
			return err
		}, wire.ErrCodeResourceNotFound},
		{"list unknown function", func() error {
			_, err := s.client.ListDurableExecutionsByFunction(t.Context(), &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String("nobody")})
			return err
		}, wire.ErrCodeResourceNotFound},
		{"heartbeat unknown callback", func() error {
			_, err := s.client.SendDurableExecutionCallbackHeartbeat(t.Context(), &lambda.SendDurableExecutionCallbackHeartbeatInput{CallbackId: aws.String("bm9uZQ==")})
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			code := apiCode(err)
			if err == nil || (tt.code != "" && code != tt.code) || (tt.code == "" && code == "") {
				t.Errorf("error = %v (code %q), want code %q", err, code, tt.code)
			}
		})
	}
}

func TestListAndHistoryPaging(t *testing.T) {
	s := newStack(t)
	var arns []string
	for i := range 3 {
		arn := s.start(t, fmt.Sprint("page-", i), fmt.Sprintf(`{"name":"p%d"}`, i))
		s.wait(t, arn) // sequential, so start times are ordered
		arns = append(arns, arn)
	}

	collect := func(reverse bool) []string {
		var got []string
		p := lambda.NewListDurableExecutionsByFunctionPaginator(s.client, &lambda.ListDurableExecutionsByFunctionInput{
			FunctionName: aws.String(functionName), MaxItems: 1, ReverseOrder: aws.Bool(reverse),
		})
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatalf("ListDurableExecutionsByFunction: %v", err)
			}
			pages++
			for _, e := range page.DurableExecutions {
				got = append(got, aws.ToString(e.DurableExecutionArn))
			}
		}
		if pages != 3 {
			t.Errorf("%d pages of 1, want 3", pages)
		}
		return got
	}
	newestFirst := slices.Clone(arns)
	slices.Reverse(newestFirst)
	if got := collect(false); !slices.Equal(got, newestFirst) {
		t.Errorf("default order = %v, want newest first %v", got, newestFirst)
	}
	if got := collect(true); !slices.Equal(got, arns) {
		t.Errorf("ReverseOrder = %v, want oldest first %v", got, arns)
	}

	filtered, err := s.client.ListDurableExecutionsByFunction(t.Context(), &lambda.ListDurableExecutionsByFunctionInput{
		FunctionName: aws.String(functionName), Qualifier: aws.String("1"),
		Statuses:     []types.ExecutionStatus{types.ExecutionStatusSucceeded},
		StartedAfter: aws.Time(time.Now().Add(-time.Hour)), StartedBefore: aws.Time(time.Now().Add(time.Hour)),
	})
	if err != nil {
		t.Fatalf("filtered ListDurableExecutionsByFunction: %v", err)
	}
	if len(filtered.DurableExecutions) != 3 {
		t.Errorf("filtered list has %d executions, want 3", len(filtered.DurableExecutions))
	}
	running, err := s.client.ListDurableExecutionsByFunction(t.Context(), &lambda.ListDurableExecutionsByFunctionInput{
		FunctionName: aws.String(functionName), Statuses: []types.ExecutionStatus{types.ExecutionStatusRunning},
	})
	if err != nil || len(running.DurableExecutions) != 0 {
		t.Errorf("RUNNING executions = %v, %v; want none", running, err)
	}

	full, err := s.client.GetDurableExecutionHistory(t.Context(), &lambda.GetDurableExecutionHistoryInput{DurableExecutionArn: aws.String(arns[0])})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	p := lambda.NewGetDurableExecutionHistoryPaginator(s.client, &lambda.GetDurableExecutionHistoryInput{
		DurableExecutionArn: aws.String(arns[0]), MaxItems: 2, IncludeExecutionData: aws.Bool(false),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("GetDurableExecutionHistory page: %v", err)
		}
		for _, e := range page.Events {
			if e.ExecutionStartedDetails != nil && e.ExecutionStartedDetails.Input != nil && e.ExecutionStartedDetails.Input.Payload != nil {
				t.Errorf("IncludeExecutionData=false still returned the input payload")
			}
		}
		paged = append(paged, eventTypes(page.Events)...)
	}
	if want := eventTypes(full.Events); !slices.Equal(paged, want) {
		t.Errorf("paged history = %v, want %v", paged, want)
	}
	rev, err := s.client.GetDurableExecutionHistory(t.Context(), &lambda.GetDurableExecutionHistoryInput{
		DurableExecutionArn: aws.String(arns[0]), ReverseOrder: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := eventTypes(full.Events)
	slices.Reverse(want)
	if got := eventTypes(rev.Events); !slices.Equal(got, want) {
		t.Errorf("ReverseOrder history = %v, want %v", got, want)
	}
	noData, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{
		DurableExecutionArn: aws.String(arns[0]), IncludeExecutionData: aws.Bool(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	if noData.InputPayload != nil || noData.Result != nil {
		t.Errorf("IncludeExecutionData=false returned input %v, result %v", noData.InputPayload, noData.Result)
	}
}

func TestAnswersCarryARequestID(t *testing.T) {
	s := newStack(t)
	arn := s.start(t, "ids", `{"name":"go"}`)
	s.wait(t, arn)
	out, err := s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	first, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if !ok || first == "" {
		t.Errorf("GetDurableExecution's answer has no request id")
	}
	_, err = s.client.GetDurableExecution(t.Context(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn + "-none")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" || re.ServiceRequestID() == first {
		t.Errorf("error %v: want a response error with a request id of its own (the first was %q)", err, first)
	}
}
