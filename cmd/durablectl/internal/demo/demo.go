// Package demo is the small durable workflow durablectl's tests host, both
// as a real bootstrap binary (../../testdata/fn) and in process on the
// local runner, so the two paths can be compared event for event.
//
// It records a step, optionally waits, then runs a step that fails a
// chosen number of times before it succeeds, retried by a fixed strategy.
package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Input is the workflow's event.
type Input struct {
	Name  string `json:"name"`
	Wait  int    `json:"wait,omitempty"`  // seconds of durable wait; none when 0
	Flaky int    `json:"flaky,omitempty"` // failed attempts before "charge" succeeds
	Fail  bool   `json:"fail,omitempty"`  // fail the execution at the end
	Panic bool   `json:"panic,omitempty"` // panic in the body of "charge"
}

// Output is the workflow's result.
type Output struct {
	Greeting string `json:"greeting"`
	Attempts int    `json:"attempts"`
}

// chargeRetry allows three attempts, 2 s then 4 s apart, without jitter so
// that runs are reproducible.
var chargeRetry = durable.MustNewRetryStrategy(durable.RetryConfig{
	MaxAttempts: 3, InitialDelay: 2 * time.Second, Jitter: durable.JitterNone,
})

// ErrRequested is the failure asked for by Input.Fail.
var ErrRequested = errors.New("the input asked to fail")

// PanicValue is what the body of "charge" panics with when Input.Panic
// asks it to.
const PanicValue = "the input asked to panic"

// Handler is the workflow.
func Handler(ctx durable.Context, in Input) (Output, error) {
	greeting, err := durable.Step(ctx, "greet", func(durable.StepContext) (string, error) {
		return "hello " + in.Name, nil
	})
	if err != nil {
		return Output{}, err
	}
	if in.Wait > 0 {
		if err := durable.Wait(ctx, "cool-down", time.Duration(in.Wait)*time.Second); err != nil {
			return Output{}, err
		}
	}
	attempts, err := durable.Step(ctx, "charge", func(sc durable.StepContext) (int, error) {
		if in.Panic {
			panic(PanicValue)
		}
		if sc.Attempt() <= in.Flaky {
			return 0, fmt.Errorf("gateway unavailable (attempt %d)", sc.Attempt())
		}
		return sc.Attempt(), nil
	}, durable.WithRetry(chargeRetry))
	if err != nil {
		return Output{}, err
	}
	if in.Fail {
		return Output{}, ErrRequested
	}
	return Output{Greeting: greeting, Attempts: attempts}, nil
}
