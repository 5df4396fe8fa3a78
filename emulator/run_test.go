package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

func TestRunDrivesConcurrentExecutions(t *testing.T) {
	svc, clock := newService(t, Config{})
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		if _, ok := f.op("w"); !ok {
			_, err := f.checkpoint(waitStart("w", 30))
			return pending, err
		}
		if _, err := f.checkpoint(stepSucceed("s", `"x"`)); err != nil {
			return pending, err
		}
		return succeeded(`"ok"`), nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var arns []string
	for range 5 {
		arns = append(arns, start(t, svc, "fn", "{}"))
	}
	events, stop := svc.Subscribe(arns[0])
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- svc.Run(ctx) }()
	// Wait until every execution armed its wait timer and its first
	// invocation has returned, then skip time. The timer is armed by the
	// checkpoint, before the invocation returns; skipping time in between
	// would let the wait succeed while that invocation still runs, which is
	// legitimate but not the order this test asserts.
	testwait.Until(t, "every execution arms its wait timer and finishes its first invocation", func() bool {
		if len(svc.Timers()) != 5*2 { // wait + execution timeout each
			return false
		}
		for _, arn := range arns {
			if invs, err := svc.Invocations(arn); err != nil || len(invs) != 1 {
				return false
			}
		}
		return true
	})
	if err := svc.AdvanceTo(clock.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	wctx := testwait.Context(t)
	for _, arn := range arns {
		ex, err := svc.WaitForExecution(wctx, arn)
		if err != nil || ex.Status != wire.ExecutionStatusSucceeded {
			t.Fatalf("WaitForExecution(%s) = %s, %v", arn, ex.Status, err)
		}
	}
	var got []wire.EventType
	for len(got) == 0 || got[len(got)-1] != wire.EventExecutionSucceeded {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("subscription closed after %v, before ExecutionSucceeded", got)
			}
			got = append(got, ev.EventType)
		case <-wctx.Done():
			t.Fatalf("no ExecutionSucceeded event within %s; got %v", testwait.Deadline, got)
		}
	}
	want := []wire.EventType{wire.EventWaitStarted, wire.EventInvocationCompleted, wire.EventWaitSucceeded, wire.EventStepSucceeded, wire.EventInvocationCompleted, wire.EventExecutionSucceeded}
	if !slices.Equal(got, want) {
		t.Errorf("subscribed events = %v, want %v", got, want)
	}
	cancel()
	if err := testwait.Recv(t, "Run returns after cancel", runErr); err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestInvocationDeadline(t *testing.T) {
	svc, _ := newService(t, Config{MaxInvocationAttempts: 1})
	block := InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		if _, err := testwait.Receive("the invocation's timeout cancels it", ctx.Done()); err != nil {
			return nil, err
		}
		return nil, ctx.Err()
	})
	if err := svc.RegisterFunction(Function{Name: "slow", Durable: true, Timeout: 20 * time.Millisecond, Invoker: block}); err != nil {
		t.Fatal(err)
	}
	arn := start(t, svc, "slow", "{}")
	ex := drive(t, svc, arn)
	if ex.Status != wire.ExecutionStatusFailed || ex.Error.ErrorType != "Sandbox.Timedout" {
		t.Fatalf("execution = %s %+v, want FAILED Sandbox.Timedout", ex.Status, ex.Error)
	}
}

func TestPanickingInvokerIsACrash(t *testing.T) {
	svc, _ := newService(t, Config{MaxInvocationAttempts: 1})
	boom := InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) { panic("kaboom") })
	if err := svc.RegisterFunction(Function{Name: "p", Durable: true, Invoker: boom}); err != nil {
		t.Fatal(err)
	}
	ex := drive(t, svc, start(t, svc, "p", "{}"))
	if ex.Error == nil || ex.Error.ErrorType != "Runtime.ExitError" || ex.Error.ErrorMessage != "panic: kaboom" {
		t.Fatalf("error = %+v", ex.Error)
	}
}

