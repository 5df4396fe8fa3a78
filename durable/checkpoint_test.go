package durable

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

func TestCheckpointFailureClassification(t *testing.T) {
	api := func(code string, status int, msg string) error {
		return &wire.APIError{Code: code, StatusCode: status, Message: msg}
	}
	tests := []struct {
		name      string
		err       error
		scope     ErrorScope
		retryable bool
	}{
		{"invalid token", api(wire.ErrCodeInvalidParameterValue, 400, "Invalid checkpoint token: consumed"), ErrorScopeInvocation, false},
		{"invalid token, other case", api(wire.ErrCodeInvalidParameterValue, 400, "Invalid Checkpoint Token"), ErrorScopeInvocation, false},
		{"throttled", api(wire.ErrCodeTooManyRequests, 429, "slow down"), ErrorScopeInvocation, true},
		{"server error", api(wire.ErrCodeService, 500, "oops"), ErrorScopeInvocation, true},
		{"unavailable", api(wire.ErrCodeServiceUnavailable, 503, "later"), ErrorScopeInvocation, true},
		{"unknown 5xx code", api("WeirdException", 504, "gateway"), ErrorScopeInvocation, true},
		{"network", errors.New("connection reset by peer"), ErrorScopeInvocation, true},
		{"timeout", fmt.Errorf("request: %w", context.DeadlineExceeded), ErrorScopeInvocation, true},
		{"validation", api(wire.ErrCodeInvalidParameterValue, 400, "STEP output payload size must be less than or equal to 262144 bytes"), ErrorScopeExecution, false},
		{"too large", api(wire.ErrCodeRequestTooLarge, 413, "request entity too large"), ErrorScopeExecution, false},
		{"not found", api(wire.ErrCodeResourceNotFound, 404, "no execution"), ErrorScopeExecution, false},
		{"kms", api(wire.ErrCodeKMSAccessDenied, 502, "denied"), ErrorScopeExecution, false},
		{"kms disabled", api(wire.ErrCodeKMSDisabled, 502, "disabled"), ErrorScopeExecution, false},
		{"validation without a status", api(wire.ErrCodeInvalidParameterValue, 0, "Updates[0].Name is too long"), ErrorScopeExecution, false},
		{"not found without a status", api(wire.ErrCodeResourceNotFound, 0, "no execution"), ErrorScopeExecution, false},
		{"invalid token without a status", api(wire.ErrCodeInvalidParameterValue, 0, "Invalid checkpoint token"), ErrorScopeInvocation, false},
		{"unknown code without a status", api("WeirdException", 0, "?"), ErrorScopeInvocation, true},
		{"client error, execution", &ClientError{Scope: ErrorScopeExecution, Err: errors.New("bad")}, ErrorScopeExecution, false},
		{"client error, invocation", &ClientError{Scope: ErrorScopeInvocation, Err: errors.New("flaky")}, ErrorScopeInvocation, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			f.errAt[1] = tt.err
			var second error
			h := func(ctx Context, _ any) (string, error) {
				if _, err := Step(ctx, "a", func(StepContext) (int, error) { return 1, nil }); err != nil {
					_, second = Step(ctx, "b", func(StepContext) (int, error) { return 2, nil })
					return "", err
				}
				return "ok", nil
			}
			out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
			var ce *CheckpointError
			switch tt.scope {
			case ErrorScopeInvocation:
				if !errors.As(err, &ce) {
					t.Fatalf("want an invocation error, got %+v, %v", out, err)
				}
			case ErrorScopeExecution:
				if err != nil || out.Status != "FAILED" || out.Error.ErrorType != "CheckpointError" || !strings.Contains(out.Error.ErrorMessage, "CheckpointDurableExecution") {
					t.Fatalf("want FAILED, got %+v (%+v), %v", out, out.Error, err)
				}
				ce = classifyClientError("x", tt.err)
			}
			if ce.Scope() != tt.scope || ce.Retryable() != tt.retryable {
				t.Errorf("scope %v retryable %v", ce.Scope(), ce.Retryable())
			}
			if !errors.Is(ce, tt.err) {
				t.Error("CheckpointError does not wrap the client error")
			}
			if len(f.calls) != 1 {
				t.Errorf("%d calls after a failure", len(f.calls))
			}
			if !errors.As(second, &ce) {
				t.Errorf("operation after the failure returned %v", second)
			}
		})
	}
}

