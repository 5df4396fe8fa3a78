package emulator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
	svc.invoking = 2
	defer func() { svc.invoking = 0 }()

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
	svc.invoking = 1
	if svc.gather(g, later) != nil {
		t.Error("the leader waits although every invocation in flight joined its group")
	}
	svc.inflight = 3 // and two plain functions' invocations, which never join
	if svc.gather(g, later) != nil {
		t.Error("the leader waits for plain functions' invocations in flight")
	}
	svc.inflight = 0
	svc.invoking = 2
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
	svc.invoking = 1
	svc.lastCommit = time.Hour
	svc.mu.Unlock()
	t.Cleanup(func() {
		svc.mu.Lock()
		svc.invoking = 0
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

// keyFailStore is a memStore whose next commit, once armed, waits until
// the test opens its gate, and which fails the first commit that holds
// changes of every execution in failKeys, storing none of them.
type keyFailStore struct {
	*memStore
	mu       sync.Mutex
	gate     chan struct{} // non-nil: the next commit waits for it to close
	entered  chan struct{} // receives when a commit waits on gate
	failKeys []string
	failed   int // commits failed for failKeys
}

func (s *keyFailStore) Commit(changes []Change) error {
	s.mu.Lock()
	gate := s.gate
	s.gate = nil
	fail := len(s.failKeys) > 0
	for _, k := range s.failKeys {
		fail = fail && slices.ContainsFunc(changes, func(c Change) bool { return c.Key == k })
	}
	if fail {
		s.failKeys = nil
		s.failed++
	}
	s.mu.Unlock()
	if gate != nil {
		s.entered <- struct{}{}
		if _, err := testwait.Receive("the test opens the gate", gate); err != nil {
			return err
		}
	}
	if fail {
		return errDiskFull
	}
	return s.memStore.Commit(changes)
}

// TestFailedGroupCommitFailsEverySection: the checkpoints of three
// invocations in flight wait behind a commit under way in one group; the
// group's commit fails, so each of the three is answered with a
// ServiceException and none of them is stored; their executions are put
// back to their stored state, invoked again, and succeed once the store
// commits again — with what they acknowledged stored.
func TestFailedGroupCommitFailsEverySection(t *testing.T) {
	ctx := testwait.Context(t)
	store := &keyFailStore{memStore: newMemStore(), entered: make(chan struct{}, 1)}
	svc, _ := newService(t, Config{Store: store, MaxConcurrentInvocations: 3})
	release := make(chan struct{})
	var mu sync.Mutex
	runs := map[string]int{}
	// active counts the invocations running: a failed commit puts an
	// execution back to its stored state, and Run may invoke it again
	// before the failed invocation has returned its error.
	active := 0
	var checkpointErrs []error
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		if op, ok := f.op("s"); ok && op.Status == wire.OperationStatusSucceeded {
			return succeeded(wire.Deref(op.StepDetails.Result)), nil
		}
		mu.Lock()
		runs[f.arn]++
		first := runs[f.arn] == 1
		active++
		mu.Unlock()
		defer func() {
			mu.Lock()
			active--
			mu.Unlock()
		}()
		if first {
			if _, err := testwait.Receive("the test lets the steps checkpoint", release); err != nil {
				return wire.InvocationOutput{}, err
			}
		}
		if _, err := f.checkpoint(stepStart("s"), stepSucceed("s", `"done"`)); err != nil {
			mu.Lock()
			checkpointErrs = append(checkpointErrs, err)
			mu.Unlock()
			return wire.InvocationOutput{}, err
		}
		return succeeded(`"done"`), nil
	})
	host(t, svc, "other", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	runService(t, svc)

	var arns []string
	for i := range 3 {
		out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: fmt.Sprintf("x%d", i)})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		arns = append(arns, out.ExecutionArn)
	}
	testwait.Until(t, "the three invocations are in flight and everything is committed", func() bool {
		mu.Lock()
		n := len(runs)
		mu.Unlock()
		svc.mu.Lock()
		defer svc.mu.Unlock()
		return n == 3 && svc.newestGroup() == nil
	})

	// A commit under way: another execution's start, held at the gate.
	gate := make(chan struct{})
	store.mu.Lock()
	store.gate = gate
	store.mu.Unlock()
	blocker := make(chan error, 1)
	go func() {
		_, err := svc.StartExecution(ctx, StartInput{FunctionName: "other:$LATEST", ExecutionName: "blocker"})
		blocker <- err
	}()
	testwait.Recv(t, "the blocker's commit is under way", store.entered)
	close(release)
	var keys []string
	testwait.Until(t, "the three checkpoints wait in the open group", func() bool {
		svc.mu.Lock()
		defer svc.mu.Unlock()
		keys = keys[:0]
		for _, arn := range arns {
			e := svc.executions[arn]
			if svc.pending == nil || e == nil || !slices.Contains(svc.pending.execs, e) {
				return false
			}
			keys = append(keys, e.st.key)
		}
		return true
	})
	store.mu.Lock()
	store.failKeys = keys
	store.mu.Unlock()
	close(gate)

	if err := testwait.Recv(t, "the blocker's start returns", blocker); err != nil {
		t.Errorf("the blocker's start, committed before the failed group: %v", err)
	}
	for _, arn := range arns {
		out, err := svc.WaitForExecution(ctx, arn)
		if err != nil || out.Status != wire.ExecutionStatusSucceeded || wire.Deref(out.Result) != `"done"` {
			t.Fatalf("execution %s = %s %q, %v; want SUCCEEDED \"done\"", arn, out.Status, wire.Deref(out.Result), err)
		}
		status, ops, ok := store.committedState(t, arn)
		if !ok || status != wire.ExecutionStatusSucceeded || ops["s"] != wire.OperationStatusSucceeded {
			t.Errorf("stored %s: %s, step %s, found %v; want SUCCEEDED with the step", arn, status, ops["s"], ok)
		}
	}
	testwait.Until(t, "every invocation has returned", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return active == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if store.failed != 1 || len(checkpointErrs) != 3 {
		t.Fatalf("%d failed commits, %d failed checkpoints; want 1 and 3", store.failed, len(checkpointErrs))
	}
	for _, err := range checkpointErrs {
		var apiErr *wire.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeService || !strings.Contains(apiErr.Message, "no space left on device") {
			t.Errorf("checkpoint error = %v, want a ServiceException naming the store's failure", err)
		}
	}
	for _, arn := range arns {
		if runs[arn] != 2 {
			t.Errorf("execution %s ran its step %d times, want 2: once failed, once stored", arn, runs[arn])
		}
	}
}
