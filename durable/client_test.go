package durable

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/acme/durable-lambda-go/wire"
)

// fakeLambda stands in for the AWS SDK client.
type fakeLambda struct {
	checkpointIn *lambda.CheckpointDurableExecutionInput
	stateIn      *lambda.GetDurableExecutionStateInput
	err          error
}

func (f *fakeLambda) CheckpointDurableExecution(_ context.Context, in *lambda.CheckpointDurableExecutionInput, _ ...func(*lambda.Options)) (*lambda.CheckpointDurableExecutionOutput, error) {
	f.checkpointIn = in
	if f.err != nil {
		return nil, f.err
	}
	end := time.Unix(1767225660, 0)
	return &lambda.CheckpointDurableExecutionOutput{
		CheckpointToken: aws.String("next"),
		NewExecutionState: &types.CheckpointUpdatedExecutionState{Operations: []types.Operation{{
			Id: aws.String("w"), Type: types.OperationTypeWait, Status: types.OperationStatusStarted, SubType: aws.String("Wait"),
			StartTimestamp: aws.Time(time.Unix(1767225600, 0)), WaitDetails: &types.WaitDetails{ScheduledEndTimestamp: &end},
		}}},
	}, nil
}

func (f *fakeLambda) GetDurableExecutionState(_ context.Context, in *lambda.GetDurableExecutionStateInput, _ ...func(*lambda.Options)) (*lambda.GetDurableExecutionStateOutput, error) {
	f.stateIn = in
	if f.err != nil {
		return nil, f.err
	}
	return &lambda.GetDurableExecutionStateOutput{NextMarker: aws.String("m2"), Operations: []types.Operation{{
		Id: aws.String("s"), Type: types.OperationTypeStep, Status: types.OperationStatusFailed, Name: aws.String("n"), ParentId: aws.String("p"),
		StepDetails:          &types.StepDetails{Attempt: 2, Result: aws.String("r"), Error: &types.ErrorObject{ErrorType: aws.String("E"), ErrorMessage: aws.String("m"), StackTrace: []string{"f"}}},
		ContextDetails:       &types.ContextDetails{ReplayChildren: aws.Bool(true), Result: aws.String("c")},
		CallbackDetails:      &types.CallbackDetails{CallbackId: aws.String("cb")},
		ChainedInvokeDetails: &types.ChainedInvokeDetails{Result: aws.String("i")},
		ExecutionDetails:     &types.ExecutionDetails{InputPayload: aws.String("{}")},
	}}}, nil
}

