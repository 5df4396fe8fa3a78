package durabletest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

type quotaError struct{ left int }

func (e *quotaError) Error() string { return fmt.Sprintf("quota exhausted (%d left)", e.left) }

func TestPlainFunction(t *testing.T) {
	double := PlainFunction(func(ctx context.Context, n int) (int, error) {
		if n < 0 {
			return 0, &quotaError{left: n}
		}
		return 2 * n, nil
	})
	inv := double.invoker(nil)
	tests := []struct {
		payload  string
		want     string
		wantType string
	}{
		{payload: "21", want: "42"},
		{payload: "-1", wantType: "quotaError"},
		{payload: `"x"`, wantType: "wrapError"},
	}
	for _, tt := range tests {
		out, err := inv.Invoke(context.Background(), emulator.InvokeRequest{Payload: []byte(tt.payload)})
		var fe *wire.FunctionError
		switch {
		case tt.wantType == "" && (err != nil || string(out) != tt.want):
			t.Errorf("%s: out = %s, %v; want %s", tt.payload, out, err, tt.want)
		case tt.wantType != "" && (!errors.As(err, &fe) || fe.ErrorType != tt.wantType):
			t.Errorf("%s: err = %#v, want ErrorType %s", tt.payload, err, tt.wantType)
		}
	}
}

// TestDurableFunctionHosting runs a DurableFunction registered on a runner
// as its own execution, the way a chained invoke starts it.
func TestDurableFunctionHosting(t *testing.T) {
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) { return in, nil })
	r.RegisterFunction("greeter:live", DurableFunction(func(ctx durable.Context, name string) (string, error) {
		return durable.Step(ctx, "greet", func(durable.StepContext) (string, error) { return "hi " + name, nil })
	}))
	svc := r.service()
	ctx := context.Background()
	out, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "greeter:live", Payload: []byte(`"bo"`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	ex, err := svc.GetExecution(ctx, out.ExecutionArn, true)
	if err != nil || ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"hi bo"` || ex.Version != "1" {
		t.Fatalf("execution = %+v, %v", ex, err)
	}
	// Reset keeps registrations.
	r.Reset()
	if _, err := r.service().StartExecution(ctx, emulator.StartInput{FunctionName: "greeter:live", Payload: []byte(`"x"`)}); err != nil {
		t.Errorf("after Reset: %v", err)
	}
}

func TestErrorTypeName(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&quotaError{}, "quotaError"},
		{errors.New("x"), "errorString"},
		{fmt.Errorf("w: %w", errors.New("x")), "wrapError"},
		{&durable.PanicError{Value: "p"}, "PanicError"},
	}
	for _, tt := range tests {
		if got := errorTypeName(tt.err); got != tt.want {
			t.Errorf("errorTypeName(%T) = %q, want %q", tt.err, got, tt.want)
		}
	}
	pe := &durable.PanicError{Value: "p", StackTrace: []string{"main.f (f.go:1)"}}
	if fe := functionError(pe); fe.ErrorType != "PanicError" || fe.ErrorMessage != pe.Error() || !slices.Equal(fe.StackTrace, pe.StackTrace) {
		t.Errorf("a panic maps to %+v", fe.ErrorObject)
	}
}

func TestAdvanceClock(t *testing.T) {
	var a, b atomic.Int32
	r := NewLocalRunner(workflow(&a, &b))
	res, err := r.Run(order{ID: "t"})
	if err != nil || res.Status != StatusPending {
		t.Fatalf("first run = %v, %v", res, err)
	}
	start := r.Now()
	if err := r.AdvanceClock(9 * time.Second); err != nil {
		t.Fatal(err)
	}
	if invs, _ := r.service().Invocations(res.ExecutionArn); len(invs) != 1 || b.Load() != 0 {
		t.Fatalf("after 9s: %d invocations, charge ran %d times", len(invs), b.Load())
	}
	if err := r.AdvanceClock(time.Second); err != nil {
		t.Fatal(err)
	}
	ex, err := r.service().GetExecution(context.Background(), res.ExecutionArn, true)
	if err != nil || ex.Status != wire.ExecutionStatusSucceeded || !r.Now().Equal(start.Add(10*time.Second)) {
		t.Fatalf("after 10s: %s at %v, %v", ex.Status, r.Now().Sub(start), err)
	}
}
