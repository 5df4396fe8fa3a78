package emulator

import (
	"context"
	"fmt"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

func TestLimitsDefaults(t *testing.T) {
	svc, err := New(Config{Limits: Limits{MaxOperations: 7, MaxExecutionResultBytes: 100}})
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{
		MaxOperations:             7,
		MaxOperationPayloadBytes:  256 * 1024,
		MaxExecutionResultBytes:   100,
		MaxSyncInputBytes:         6 * 1024 * 1024,
		MaxAsyncInputBytes:        1024 * 1024,
		MaxCheckpointRequestBytes: 600 + 1024*1024,
	}
	if got := svc.Limits(); got != want {
		t.Errorf("Limits() = %+v, want %+v", got, want)
	}
	def, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := def.Limits().MaxOperations; got != 3000 {
		t.Errorf("default MaxOperations = %d, want 3000 (protocol.md §2.7)", got)
	}
}

// TestStartInputMaxOperations: an execution's own operation limit replaces
// the service's, and a service reloaded from the store keeps it.
func TestStartInputMaxOperations(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	steps := 0 // the steps the handler checkpoints
	handler := func(f *fake) (wire.InvocationOutput, error) {
		for i := range steps {
			id := fmt.Sprintf("s%d", i)
			if _, err := f.checkpoint(stepStart(id), stepSucceed(id, `1`)); err != nil {
				return wire.InvocationOutput{}, err
			}
		}
		return succeeded("1"), nil
	}
	run := func(svc *Service, arn string, n int, want wire.ExecutionStatus) {
		t.Helper()
		steps = n
		if ex := drive(t, svc, arn); ex.Status != want {
			t.Fatalf("%d steps: status %s (error %+v), want %s", n, ex.Status, ex.Error, want)
		}
	}
	startLimited := func(svc *Service) string {
		t.Helper()
		out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", Payload: []byte(`{}`), MaxOperations: 3})
		if err != nil {
			t.Fatal(err)
		}
		return out.ExecutionArn
	}
	svc, _ := newService(t, Config{Store: store, Limits: Limits{MaxOperations: 2}})
	host(t, svc, "fn", handler)
	// Three operations fit the execution's limit, above the service's two.
	run(svc, startLimited(svc), 3, wire.ExecutionStatusSucceeded)
	// A service on the same store, with a higher limit, drives the next
	// one: four operations do not fit its own limit.
	arn := startLimited(svc)
	again, _ := newService(t, Config{Store: store, Limits: Limits{MaxOperations: 100}})
	host(t, again, "fn", handler)
	run(again, arn, 4, wire.ExecutionStatusFailed)
}
