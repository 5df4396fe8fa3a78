package durable_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// acceptAll is a stand-in for the durable-execution service that accepts
// every checkpoint. Real tests use the durabletest package.
type acceptAll struct{ n int }

func (a *acceptAll) Checkpoint(context.Context, durable.CheckpointInput) (durable.CheckpointOutput, error) {
	a.n++
	return durable.CheckpointOutput{CheckpointToken: "token-" + strconv.Itoa(a.n)}, nil
}

func (a *acceptAll) GetExecutionState(context.Context, durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	return durable.GetExecutionStateOutput{}, nil
}

// firstInvocation is the envelope of an execution's first invocation with
// the given JSON input.
func firstInvocation(input string) []byte {
	return []byte(`{"DurableExecutionArn":"arn:aws:lambda:us-east-1:123456789012:function:greeter:1/durable-execution/run-1/e1",` +
		`"CheckpointToken":"token-0","InitialExecutionState":{"Operations":[{"Id":"e1","Type":"EXECUTION","Status":"STARTED",` +
		`"StartTimestamp":1767225600000,"ExecutionDetails":{"InputPayload":` + strconv.Quote(input) + `}}]}}`)
}

func ExampleWrap() {
	greet := func(ctx durable.Context, name string) (string, error) {
		return durable.Step(ctx, "greet", func(durable.StepContext) (string, error) {
			return "Hello, " + name + "!", nil
		})
	}
	invoke := durable.Wrap(greet, durable.WithExecutionClient(&acceptAll{}))
	out, err := invoke(context.Background(), firstInvocation(`"World"`))
	fmt.Println(string(out), err)
	// Output: {"Status":"SUCCEEDED","Result":"\"Hello, World!\""} <nil>
}

func ExampleStep() {
	type charge struct {
		ID     string
		Amount int
	}
	handler := func(ctx durable.Context, amount int) (charge, error) {
		return durable.Step(ctx, "charge", func(sc durable.StepContext) (charge, error) {
			sc.Logger().Info("charging", "amount", amount)
			return charge{ID: "ch_" + strconv.Itoa(sc.Attempt()), Amount: amount}, nil
		},
			durable.WithSemantics(durable.AtMostOncePerRetry),
			durable.WithRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 4})))
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`42`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"{\"ID\":\"ch_1\",\"Amount\":42}"}
}

func ExampleWait() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		if err := durable.Wait(ctx, "cool-off", 90*time.Second); err != nil {
			return "", err // the suspension signal: return it unchanged
		}
		return "done", nil
	}
	// The first invocation starts the wait and suspends.
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`{}`))
	fmt.Println(string(out))

	// The service invokes the function again when the wait is over; the
	// local runner skips the 90 s of virtual time.
	res, _ := durabletest.NewLocalRunner(handler).RunUntilComplete(nil)
	fmt.Println(res.Status, res.RawResult, "after", len(res.Invocations), "invocations")
	// Output:
	// {"Status":"PENDING"}
	// SUCCEEDED "done" after 2 invocations
}

func ExampleStart() {
	durable.Start(func(ctx durable.Context, in struct{ Name string }) (string, error) {
		return durable.Step(ctx, "greet", func(durable.StepContext) (string, error) {
			return "Hello, " + in.Name, nil
		})
	})
}

func ExampleNewRetryStrategy() {
	errThrottled := errors.New("throttled")
	strategy := durable.MustNewRetryStrategy(durable.RetryConfig{
		MaxAttempts:     4,
		InitialDelay:    2 * time.Second,
		BackoffRate:     3,
		Jitter:          durable.JitterNone,
		RetryableErrors: []durable.ErrorMatcher{durable.ErrorIs(errThrottled)},
	})
	for attempt := 1; attempt <= 4; attempt++ {
		d := strategy(durable.RetryAttempt{Err: errThrottled, Attempt: attempt})
		fmt.Println(attempt, d.Retry, d.Delay)
	}
	fmt.Println(strategy(durable.RetryAttempt{Err: errors.New("bad input"), Attempt: 1}).Retry)
	// Output:
	// 1 true 2s
	// 2 true 6s
	// 3 true 18s
	// 4 false 0s
	// false
}
