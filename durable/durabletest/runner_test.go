package durabletest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

type order struct {
	ID string `json:"id"`
}

// workflow is step "reserve", a 10 s wait, step "charge"; it counts how
// often each step body runs.
func workflow(reserves, charges *atomic.Int32) durable.Handler[order, string] {
	return func(ctx durable.Context, in order) (string, error) {
		r, err := durable.Step(ctx, "reserve", func(durable.StepContext) (string, error) {
			reserves.Add(1)
			return "r-" + in.ID, nil
		})
		if err != nil {
			return "", err
		}
		if err := durable.Wait(ctx, "cool-off", 10*time.Second); err != nil {
			return "", err
		}
		c, err := durable.Step(ctx, "charge", func(durable.StepContext) (string, error) {
			charges.Add(1)
			return "c-" + r, nil
		})
		return c, err
	}
}

func TestRunUntilCompleteSkipsTime(t *testing.T) {
	var reserves, charges atomic.Int32
	r := NewLocalRunner(workflow(&reserves, &charges))
	start := r.Now()
	res, err := r.RunUntilComplete(order{ID: "42"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ResultAs[string](res)
	if err != nil || got != "c-r-42" {
		t.Fatalf("result = %q, %v (status %s, error %+v)", got, err, res.Status, res.Error)
	}
	if reserves.Load() != 1 || charges.Load() != 1 {
		t.Errorf("step bodies ran %d/%d times, want 1/1", reserves.Load(), charges.Load())
	}
	if len(res.Invocations) != 2 {
		t.Errorf("invocations = %d, want 2", len(res.Invocations))
	}
	want := []string{"ExecutionStarted", "StepStarted", "StepSucceeded", "WaitStarted", "InvocationCompleted",
		"WaitSucceeded", "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"}
	if !slices.Equal(res.EventTypes(), want) {
		t.Errorf("events = %v, want %v", res.EventTypes(), want)
	}
	wait := res.Operation("cool-off")
	if wait == nil || wait.Type != "WAIT" || !wait.WaitDetails.ScheduledEndTime.Equal(start.Add(10*time.Second)) {
		t.Errorf("wait = %+v", wait)
	}
	if v, err := OperationResultAs[string](res.Operation("reserve")); err != nil || v != "r-42" {
		t.Errorf("reserve result = %q, %v", v, err)
	}
	if op := res.OperationByIndex(2); op == nil || op.Name != "charge" || res.OperationByID(op.ID) != op {
		t.Errorf("OperationByIndex(2) = %+v", op)
	}
	if n := len(res.OperationsByType("STEP")); n != 2 {
		t.Errorf("steps = %d", n)
	}
	tree := res.FormatTree()
	for _, line := range []string{"execution SUCCEEDED", "├── reserve  STEP/Step  SUCCEEDED  attempts=1  0s", "├── cool-off  WAIT/Wait  SUCCEEDED  10s", "└── charge  STEP/Step  SUCCEEDED  attempts=1  0s"} {
		if !strings.Contains(tree, line) {
			t.Errorf("tree lacks %q:\n%s", line, tree)
		}
	}
}

func TestRunIsOneInvocationAndContinues(t *testing.T) {
	var reserves, charges atomic.Int32
	r := NewLocalRunner(workflow(&reserves, &charges))
	res, err := r.Run(order{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusPending || len(res.Invocations) != 1 || len(res.Waiting) != 0 {
		t.Fatalf("after Run: %s with %d invocations, waiting %v", res.Status, len(res.Invocations), res.Waiting)
	}
	if !r.CompletePendingTimers() {
		t.Fatal("no pending timer after the first invocation")
	}
	res, err = r.Run(order{ID: "ignored while running"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusSucceeded || res.RawResult != `"c-r-1"` || len(res.Invocations) != 2 {
		t.Fatalf("after the second Run: %s %q with %d invocations", res.Status, res.RawResult, len(res.Invocations))
	}
	if r.CompletePendingTimers() {
		t.Error("a timer is still pending after completion")
	}
	// A closed execution is not continued: the next run starts anew.
	res, err = r.RunUntilComplete(order{ID: "2"})
	if err != nil || res.RawResult != `"c-r-2"` {
		t.Fatalf("second execution = %+v, %v", res, err)
	}
}

// TestFaultsReplay proves replay: whatever checkpoint fails, is dropped or
// crashes the invocation, the execution reaches the same result and a step
// that completed is never run again.
func TestFaultsReplay(t *testing.T) {
	// A clean run checkpoints (1) reserve, (2) the wait, (3) charge. A
	// failed checkpoint never reached the service, so the step it carried
	// runs again; a dropped or crashed one was applied, so nothing re-runs.
	reruns := func(n int) (int32, int32) {
		return 1 + b2i(n == 1), 1 + b2i(n == 3)
	}
	once := func(int) (int32, int32) { return 1, 1 }
	tests := []struct {
		name   string
		inject func(r *LocalRunner[order, string], n int)
		runs   func(n int) (reserves, charges int32)
	}{
		{name: "fail", inject: func(r *LocalRunner[order, string], n int) { r.FailCheckpoint(n, nil) }, runs: reruns},
		{name: "drop", inject: func(r *LocalRunner[order, string], n int) { r.DropCheckpoint(n) }, runs: once},
		{name: "crash", inject: func(r *LocalRunner[order, string], n int) { r.CrashAfterCheckpoint(n) }, runs: once},
	}
	// Count the checkpoints of a clean run first.
	var a, b atomic.Int32
	clean := NewLocalRunner(workflow(&a, &b))
	if _, err := clean.RunUntilComplete(order{ID: "x"}); err != nil {
		t.Fatal(err)
	}
	total := clean.Checkpoints()
	if total != 3 {
		t.Fatalf("a clean run made %d checkpoints, want 3", total)
	}
	for _, tt := range tests {
		for n := 1; n <= total; n++ {
			t.Run(tt.name+"/"+string(rune('0'+n)), func(t *testing.T) {
				var reserves, charges atomic.Int32
				r := NewLocalRunner(workflow(&reserves, &charges))
				tt.inject(r, n)
				res, err := r.RunUntilComplete(order{ID: "x"})
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != StatusSucceeded || res.RawResult != `"c-r-x"` {
					t.Fatalf("status %s result %q error %+v\n%s", res.Status, res.RawResult, res.Error, res.FormatTree())
				}
				if len(res.Invocations) < 3 {
					t.Errorf("invocations = %d, want the failed one plus two", len(res.Invocations))
				}
				failed := 0
				for _, inv := range res.Invocations {
					if inv.Error != nil {
						failed++
						if tt.name == "crash" && inv.Error.ErrorType != "Runtime.ExitError" {
							t.Errorf("crashed invocation recorded as %+v", inv.Error)
						}
					}
				}
				if failed != 1 {
					t.Errorf("failed invocations = %d, want 1", failed)
				}
				wantR, wantC := tt.runs(n)
				if reserves.Load() != wantR || charges.Load() != wantC {
					t.Errorf("step bodies ran %d/%d times, want %d/%d", reserves.Load(), charges.Load(), wantR, wantC)
				}
			})
		}
	}
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func TestOmittedTokenSuspends(t *testing.T) {
	var reserves, charges atomic.Int32
	r := NewLocalRunner(workflow(&reserves, &charges))
	r.OmitTokenOnCheckpoint(1)
	res, err := r.RunUntilComplete(order{ID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusSucceeded || res.RawResult != `"c-r-t"` || reserves.Load() != 1 {
		t.Fatalf("result = %s %q, reserve ran %d times\n%s", res.Status, res.RawResult, reserves.Load(), res.FormatTree())
	}
	if len(res.Invocations) < 3 {
		t.Errorf("invocations = %d, want an extra one after the token-less response", len(res.Invocations))
	}
}

func TestHandlerErrorFailsExecution(t *testing.T) {
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		return "", errors.New("bad input")
	})
	res, err := r.RunUntilComplete("x")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusFailed || res.Error == nil || res.Error.ErrorMessage != "bad input" {
		t.Fatalf("result = %s %+v", res.Status, res.Error)
	}
	if _, err := ResultAs[string](res); !errors.Is(err, ErrNoResult) {
		t.Errorf("ResultAs on a failed run: %v", err)
	}
}

func TestInvocationCap(t *testing.T) {
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		for i := range 5 {
			if err := durable.Wait(ctx, "w"+string(rune('0'+i)), time.Second); err != nil {
				return "", err
			}
		}
		return "done", nil
	})
	res, err := r.RunUntilComplete("x", WithMaxInvocations(3))
	if err != nil {
		t.Fatal(err)
	}
	if !res.CapReached || res.Status != StatusPending || len(res.Invocations) != 3 {
		t.Fatalf("capped run = %s cap=%v invocations=%d", res.Status, res.CapReached, len(res.Invocations))
	}
	res, err = r.RunUntilComplete("x")
	if err != nil || res.Status != StatusSucceeded || len(res.Invocations) != 6 {
		t.Fatalf("continued run = %s with %d invocations, %v", res.Status, len(res.Invocations), err)
	}
}

func TestWithExecutionName(t *testing.T) {
	var reserves, charges atomic.Int32
	r := NewLocalRunner(workflow(&reserves, &charges))
	named := WithExecutionName("order-42")
	first, err := r.RunUntilComplete(order{ID: "42"}, named)
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != StatusSucceeded || !strings.Contains(first.ExecutionArn, "/durable-execution/order-42/") {
		t.Fatalf("first run: status %s, arn %s", first.Status, first.ExecutionArn)
	}
	tests := []struct {
		name    string
		run     func() (*TestResult, error)
		wantArn bool   // the first execution comes back
		wantErr string // the service's error code
	}{
		{"same name and event, RunUntilComplete", func() (*TestResult, error) { return r.RunUntilComplete(order{ID: "42"}, named) }, true, ""},
		{"same name, other event", func() (*TestResult, error) { return r.RunUntilComplete(order{ID: "43"}, named) }, false, "DurableExecutionAlreadyStartedException"},
		{"no name", func() (*TestResult, error) { return r.RunUntilComplete(order{ID: "42"}) }, false, ""},
		{"invalid name", func() (*TestResult, error) {
			return r.RunUntilComplete(order{ID: "42"}, WithExecutionName("no spaces"))
		}, false, "InvalidParameterValueException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.run()
			if tt.wantErr != "" {
				var apiErr *wire.APIError
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantErr {
					t.Fatalf("err = %v, want a *wire.APIError %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := res.ExecutionArn == first.ExecutionArn; got != tt.wantArn {
				t.Errorf("arn %s, first %s: same = %v, want %v", res.ExecutionArn, first.ExecutionArn, got, tt.wantArn)
			}
			if res.Status != StatusSucceeded {
				t.Errorf("status %s", res.Status)
			}
		})
	}
	// The named execution and the unnamed one ran the steps; the repeated
	// names invoked nothing.
	if reserves.Load() != 2 || charges.Load() != 2 {
		t.Errorf("step bodies ran %d/%d times, want 2/2 (two executions)", reserves.Load(), charges.Load())
	}
}

func TestWithMaxOperations(t *testing.T) {
	steps := func(ctx durable.Context, n int) (int, error) {
		for i := range n {
			if _, err := durable.Step(ctx, "s"+strconv.Itoa(i), func(durable.StepContext) (int, error) { return i, nil }); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
	tests := []struct {
		name       string
		steps      int
		opts       []RunnerOption
		wantStatus ExecutionStatus
	}{
		{"within the limit", 5, []RunnerOption{WithMaxOperations(5)}, StatusSucceeded},
		{"one over the limit", 5, []RunnerOption{WithMaxOperations(4)}, StatusFailed},
		{"without the option", 5, nil, StatusSucceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewLocalRunner(steps).RunUntilComplete(tt.steps, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus {
				t.Fatalf("status %s, want %s (error %+v)", res.Status, tt.wantStatus, res.Error)
			}
			if tt.wantStatus == StatusFailed && !strings.Contains(res.Error.ErrorMessage, "maximum of 4 operations") {
				t.Errorf("error %+v, want the service's operation limit", res.Error)
			}
		})
	}
}
