package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/runnerhook"
	"github.com/acme/durable-lambda-go/lambda/workflow"
)

// memStore is an in-memory Store that fails the first failures Puts with
// err and counts every call.
type memStore struct {
	mu       sync.Mutex
	failures int
	err      error
	calls    int
	records  map[string]string
}

func (s *memStore) Put(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls <= s.failures {
		return s.err
	}
	if s.records == nil {
		s.records = map[string]string{}
	}
	s.records[key] = value
	return nil
}

// fixedClock hands out distinct times and counts the calls: every step
// body reads it exactly once when it succeeds.
type fixedClock struct {
	mu    sync.Mutex
	calls int
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return time.Date(2026, 1, 1, 0, 0, c.calls, 0, time.UTC)
}

func newRunner(t *testing.T, store workflow.Store, clock *fixedClock) *durabletest.LocalRunner[json.RawMessage, workflow.Output] {
	t.Helper()
	w, err := workflow.New(workflow.Config{Store: store, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	// The step bodies log; to stdout, a write can block on a full pipe
	// while the test binary's output is read slowly (a loaded machine), and
	// the SDK's checkpoint queue rightly counts a body blocked in a system
	// call as idle: its fallback sends the step's START alone. That changes
	// how updates group into checkpoints, so the kth checkpoint of one run
	// would not be the kth of another and the fault-injection tests, which
	// count checkpoints, would not be deterministic. Logs are discarded.
	return durabletest.NewLocalRunner(w.Handle, durable.WithLogHandler(slog.NewJSONHandler(io.Discard, nil)))
}

var input = json.RawMessage(`{"message":"  hello   durable world ","execution_name":"order-42"}`)

func TestHappyPath(t *testing.T) {
	store, clock := &memStore{}, &fixedClock{}
	res, err := newRunner(t, store, clock).RunUntilComplete(input)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s, error %v", res.Status, res.Error)
	}
	out, err := durabletest.ResultAs[workflow.Output](res)
	if err != nil {
		t.Fatal(err)
	}
	want := workflow.Output{ExecutionID: res.ExecutionArn, StepsCompleted: 3, FinalResult: "stored messages/order-42", Status: "completed"}
	if out != want {
		t.Fatalf("output %+v, want %+v", out, want)
	}
	if got := store.records["messages/order-42"]; got != "HELLO DURABLE WORLD" {
		t.Fatalf("stored %q", got)
	}
	for i, name := range []string{"validate", "transform", "store"} {
		op := res.OperationByIndex(i)
		if op == nil || op.Name != name || op.Status != "SUCCEEDED" {
			t.Fatalf("operation %d = %+v, want %s SUCCEEDED", i, op, name)
		}
		sr, err := durabletest.OperationResultAs[workflow.StepResult](op)
		if err != nil {
			t.Fatal(err)
		}
		if sr.StepName != name || sr.Status != workflow.StepSucceeded || sr.Timestamp.IsZero() {
			t.Fatalf("step %s result %+v", name, sr)
		}
	}
}

func TestTransientStoreFailureIsRetried(t *testing.T) {
	store := &memStore{failures: 2, err: &workflow.TransientError{Err: errors.New("HTTP 503")}}
	res, err := newRunner(t, store, &fixedClock{}).RunUntilComplete(input)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s, error %v", res.Status, res.Error)
	}
	op := res.Operation("store")
	if op.StepDetails == nil || op.StepDetails.Attempt != 3 {
		t.Fatalf("store step details %+v, want 3 attempts", op.StepDetails)
	}
	if store.calls != 3 {
		t.Fatalf("store called %d times, want 3", store.calls)
	}
	if len(res.Invocations) != 3 {
		t.Fatalf("%d invocations, want 3 (one per retry)", len(res.Invocations))
	}
}

func TestRetriesExhaustedFails(t *testing.T) {
	store := &memStore{failures: 100, err: &workflow.TransientError{Err: errors.New("HTTP 503")}}
	res, err := newRunner(t, store, &fixedClock{}).RunUntilComplete(input)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusFailed {
		t.Fatalf("status %s, want FAILED", res.Status)
	}
	if store.calls != 5 {
		t.Fatalf("store called %d times, want 5 (the strategy's MaxAttempts)", store.calls)
	}
	if !strings.Contains(res.Error.ErrorMessage, "HTTP 503") {
		t.Fatalf("error %+v does not carry the store's failure", res.Error)
	}
}

func TestPermanentStoreFailureIsNotRetried(t *testing.T) {
	store := &memStore{failures: 100, err: errors.New("HTTP 403")}
	res, err := newRunner(t, store, &fixedClock{}).RunUntilComplete(input)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusFailed || store.calls != 1 {
		t.Fatalf("status %s after %d calls, want FAILED after 1", res.Status, store.calls)
	}
}

