package durabletest_test

import (
	"fmt"
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
