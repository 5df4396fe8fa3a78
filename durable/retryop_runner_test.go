package durable_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// chargeOnce fails the first n attempts of a Retry with a step that does
// not retry on its own, then succeeds.
func chargeOnce(n int) func(ctx durable.Context, attempt int) (string, error) {
	return func(ctx durable.Context, attempt int) (string, error) {
		return durable.Step(ctx, "authorize", func(durable.StepContext) (string, error) {
			if attempt <= n {
				return "", errors.New("card declined")
			}
			return fmt.Sprintf("auth-%d", attempt), nil
		}, durable.WithRetry(durable.NoRetry()))
	}
}

// TestRetryHistory runs Retry against the emulator and checks the history
// the service records and the operation tree.
func TestRetryHistory(t *testing.T) {
	twoAttempts := durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 2, InitialDelay: 3 * time.Second, Jitter: durable.JitterNone})
	firstInvocation := []string{"ExecutionStarted", "ContextStarted", "ContextStarted", "StepStarted", "StepFailed", "ContextFailed",
		"WaitStarted", "InvocationCompleted", "WaitSucceeded", "ContextStarted", "StepStarted"}
	tests := []struct {
		name       string
		fails      int
		opts       []durable.RetryOption
		wantStatus durabletest.ExecutionStatus
		wantEvents []string
		// wantOps: each operation in start order, with its parent's name.
		wantOps []string
	}{
		{name: "second attempt succeeds", fails: 1, wantStatus: durabletest.StatusSucceeded,
			wantEvents: append(firstInvocation, "StepSucceeded", "ContextSucceeded", "ContextSucceeded", "InvocationCompleted", "ExecutionSucceeded"),
			wantOps: []string{"charge CONTEXT/RunInChildContext SUCCEEDED under -",
				"charge-attempt-1 CONTEXT/RunInChildContext FAILED under charge", "authorize STEP/Step FAILED under charge-attempt-1",
				"charge-backoff-1 WAIT/Wait SUCCEEDED under charge",
				"charge-attempt-2 CONTEXT/RunInChildContext SUCCEEDED under charge", "authorize STEP/Step SUCCEEDED under charge-attempt-2"}},
		{name: "attempts exhausted", fails: 2, wantStatus: durabletest.StatusFailed,
			wantEvents: append(firstInvocation, "StepFailed", "ContextFailed", "ContextFailed", "InvocationCompleted", "ExecutionFailed"),
			wantOps: []string{"charge CONTEXT/RunInChildContext FAILED under -",
				"charge-attempt-1 CONTEXT/RunInChildContext FAILED under charge", "authorize STEP/Step FAILED under charge-attempt-1",
				"charge-backoff-1 WAIT/Wait SUCCEEDED under charge",
				"charge-attempt-2 CONTEXT/RunInChildContext FAILED under charge", "authorize STEP/Step FAILED under charge-attempt-2"}},
		{name: "flat attempts", fails: 1, opts: []durable.RetryOption{durable.WithAttemptChildContext(false)}, wantStatus: durabletest.StatusSucceeded,
			wantEvents: []string{"ExecutionStarted", "ContextStarted", "StepStarted", "StepFailed", "WaitStarted", "InvocationCompleted",
				"WaitSucceeded", "StepStarted", "StepSucceeded", "ContextSucceeded", "InvocationCompleted", "ExecutionSucceeded"},
			wantOps: []string{"charge CONTEXT/RunInChildContext SUCCEEDED under -",
				"authorize STEP/Step FAILED under charge", "charge-backoff-1 WAIT/Wait SUCCEEDED under charge",
				"authorize STEP/Step SUCCEEDED under charge"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := durabletest.NewLocalRunner(func(ctx durable.Context, _ string) (string, error) {
				return durable.Retry(ctx, "charge", chargeOnce(tt.fails), twoAttempts, tt.opts...)
			})
			res, err := r.RunUntilComplete("order-1")
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus {
				t.Fatalf("status %s (error %v), want %s", res.Status, res.Error, tt.wantStatus)
			}
			if got := res.EventTypes(); !reflect.DeepEqual(got, tt.wantEvents) {
				t.Errorf("events\n %s\nwant\n %s", strings.Join(got, " "), strings.Join(tt.wantEvents, " "))
			}
			if got := operationLines(res); !reflect.DeepEqual(got, tt.wantOps) {
				t.Errorf("operations\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(tt.wantOps, "\n "))
			}
			if w := res.Operation("charge-backoff-1").WaitDetails; w == nil || w.ScheduledEndTime.Sub(res.Operation("charge-backoff-1").StartTime) != 3*time.Second {
				t.Errorf("backoff %+v, want 3 s", w)
			}
			if tt.wantStatus == durabletest.StatusFailed {
				want := &durabletest.TestError{ErrorType: "RetryError", ErrorMessage: "card declined",
					ErrorData: `{"attempts":2,"errorType":"StepError"}`}
				if !reflect.DeepEqual(res.Error, want) {
					t.Errorf("error %+v, want %+v", res.Error, want)
				}
			}
		})
	}
}

// operationLines describes each operation in start order as
// "<name> <type>/<subtype> <status> under <parent's name>" ("-" for none).
func operationLines(res *durabletest.TestResult) []string {
	var out []string
	for _, op := range res.Operations {
		parent := "-"
		if p := res.OperationByID(op.ParentID); p != nil {
			parent = p.Name
		}
		out = append(out, fmt.Sprintf("%s %s/%s %s under %s", op.Name, op.Type, op.SubType, op.Status, parent))
	}
	return out
}

func ExampleRetry() {
	handler := func(ctx durable.Context, order string) (string, error) {
		// Each attempt runs the group of operations in a child context of
		// its own; between attempts a durable wait runs, so the invocation
		// suspends instead of sleeping.
		return durable.Retry(ctx, "charge", func(ctx durable.Context, attempt int) (string, error) {
			return durable.Step(ctx, "authorize", func(durable.StepContext) (string, error) {
				if attempt == 1 {
					return "", errors.New("card declined")
				}
				return "paid " + order, nil
			}, durable.WithRetry(durable.NoRetry()))
		}, durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 3, InitialDelay: 10 * time.Second, Jitter: durable.JitterNone}))
	}
	res, err := durabletest.NewLocalRunner(handler).RunUntilComplete("o-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.RawResult, len(res.Invocations), "invocations")
	fmt.Print(res.FormatTree(durabletest.ColumnType, durabletest.ColumnStatus, durabletest.ColumnDuration))
	// Output:
	// SUCCEEDED "paid o-1" 2 invocations
	// execution SUCCEEDED
	// └── charge  CONTEXT/RunInChildContext  SUCCEEDED  10s
	//     ├── charge-attempt-1  CONTEXT/RunInChildContext  FAILED  0s
	//     │   └── authorize  STEP/Step  FAILED  0s
	//     ├── charge-backoff-1  WAIT/Wait  SUCCEEDED  10s
	//     └── charge-attempt-2  CONTEXT/RunInChildContext  SUCCEEDED  0s
	//         └── authorize  STEP/Step  SUCCEEDED  0s
}