func TestTokenlessResponseSuspends(t *testing.T) {
	f := newFakeClient(executionOp(""))
	f.noTokenAt[1] = true
	var second error
	h := func(ctx Context, _ any) (string, error) {
		if _, err := Step(ctx, "a", func(StepContext) (int, error) { return 1, nil }); err != nil {
			return "", err
		}
		_, second = Step(ctx, "b", func(StepContext) (int, error) { return 2, nil })
		return "ok", second
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	if len(f.calls) != 1 {
		t.Fatalf("checkpoints after a token-less response: %v", f.actions())
	}
	var oe *OperationError
	if second == nil || errors.As(second, &oe) {
		t.Fatalf("second step returned %v, want the suspension signal", second)
	}
}

func TestTokenlessFinalFlushSuspends(t *testing.T) {
	f := newFakeClient(executionOp(""))
	f.noTokenAt[1] = true
	h := func(ctx Context, _ any) (string, error) {
		if err := ctx.impl().inv.enqueueAsync(OperationUpdate{Id: "x", Type: "STEP", Action: "START"}); err != nil {
			return "", err
		}
		return "done", nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestBatchLimits(t *testing.T) {
	small := make([]OperationUpdate, 300)
	for i := range small {
		small[i] = OperationUpdate{Id: WireID(fmt.Sprint(i)), Type: "STEP", Action: "START"}
	}
	if n := batchLen(sizesOf(small)); n != maxBatchUpdates {
		t.Errorf("300 small updates: batch of %d", n)
	}
	payload := strings.Repeat("a", 200*1024)
	big := make([]OperationUpdate, 5)
	for i := range big {
		big[i] = OperationUpdate{Id: "x", Type: "STEP", Action: "SUCCEED", Payload: &payload}
	}
	if n := batchLen(sizesOf(big)); n != 3 {
		t.Errorf("5 × 200 KiB: batch of %d", n)
	}
	huge := strings.Repeat(`"`, 800*1024)
	if n := batchLen(sizesOf([]OperationUpdate{{Payload: &huge}, {}})); n != 1 {
		t.Errorf("an oversized update goes alone: %d", n)
	}
	if got, want := jsonStringSize(`a"b\c<`+"\n"), 2+7+1+1+5+5; got != want {
		t.Errorf("jsonStringSize = %d, want %d", got, want)
	}
}

// sizesOf returns the estimated sizes of updates.
func sizesOf(updates []OperationUpdate) []int {
	sizes := make([]int, len(updates))
	for i := range updates {
		sizes[i] = estimateUpdateSize(&updates[i])
	}
	return sizes
}

// TestQueueBatchesWhileInFlight checks that updates queued while a request
// is in flight travel together in the next one.
func TestQueueBatchesWhileInFlight(t *testing.T) {
	f := newFakeClient(executionOp(""))
	release := make(chan struct{})
	f.onCall = func(n int, _ CheckpointInput) error {
		if n == 1 {
			_, err := testwait.Receive("the handler releases the first checkpoint", release)
			return err
		}
		return nil
	}
	h := func(ctx Context, _ any) (string, error) {
		inv := ctx.impl().inv
		done := make(chan error)
		go func() { done <- inv.checkpoint(OperationUpdate{Id: "a", Type: "STEP", Action: "START"}) }()
		if err := testwait.For("the first checkpoint is in flight", func() bool {
			inv.mu.Lock()
			defer inv.mu.Unlock()
			return inv.q.sending
		}); err != nil {
			return "", err
		}
		for _, id := range []string{"b", "c"} {
			if err := inv.enqueueAsync(OperationUpdate{Id: id, Type: "STEP", Action: "START"}); err != nil {
				return "", err
			}
		}
		close(release)
		if err, waitErr := testwait.Receive("the first checkpoint returns", done); err != nil || waitErr != nil {
			return "", errors.Join(err, waitErr)
		}
		return "ok", inv.checkpoint(OperationUpdate{Id: "d", Type: "STEP", Action: "START"})
	}
	if _, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"STEP:START:a"}, {"STEP:START:b", "STEP:START:c", "STEP:START:d"}}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
}

// enqueueAsync queues a fire-and-forget update tied to no context.
func (inv *invocation) enqueueAsync(u OperationUpdate) error {
	return inv.submit(nil, u, false)
}

// checkpoint queues an update tied to no context and waits for its
// acknowledgement.
func (inv *invocation) checkpoint(u OperationUpdate) error {
	return inv.submit(nil, u, true)
}

// A client that panics fails the invocation with its *PanicError (the
// cause of the CheckpointError) instead of crashing the process, whether
// the handler's goroutine or the linger timer's made the call.
func TestClientPanicFailsTheInvocation(t *testing.T) {
	for _, timer := range []bool{false, true} {
		t.Run(fmt.Sprintf("timer=%v", timer), func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			called := make(chan struct{})
			f.onCall = func(int, CheckpointInput) error {
				close(called)
				panic("client bug")
			}
			opts := testOptions(f)
			if timer {
				opts = append(opts, withFallbackTick(time.Millisecond))
			}
			h := func(ctx Context, _ any) (int, error) {
				return Step(ctx, "s", func(StepContext) (int, error) {
					if timer { // only the linger timer can send the START
						if _, err := testwait.Receive("the linger timer sends the START", called); err != nil {
							return 0, err
						}
					}
					return 1, nil
				})
			}
			out, err := invoke(t, h, envelope(t, "tok-0", []Operation{executionOp("")}), opts...)
			var pe *PanicError
			if !errors.As(err, &pe) || pe.Value != "client bug" {
				t.Fatalf("got %+v, %v; want an invocation failure with the client's panic", out, err)
			}
		})
	}
}
