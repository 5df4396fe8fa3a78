package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// TestLargeExecutionResult checkpoints results on the EXECUTION operation
// through the REST API, the way SDKs record a result too large for the
// response: up to the service's 6 MiB result limit the execution succeeds
// with it, even when its JSON escaping doubles the request; beyond, the
// checkpoint is refused with the service's validation error.
func TestLargeExecutionResult(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		name    string
		bytes   int
		status  wire.ExecutionStatus
		message string
	}{
		{"just over the inline limit", wire.MaxInlineResultBytes + 2, wire.ExecutionStatusSucceeded, ""},
		{"at the 6 MiB limit", wire.MaxResponseBytes, wire.ExecutionStatusSucceeded, ""},
		{"over the 6 MiB limit", wire.MaxResponseBytes + 1, wire.ExecutionStatusFailed, "EXECUTION output payload size must be less than or equal to 6291456 bytes"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn := s.start(t, fmt.Sprintf("big-%d", i), fmt.Sprintf(`{"name":"big","resultBytes":%d}`, tt.bytes))
			exec := s.wait(t, arn)
			if exec.Status != tt.status {
				t.Fatalf("status = %s (error %+v), want %s", exec.Status, exec.Error, tt.status)
			}
			if tt.status == wire.ExecutionStatusSucceeded {
				if got := len(wire.Deref(exec.Result)); got != tt.bytes {
					t.Errorf("result has %d bytes, want %d", got, tt.bytes)
				}
				return
			}
			if exec.Error == nil || !strings.Contains(exec.Error.ErrorMessage, tt.message) {
				t.Errorf("error = %+v, want a message containing %q", exec.Error, tt.message)
			}
		})
	}
}