func TestRestartWithStore(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	clock := NewVirtualClock(t0)
	workflow := func(f *fake) (wire.InvocationOutput, error) {
		cb, ok := f.op("cb")
		if !ok {
			_, err := f.checkpoint(stepSucceed("s", `"one"`), waitStart("w", 60), callbackStart("cb", 0, 0))
			return pending, err
		}
		if w, _ := f.op("w"); w.Status != wire.OperationStatusSucceeded || cb.Status != wire.OperationStatusSucceeded {
			return pending, nil
		}
		s, _ := f.op("s")
		return succeeded(wire.Deref(s.StepDetails.Result)), nil
	}
	first, err := New(Config{Clock: clock, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	calls1 := host(t, first, "fn", workflow)
	arn := start(t, first, "fn", `{"k":1}`)
	if err := first.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	id := openCallbackID(t, first, arn)
	before := history(t, first, arn)
	if calls1.get() != 1 {
		t.Fatalf("invocations before restart = %d", calls1.get())
	}

	// "Restart": a new service on the same directory, later in time.
	clock.Set(t0.Add(2 * time.Minute))
	second, err := New(Config{Clock: clock, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	calls2 := host(t, second, "fn", workflow)
	if got := history(t, second, arn); len(got) != len(before) {
		t.Fatalf("history after restart has %d events, want %d", len(got), len(before))
	}
	timers := second.Timers()
	if len(timers) != 2 || timers[0].Kind != TimerWait {
		t.Fatalf("timers after restart = %+v", timers)
	}
	if err := second.SendCallbackSuccess(ctx, id, []byte(`"cb"`)); err != nil {
		t.Fatalf("callback after restart: %v", err)
	}
	ex := drive(t, second, arn)
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"one"` || calls2.get() != 1 {
		t.Fatalf("after restart = %s %q with %d invocations", ex.Status, wire.Deref(ex.Result), calls2.get())
	}
	if _, err := second.StartExecution(ctx, StartInput{FunctionName: "fn:1"}); err != nil {
		t.Fatal(err)
	}

	// A third service sees both executions and the finished history.
	third, err := New(Config{Clock: clock, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	h := history(t, third, arn)
	if h[len(h)-1].EventType != wire.EventExecutionSucceeded {
		t.Errorf("persisted history ends with %s", h[len(h)-1].EventType)
	}
	b1, _ := json.Marshal(h)
	b2, _ := json.Marshal(history(t, second, arn))
	if string(b1) != string(b2) {
		t.Error("persisted history differs from the live one")
	}
	ex3, err := third.WaitForExecution(ctx, arn)
	if err != nil || ex3.Status != wire.ExecutionStatusSucceeded {
		t.Errorf("WaitForExecution on a reloaded closed execution = %s, %v", ex3.Status, err)
	}
	var apiErr *wire.APIError
	if err := third.SendCallbackSuccess(ctx, id, nil); !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeCallbackTimeout {
		t.Errorf("completed callback after reload: %v", err)
	}
}

// TestRestartResumesLostInvocation: an invocation in flight when the
// service went away runs again after the restart.
func TestRestartResumesLostInvocation(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	first, err := New(Config{Clock: NewVirtualClock(t0), Store: store})
	if err != nil {
		t.Fatal(err)
	}
	snapshotTaken := make(chan struct{})
	release := make(chan struct{})
	if err := first.RegisterFunction(Function{Name: "fn", Durable: true, Invoker: InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		close(snapshotTaken)
		if _, err := testwait.Receive("the test releases the invocation", release); err != nil {
			return nil, err
		}
		return nil, errors.New("gone")
	})}); err != nil {
		t.Fatal(err)
	}
	arn := start(t, first, "fn", "{}")
	done := make(chan struct{})
	go func() {
		defer close(done)
		first.RunDue(ctx)
	}()
	testwait.Recv(t, "the first service invokes the function", snapshotTaken)
	second, err := New(Config{Clock: NewVirtualClock(t0), Store: store})
	close(release)
	testwait.Recv(t, "the first service's RunDue returns", done)
	if err != nil {
		t.Fatal(err)
	}
	host(t, second, "fn", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	if ex := drive(t, second, arn); ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("resumed execution = %s", ex.Status)
	}
}

// TestShutdownAbandonsInvocation: an invocation cut off because the
// service's context ended is not recorded as a failure; the execution
// stays due and runs again.
func TestShutdownAbandonsInvocation(t *testing.T) {
	svc, _ := newService(t, Config{})
	started := make(chan struct{})
	var calls counter
	if err := svc.RegisterFunction(Function{Name: "fn", Durable: true, Invoker: InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		if calls.inc() == 1 {
			close(started)
			if _, err := testwait.Receive("the service's cancel reaches the invocation", ctx.Done()); err != nil {
				return nil, err
			}
			return nil, ctx.Err()
		}
		return []byte(`{"Status":"SUCCEEDED","Result":"1"}`), nil
	})}); err != nil {
		t.Fatal(err)
	}
	arn := start(t, svc, "fn", "{}")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	testwait.Recv(t, "Run invokes the function", started)
	cancel()
	if err := testwait.Recv(t, "Run returns after cancel", done); err != nil {
		t.Fatal(err)
	}
	if invs, _ := svc.Invocations(arn); len(invs) != 0 {
		t.Fatalf("abandoned invocation recorded: %+v", invs)
	}
	if ex := drive(t, svc, arn); ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("status = %s", ex.Status)
	}
	if invs, _ := svc.Invocations(arn); len(invs) != 1 {
		t.Errorf("invocations = %d, want 1", len(invs))
	}
}

// TestRestartKeepsPlainInvokeJobs: a plain chained-invoke target that had
// not run yet runs after a restart.
func TestRestartKeepsPlainInvokeJobs(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	pong := Function{Name: "plain", Invoker: InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		return []byte(`"pong"`), nil
	})}
	first, err := New(Config{Clock: NewVirtualClock(t0), Store: store})
	if err != nil {
		t.Fatal(err)
	}
	host(t, first, "parent", invokerFn("plain"))
	if err := first.RegisterFunction(pong); err != nil {
		t.Fatal(err)
	}
	arn := start(t, first, "parent", "{}")
	if ran, err := first.RunNext(ctx); !ran || err != nil { // invocation 1 only: starts the invoke
		t.Fatalf("RunNext = %v, %v", ran, err)
	}
	second, err := New(Config{Clock: NewVirtualClock(t0), Store: store})
	if err != nil {
		t.Fatal(err)
	}
	host(t, second, "parent", invokerFn("plain"))
	if err := second.RegisterFunction(pong); err != nil {
		t.Fatal(err)
	}
	ex := drive(t, second, arn)
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"pong"` {
		t.Fatalf("after restart = %s %q", ex.Status, wire.Deref(ex.Result))
	}
}

// TestConcurrentCallers drives callback executions with Run while many
// goroutines start executions, read them and complete their callbacks.
func TestConcurrentCallers(t *testing.T) {
	svc, _ := newService(t, Config{})
	host(t, svc, "fn", callbackFn(0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan error, 1)
	go func() { runDone <- svc.Run(ctx) }()
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- func() error {
				out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:1", ExecutionName: "e" + strconv.Itoa(i), Payload: []byte(strconv.Itoa(i))})
				if err != nil {
					return err
				}
				var callbackID string
				var pollErr error
				if err := testwait.For("execution "+out.ExecutionArn+" creates its callback", func() bool {
					if _, pollErr = svc.ListExecutions(ctx, ListInput{FunctionName: "fn"}); pollErr != nil {
						return true
					}
					open, err := svc.OpenCallbacks(out.ExecutionArn)
					if pollErr = err; err != nil || len(open) != 1 {
						return err != nil
					}
					callbackID = open[0].CallbackID
					return true
				}); err != nil {
					return err
				}
				if pollErr != nil {
					return pollErr
				}
				if err := svc.SendCallbackSuccess(ctx, callbackID, []byte(strconv.Itoa(i))); err != nil {
					return err
				}
				wctx, wcancel := context.WithTimeout(ctx, testwait.Deadline)
				defer wcancel()
				ex, err := svc.WaitForExecution(wctx, out.ExecutionArn)
				if err != nil {
					return err
				}
				if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != strconv.Itoa(i) {
					return errors.New("execution " + out.ExecutionArn + " ended " + string(ex.Status))
				}
				return nil
			}()
		}()
	}
	for range n {
		if err := testwait.Recv(t, "a caller finishes", errs); err != nil {
			t.Error(err)
		}
	}
	cancel()
	if err := testwait.Recv(t, "Run returns after cancel", runDone); err != nil {
		t.Error(err)
	}
}

// TestRunCapsConcurrentInvocations: with MaxConcurrentInvocations, Run
// never has more invocations in flight, and starts the oldest due
// execution first.
func TestRunCapsConcurrentInvocations(t *testing.T) {
	for _, limit := range []int{1, 3} {
		t.Run(fmt.Sprint("max=", limit), func(t *testing.T) {
			svc, _ := newService(t, Config{MaxConcurrentInvocations: limit})
			var mu sync.Mutex
			inFlight, most := 0, 0
			var order []string
			host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				order = append(order, f.arn)
				mu.Unlock()
				_, err := f.checkpoint(stepStart("s"), stepSucceed("s", `1`))
				mu.Lock()
				inFlight--
				mu.Unlock()
				return succeeded("1"), err
			})
			var arns []string
			for range 8 {
				arns = append(arns, start(t, svc, "fn", "{}"))
			}
			ctx, cancel := context.WithTimeout(context.Background(), testwait.Deadline)
			defer cancel()
			runErr := make(chan error, 1)
			go func() { runErr <- svc.Run(ctx) }()
			for _, arn := range arns {
				if ex, err := svc.WaitForExecution(ctx, arn); err != nil || ex.Status != wire.ExecutionStatusSucceeded {
					t.Fatalf("WaitForExecution(%s) = %s, %v", arn, ex.Status, err)
				}
			}
			cancel()
			if err := testwait.Recv(t, "Run returns after cancel", runErr); err != nil {
				t.Fatal(err)
			}
			if most > limit {
				t.Errorf("%d invocations in flight at once, want at most %d", most, limit)
			}
			if limit == 1 && !slices.Equal(order, arns) {
				t.Errorf("invocation order %v, want start order %v", order, arns)
			}
		})
	}
}
