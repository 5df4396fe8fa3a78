package emulator

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/acme/durable-lambda-go/wire"
)

func TestClosedExecutionsExpireAfterRetention(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	svc, _ := newService(t, Config{Store: store})
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		_, err := f.checkpoint(stepStart("s"), stepSucceed("s", `1`))
		return succeeded("1"), err
	})
	fn := Function{Name: "fn", Durable: true, DurableConfig: wire.DurableConfig{RetentionPeriodInDays: 2}}
	fn.Invoker = svc.functions["fn"].Invoker
	if err := svc.RegisterFunction(fn); err != nil {
		t.Fatal(err)
	}
	out, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: "kept", Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	ex := drive(t, svc, out.ExecutionArn)
	end := ex.EndTimestamp.Time
	for _, tt := range []struct {
		at     time.Time
		exists bool
	}{
		{end.Add(47 * time.Hour), true},
		{end.Add(48*time.Hour - time.Millisecond), true},
		{end.Add(48 * time.Hour), false},
	} {
		if err := svc.AdvanceTo(tt.at); err != nil {
			t.Fatal(err)
		}
		_, err := svc.GetExecution(ctx, out.ExecutionArn, false)
		var apiErr *wire.APIError
		gone := errors.As(err, &apiErr) && apiErr.Code == wire.ErrCodeResourceNotFound
		if gone == tt.exists {
			t.Fatalf("at close+%s: GetExecution = %v; want exists=%v", tt.at.Sub(end), err, tt.exists)
		}
		if stored := len(store.execs); (stored == 1) != tt.exists {
			t.Fatalf("at close+%s: %d stored executions; want exists=%v", tt.at.Sub(end), stored, tt.exists)
		}
	}
	// The name is free again, and a restarted service does not see the
	// deleted execution.
	again, err := svc.StartExecution(ctx, StartInput{FunctionName: "fn:$LATEST", ExecutionName: "kept", Payload: []byte(`{"other":1}`)})
	if err != nil || again.Existing || again.ExecutionArn == out.ExecutionArn {
		t.Fatalf("start with the expired name: %+v, %v", again, err)
	}
	restarted, _ := newService(t, Config{Store: store})
	if _, err := restarted.GetExecution(ctx, out.ExecutionArn, false); err == nil {
		t.Error("the expired execution is back after a restart")
	}
	if _, err := restarted.GetExecution(ctx, again.ExecutionArn, false); err != nil {
		t.Errorf("the new execution after a restart: %v", err)
	}
}

// TestExpiredExecutionsAreReleased: once deleted, an expired execution is
// garbage: nothing the service keeps (its expiry heap included) holds it.
func TestExpiredExecutionsAreReleased(t *testing.T) {
	svc, clock := newService(t, Config{})
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	var refs []weak.Pointer[execution]
	for range 3 {
		arn := start(t, svc, "fn", "{}")
		drive(t, svc, arn)
		svc.mu.Lock()
		refs = append(refs, weak.Make(svc.executions[arn]))
		svc.mu.Unlock()
	}
	if err := svc.AdvanceTo(clock.Now().Add(DefaultRetentionDays*24*time.Hour + time.Hour)); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	for i, ref := range refs {
		if ref.Value() != nil {
			t.Errorf("execution %d is still reachable after it expired", i+1)
		}
	}
	runtime.KeepAlive(svc)
}
