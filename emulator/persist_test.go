package emulator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// wantServiceException checks that err is the 500 ServiceException of a
// failed commit.
func wantServiceException(t *testing.T, err error) {
	t.Helper()
	var apiErr *wire.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeService || apiErr.StatusCode != 500 ||
		!strings.Contains(apiErr.Message, "no space left on device") {
		t.Fatalf("error = %v, want a 500 ServiceException naming the store's failure", err)
	}
}

func TestFailedCommitAcknowledgesNothing(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	svc, _ := newService(t, Config{Store: store})
	var stepRuns, failedCheckpoints int
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		if op, ok := f.op("s"); ok && op.Status == wire.OperationStatusSucceeded {
			return succeeded(wire.Deref(op.StepDetails.Result)), nil
		}
		stepRuns++
		if f.n == 1 {
			store.failNext(1) // the disk is full for the step's checkpoint
		}
		if _, err := f.checkpoint(stepStart("s"), stepSucceed("s", `"done"`)); err != nil {
			failedCheckpoints++
			wantServiceException(t, err)
			// The SDK retries (protocol §3.5) with the same token; the
			// token belonged to the invocation that was undone.
			_, err = f.checkpoint(stepStart("s"), stepSucceed("s", `"done"`))
			var apiErr *wire.APIError
			if !errors.As(err, &apiErr) || !apiErr.IsInvalidCheckpointToken() {
				t.Errorf("retried checkpoint: %v, want Invalid checkpoint token", err)
			}
			return wire.InvocationOutput{}, err
		}
		return succeeded(`"done"`), nil
	})

	// A failed commit of StartExecution: an error, and no execution.
	store.failNext(1)
	_, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: "order-1", Payload: []byte(`{}`)})
	wantServiceException(t, err)
	if list, err := svc.ListExecutions(ctx, ListInput{FunctionName: "fn"}); err != nil || len(list.DurableExecutions) != 0 {
		t.Fatalf("after a failed start: %d executions, %v; want none", len(list.DurableExecutions), err)
	}
	// The disk has room again: the same name starts the execution.
	out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: "order-1", Payload: []byte(`{}`)})
	if err != nil || out.Existing {
		t.Fatalf("start after the disk has room: %+v, %v", out, err)
	}
	ex := drive(t, svc, out.ExecutionArn)
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"done"` {
		t.Fatalf("execution = %s %q, want SUCCEEDED \"done\"", ex.Status, wire.Deref(ex.Result))
	}
	if stepRuns != 2 || failedCheckpoints != 1 {
		t.Errorf("step ran %d times with %d failed checkpoints, want 2 and 1", stepRuns, failedCheckpoints)
	}
	// What is stored is what was acknowledged: a new service on the store
	// sees the same execution.
	again, _ := newService(t, Config{Store: store})
	host(t, again, "fn", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	got, err := again.GetExecution(ctx, out.ExecutionArn, true)
	if err != nil || got.Status != ex.Status || wire.Deref(got.Result) != `"done"` {
		t.Errorf("reloaded = %+v, %v", got, err)
	}
	if h1, h2 := eventTypes(history(t, svc, out.ExecutionArn)), eventTypes(history(t, again, out.ExecutionArn)); fmt.Sprint(h1) != fmt.Sprint(h2) {
		t.Errorf("history after reload = %v, want %v", h2, h1)
	}
}

// countingStore records how many records each commit wrote.
type countingStore struct {
	*memStore
	records []int
}

func (c *countingStore) Commit(changes []Change) error {
	n := 0
	for _, ch := range changes {
		n += 1 + len(ch.Items)
	}
	c.records = append(c.records, n)
	return c.memStore.Commit(changes)
}

// TestCheckpointWritesOnlyWhatChanged: the records a checkpoint commits do
// not grow with the execution's history.
func TestCheckpointWritesOnlyWhatChanged(t *testing.T) {
	store := &countingStore{memStore: newMemStore()}
	svc, _ := newService(t, Config{Store: store})
	const steps = 300
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		for i := range steps {
			id := fmt.Sprintf("s%d", i)
			if _, err := f.checkpoint(stepStart(id), stepSucceed(id, `1`)); err != nil {
				return wire.InvocationOutput{}, err
			}
		}
		return succeeded("1"), nil
	})
	arn := start(t, svc, "fn", "{}")
	if ex := drive(t, svc, arn); ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("status %s", ex.Status)
	}
	// Each step checkpoint writes the header, the step and its two events.
	for i, n := range store.records {
		if n > 8 {
			t.Errorf("commit %d wrote %d records; a checkpoint should write a handful, whatever the history", i, n)
		}
	}
	if len(store.records) < steps {
		t.Errorf("%d commits for %d checkpoints", len(store.records), steps)
	}
}

func TestBadStoredRecords(t *testing.T) {
	ctx := context.Background()
	// good returns a store holding two finished executions.
	good := func(t *testing.T) (*memStore, []string) {
		store := newMemStore()
		svc, _ := newService(t, Config{Store: store})
		host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
			_, err := f.checkpoint(stepStart("s"), stepSucceed("s", `1`))
			return succeeded("1"), err
		})
		var arns []string
		for _, name := range []string{"a", "b"} {
			out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: name})
			if err != nil {
				t.Fatal(err)
			}
			drive(t, svc, out.ExecutionArn)
			arns = append(arns, out.ExecutionArn)
		}
		return store, arns
	}
	first := storeKey(1)
	tests := []struct {
		name    string
		damage  func(m *memStore)
		wantErr string
	}{
		{"truncated header", func(m *memStore) { h := m.execs[first].header; m.execs[first].header = h[:len(h)/2] }, "header: unexpected end of JSON input"},
		{"unknown status", func(m *memStore) {
			m.execs[first].header = []byte(strings.Replace(string(m.execs[first].header), `"status":"SUCCEEDED"`, `"status":"WEIRD"`, 1))
		}, `unknown status "WEIRD"`},
		{"missing event", func(m *memStore) { delete(m.execs[first].lists[ListEvents], 2) }, "events record 3: record 2 is missing"},
		{"foreign operation record", func(m *memStore) { m.execs[first].lists[ListOperations][1] = []byte(`["not","an","operation"]`) }, "ops record 1: json: cannot unmarshal array"},
		{"copied execution", func(m *memStore) { m.execs[storeKey(9)] = m.execs[first] }, "sequence number 1 does not match the key"},
		{"copied execution, renumbered", func(m *memStore) {
			m.execs[storeKey(9)] = &memExec{header: []byte(strings.Replace(string(m.execs[first].header), `"seq":1`, `"seq":9`, 1)), lists: m.execs[first].lists}
		}, "the execution is also stored under " + first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, arns := good(t)
			tt.damage(store)
			_, err := New(Config{Store: store})
			var bad *BadRecordError
			if !errors.As(err, &bad) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v, want a *BadRecordError containing %q", err, tt.wantErr)
			}
			if bad.Key == "" {
				t.Errorf("the error names no record: %v", err)
			}
			// --quarantine-bad: the bad record moves aside, the rest loads.
			svc, err := New(Config{Store: store, QuarantineBad: true})
			if err != nil {
				t.Fatalf("New with QuarantineBad: %v", err)
			}
			if _, ok := store.quarantined[bad.Key]; !ok {
				t.Errorf("record %s not quarantined (quarantined: %v)", bad.Key, store.quarantined)
			}
			if ex, err := svc.GetExecution(ctx, arns[1], false); err != nil || ex.Status != wire.ExecutionStatusSucceeded {
				t.Errorf("the good execution after quarantine: %+v, %v", ex, err)
			}
			if _, err := New(Config{Store: store}); err != nil {
				t.Errorf("New after quarantine: %v", err)
			}
		})
	}
}

// gatedStore is a memStore whose commits wait for release while gate is
// set, so that a test can keep one commit under way.
type gatedStore struct {
	*memStore
	gate    chan struct{} // closed to let the held commit finish
	entered chan struct{} // receives when a commit waits on gate
	held    bool
}

func (g *gatedStore) Commit(changes []Change) error {
	if !g.held {
		g.held = true
		g.entered <- struct{}{}
		if _, err := testwait.Receive("the test releases the held commit", g.gate); err != nil {
			return err
		}
	}
	return g.memStore.Commit(changes)
}

// TestUnencodableChangeWritesNothingQueuedWithIt: a change that cannot be
// encoded (a timestamp before 1970) fails its whole commit group, also the
// start of another section queued in it, which the failed change builds
// on; nothing of the group is written, and what the service holds is what
// is stored and acknowledged.
func TestUnencodableChangeWritesNothingQueuedWithIt(t *testing.T) {
	ctx := context.Background()
	store := &gatedStore{memStore: newMemStore(), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	svc, clock := newService(t, Config{Store: store})
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	type result struct {
		arn string
		err error
	}
	startAsync := func(name string) chan result {
		ch := make(chan result, 1)
		go func() {
			out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: name})
			ch <- result{out.ExecutionArn, err}
		}()
		return ch
	}
	// x1's commit is under way; x2's start waits in the next group.
	first := startAsync("x1")
	testwait.Recv(t, "the first commit begins", store.entered)
	second := startAsync("x2")
	// A read answers only once what it shows is committed, and the commit
	// is held: the test looks inside the service.
	var x2 string
	testwait.Until(t, "x2 is started", func() bool {
		svc.mu.Lock()
		defer svc.mu.Unlock()
		if e, ok := svc.byName[nameKey{"fn", "x2"}]; ok {
			x2 = e.arn
		}
		return x2 != ""
	})
	// Stopping x2 at a time that cannot be encoded spoils its group.
	clock.Set(time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))
	stopped := make(chan error, 1)
	go func() {
		_, err := svc.StopExecution(ctx, x2, nil)
		stopped <- err
	}()
	testwait.Until(t, "StopExecution gets the lock", func() bool {
		select {
		case err := <-stopped:
			stopped <- err
			return true
		default:
		}
		svc.mu.Lock()
		defer svc.mu.Unlock()
		e, ok := svc.executions[x2]
		return !ok || e.status != wire.ExecutionStatusRunning
	})
	clock.Set(t0)
	close(store.gate)

	var got [2]result
	for i, ch := range []chan result{first, second} {
		got[i] = testwait.Recv(t, fmt.Sprintf("start %d returns", i+1), ch)
	}
	stopErr := testwait.Recv(t, "StopExecution returns", stopped)
	if got[0].err != nil {
		t.Errorf("x1, committed before: %v", got[0].err)
	}
	var apiErr *wire.APIError
	if !errors.As(stopErr, &apiErr) || apiErr.Code != wire.ErrCodeService || !strings.Contains(apiErr.Message, "encoding") {
		t.Errorf("StopExecution = %v, want a ServiceException about the encoding", stopErr)
	}
	if got[1].err == nil {
		t.Errorf("x2's start, queued with the spoiled change, was acknowledged")
	}
	// Service and store agree, and hold what was acknowledged.
	again, _ := newService(t, Config{Store: store.memStore})
	host(t, again, "fn", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	for _, name := range []string{"x1", "x2"} {
		var seen [2]int
		for i, s := range []*Service{svc, again} {
			list, err := s.ListExecutions(ctx, ListInput{FunctionName: "fn", ExecutionName: name})
			if err != nil {
				t.Fatal(err)
			}
			seen[i] = len(list.DurableExecutions)
		}
		want := 0
		if name == "x1" {
			want = 1
		}
		if seen != [2]int{want, want} {
			t.Errorf("%s: %d in the service, %d in the store; want %d in both", name, seen[0], seen[1], want)
		}
	}
}
