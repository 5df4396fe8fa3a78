// Command plain is the plain (not durable) function of the apptest
// stack: an ordinary Lambda handler that triples its input and reports
// the configuration Lambda gave it, or fails for a negative number.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Input is the number to triple.
type Input struct {
	N int `json:"n"`
}

// Output is the tripled number and what the function saw of its
// configuration and invocation.
type Output struct {
	Tripled int    `json:"tripled"`
	Suffix  string `json:"suffix"`  // the SUFFIX environment variable
	Memory  string `json:"memory"`  // AWS_LAMBDA_FUNCTION_MEMORY_SIZE
	Invoked string `json:"invoked"` // the ARN it was invoked through
}

func handler(ctx context.Context, in Input) (Output, error) {
	if in.N < 0 {
		return Output{}, errors.New("a negative number cannot be tripled")
	}
	out := Output{Tripled: 3 * in.N, Suffix: os.Getenv("SUFFIX"), Memory: os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out.Invoked = lc.InvokedFunctionArn
	}
	return out, nil
}

func main() { lambda.Start(handler) }
