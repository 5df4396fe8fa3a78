// Command callee is the invoked function of the apptest stack: it doubles
// its input in a step and reports the configuration Lambda gave it.
package main

import (
	"os"

	"github.com/acme/durable-lambda-go/durable"
)

// Input is the number to double.
type Input struct {
	N int `json:"n"`
}

// Output is the doubled number and what the function saw of its
// configuration.
type Output struct {
	Doubled  int    `json:"doubled"`
	Greeting string `json:"greeting"` // the GREETING environment variable
	Memory   string `json:"memory"`   // AWS_LAMBDA_FUNCTION_MEMORY_SIZE
}

func handler(ctx durable.Context, in Input) (Output, error) {
	return durable.Step(ctx, "double", func(durable.StepContext) (Output, error) {
		return Output{
			Doubled:  2 * in.N,
			Greeting: os.Getenv("GREETING"),
			Memory:   os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
		}, nil
	})
}

func main() { durable.Start(handler) }
