package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/internal/lambdahistory"
	"github.com/acme/durable-lambda-go/wire"
)

// pageSize is MaxItems of the list and history pages the commands read:
// the most the API allows.
const pageSize = 1000

// client reads and drives executions through the AWS SDK's Lambda client,
// at a local endpoint or at AWS, and returns the wire types that the
// commands print.
type client struct {
	api  *lambda.Client
	opts lambdaclient.Options
}

// unreachableError reports that no endpoint answered at all.
type unreachableError struct {
	opts lambdaclient.Options
	err  error
}

func (e *unreachableError) Error() string {
	if e.opts.IsAWS() {
		return fmt.Sprintf("cannot reach AWS Lambda: %v", e.err)
	}
	return fmt.Sprintf("cannot reach the endpoint %s (is `durablectl serve` running? if it listens on another --addr, give that address as --endpoint http://HOST:PORT; --endpoint aws for AWS Lambda): %v", e.opts.Endpoint, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// serviceError is an error answered by the service (the SDK's error
// wraps a typed one such as *types.ResourceNotFoundException), told by its
// code and message, and the request id for AWS support.
type serviceError struct {
	api       smithy.APIError
	requestID string
	err       error // the SDK's error
}

func (e *serviceError) Error() string {
	msg := e.api.ErrorCode() + ": " + e.api.ErrorMessage()
	if e.requestID != "" {
		msg += " (request id " + e.requestID + ")"
	}
	return msg
}

func (e *serviceError) Unwrap() error { return e.err }

// check returns ctx's error when ctx ended, turns a failure to send a
// request into an *unreachableError and the service's answer into a
// *serviceError.
func (c *client) check(ctx context.Context, err error) error {
	var (
		send *smithyhttp.RequestSendError
		api  smithy.APIError
	)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &send):
		return &unreachableError{opts: c.opts, err: send.Err}
	case errors.As(err, &api):
		se := &serviceError{api: api, err: err}
		if re := (*awshttp.ResponseError)(nil); errors.As(err, &re) {
			se.requestID = re.ServiceRequestID()
		}
		return se
	}
	return err
}

// getExecution calls GetDurableExecution.
func (c *client) getExecution(ctx context.Context, arn string) (wire.Execution, error) {
	out, err := c.api.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		return wire.Execution{}, c.check(ctx, err)
	}
	return lambdahistory.ExecutionToWire(out)
}

// history calls GetDurableExecutionHistory until every page is read.
func (c *client) history(ctx context.Context, arn string) ([]wire.Event, error) {
	p := lambda.NewGetDurableExecutionHistoryPaginator(c.api, &lambda.GetDurableExecutionHistoryInput{
		DurableExecutionArn: aws.String(arn), MaxItems: pageSize,
	})
	var events []types.Event
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, c.check(ctx, err)
		}
		events = append(events, page.Events...)
	}
	return lambdahistory.ToWireAll(events)
}

// list calls ListDurableExecutionsByFunction with the filters of in until
// every page is read.
func (c *client) list(ctx context.Context, in *lambda.ListDurableExecutionsByFunctionInput) ([]wire.ExecutionSummary, error) {
	in.MaxItems = pageSize
	p := lambda.NewListDurableExecutionsByFunctionPaginator(c.api, in)
	var all []types.Execution
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, c.check(ctx, err)
		}
		all = append(all, page.DurableExecutions...)
	}
	return lambdahistory.SummariesToWire(all)
}

// stop calls StopDurableExecution; cause may be nil.
func (c *client) stop(ctx context.Context, arn string, cause *types.ErrorObject) (wire.StopOutput, error) {
	out, err := c.api.StopDurableExecution(ctx, &lambda.StopDurableExecutionInput{DurableExecutionArn: aws.String(arn), Error: cause})
	if err != nil {
		return wire.StopOutput{}, c.check(ctx, err)
	}
	var stopped wire.StopOutput
	if out.StopTimestamp != nil {
		stopped.StopTimestamp = &wire.Timestamp{Time: *out.StopTimestamp}
	}
	return stopped, nil
}

// callback calls SendDurableExecutionCallback{Success,Failure,Heartbeat}:
// action is succeed (with result, which may be empty), fail (with cause)
// or heartbeat.
func (c *client) callback(ctx context.Context, id, action string, result []byte, cause *types.ErrorObject) error {
	var err error
	switch action {
	case "succeed":
		_, err = c.api.SendDurableExecutionCallbackSuccess(ctx, &lambda.SendDurableExecutionCallbackSuccessInput{CallbackId: aws.String(id), Result: result})
	case "fail":
		_, err = c.api.SendDurableExecutionCallbackFailure(ctx, &lambda.SendDurableExecutionCallbackFailureInput{CallbackId: aws.String(id), Error: cause})
	case "heartbeat":
		_, err = c.api.SendDurableExecutionCallbackHeartbeat(ctx, &lambda.SendDurableExecutionCallbackHeartbeatInput{CallbackId: aws.String(id)})
	default:
		return fmt.Errorf("unknown callback action %q", action)
	}
	return c.check(ctx, err)
}

// isNotFound reports whether err is the service's ResourceNotFoundException.
func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}
