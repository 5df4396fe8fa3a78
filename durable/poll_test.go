package durable

import (
	"reflect"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// TestPollWakesWaiterWhileCodeRuns: while other user code runs (simulated
// by holding a running slot), a wait is observed by polling with empty
// checkpoints instead of suspending.
func TestPollWakesWaiterWhileCodeRuns(t *testing.T) {
	f := newFakeClient(executionOp(""))
	id := WireID("1")
	f.respond = func(n int) []Operation {
		op := Operation{Id: id, Name: "w", Type: wire.OperationTypeWait, SubType: wire.SubTypeWait, Status: wire.OperationStatusStarted,
			WaitDetails: &WaitDetails{ScheduledEndTimestamp: wire.At(time.Now().Add(20 * time.Millisecond))}}
		if n > 1 {
			op.Status = wire.OperationStatusSucceeded
		}
		return []Operation{op}
	}
	h := func(ctx Context, _ any) (string, error) {
		inv := ctx.impl().inv
		inv.mu.Lock()
		inv.running++ // a sibling that keeps running
		inv.mu.Unlock()
		if err := Wait(ctx, "w", time.Second); err != nil {
			return "", err
		}
		return "woken", nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"woken"` {
		t.Fatalf("%+v %v", out, err)
	}
	want := [][]string{{"WAIT:START:" + id}, {}}
	if got := f.actions(); !reflect.DeepEqual(got[:2], want) {
		t.Fatalf("checkpoints %v, want %v first", got, want)
	}
}

// TestSuspendWhenLastRunnerBlocks: a waiter stays blocked while a sibling
// runs; when the sibling blocks too (on a sibling future, not the service),
// the invocation suspends.
func TestSuspendWhenLastRunnerBlocks(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		inv := ctx.impl().inv
		inv.mu.Lock()
		inv.running++
		inv.mu.Unlock()
		go func() {
			// The sibling waits until the root is blocked on the service,
			// then blocks itself (also after a failed wait, so that the
			// invocation ends and the test reports the failure).
			if err := testwait.For("the root blocks on the service", func() bool {
				inv.mu.Lock()
				defer inv.mu.Unlock()
				return len(inv.waits) == 1
			}); err != nil {
				t.Error(err)
			}
			inv.mu.Lock()
			defer inv.mu.Unlock()
			inv.blockLocked()
		}()
		if err := Wait(ctx, "w", time.Hour); err != nil {
			return "", err
		}
		return "not reached", nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
}
