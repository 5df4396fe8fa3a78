package durable

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	runtimemsg "github.com/aws/aws-lambda-go/lambda/messages"
)

// panicSite is where a test's user code panics.
type panicSite struct {
	function, file string
	line           int
}

// mark records its caller's site in at and returns the panic value; the
// test cases panic with it, so the site is the panicking line.
func mark(at *panicSite) string {
	pc, file, line, _ := runtime.Caller(1)
	*at = panicSite{function: runtime.FuncForPC(pc).Name(), file: file, line: line}
	return "kaboom"
}

// frame formats the site as PanicError.StackTrace does.
func (s panicSite) frame() string { return fmt.Sprintf("%s (%s:%d)", s.function, s.file, s.line) }

// TestPanicStackTrace checks that a panic of user code, wherever it runs,
// is reported with the user's panicking frame first: in the *PanicError
// Wrap returns and in the error report Start's handler raises for the
// Lambda runtime.
func TestPanicStackTrace(t *testing.T) {
	var at panicSite
	tests := []struct {
		name    string
		handler Handler[any, any]
		value   string // the panic value, printed
	}{
		{"handler", func(Context, any) (any, error) {
			panic(mark(&at))
		}, "kaboom"},
		{"runtime error", func(Context, any) (any, error) {
			var m map[string]int
			m[mark(&at)] = 1
			return m, nil
		}, "assignment to entry in nil map"},
		{"step body", func(ctx Context, _ any) (any, error) {
			return Step(ctx, "s", func(StepContext) (any, error) {
				panic(mark(&at))
			})
		}, "kaboom"},
		{"child context", func(ctx Context, _ any) (any, error) {
			return RunInChildContext(ctx, "c", func(Context) (any, error) {
				panic(mark(&at))
			})
		}, "kaboom"},
		{"child goroutine", func(ctx Context, _ any) (any, error) {
			return Go(ctx, "g", func(Context) (any, error) {
				panic(mark(&at))
			}).Result(ctx)
		}, "kaboom"},
		{"map item", func(ctx Context, _ any) (any, error) {
			return Map(ctx, "m", []int{1, 2}, func(_ Context, item, _ int) (int, error) {
				if item == 2 {
					panic(mark(&at))
				}
				return item, nil
			})
		}, "kaboom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			fn := Wrap(tt.handler, testOptions(f)...)
			_, err := fn(lambdaCtx(), envelope(t, "t", f.log()))
			var pe *PanicError
			if !errors.As(err, &pe) || fmt.Sprint(pe.Value) != tt.value || len(pe.Stack) == 0 {
				t.Fatalf("error %v, want a *PanicError of %s with a stack", err, tt.value)
			}
			if len(pe.StackTrace) == 0 || pe.StackTrace[0] != at.frame() {
				t.Fatalf("StackTrace starts %q, want the panicking line %q; trace:\n%s", pe.StackTrace, at.frame(), strings.Join(pe.StackTrace, "\n"))
			}
			for _, fr := range pe.StackTrace {
				if strings.HasPrefix(fr, "runtime.") || strings.Contains(fr, ".runStepBody") || strings.Contains(fr, "runRoot") {
					t.Errorf("StackTrace keeps the runtime's or the SDK's internal frame %q", fr)
				}
			}
			if obj := errorObjectOf(pe, true); obj.ErrorType != "PanicError" || obj.StackTrace[0] != at.frame() {
				t.Errorf("ErrorObject = %+v", obj)
			}

			report := raised(t, fn)
			if !report.ShouldExit || report.Type != "PanicError" || report.Message != "durable: panic: "+tt.value || len(report.StackTrace) == 0 {
				t.Fatalf("the runtime's report is %+v", report)
			}
			if top := report.StackTrace[0]; top.Label != at.function || top.Path != at.file || int(top.Line) != at.line {
				t.Errorf("the report's top frame is %+v, want %+v", *top, at)
			}
		})
	}
}

// raised invokes fn as Start's handler does and returns what it panicked
// with for the Lambda runtime.
func raised(t *testing.T, fn func(context.Context, []byte) ([]byte, error)) (report runtimemsg.InvokeResponse_Error) {
	t.Helper()
	defer func() {
		r := recover()
		ir, ok := r.(runtimemsg.InvokeResponse_Error)
		if !ok {
			t.Fatalf("the handler panicked with %T (%v), want the runtime's error report", r, r)
		}
		report = ir
	}()
	_, _ = rawHandler(fn).Invoke(lambdaCtx(), envelope(t, "t", []Operation{executionOp("")}))
	return report
}

func TestPanicWithoutStackTraces(t *testing.T) {
	f := newFakeClient(executionOp(""))
	fn := Wrap(func(Context, any) (any, error) { panic("kaboom") }, testOptions(f, WithStackTraces(false))...)
	_, err := fn(lambdaCtx(), envelope(t, "t", f.log()))
	var pe *PanicError
	if !errors.As(err, &pe) || len(pe.Stack) != 0 || len(pe.StackTrace) != 0 {
		t.Fatalf("error %#v, want a *PanicError without stacks", err)
	}
	if report := raised(t, fn); len(report.StackTrace) != 0 || !report.ShouldExit {
		t.Errorf("the runtime's report is %+v", report)
	}
}
