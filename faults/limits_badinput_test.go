package faults

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/wire"
)

// TestBadInputIsTerminal runs handlers that exceed the size limits or pass
// invalid durations, names and options on the local runner. Each one ends
// the execution in its first invocation with a clear error (no invocation
// fails, so the service never retries), and the cases at the limits
// succeed.
func TestBadInputIsTerminal(t *testing.T) {
	stepReturning := func(result string) durable.Handler[string, string] {
		return func(ctx durable.Context, _ string) (string, error) {
			return durable.Step(ctx, "s", func(durable.StepContext) (string, error) { return result, nil })
		}
	}
	stepFailing := func(msg string, retry durable.RetryStrategy) durable.Handler[string, string] {
		return func(ctx durable.Context, _ string) (string, error) {
			return durable.Step(ctx, "s", func(durable.StepContext) (string, error) { return "", errors.New(msg) }, durable.WithRetry(retry))
		}
	}
	waiting := func(name string, d time.Duration) durable.Handler[string, string] {
		return func(ctx durable.Context, _ string) (string, error) {
			return "waited", durable.Wait(ctx, name, d)
		}
	}
	named := func(name string) durable.Handler[string, string] {
		return func(ctx durable.Context, _ string) (string, error) {
			return durable.Step(ctx, name, func(durable.StepContext) (string, error) { return "x", nil })
		}
	}
	withOption := func(opt durable.StepOption) durable.Handler[string, string] {
		return func(ctx durable.Context, _ string) (string, error) {
			return durable.Step(ctx, "s", func(durable.StepContext) (string, error) { return "", errors.New("nope") }, opt)
		}
	}
	// maxString is the longest Go string whose JSON encoding fits n bytes.
	maxString := func(n int) string { return strings.Repeat("a", n-2) }

	tests := []struct {
		name    string
		handler durable.Handler[string, string]
		// status, errorType and message (a fragment) of the outcome.
		status    durabletest.ExecutionStatus
		errorType string
		message   string
		// recorded is the number of operations the execution keeps (a
		// rejected checkpoint records none of its updates).
		recorded int
	}{
		{name: "step result at the 256 KiB limit", handler: stepReturning(maxString(wire.MaxOperationPayloadBytes)),
			status: durabletest.StatusSucceeded, recorded: 1},
		{name: "step result over 256 KiB", handler: stepReturning(maxString(wire.MaxOperationPayloadBytes + 1)),
			status: durabletest.StatusFailed, errorType: "CheckpointError", message: "STEP output payload size must be less than or equal to 262144 bytes"},
		{name: "step error over 256 KiB, no retries", handler: stepFailing(maxString(wire.MaxOperationPayloadBytes+1), durable.NoRetry()),
			status: durabletest.StatusFailed, errorType: "CheckpointError", message: "STEP error payload size"},
		{name: "step error over 256 KiB, with retries", handler: stepFailing(maxString(wire.MaxOperationPayloadBytes+1), durable.ExponentialBackoff()),
			status: durabletest.StatusFailed, errorType: "CheckpointError", message: "STEP error payload size"},
		{name: "execution result at the inline limit", handler: func(durable.Context, string) (string, error) {
			return maxString(wire.MaxInlineResultBytes), nil
		}, status: durabletest.StatusSucceeded},
		{name: "execution result at the 6 MB limit", handler: func(durable.Context, string) (string, error) {
			return maxString(wire.MaxResponseBytes), nil
		}, status: durabletest.StatusSucceeded},
		{name: "execution result over 6 MB", handler: func(durable.Context, string) (string, error) {
			return maxString(wire.MaxResponseBytes + 1), nil
		}, status: durabletest.StatusFailed, errorType: "CheckpointError", message: "EXECUTION output payload size"},
		{name: "wait of zero", handler: waiting("w", 0),
			status: durabletest.StatusFailed, errorType: "Error", message: `Wait "w": duration 0s is less than one second`},
		{name: "negative wait", handler: waiting("w", -time.Minute),
			status: durabletest.StatusFailed, errorType: "Error", message: "duration -1m0s is less than one second"},
		{name: "wait under a second", handler: waiting("w", 999*time.Millisecond),
			status: durabletest.StatusFailed, errorType: "Error", message: "duration 999ms is less than one second"},
		{name: "wait over 366 days", handler: waiting("w", 367*24*time.Hour),
			status: durabletest.StatusFailed, errorType: "Error", message: "is more than 31622400 seconds"},
		{name: "wait of 366 days", handler: waiting("w", wire.MaxDurationSeconds*time.Second),
			status: durabletest.StatusTimedOut, errorType: "States.Timeout", recorded: 1},
		{name: "name with a newline", handler: named("bad\nname"),
			status: durabletest.StatusFailed, errorType: "CheckpointError", message: "must be 1-256 printable ASCII characters"},
		{name: "name not ASCII", handler: waiting("wäit", time.Second),
			status: durabletest.StatusFailed, errorType: "CheckpointError", message: "must be 1-256 printable ASCII characters"},
		{name: "name of 257 characters", handler: named(strings.Repeat("n", 257)),
			status: durabletest.StatusFailed, errorType: "CheckpointError", message: "must be 1-256 printable ASCII characters"},
		{name: "name of 256 characters", handler: named(strings.Repeat("n", 256)),
			status: durabletest.StatusSucceeded, recorded: 1},
		{name: "subtype with a space", handler: withOption(durable.WithStepSubType("has space")),
			status: durabletest.StatusFailed, errorType: "Error", message: `subtype "has space" must be 1-32 characters`},
		{name: "reserved subtype", handler: withOption(durable.WithStepSubType(wire.SubTypeWait)),
			status: durabletest.StatusFailed, errorType: "Error", message: `subtype "Wait"`},
		{name: "retry strategy with a negative delay", handler: withOption(durable.WithRetry(func(durable.RetryAttempt) durable.RetryDecision {
			return durable.RetryDecision{Retry: true, Delay: -time.Second}
		})), status: durabletest.StatusFailed, errorType: "StepError", message: "nope", recorded: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := durabletest.NewLocalRunner(tt.handler, durable.WithStackTraces(false))
			res, err := r.RunUntilComplete("in", durabletest.WithMaxInvocations(10))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if res.Error != nil {
				got = res.Error.ErrorType + ": " + res.Error.ErrorMessage
			}
			if len(got) > 300 {
				got = got[:300] + "..."
			}
			if res.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", res.Status, got, tt.status)
			}
			if tt.errorType != "" && (res.Error == nil || res.Error.ErrorType != tt.errorType || !strings.Contains(res.Error.ErrorMessage, tt.message)) {
				t.Errorf("error %s, want %s containing %q", got, tt.errorType, tt.message)
			}
			failed := 0
			for _, inv := range res.Invocations {
				if inv.Error != nil {
					failed++
				}
			}
			if failed != 0 || (tt.status != durabletest.StatusTimedOut && len(res.Invocations) != 1) {
				t.Errorf("%d invocations, %d of them failed; want one that decides the outcome", len(res.Invocations), failed)
			}
			if len(res.Operations) != tt.recorded {
				t.Errorf("%d operations recorded, want %d\n%s", len(res.Operations), tt.recorded, res.FormatTree())
			}
		})
	}
}

