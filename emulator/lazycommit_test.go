package emulator

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// clone copies what m holds, as a crash would leave it on disk.
func (m *memStore) clone() *memStore {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemStore()
	for k, x := range m.execs {
		lists := map[string]map[int][]byte{}
		for list, items := range x.lists {
			lists[list] = maps.Clone(items)
		}
		c.execs[k] = &memExec{header: x.header, lists: lists}
	}
	return c
}

// committedState is what m holds of the execution arn: its status and the
// status of each operation; false if m holds no such execution.
func (m *memStore) committedState(t *testing.T, arn string) (wire.ExecutionStatus, map[string]wire.OperationStatus, bool) {
	t.Helper()
	all, err := m.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		r, err := decodeRecord(st)
		if err != nil {
			t.Fatalf("stored execution %s: %v", st.Key, err)
		}
		if r.header.ARN != arn {
			continue
		}
		ops := map[string]wire.OperationStatus{}
		for _, op := range r.ops {
			ops[op.Id] = op.Status
		}
		return r.header.Status, ops, true
	}
	return "", nil, false
}

// runService drives svc with Run until the test ends.
func runService(t *testing.T, svc *Service) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		testwait.Recv(t, "Run returns after cancel", ran)
	})
}

// TestNothingToldBeforeItIsCommitted checks the invariant of release with
// Run, whose own changes (timers fired, invocations begun and ended) are
// committed lazily: an invocation payload, a checkpoint's answer, a
// status-change event and a read each show only what the Store already
// holds. lazyDelay is an hour, so Run's changes reach the Store only when
// something that tells them commits them.
func TestNothingToldBeforeItIsCommitted(t *testing.T) {
	store := newMemStore()
	var mu sync.Mutex
	notes := map[string][]wire.ExecutionStatus{}
	svc, clock := newService(t, Config{Store: store, MaxConcurrentInvocations: 2,
		OnStatusChange: func(n wire.StatusChangeEvent) {
			status, _, ok := store.committedState(t, n.Detail.DurableExecutionArn)
			if !ok || status != n.Detail.Status {
				t.Errorf("status event %s of %s published while the store holds %q", n.Detail.Status, n.Detail.DurableExecutionArn, status)
			}
			mu.Lock()
			notes[n.Detail.DurableExecutionArn] = append(notes[n.Detail.DurableExecutionArn], n.Detail.Status)
			mu.Unlock()
		}})
	svc.lazyDelay = time.Hour
	// shown checks that the store holds every operation f was shown, with
	// the status it was shown.
	shown := func(f *fake, what string) {
		_, ops, ok := store.committedState(t, f.arn)
		if !ok {
			t.Errorf("%s of %s: the store holds no such execution", what, f.arn)
			return
		}
		for id, op := range f.ops {
			if ops[id] != op.Status {
				t.Errorf("%s of %s showed %s %s; the store holds %q", what, f.arn, id, op.Status, ops[id])
			}
		}
	}
	// waiting counts the invocations that ended PENDING: until every
	// first invocation has, the clock stays (its checks compare what
	// it was shown with what the store holds now).
	var waiting atomic.Int32
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		shown(f, fmt.Sprintf("the payload of invocation %d", f.n))
		for _, step := range []struct {
			id   string
			next wire.OperationUpdate
		}{{"a", waitStart("w", 10)}, {"b", wire.OperationUpdate{}}} {
			if op, ok := f.op(step.id); ok && op.Status == wire.OperationStatusSucceeded {
				continue
			}
			if _, err := f.checkpoint(stepStart(step.id), stepSucceed(step.id, `"`+step.id+`"`)); err != nil {
				return wire.InvocationOutput{}, err
			}
			shown(f, "the answer to checkpoint "+step.id)
			if step.next.Id == "" {
				break
			}
			if _, ok := f.op(step.next.Id); !ok {
				if _, err := f.checkpoint(step.next); err != nil {
					return wire.InvocationOutput{}, err
				}
				shown(f, "the answer to checkpoint "+step.next.Id)
			}
			if op, _ := f.op(step.next.Id); op.Status != wire.OperationStatusSucceeded {
				waiting.Add(1)
				return pending, nil
			}
		}
		return succeeded(`"done"`), nil
	})
	runService(t, svc)

	const n = 8
	arns := make([]string, n)
	for i := range arns {
		arns[i] = start(t, svc, "fn", "{}")
	}
	testwait.Until(t, "every execution waits", func() bool { // a wait and the execution timeout each
		return waiting.Load() == n && len(svc.Timers()) == 2*n
	})
	// The waits end; Run fires them in its own section and invokes the
	// executions again, with payloads that show the waits SUCCEEDED.
	clock.Set(t0.Add(11 * time.Second))
	svc.wake <- struct{}{}
	for _, arn := range arns {
		ex, err := svc.WaitForExecution(testwait.Context(t), arn)
		if err != nil || ex.Status != wire.ExecutionStatusSucceeded {
			t.Fatalf("WaitForExecution(%s) = %s, %v", arn, ex.Status, err)
		}
		if status, _, _ := store.committedState(t, arn); status != wire.ExecutionStatusSucceeded {
			t.Errorf("WaitForExecution answered SUCCEEDED while the store holds %q", status)
		}
	}
	testwait.Until(t, "every status event is published", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, arn := range arns {
			if len(notes[arn]) != 2 {
				return false
			}
		}
		return true
	})
}

