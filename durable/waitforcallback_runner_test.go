package durable_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// TestWaitForCallbackHistory runs WaitForCallback against the emulator and
// checks the history events the service records (the sequences of the
// conformance suite wait_for_callback, 7-x).
func TestWaitForCallbackHistory(t *testing.T) {
	noop := func(durable.StepContext, string) error { return nil }
	prefix := []string{"ExecutionStarted", "ContextStarted", "CallbackStarted", "StepStarted", "StepSucceeded", "InvocationCompleted"}
	tests := []struct {
		name       string
		handler    durable.Handler[string, string]
		external   func(r *durabletest.LocalRunner[string, string], id string) error
		wantStatus durabletest.ExecutionStatus
		wantResult string
		wantErr    string
		wantEvents []string
	}{
		{name: "success", handler: func(ctx durable.Context, name string) (string, error) {
			// SendCallbackSuccess posts JSON; decode it.
			return durable.WaitForCallback[string](ctx, name, noop, durable.WithCallbackSerdes(durable.JSONSerdes{}))
		}, external: func(r *durabletest.LocalRunner[string, string], id string) error {
			return r.SendCallbackSuccess(id, "paid")
		},
			wantStatus: durabletest.StatusSucceeded, wantResult: `"paid"`,
			wantEvents: append(prefix, "CallbackSucceeded", "ContextSucceeded", "InvocationCompleted", "ExecutionSucceeded")},
		{name: "failure caught", handler: func(ctx durable.Context, name string) (string, error) {
			_, err := durable.WaitForCallback[string](ctx, name, noop)
			var ext *durable.CallbackExternalError
			if errors.As(err, &ext) {
				return "caught " + ext.ErrorType, nil
			}
			return "", err
		}, external: func(r *durabletest.LocalRunner[string, string], id string) error {
			return r.SendCallbackFailure(id, "RejectedError", "not approved")
		}, wantStatus: durabletest.StatusSucceeded, wantResult: `"caught RejectedError"`,
			wantEvents: append(prefix, "CallbackFailed", "ContextFailed", "InvocationCompleted", "ExecutionSucceeded")},
		{name: "timeout", handler: func(ctx durable.Context, name string) (string, error) {
			return durable.WaitForCallback[string](ctx, name, noop, durable.WithCallbackTimeout(3*time.Second))
		}, external: func(r *durabletest.LocalRunner[string, string], _ string) error {
			return r.AdvanceClock(3 * time.Second)
		},
			wantStatus: durabletest.StatusFailed, wantErr: "CallbackTimeoutError",
			wantEvents: append(prefix, "CallbackTimedOut", "ContextFailed", "InvocationCompleted", "ExecutionFailed")},
		{name: "nested in a child context", handler: func(ctx durable.Context, name string) (string, error) {
			return durable.RunInChildContext(ctx, "wrapper", func(ctx durable.Context) (string, error) {
				return durable.WaitForCallback[string](ctx, name, noop, durable.WithCallbackSerdes(durable.JSONSerdes{}))
			})
		}, external: func(r *durabletest.LocalRunner[string, string], id string) error {
			return r.SendCallbackSuccess(id, "ok")
		},
			wantStatus: durabletest.StatusSucceeded, wantResult: `"ok"`,
			wantEvents: []string{"ExecutionStarted", "ContextStarted", "ContextStarted", "CallbackStarted", "StepStarted", "StepSucceeded",
				"InvocationCompleted", "CallbackSucceeded", "ContextSucceeded", "ContextSucceeded", "InvocationCompleted", "ExecutionSucceeded"}},
		{name: "submitter retries exhausted", handler: func(ctx durable.Context, name string) (string, error) {
			return durable.WaitForCallback[string](ctx, name, func(durable.StepContext, string) error {
				return errors.New("queue down")
			}, durable.WithSubmitterRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 2, InitialDelay: time.Second, Jitter: durable.JitterNone})))
		}, wantStatus: durabletest.StatusFailed, wantErr: "CallbackSubmitterError",
			wantEvents: []string{"ExecutionStarted", "ContextStarted", "CallbackStarted", "StepStarted", "StepFailed", "InvocationCompleted",
				"StepStarted", "StepFailed", "ContextFailed", "InvocationCompleted", "ExecutionFailed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := durabletest.NewLocalRunner(tt.handler)
			res, err := r.RunUntilComplete("approval")
			if err != nil {
				t.Fatal(err)
			}
			if tt.external != nil {
				open := r.OpenCallbacks()
				if res.Status != durabletest.StatusPending || len(open) != 1 {
					t.Fatalf("status %s, open callbacks %v; want one open callback", res.Status, open)
				}
				if err := tt.external(r, open[0].CallbackID); err != nil {
					t.Fatal(err)
				}
				if res, err = r.RunUntilComplete("approval"); err != nil {
					t.Fatal(err)
				}
			}
			if res.Status != tt.wantStatus || (tt.wantResult != "" && res.RawResult != tt.wantResult) {
				t.Fatalf("status %s result %s error %v, want %s %s", res.Status, res.RawResult, res.Error, tt.wantStatus, tt.wantResult)
			}
			if tt.wantErr != "" && (res.Error == nil || res.Error.ErrorType != tt.wantErr) {
				t.Errorf("error %v, want type %s", res.Error, tt.wantErr)
			}
			if got := res.EventTypes(); !reflect.DeepEqual(got, tt.wantEvents) {
				t.Errorf("events\n %s\nwant\n %s", strings.Join(got, " "), strings.Join(tt.wantEvents, " "))
			}
		})
	}
}
