package durabletest_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// A handler that names a step after the wall clock replays differently:
// the replay check names the operation's position and the field.
func ExampleReplayDivergenceError() {
	handler := func(ctx durable.Context, order string) (string, error) {
		//durable:ignore nondeterminism -- the example shows the replay check catching this
		batch := time.Now().Format("batch-15:04:05.000000000")
		return durable.Step(ctx, batch, func(durable.StepContext) (string, error) { return order, nil })
	}
	res, err := durabletest.NewLocalRunner(handler).RunUntilComplete("order-42")
	var d *durabletest.ReplayDivergenceError
	if errors.As(err, &d) {
		fmt.Println(res.Status, "but not deterministic:")
		fmt.Println("operation", d.Position, "differs in", d.Field, d.Recorded != d.Replayed)
	}
	// Output:
	// SUCCEEDED but not deterministic:
	// operation 1 differs in Name true
}

// WithoutReplayCheck skips the check for a handler that is
// nondeterministic on purpose.
func ExampleWithoutReplayCheck() {
	handler := func(ctx durable.Context, _ string) (int64, error) {
		//durable:ignore nondeterminism -- reports when it ran, on purpose
		return time.Now().UnixNano(), nil
	}
	res, err := durabletest.NewLocalRunner(handler).RunUntilComplete("", durabletest.WithoutReplayCheck())
	fmt.Println(res.Status, err)
	// Output:
	// SUCCEEDED <nil>
}
