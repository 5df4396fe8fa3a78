// Command caller is the invoking function of the apptest stack: it waits
// as long as its input says, then invokes the durable function whose
// alias ARN its CALLEE environment variable holds and the plain function
// whose alias ARN PLAIN holds, and returns their results.
package main

import (
	"os"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Input is passed on to the callee.
type Input struct {
	N           int `json:"n"`
	WaitSeconds int `json:"waitSeconds"`
}

// Output is the callee's result and the ARN it was invoked through, and
// the plain function's result.
type Output struct {
	Callee string         `json:"callee"`
	Result map[string]any `json:"result"`
	Plain  map[string]any `json:"plain"`
}

func handler(ctx durable.Context, in Input) (Output, error) {
	if err := durable.Wait(ctx, "wait", time.Duration(in.WaitSeconds)*time.Second); err != nil {
		return Output{}, err
	}
	target := os.Getenv("CALLEE")
	res, err := durable.Invoke[map[string]any](ctx, "callee", target, in)
	if err != nil {
		return Output{}, err
	}
	plain, err := durable.Invoke[map[string]any](ctx, "plain", os.Getenv("PLAIN"), in)
	if err != nil {
		return Output{}, err
	}
	return Output{Callee: target, Result: res, Plain: plain}, nil
}

func main() { durable.Start(handler) }
