package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// A durable function speaks the envelope protocol: it receives a
// wire.InvocationInput, checkpoints through the service and answers a
// wire.InvocationOutput. This one waits 30 seconds, then echoes its input.
func Example() {
	clock := emulator.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	svc, _ := emulator.New(emulator.Config{Clock: clock})
	echo := emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		var in wire.InvocationInput
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, err
		}
		ops := in.InitialExecutionState.Operations
		if len(ops) == 1 { // only the EXECUTION operation: first run
			_, err := svc.Checkpoint(ctx, wire.CheckpointInput{
				DurableExecutionArn: in.DurableExecutionArn,
				CheckpointToken:     in.CheckpointToken,
				Updates: []wire.OperationUpdate{{Id: "w", Type: wire.OperationTypeWait, Action: wire.OperationActionStart,
					WaitOptions: &wire.WaitOptions{WaitSeconds: 30}}},
			})
			if err != nil {
				return nil, err
			}
			return json.Marshal(wire.InvocationOutput{Status: wire.InvocationStatusPending})
		}
		return json.Marshal(wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: ops[0].ExecutionDetails.InputPayload})
	})
	_ = svc.RegisterFunction(emulator.Function{Name: "echo", Durable: true, Invoker: echo})

	ctx := context.Background()
	out, _ := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "echo:prod", ExecutionName: "demo", Payload: []byte(`{"hi":1}`)})
	_ = svc.RunDue(ctx) // invocation 1: starts the wait
	next := svc.Timers()[0]
	fmt.Println("next timer:", next.Kind, next.At.Sub(clock.Now()))
	_ = svc.AdvanceTo(next.At) // skip the 30 s
	_ = svc.RunDue(ctx)        // invocation 2: finishes

	ex, _ := svc.GetExecution(ctx, out.ExecutionArn, true)
	fmt.Println(ex.Status, *ex.Result)
	events, _ := svc.History(out.ExecutionArn)
	for _, ev := range events {
		fmt.Println(ev.EventId, ev.EventType)
	}
	// Output:
	// next timer: wait 30s
	// SUCCEEDED {"hi":1}
	// 1 ExecutionStarted
	// 2 WaitStarted
	// 3 InvocationCompleted
	// 4 WaitSucceeded
	// 5 InvocationCompleted
	// 6 ExecutionSucceeded
}
