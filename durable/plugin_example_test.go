package durable_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// A plugin observes an execution through hooks. Here a step fails its
// first attempt, so the execution takes two invocations: the second one
// replays the step (its start fires again with replay=true) and runs
// attempt 2. A wrap hook puts a value into the context the step body sees,
// as a tracing plugin puts its span.
func ExampleWithPlugins() {
	type traceKey struct{}
	audit := durable.Plugin{
		OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
			fmt.Println("invocation starts, first:", i.IsFirstInvocation)
		},
		OnOperationStart: func(_ context.Context, op durable.OperationHookInfo) {
			fmt.Printf("%s %q starts (replay=%v)\n", op.Type, op.Name, op.IsReplay)
		},
		WrapOperationAttemptFn: func(ctx context.Context, a durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return fn(context.WithValue(ctx, traceKey{}, fmt.Sprintf("span-%s-%d", a.Name, a.Attempt)))
		},
		OnOperationAttemptEnd: func(_ context.Context, a durable.AttemptEndHookInfo) {
			fmt.Printf("attempt %d of %q: %s\n", a.Attempt, a.Name, a.Outcome)
		},
		OnInvocationEnd: func(_ context.Context, i durable.InvocationEndHookInfo) {
			fmt.Println("invocation ends:", i.Status)
		},
	}
	handler := func(ctx durable.Context, order string) (string, error) {
		return durable.Step(ctx, "charge", func(sc durable.StepContext) (string, error) {
			fmt.Println("  body sees", sc.Value(traceKey{}))
			if sc.Attempt() == 1 {
				return "", fmt.Errorf("card declined")
			}
			return "charged " + order, nil
		}, durable.WithRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 2, InitialDelay: time.Second})))
	}
	r := durabletest.NewLocalRunner(handler, durable.WithPlugins(audit), durable.WithLogHandler(slog.DiscardHandler))
	res, err := r.RunUntilComplete("order-1", durabletest.WithoutReplayCheck())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.RawResult)
	// Output:
	// invocation starts, first: true
	// STEP "charge" starts (replay=false)
	//   body sees span-charge-1
	// attempt 1 of "charge": FAILED
	// invocation ends: PENDING
	// invocation starts, first: false
	// STEP "charge" starts (replay=true)
	//   body sees span-charge-2
	// attempt 2 of "charge": SUCCEEDED
	// invocation ends: SUCCEEDED
	// SUCCEEDED "charged order-1"
}
