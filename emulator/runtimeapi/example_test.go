package runtimeapi_test

import (
	"context"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/runtimeapi"
)

// Host a function binary and invoke it once. The same *Runtime can be the
// Invoker of an emulator.Function.
func ExampleNew() {
	rt, err := runtimeapi.New(runtimeapi.Config{
		Path:         fnBinary, // a bootstrap built with aws-lambda-go
		FunctionName: "echo",
	})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	out, err := rt.Invoke(context.Background(), emulator.InvokeRequest{
		RequestID:   "example-1",
		FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:echo:1",
		Payload:     []byte(`{"action":"big","size":5}`),
		Deadline:    time.Now().Add(time.Minute),
	})
	fmt.Println(string(out), err)
	// Output: "xxxxx" <nil>
}
