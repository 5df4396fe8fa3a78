package durabletest_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

func greet(ctx durable.Context, name string) (string, error) {
	greeting, err := durable.Step(ctx, "compose", func(durable.StepContext) (string, error) {
		return "hello, " + name, nil
	})
	if err != nil {
		return "", err
	}
	// An hour-long wait costs nothing: the runner skips virtual time.
	if err := durable.Wait(ctx, "sleep-on-it", time.Hour); err != nil {
		return "", err
	}
	return greeting + "!", nil
}

func ExampleLocalRunner_RunUntilComplete() {
	r := durabletest.NewLocalRunner(greet)
	res, err := r.RunUntilComplete("ada")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := durabletest.ResultAs[string](res)
	fmt.Println(res.Status, out, len(res.Invocations), "invocations")
	fmt.Print(res.FormatTree(durabletest.ColumnType, durabletest.ColumnStatus))
	// Output:
	// SUCCEEDED hello, ada! 2 invocations
	// execution SUCCEEDED
	// ├── compose  STEP/Step  SUCCEEDED
	// └── sleep-on-it  WAIT/Wait  SUCCEEDED
}

func ExampleLocalRunner_CrashAfterCheckpoint() {
	r := durabletest.NewLocalRunner(greet)
	r.CrashAfterCheckpoint(1) // the invocation dies right after "compose" is recorded
	res, _ := r.RunUntilComplete("grace")
	fmt.Println(res.Status, res.RawResult)
	fmt.Println("first invocation:", res.Invocations[0].Error.ErrorType)
	// Output:
	// SUCCEEDED "hello, grace!"
	// first invocation: Runtime.ExitError
}

func ExampleWithExecutionName() {
	r := durabletest.NewLocalRunner(greet)
	first, _ := r.RunUntilComplete("ada", durabletest.WithExecutionName("greet-ada"))
	// The same name and event: the service returns the closed execution
	// and the handler is not invoked again.
	again, _ := r.RunUntilComplete("ada", durabletest.WithExecutionName("greet-ada"))
	fmt.Println(again.ExecutionArn == first.ExecutionArn, len(again.Invocations), "invocations")
	// The same name with another event is refused.
	_, err := r.RunUntilComplete("grace", durabletest.WithExecutionName("greet-ada"))
	fmt.Println(err != nil)
	// Output:
	// true 2 invocations
	// true
}

func ExampleTestError_Unwrap() {
	r := durabletest.NewLocalRunner(func(ctx durable.Context, name string) (string, error) {
		return durable.Step(ctx, "inspect", func(durable.StepContext) (string, error) {
			var shelf []string
			return shelf[len(name)], nil // panics: index out of range
		})
	})
	res, _ := r.RunUntilComplete("cheddar")
	// The service gave up after the invocations kept panicking; the error
	// it recorded unwraps to the handler's *durable.PanicError, whose
	// stack starts at the line that panicked.
	var pe *durable.PanicError
	if errors.As(res.Error, &pe) {
		fmt.Println(res.Status, res.Error.ErrorType)
		fmt.Println(pe.Value)
		fmt.Println(strings.Contains(pe.StackTrace[0], "example_test.go:"))
	}
	// Output:
	// FAILED PanicError
	// runtime error: index out of range [7] with length 0
	// true
}

func ExampleExit() {
	crashed := false
	r := durabletest.NewLocalRunner(func(ctx durable.Context, name string) (string, error) {
		return durable.Step(ctx, "compose", func(durable.StepContext) (string, error) {
			if !crashed {
				//durable:ignore closure -- the flag makes only the first attempt crash; the handler never reads it
				crashed = true
				durabletest.Exit(1) // the process dies before the step is recorded
			}
			return "hello, " + name, nil
		})
	})
	res, _ := r.RunUntilComplete("ada")
	fmt.Println(res.Status, res.RawResult)
	fmt.Println("first invocation:", res.Invocations[0].Error.ErrorType)
	// Output:
	// SUCCEEDED "hello, ada"
	// first invocation: Runtime.ExitError
}
