// Command fn is a small durable function for the durablectl tests, built
// on the project's SDK: a step, a durable wait, a step that fails before
// it succeeds, and an optional failure.
//
// Input: {"name": string, "wait": seconds, "flaky": failures before the
// "charge" step succeeds, "fail": bool}.
package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

type input struct {
	Name  string `json:"name"`
	Wait  int    `json:"wait"`
	Flaky int    `json:"flaky"`
	Fail  bool   `json:"fail"`
}

type output struct {
	Greeting string `json:"greeting"`
	Attempts int    `json:"attempts"`
}

var retry = durable.MustNewRetryStrategy(durable.RetryConfig{
	MaxAttempts: 3, InitialDelay: 2 * time.Second, Jitter: durable.JitterNone,
})

func handler(ctx durable.Context, in input) (output, error) {
	greeting, err := durable.Step(ctx, "greet", func(durable.StepContext) (string, error) {
		return "hello " + in.Name, nil
	})
	if err != nil {
		return output{}, err
	}
	if in.Wait > 0 {
		if err := durable.Wait(ctx, "cool-down", time.Duration(in.Wait)*time.Second); err != nil {
			return output{}, err
		}
	}
	attempts, err := durable.Step(ctx, "charge", func(sc durable.StepContext) (int, error) {
		if sc.Attempt() <= in.Flaky {
			return 0, fmt.Errorf("gateway unavailable (attempt %d)", sc.Attempt())
		}
		return sc.Attempt(), nil
	}, durable.WithRetry(retry))
	if err != nil {
		return output{}, err
	}
	if in.Fail {
		return output{}, errors.New("the input asked to fail")
	}
	return output{Greeting: greeting, Attempts: attempts}, nil
}

func main() {
	durable.Start(handler)
}
