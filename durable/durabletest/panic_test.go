package durabletest

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/durable-lambda-go/durable"
)

// panicSite is where a test's handler panics, as a StackTrace frame.
type panicSite struct{ frame string }

// mark records its caller's site in at and returns the panic value; the
// test cases panic with it, so the site is the panicking line.
func mark(at *panicSite) string {
	pc, file, line, _ := runtime.Caller(1)
	at.frame = fmt.Sprintf("%s (%s:%d)", runtime.FuncForPC(pc).Name(), file, line)
	return "kaboom"
}

// A handler that keeps panicking fails the execution; the recorded error
// of each invocation and of the execution carries the panicking line, and
// unwraps to the *durable.PanicError.
func TestPanicFailsWithTheUsersStack(t *testing.T) {
	var at panicSite
	tests := []struct {
		name    string
		handler durable.Handler[string, any]
	}{
		{"handler", func(durable.Context, string) (any, error) {
			panic(mark(&at))
		}},
		{"step body", func(ctx durable.Context, _ string) (any, error) {
			return durable.Step(ctx, "s", func(durable.StepContext) (any, error) {
				panic(mark(&at))
			})
		}},
		{"child context", func(ctx durable.Context, _ string) (any, error) {
			return durable.RunInChildContext(ctx, "c", func(durable.Context) (any, error) {
				panic(mark(&at))
			})
		}},
		{"map item", func(ctx durable.Context, _ string) (any, error) {
			return durable.Map(ctx, "m", []int{1, 2}, func(_ durable.Context, item, _ int) (int, error) {
				if item == 2 {
					panic(mark(&at))
				}
				return item, nil
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewLocalRunner(tt.handler).RunUntilComplete("x")
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != StatusFailed || res.Error == nil || len(res.Invocations) == 0 {
				t.Fatalf("result %s, error %v, %d invocations; want FAILED by the panics", res.Status, res.Error, len(res.Invocations))
			}
			errs := []*TestError{res.Error}
			for _, inv := range res.Invocations {
				errs = append(errs, inv.Error)
			}
			for i, te := range errs {
				if te == nil || te.ErrorType != "PanicError" || te.ErrorMessage != "durable: panic: kaboom" ||
					len(te.StackTrace) == 0 || te.StackTrace[0] != at.frame {
					t.Fatalf("error %d is %+v, want a PanicError whose StackTrace starts with %q", i, te, at.frame)
				}
				var pe *durable.PanicError
				if !errors.As(te, &pe) || pe.Value != "kaboom" || len(pe.StackTrace) == 0 || pe.StackTrace[0] != at.frame {
					t.Fatalf("error %d does not unwrap to the *durable.PanicError: %#v", i, pe)
				}
			}
		})
	}
}

// A panic the next invocation does not repeat is an invocation failure
// the execution survives.
func TestPanicOnceIsRetried(t *testing.T) {
	var calls atomic.Int32
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		if calls.Add(1) == 1 {
			panic("first time")
		}
		return "ok", nil
	})
	res, err := r.RunUntilComplete("x")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusSucceeded || len(res.Invocations) != 2 || res.Invocations[0].Error == nil ||
		res.Invocations[0].Error.ErrorType != "PanicError" || res.Invocations[1].Error != nil {
		t.Fatalf("result = %s, invocations %+v", res.Status, res.Invocations)
	}
	var pe *durable.PanicError
	if !errors.As(res.Invocations[0].Error, &pe) || pe.Value != "first time" {
		t.Errorf("the failed invocation's error does not unwrap to the panic: %v", res.Invocations[0].Error)
	}
	ic := res.Events[1].InvocationCompletedDetails
	if ic == nil || ic.Error == nil || aws.ToString(ic.Error.Payload.ErrorType) != "PanicError" || len(ic.Error.Payload.StackTrace) == 0 {
		t.Errorf("InvocationCompleted = %+v", res.Events[1])
	}
}

// Exit is a process exit, not a panic: Runtime.ExitError without a stack,
// and the next invocation goes on.
func TestExitIsRuntimeExitError(t *testing.T) {
	var calls atomic.Int32
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		return durable.Step(ctx, "s", func(durable.StepContext) (string, error) {
			if calls.Add(1) == 1 {
				Exit(3)
			}
			return "ok", nil
		})
	})
	res, err := r.RunUntilComplete("x")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusSucceeded || len(res.Invocations) != 2 {
		t.Fatalf("result = %s with %d invocations, want SUCCEEDED after 2", res.Status, len(res.Invocations))
	}
	e := res.Invocations[0].Error
	want := "RequestId: " + res.Invocations[0].RequestID + " Error: Runtime exited with error: exit status 3"
	if e == nil || e.ErrorType != "Runtime.ExitError" || e.ErrorMessage != want || len(e.StackTrace) != 0 {
		t.Fatalf("the exited invocation's error is %+v, want Runtime.ExitError %q", e, want)
	}
	var pe *durable.PanicError
	if errors.As(e, &pe) {
		t.Errorf("an exit unwraps to a panic: %v", pe)
	}
}