func TestAWSClientTranslation(t *testing.T) {
	fl := &fakeLambda{}
	c := &awsClient{api: fl}
	out, err := c.Checkpoint(context.Background(), CheckpointInput{DurableExecutionArn: "arn", CheckpointToken: "tok", Updates: []OperationUpdate{
		{Id: "s", ParentId: "p", Name: "n", Type: "STEP", SubType: "Step", Action: "RETRY", Error: &ErrorObject{ErrorType: "E"}, StepOptions: &wire.StepOptions{NextAttemptDelaySeconds: 3}},
		{Id: "w", Type: "WAIT", Action: "START", WaitOptions: &wire.WaitOptions{WaitSeconds: 60}},
		{Id: "cb", Type: "CALLBACK", Action: "START", CallbackOptions: &wire.CallbackOptions{TimeoutSeconds: 9, HeartbeatTimeoutSeconds: 2}},
		{Id: "i", Type: "CHAINED_INVOKE", Action: "START", Payload: wire.String("{}"), ChainedInvokeOptions: &wire.ChainedInvokeOptions{FunctionName: "fn:1", TenantId: "t"}},
		{Id: "c", Type: "CONTEXT", Action: "SUCCEED", ContextOptions: &wire.ContextOptions{ReplayChildren: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	in := fl.checkpointIn
	if *in.DurableExecutionArn != "arn" || *in.CheckpointToken != "tok" || in.ClientToken != nil || len(in.Updates) != 5 {
		t.Fatalf("request %+v", in)
	}
	u := in.Updates
	if *u[0].ParentId != "p" || *u[0].Name != "n" || *u[0].SubType != "Step" || u[0].Action != types.OperationActionRetry ||
		*u[0].StepOptions.NextAttemptDelaySeconds != 3 || *u[0].Error.ErrorType != "E" || u[0].Error.ErrorMessage != nil {
		t.Errorf("retry update %+v", u[0])
	}
	if u[1].ParentId != nil || *u[1].WaitOptions.WaitSeconds != 60 || u[2].CallbackOptions.TimeoutSeconds != 9 || u[2].CallbackOptions.HeartbeatTimeoutSeconds != 2 {
		t.Errorf("wait/callback updates %+v %+v", u[1], u[2])
	}
	if *u[3].ChainedInvokeOptions.FunctionName != "fn:1" || *u[3].ChainedInvokeOptions.TenantId != "t" || *u[3].Payload != "{}" || !*u[4].ContextOptions.ReplayChildren {
		t.Errorf("invoke/context updates %+v %+v", u[3], u[4])
	}
	if out.CheckpointToken != "next" || len(out.NewExecutionState.Operations) != 1 {
		t.Fatalf("output %+v", out)
	}
	w := out.NewExecutionState.Operations[0]
	if w.Id != "w" || w.Type != "WAIT" || w.SubType != "Wait" || !wire.TimeOf(w.WaitDetails.ScheduledEndTimestamp).Equal(time.Unix(1767225660, 0)) {
		t.Errorf("wait record %+v", w)
	}

	st, err := c.GetExecutionState(context.Background(), GetExecutionStateInput{DurableExecutionArn: "arn", CheckpointToken: "tok", Marker: "m1", MaxItems: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if *fl.stateIn.Marker != "m1" || fl.stateIn.MaxItems != 1000 || st.NextMarker != "m2" {
		t.Fatalf("state %+v %+v", fl.stateIn, st)
	}
	op := st.Operations[0]
	want := Operation{Id: "s", Type: "STEP", Status: "FAILED", Name: "n", ParentId: "p",
		StepDetails:          &StepDetails{Attempt: 2, Result: wire.String("r"), Error: &ErrorObject{ErrorType: "E", ErrorMessage: "m", StackTrace: wire.StackTrace{"f"}}},
		ContextDetails:       &ContextDetails{ReplayChildren: true, Result: wire.String("c")},
		CallbackDetails:      &CallbackDetails{CallbackId: "cb"},
		ChainedInvokeDetails: &ChainedInvokeDetails{Result: wire.String("i")},
		ExecutionDetails:     &ExecutionDetails{InputPayload: wire.String("{}")},
	}
	if !reflect.DeepEqual(op, want) {
		t.Errorf("operation\n%+v\nwant\n%+v", op, want)
	}
}

func TestAWSClientErrors(t *testing.T) {
	withStatus := func(code string, status int) error {
		return &smithy.OperationError{ServiceID: "Lambda", OperationName: "CheckpointDurableExecution", Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
				Err: &smithy.GenericAPIError{Code: code, Message: "msg"}}}}
	}
	tests := []struct {
		name string
		err  error
		want *wire.APIError
	}{
		{"status from response", withStatus("InvalidParameterValueException", 400), &wire.APIError{Code: "InvalidParameterValueException", StatusCode: 400, Message: "msg"}},
		{"throttled", withStatus("TooManyRequestsException", 429), &wire.APIError{Code: "TooManyRequestsException", StatusCode: 429, Message: "msg"}},
		{"status from code", &smithy.GenericAPIError{Code: "KMSDisabledException", Message: "msg"}, &wire.APIError{Code: "KMSDisabledException", StatusCode: 502, Message: "msg"}},
	}
	for _, tt := range tests {
		_, err := (&awsClient{api: &fakeLambda{err: tt.err}}).Checkpoint(context.Background(), CheckpointInput{})
		var got *wire.APIError
		if !errors.As(err, &got) || *got != *tt.want {
			t.Errorf("%s: %#v", tt.name, err)
		}
	}
	network := errors.New("dial tcp: connection refused")
	if _, err := (&awsClient{api: &fakeLambda{err: network}}).GetExecutionState(context.Background(), GetExecutionStateInput{}); err != network {
		t.Errorf("network error translated: %v", err)
	}
}