func TestBadInputFailsWithInvalidInputError(t *testing.T) {
	tests := []struct {
		name, input, field string
	}{
		{"no message", `{"execution_name":"x"}`, "message"},
		{"blank message", `{"message":"   "}`, "message"},
		{"message of the wrong type", `{"message":42}`, "message"},
		{"execution name of the wrong type", `{"message":"hi","execution_name":true}`, "execution_name"},
		{"an array", `[1,2]`, ""},
		{"a string", `"hello"`, ""},
		{"null", `null`, ""},
		{"oversized message", fmt.Sprintf(`{"message":%q}`, strings.Repeat("x", workflow.MaxMessageBytes+1)), "message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &memStore{}
			res, err := newRunner(t, store, &fixedClock{}).RunUntilComplete(json.RawMessage(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != durabletest.StatusFailed {
				t.Fatalf("status %s, want FAILED", res.Status)
			}
			if res.Error.ErrorType != "InvalidInputError" {
				t.Fatalf("error type %q (%s), want InvalidInputError", res.Error.ErrorType, res.Error.ErrorMessage)
			}
			if tt.field != "" && !strings.Contains(res.Error.ErrorMessage, tt.field) {
				t.Fatalf("message %q does not name the field %s", res.Error.ErrorMessage, tt.field)
			}
			if len(res.Operations) != 0 || store.calls != 0 {
				t.Fatalf("bad input ran %d operations and %d stores", len(res.Operations), store.calls)
			}
		})
	}
}

func TestDecodeInputRejectsText(t *testing.T) {
	_, err := workflow.DecodeInput(json.RawMessage(`{not json`))
	var inv *workflow.InvalidInputError
	if !errors.As(err, &inv) || !strings.Contains(inv.Reason, "JSON") {
		t.Fatalf("err = %v, want an InvalidInputError about JSON", err)
	}
}

// TestCrashAfterEachCheckpointReplays crashes the invocation right after
// its kth checkpoint, for every k of the fault-free run, and checks that
// the execution still ends with the same result and that no step body that
// had completed ran again.
func TestCrashAfterEachCheckpointReplays(t *testing.T) {
	clean := newRunner(t, &memStore{}, &fixedClock{})
	ref, err := clean.RunUntilComplete(input)
	if err != nil {
		t.Fatal(err)
	}
	checkpoints := clean.Checkpoints()
	if checkpoints < 3 {
		t.Fatalf("fault-free run made %d checkpoints", checkpoints)
	}
	refOut, _ := durabletest.ResultAs[workflow.Output](ref)
	for k := 1; k <= checkpoints; k++ {
		t.Run(fmt.Sprintf("after checkpoint %d", k), func(t *testing.T) {
			store, clock := &memStore{}, &fixedClock{}
			r := newRunner(t, store, clock)
			r.CrashAfterCheckpoint(k)
			res, err := r.RunUntilComplete(input)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != durabletest.StatusSucceeded {
				t.Fatalf("status %s, error %v", res.Status, res.Error)
			}
			out, _ := durabletest.ResultAs[workflow.Output](res)
			out.ExecutionID, refOut.ExecutionID = "", ""
			if out != refOut {
				t.Fatalf("output %+v, want %+v", out, refOut)
			}
			// Each of the three step bodies ends by reading the clock once; a
			// completed step never runs again, so three reads in all.
			if clock.calls != 3 {
				t.Fatalf("step bodies completed %d times, want 3", clock.calls)
			}
			if store.calls != 1 {
				t.Fatalf("store called %d times, want 1", store.calls)
			}
			crashed := 0
			for _, inv := range res.Invocations {
				if inv.Error != nil {
					crashed++
				}
			}
			if crashed != 1 {
				t.Fatalf("%d crashed invocations, want 1", crashed)
			}
		})
	}
}

// TestSameExecutionNameStartsOneExecution starts the workflow twice under
// one execution name through the service and gets one execution.
func TestSameExecutionNameStartsOneExecution(t *testing.T) {
	store := &memStore{}
	r := newRunner(t, store, &fixedClock{})
	named := durabletest.WithExecutionName("order-42")
	first, err := r.RunUntilComplete(input, named)
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.RunUntilComplete(input, named)
	if err != nil {
		t.Fatal(err)
	}
	if second.ExecutionArn != first.ExecutionArn || len(second.Invocations) != len(first.Invocations) {
		t.Fatalf("second run: execution %s after %d invocations, want the first execution %s after %d",
			second.ExecutionArn, len(second.Invocations), first.ExecutionArn, len(first.Invocations))
	}
	if store.calls != 1 {
		t.Fatalf("store called %d times, want 1", store.calls)
	}
	list, err := runnerhook.Service(r).ListExecutions(context.Background(), emulator.ListInput{FunctionName: durabletest.FunctionName})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DurableExecutions) != 1 {
		t.Fatalf("%d executions, want 1", len(list.DurableExecutions))
	}
	if _, err := r.RunUntilComplete(json.RawMessage(`{"message":"other"}`), named); err == nil {
		t.Fatal("same name with another payload was accepted")
	}
}