// TestOversizedHandlerErrorIsTerminal: an error returned by the handler
// whose response would exceed the 6 MB response limit must still end the
// execution FAILED in that invocation (protocol §1.2 and §2.7; PY
// checkpoints it as the EXECUTION update). A response over the limit is
// rejected by Lambda, which the service retries: the handler would run
// again for nothing, and the user's error would be lost.
func TestOversizedHandlerErrorIsTerminal(t *testing.T) {
	var runs int
	r := durabletest.NewLocalRunner(func(ctx durable.Context, _ string) (string, error) {
		runs++
		return "", errors.New("validation failed: " + strings.Repeat("e", wire.MaxResponseBytes))
	}, durable.WithStackTraces(false))
	res, err := r.RunUntilComplete("in", durabletest.WithMaxInvocations(10))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusFailed || res.Error == nil {
		t.Fatalf("status %s, want FAILED", res.Status)
	}
	if runs != 1 || len(res.Invocations) != 1 || res.Invocations[0].Error != nil {
		first := ""
		if e := res.Invocations[0].Error; e != nil {
			first = e.ErrorType + ": " + e.ErrorMessage
		}
		t.Errorf("the handler ran %d times in %d invocations (first failed with %q); want one invocation that fails the execution", runs, len(res.Invocations), first)
	}
	// The error is the handler's (truncated), or names the size limit it
	// broke.
	if !strings.HasPrefix(res.Error.ErrorMessage, "validation failed: eee") && !strings.Contains(res.Error.ErrorMessage, "payload size must be less than or equal to") {
		t.Errorf("execution error %s: %.200q; want the handler's error or the size limit", res.Error.ErrorType, res.Error.ErrorMessage)
	}
}
