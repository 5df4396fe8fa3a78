package durabletest

import (
	"context"
	"errors"
	"testing"

	"github.com/acme/durable-lambda-go/durable"
)

// caller invokes "target" and reports its result or error type.
func caller(target string) durable.Handler[int, string] {
	return func(ctx durable.Context, n int) (string, error) {
		out, err := durable.Invoke[string](ctx, "call-target", target, n)
		var ie *durable.InvokeError
		if errors.As(err, &ie) {
			return "invoke failed: " + ie.Error(), nil
		}
		return out, err
	}
}

func TestChainedInvokeControls(t *testing.T) {
	square := func(ctx context.Context, n int) (string, error) {
		if n < 0 {
			return "", errors.New("negative")
		}
		return string(rune('0' + n*n)), nil
	}
	tests := []struct {
		name     string
		target   string
		register func(r *LocalRunner[int, string])
		resolve  func(r *LocalRunner[int, string]) error
		input    int
		want     string
		failed   bool
	}{
		{name: "plain target", target: "square", input: 2, want: "4",
			register: func(r *LocalRunner[int, string]) { r.RegisterFunction("square", PlainFunction(square)) }},
		{name: "plain target error", target: "square", input: -1, failed: true,
			register: func(r *LocalRunner[int, string]) { r.RegisterFunction("square", PlainFunction(square)) }},
		{name: "durable target", target: "sq:live", input: 3, want: "9",
			register: func(r *LocalRunner[int, string]) {
				r.RegisterFunction("sq:live", DurableFunction(func(ctx durable.Context, n int) (string, error) {
					return durable.Step(ctx, "square", func(durable.StepContext) (string, error) { return square(ctx, n) })
				}))
			}},
		{name: "completed by the test", target: "elsewhere", want: "7",
			resolve: func(r *LocalRunner[int, string]) error { return r.CompleteChainedInvoke("call-target", "7") }},
		{name: "failed by the test", target: "elsewhere", failed: true,
			resolve: func(r *LocalRunner[int, string]) error { return r.FailChainedInvoke("elsewhere", "Boom", "down") }},
		{name: "timed out by the test", target: "elsewhere", failed: true,
			resolve: func(r *LocalRunner[int, string]) error { return r.TimeoutChainedInvoke("call-target") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewLocalRunner(caller(tt.target))
			if tt.register != nil {
				tt.register(r)
			}
			res, err := r.RunUntilComplete(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if tt.resolve != nil {
				if res.Status != StatusPending || len(res.Waiting) != 1 || res.Waiting[0].FunctionName != tt.target {
					t.Fatalf("first run = %s waiting %v", res.Status, res.Waiting)
				}
				if err := tt.resolve(r); err != nil {
					t.Fatal(err)
				}
				if err := r.CompleteChainedInvoke("call-target", "again"); !errors.Is(err, ErrNoChainedInvoke) {
					t.Errorf("second completion: %v, want ErrNoChainedInvoke", err)
				}
				if res, err = r.RunUntilComplete(tt.input); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ResultAs[string](res)
			if err != nil {
				t.Fatalf("result: %v (%s %+v)", err, res.Status, res.Error)
			}
			if tt.failed != (len(got) > 14 && got[:14] == "invoke failed:") || (!tt.failed && got != tt.want) {
				t.Errorf("result = %q, want %q (failed %v)", got, tt.want, tt.failed)
			}
			if op := res.Operation("call-target"); op == nil || op.Type != "CHAINED_INVOKE" || !op.IsTerminal() {
				t.Errorf("invoke operation = %+v", op)
			}
		})
	}
}

// TestNestedWaiting: a durable target that waits for a callback and
// invokes an unregistered function shows both in the caller's Waiting,
// and the test can complete them.
func TestNestedWaiting(t *testing.T) {
	r := NewLocalRunner(caller("approver:1"))
	r.RegisterFunction("approver", DurableFunction(func(ctx durable.Context, n int) (string, error) {
		cb, err := durable.CreateCallback[string](ctx, "sign-off", durable.WithCallbackSerdes(durable.JSONSerdes{}))
		if err != nil {
			return "", err
		}
		who, err := cb.Result(ctx)
		if err != nil {
			return "", err
		}
		audit, err := durable.Invoke[string](ctx, "audit", "auditor", who)
		return who + "/" + audit, err
	}))
	res, err := r.RunUntilComplete(1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusPending || len(res.Waiting) != 2 || res.Waiting[0].Kind != "chained-invoke" ||
		res.Waiting[1].Kind != "callback" || res.Waiting[1].Name != "sign-off" || res.Waiting[1].ExecutionArn == res.ExecutionArn {
		t.Fatalf("waiting = %+v", res.Waiting)
	}
	if err := r.SendCallbackSuccess(res.Waiting[1].CallbackID, "ann"); err != nil {
		t.Fatal(err)
	}
	if res, err = r.RunUntilComplete(1); err != nil {
		t.Fatal(err)
	}
	if len(res.Waiting) != 2 || res.Waiting[1].FunctionName != "auditor" {
		t.Fatalf("waiting after the callback = %+v", res.Waiting)
	}
	if err := r.CompleteChainedInvoke("audit", "ok"); err != nil {
		t.Fatal(err)
	}
	if res, err = r.RunUntilComplete(1); err != nil {
		t.Fatal(err)
	}
	if got, err := ResultAs[string](res); err != nil || got != "ann/ok" {
		t.Fatalf("result = %q, %v (%s)", got, err, res.Status)
	}
}