// TestCrashLosesOnlyUntoldChanges: a crash after an invocation ended
// but before its lazily committed outcome reached the Store loses only
// that outcome, which nobody was told of: the status event was not
// published, and a service restarted on what the Store holds invokes the
// execution again, which replays its acknowledged steps without running
// them and ends as the lost invocation did.
func TestCrashLosesOnlyUntoldChanges(t *testing.T) {
	store := newMemStore()
	var mu sync.Mutex
	var published []wire.ExecutionStatus
	svc, _ := newService(t, Config{Store: store, OnStatusChange: func(n wire.StatusChangeEvent) {
		mu.Lock()
		published = append(published, n.Detail.Status)
		mu.Unlock()
	}})
	svc.lazyDelay = time.Hour
	steps := []string{"validate", "transform", "store"}
	var runs sync.Map // step id -> *int, runs of its body
	script := func(f *fake) (wire.InvocationOutput, error) {
		for _, id := range steps {
			if op, ok := f.op(id); ok && op.Status == wire.OperationStatusSucceeded {
				continue
			}
			c, _ := runs.LoadOrStore(id, new(int))
			*c.(*int)++
			if _, err := f.checkpoint(stepStart(id), stepSucceed(id, `"`+id+`"`)); err != nil {
				return wire.InvocationOutput{}, err
			}
		}
		return succeeded(`"done"`), nil
	}
	host(t, svc, "fn", script)
	runService(t, svc)
	arn := start(t, svc, "fn", "{}")
	testwait.Until(t, "the invocation's outcome is recorded", func() bool {
		svc.mu.Lock()
		defer svc.mu.Unlock()
		return svc.executions[arn].status.Terminal()
	})
	// The crash: the disk holds what was committed.
	disk := store.clone()
	status, ops, _ := disk.committedState(t, arn)
	if status != wire.ExecutionStatusRunning {
		t.Fatalf("the store holds %s before the lazy commit; the test needs the outcome uncommitted", status)
	}
	for _, id := range steps {
		if ops[id] != wire.OperationStatusSucceeded {
			t.Errorf("acknowledged step %s is %q in the store", id, ops[id])
		}
	}
	mu.Lock()
	if len(published) != 1 || published[0] != wire.ExecutionStatusRunning {
		t.Errorf("status events published before the outcome was committed: %v, want [RUNNING]", published)
	}
	mu.Unlock()
	// Without the crash, a read shows the outcome once it is committed.
	if ex, err := svc.GetExecution(context.Background(), arn, false); err != nil || ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("GetExecution = %s, %v", ex.Status, err)
	}
	if status, _, _ := store.committedState(t, arn); status != wire.ExecutionStatusSucceeded {
		t.Errorf("GetExecution answered SUCCEEDED while the store holds %q", status)
	}

	again, _ := newService(t, Config{Store: disk})
	invocations := host(t, again, "fn", script)
	ex := drive(t, again, arn)
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"done"` {
		t.Fatalf("after the restart: %s %q, want SUCCEEDED \"done\"", ex.Status, wire.Deref(ex.Result))
	}
	if invocations.get() != 1 {
		t.Errorf("%d invocations after the restart, want 1", invocations.get())
	}
	for _, id := range steps {
		if c, _ := runs.Load(id); c == nil || *c.(*int) != 1 {
			t.Errorf("step %s ran %v times, want once", id, c)
		}
	}
}
