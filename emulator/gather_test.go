package emulator

import (
	"context"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// TestGatherWaitsForInvocationsInFlight: a commit's leader waits while an
// invocation in flight has queued nothing in the open group, wakes when a
// section joins or an invocation ends, and commits once every invocation
// in flight joined or its time is up.
func TestGatherWaitsForInvocationsInFlight(t *testing.T) {
	svc, _ := newService(t, Config{Store: newMemStore()})
	invoked := &execution{inv: &invocation{}}
	idle := &execution{}
	g := &commitGroup{execs: []*execution{invoked, idle}}
	later := time.Now().Add(time.Hour)
	svc.mu.Lock()
	defer svc.mu.Unlock()
	svc.inflight = 2
	defer func() { svc.inflight = 0 }()

	joined := svc.gather(g, later)
	if joined == nil {
		t.Fatal("the leader commits while an invocation in flight has queued nothing")
	}
	if again := svc.gather(g, later); again != joined {
		t.Error("two leaders gathering wait on different channels")
	}
	svc.wakeGatherers()
	select {
	case <-joined:
	default:
		t.Error("the leader is not woken when the group or the invocations in flight change")
	}
	svc.inflight = 1
	if svc.gather(g, later) != nil {
		t.Error("the leader waits although every invocation in flight joined its group")
	}
	svc.inflight = 2
	if svc.gather(g, time.Now()) != nil {
		t.Error("the leader waits after its time is up")
	}
}

// TestGatherIsBounded: an invocation in flight that never checkpoints
// (here: counted in flight, never run) does not hold a commit back beyond
// maxGather, however long the last commit took; the answer comes once the
// change is stored.
func TestGatherIsBounded(t *testing.T) {
	store := newMemStore()
	svc, _ := newService(t, Config{Store: store})
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	svc.mu.Lock()
	svc.inflight = 1
	svc.lastCommit = time.Hour
	svc.mu.Unlock()
	t.Cleanup(func() {
		svc.mu.Lock()
		svc.inflight = 0
		svc.mu.Unlock()
	})

	type result struct {
		out StartOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := svc.StartExecution(context.Background(), StartInput{FunctionName: "fn:$LATEST", ExecutionName: "x"})
		done <- result{out, err}
	}()
	got := testwait.Recv(t, "StartExecution answers while an invocation in flight never joins", done)
	if got.err != nil {
		t.Fatalf("StartExecution: %v", got.err)
	}
	if _, _, ok := store.committedState(t, got.out.ExecutionArn); !ok {
		t.Errorf("StartExecution answered before its execution was stored")
	}
}
