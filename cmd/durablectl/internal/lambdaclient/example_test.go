package lambdaclient_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
)

// A client of the local endpoint of `durablectl serve`; with Endpoint
// lambdaclient.AWS (and a profile or region) the same code reads an
// execution in an AWS account.
func ExampleNew() {
	ctx := context.Background()
	c, err := lambdaclient.New(ctx, lambdaclient.Options{Endpoint: "http://127.0.0.1:9001"})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := c.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{
		DurableExecutionArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:seed:$LATEST/durable-execution/order-1/8f1c"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Status)
}
