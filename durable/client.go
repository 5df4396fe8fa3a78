package durable

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/acme/durable-lambda-go/wire"
)

// Timeouts of the default client's HTTP transport.
const (
	clientConnectTimeout  = 5 * time.Second
	clientResponseTimeout = 50 * time.Second
	clientTotalTimeout    = 55 * time.Second
)

// lambdaAPI is the part of the AWS SDK's Lambda client the default
// ExecutionClient uses.
type lambdaAPI interface {
	CheckpointDurableExecution(ctx context.Context, in *lambda.CheckpointDurableExecutionInput, optFns ...func(*lambda.Options)) (*lambda.CheckpointDurableExecutionOutput, error)
	GetDurableExecutionState(ctx context.Context, in *lambda.GetDurableExecutionStateInput, optFns ...func(*lambda.Options)) (*lambda.GetDurableExecutionStateOutput, error)
}

// awsClient is the default ExecutionClient: the AWS SDK for Go v2 Lambda
// client, with its errors translated into *wire.APIError.
type awsClient struct {
	api lambdaAPI
}

// newDefaultClient builds the default client from the environment the
// Lambda runtime sets: AWS_REGION, the execution role's credentials in
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and an
// optional endpoint override in AWS_ENDPOINT_URL_LAMBDA or
// AWS_ENDPOINT_URL. It deliberately avoids the SDK's shared-config loader,
// whose SSO, STS and IMDS credential providers a function never needs and
// which would add megabytes to the deployed binary.
func newDefaultClient(getenv func(string) string) (ExecutionClient, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return nil, errors.New("durable: AWS_REGION is not set: the default checkpoint client needs the Lambda runtime's environment (or pass WithExecutionClient)")
	}
	httpClient := awshttp.NewBuildableClient().
		WithTimeout(clientTotalTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = clientConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.ResponseHeaderTimeout = clientResponseTimeout })
	opts := lambda.Options{
		Region:      region,
		HTTPClient:  httpClient,
		Credentials: aws.NewCredentialsCache(environmentCredentials(getenv)),
	}
	for _, key := range []string{"AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"} {
		if u := getenv(key); u != "" {
			opts.BaseEndpoint = aws.String(u)
			break
		}
	}
	return &awsClient{api: lambda.New(opts)}, nil
}

// environmentCredentials reads the execution role's credentials from the
// environment on every retrieval.
func environmentCredentials(getenv func(string) string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		c := aws.Credentials{
			AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    getenv("AWS_SESSION_TOKEN"),
			Source:          "EnvironmentVariables",
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return aws.Credentials{}, errors.New("durable: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		}
		return c, nil
	})
}

// Checkpoint calls CheckpointDurableExecution.
func (c *awsClient) Checkpoint(ctx context.Context, in CheckpointInput) (CheckpointOutput, error) {
	req := &lambda.CheckpointDurableExecutionInput{
		DurableExecutionArn: aws.String(in.DurableExecutionArn),
		CheckpointToken:     aws.String(in.CheckpointToken),
		ClientToken:         optString(in.ClientToken),
		Updates:             make([]types.OperationUpdate, len(in.Updates)),
	}
	for i := range in.Updates {
		req.Updates[i] = toSDKUpdate(&in.Updates[i])
	}
	out, err := c.api.CheckpointDurableExecution(ctx, req)
	if err != nil {
		return CheckpointOutput{}, translateSDKError(err)
	}
	res := CheckpointOutput{CheckpointToken: aws.ToString(out.CheckpointToken)}
	if st := out.NewExecutionState; st != nil {
		res.NewExecutionState = ExecutionState{Operations: fromSDKOperations(st.Operations), NextMarker: aws.ToString(st.NextMarker)}
	}
	return res, nil
}

// GetExecutionState calls GetDurableExecutionState.
func (c *awsClient) GetExecutionState(ctx context.Context, in GetExecutionStateInput) (GetExecutionStateOutput, error) {
	out, err := c.api.GetDurableExecutionState(ctx, &lambda.GetDurableExecutionStateInput{
		DurableExecutionArn: aws.String(in.DurableExecutionArn),
		CheckpointToken:     aws.String(in.CheckpointToken),
		Marker:              optString(in.Marker),
		MaxItems:            int32(in.MaxItems),
	})
	if err != nil {
		return GetExecutionStateOutput{}, translateSDKError(err)
	}
	return GetExecutionStateOutput{Operations: fromSDKOperations(out.Operations), NextMarker: aws.ToString(out.NextMarker)}, nil
}

