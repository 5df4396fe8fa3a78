// Command fn is a small durable function for the httpapi tests. It speaks
// the invocation envelope directly (no SDK) and checkpoints through
// aws-sdk-go-v2's lambda client, which finds the local endpoint through
// AWS_ENDPOINT_URL_LAMBDA, as a deployed function would find the service.
//
// Its input is {"name": string, "callback": bool, "fail": bool}. It records
// a step "greet", then, with callback, creates a callback "approval" and
// suspends until the callback closes; it returns
// {"greeting": ..., "approval": <callback result>}. With fail it returns a
// FAILED envelope instead. With resultBytes > 0 its result is a JSON
// string of that many bytes made of escaped quotes (\"), recorded the
// way SDKs record a result too large for the response (protocol.md §1.2):
// an EXECUTION SUCCEED update carrying it, then an empty result.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/acme/durable-lambda-go/wire"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

type input struct {
	Name     string `json:"name"`
	Callback bool   `json:"callback"`
	Fail     bool   `json:"fail"`
	// ResultBytes asks for a large result checkpointed on the EXECUTION.
	ResultBytes int `json:"resultBytes"`
}

const (
	greetID    = "greet"
	approvalID = "approval"
)

func main() {
	client := awslambda.New(awslambda.Options{
		Region:       os.Getenv("AWS_REGION"),
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL_LAMBDA")),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	})
	lambda.Start(func(ctx context.Context, env wire.InvocationInput) (wire.InvocationOutput, error) {
		return run(ctx, client, env)
	})
}

func run(ctx context.Context, client *awslambda.Client, env wire.InvocationInput) (wire.InvocationOutput, error) {
	ops, err := state(ctx, client, env)
	if err != nil {
		return wire.InvocationOutput{}, err
	}
	var in input
	for _, op := range ops {
		if op.Type == types.OperationTypeExecution && op.ExecutionDetails != nil {
			if err := json.Unmarshal([]byte(aws.ToString(op.ExecutionDetails.InputPayload)), &in); err != nil {
				return failed("InputError", err.Error()), nil
			}
		}
	}
	if in.Fail {
		return failed("RequestedFailure", "the input asked to fail"), nil
	}
	greeting := fmt.Sprintf("%q", "hello "+in.Name)
	token := env.CheckpointToken
	if find(ops, greetID) == nil {
		out, err := client.CheckpointDurableExecution(ctx, &awslambda.CheckpointDurableExecutionInput{
			DurableExecutionArn: aws.String(env.DurableExecutionArn),
			CheckpointToken:     aws.String(token),
			Updates: []types.OperationUpdate{
				{Id: aws.String(greetID), Name: aws.String("greet"), Type: types.OperationTypeStep, SubType: aws.String("Step"), Action: types.OperationActionStart},
				{Id: aws.String(greetID), Name: aws.String("greet"), Type: types.OperationTypeStep, SubType: aws.String("Step"), Action: types.OperationActionSucceed, Payload: aws.String(greeting)},
			},
		})
		if err != nil {
			return wire.InvocationOutput{}, err
		}
		token = aws.ToString(out.CheckpointToken)
	}
	if in.ResultBytes > 0 {
		return checkpointResult(ctx, client, env, token, in.ResultBytes)
	}
	result := map[string]any{"greeting": "hello " + in.Name}
	if in.Callback {
		cb := find(ops, approvalID)
		switch {
		case cb == nil:
			_, err := client.CheckpointDurableExecution(ctx, &awslambda.CheckpointDurableExecutionInput{
				DurableExecutionArn: aws.String(env.DurableExecutionArn),
				CheckpointToken:     aws.String(token),
				Updates: []types.OperationUpdate{{
					Id: aws.String(approvalID), Name: aws.String("approval"), Type: types.OperationTypeCallback,
					SubType: aws.String("Callback"), Action: types.OperationActionStart,
					CallbackOptions: &types.CallbackOptions{TimeoutSeconds: 3600},
				}},
			})
			if err != nil {
				return wire.InvocationOutput{}, err
			}
			return wire.InvocationOutput{Status: wire.InvocationStatusPending}, nil
		case cb.Status == types.OperationStatusStarted:
			return wire.InvocationOutput{Status: wire.InvocationStatusPending}, nil
		case cb.Status == types.OperationStatusSucceeded:
			result["approval"] = json.RawMessage(aws.ToString(cb.CallbackDetails.Result))
		default:
			msg := string(cb.Status)
			if cb.CallbackDetails != nil && cb.CallbackDetails.Error != nil {
				msg = aws.ToString(cb.CallbackDetails.Error.ErrorMessage)
			}
			return failed("ApprovalFailed", msg), nil
		}
	}
	b, err := json.Marshal(result)
	if err != nil {
		return wire.InvocationOutput{}, err
	}
	s := string(b)
	return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: &s}, nil
}

// checkpointResult records a JSON string of n bytes as the execution's
// result through an EXECUTION SUCCEED update (the operation id is the
// EXECUTION operation's) and returns the empty result SDKs return then.
func checkpointResult(ctx context.Context, client *awslambda.Client, env wire.InvocationInput, token string, n int) (wire.InvocationOutput, error) {
	arn, err := wire.ParseExecutionARN(env.DurableExecutionArn)
	if err != nil {
		return wire.InvocationOutput{}, err
	}
	result := `"` + strings.Repeat(`\"`, (n-2)/2) + strings.Repeat(" ", n%2) + `"`
	_, err = client.CheckpointDurableExecution(ctx, &awslambda.CheckpointDurableExecutionInput{
		DurableExecutionArn: aws.String(env.DurableExecutionArn),
		CheckpointToken:     aws.String(token),
		Updates: []types.OperationUpdate{{Id: aws.String(arn.ID), Type: types.OperationTypeExecution,
			Action: types.OperationActionSucceed, Payload: aws.String(result)}},
	})
	if err != nil {
		return failed("CheckpointError", err.Error()), nil
	}
	return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: aws.String("")}, nil
}

// state reads every page of the execution's operations through
// GetDurableExecutionState.
func state(ctx context.Context, client *awslambda.Client, env wire.InvocationInput) ([]types.Operation, error) {
	var ops []types.Operation
	var marker *string
	for {
		out, err := client.GetDurableExecutionState(ctx, &awslambda.GetDurableExecutionStateInput{
			DurableExecutionArn: aws.String(env.DurableExecutionArn),
			CheckpointToken:     aws.String(env.CheckpointToken),
			Marker:              marker,
			MaxItems:            1,
		})
		if err != nil {
			return nil, err
		}
		ops = append(ops, out.Operations...)
		if aws.ToString(out.NextMarker) == "" {
			return ops, nil
		}
		marker = out.NextMarker
	}
}

func find(ops []types.Operation, id string) *types.Operation {
	for i := range ops {
		if aws.ToString(ops[i].Id) == id {
			return &ops[i]
		}
	}
	return nil
}

func failed(errorType, msg string) wire.InvocationOutput {
	return wire.InvocationOutput{Status: wire.InvocationStatusFailed, Error: &wire.ErrorObject{ErrorType: errorType, ErrorMessage: msg}}
}
