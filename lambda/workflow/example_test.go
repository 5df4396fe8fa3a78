package workflow_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/lambda/workflow"
)

// printStore prints what the store step writes.
type printStore struct{}

func (printStore) Put(_ context.Context, key, value string) error {
	fmt.Printf("put %s = %s\n", key, value)
	return nil
}

// The workflow runs on the local runner exactly as on Lambda.
func ExampleNew() {
	w, err := workflow.New(workflow.Config{Store: printStore{}})
	if err != nil {
		panic(err)
	}
	res, err := durabletest.NewLocalRunner(w.Handle).RunUntilComplete(json.RawMessage(`{"message":"hello  durable world","execution_name":"order-42"}`))
	if err != nil {
		panic(err)
	}
	out, _ := durabletest.ResultAs[workflow.Output](res)
	fmt.Println(res.Status, out.StepsCompleted, out.FinalResult)
	// Output:
	// put messages/order-42 = HELLO DURABLE WORLD
	// SUCCEEDED 3 stored messages/order-42
}

// Bad input ends the execution FAILED before any step runs.
func ExampleDecodeInput() {
	_, err := workflow.DecodeInput(json.RawMessage(`{"message": 42}`))
	fmt.Println(err)
	// Output: invalid input: message: want a string, got a JSON number
}