// translateSDKError turns a service error into a *wire.APIError carrying
// the exception name, HTTP status and message; other errors (network,
// timeouts) pass through.
func translateSDKError(err error) error {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	status := wire.StatusCodeOf(apiErr.ErrorCode())
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		status = re.HTTPStatusCode()
	}
	return &wire.APIError{Code: apiErr.ErrorCode(), StatusCode: status, Message: apiErr.ErrorMessage()}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toSDKUpdate(u *OperationUpdate) types.OperationUpdate {
	out := types.OperationUpdate{
		Action:   types.OperationAction(u.Action),
		Id:       aws.String(u.Id),
		Type:     types.OperationType(u.Type),
		Name:     optString(u.Name),
		ParentId: optString(u.ParentId),
		SubType:  optString(u.SubType),
		Payload:  u.Payload,
		Error:    toSDKError(u.Error),
	}
	if o := u.StepOptions; o != nil {
		out.StepOptions = &types.StepOptions{NextAttemptDelaySeconds: aws.Int32(int32(o.NextAttemptDelaySeconds))}
	}
	if o := u.WaitOptions; o != nil {
		out.WaitOptions = &types.WaitOptions{WaitSeconds: aws.Int32(int32(o.WaitSeconds))}
	}
	if o := u.CallbackOptions; o != nil {
		out.CallbackOptions = &types.CallbackOptions{TimeoutSeconds: int32(o.TimeoutSeconds), HeartbeatTimeoutSeconds: int32(o.HeartbeatTimeoutSeconds)}
	}
	if o := u.ChainedInvokeOptions; o != nil {
		out.ChainedInvokeOptions = &types.ChainedInvokeOptions{
			FunctionName: aws.String(o.FunctionName),
			TenantId:     optString(o.TenantId),
			XAmznTraceId: optString(o.XAmznTraceId),
		}
	}
	if o := u.ContextOptions; o != nil {
		out.ContextOptions = &types.ContextOptions{ReplayChildren: aws.Bool(o.ReplayChildren)}
	}
	return out
}

func toSDKError(e *ErrorObject) *types.ErrorObject {
	if e == nil {
		return nil
	}
	return &types.ErrorObject{
		ErrorType:    optString(e.ErrorType),
		ErrorMessage: optString(e.ErrorMessage),
		ErrorData:    optString(e.ErrorData),
		StackTrace:   e.StackTrace,
	}
}

func fromSDKError(e *types.ErrorObject) *ErrorObject {
	if e == nil {
		return nil
	}
	return &ErrorObject{
		ErrorType:    aws.ToString(e.ErrorType),
		ErrorMessage: aws.ToString(e.ErrorMessage),
		ErrorData:    aws.ToString(e.ErrorData),
		StackTrace:   e.StackTrace,
	}
}

func fromSDKTime(t *time.Time) *wire.Timestamp {
	if t == nil {
		return nil
	}
	return wire.At(*t)
}

func fromSDKOperations(ops []types.Operation) []Operation {
	out := make([]Operation, len(ops))
	for i := range ops {
		out[i] = fromSDKOperation(&ops[i])
	}
	return out
}

func fromSDKOperation(op *types.Operation) Operation {
	out := Operation{
		Id:             aws.ToString(op.Id),
		ParentId:       aws.ToString(op.ParentId),
		Name:           aws.ToString(op.Name),
		Type:           wire.OperationType(op.Type),
		SubType:        aws.ToString(op.SubType),
		Status:         wire.OperationStatus(op.Status),
		StartTimestamp: fromSDKTime(op.StartTimestamp),
		EndTimestamp:   fromSDKTime(op.EndTimestamp),
	}
	if d := op.ExecutionDetails; d != nil {
		out.ExecutionDetails = &ExecutionDetails{InputPayload: d.InputPayload}
	}
	if d := op.StepDetails; d != nil {
		out.StepDetails = &StepDetails{Attempt: int(d.Attempt), NextAttemptTimestamp: fromSDKTime(d.NextAttemptTimestamp), Result: d.Result, Error: fromSDKError(d.Error)}
	}
	if d := op.WaitDetails; d != nil {
		out.WaitDetails = &WaitDetails{ScheduledEndTimestamp: fromSDKTime(d.ScheduledEndTimestamp)}
	}
	if d := op.CallbackDetails; d != nil {
		out.CallbackDetails = &CallbackDetails{CallbackId: aws.ToString(d.CallbackId), Result: d.Result, Error: fromSDKError(d.Error)}
	}
	if d := op.ChainedInvokeDetails; d != nil {
		out.ChainedInvokeDetails = &ChainedInvokeDetails{Result: d.Result, Error: fromSDKError(d.Error)}
	}
	if d := op.ContextDetails; d != nil {
		out.ContextDetails = &ContextDetails{Result: d.Result, Error: fromSDKError(d.Error), ReplayChildren: aws.ToBool(d.ReplayChildren)}
	}
	return out
}
