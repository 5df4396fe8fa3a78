package durableotel_test

import (
	"context"
	"fmt"
	"slices"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/durableotel"
	"github.com/acme/durable-lambda-go/wire"
)

// New with the OpenTelemetry SDK's in-memory exporter, as in a test: one
// execution of a one-step handler gives its root span, its invocation, the
// step and the step's attempt, all in the trace of the execution's ARN.
func ExampleNew() {
	exp := tracetest.NewInMemoryExporter()
	sp := sdktrace.NewSimpleSpanProcessor(exp)
	defer sp.Shutdown(context.Background())

	greet := func(ctx durable.Context, name string) (string, error) {
		return durable.Step(ctx, "greet", func(durable.StepContext) (string, error) { return "hello " + name, nil })
	}
	res, err := durabletest.NewLocalRunner(greet, durable.WithPlugins(durableotel.New(sp))).RunUntilComplete("ada")
	if err != nil {
		fmt.Println(err)
		return
	}
	var names []string
	for _, s := range exp.GetSpans() {
		if s.SpanContext.TraceID() == durableotel.TraceID(res.ExecutionArn) {
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	fmt.Println(names)
	// Output: [Step greet attempt 1 execution invocation]
}

// ExecutionEnded in the function that receives the status-change events
// of stopped and timed-out executions: it emits the root span the
// execution's invocations could not.
func ExampleExecutionEnded() {
	exp := tracetest.NewInMemoryExporter()
	sp := sdktrace.NewSimpleSpanProcessor(exp)
	defer sp.Shutdown(context.Background())

	arn := "arn:aws:lambda:us-east-1:111122223333:function:orders:7/durable-execution/order-42/0b7e4c1e"
	ev := wire.StatusChangeEvent{DetailType: wire.StatusChangeDetailType, Source: wire.StatusChangeSource, Detail: wire.StatusChangeDetail{
		DurableExecutionArn: arn, Status: wire.ExecutionStatusStopped,
		StartTimestamp: "2026-01-01T00:00:00.000Z", EndTimestamp: "2026-01-01T00:05:03.412Z",
	}}
	emitted, err := durableotel.ExecutionEnded(context.Background(), sp, ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	root := exp.GetSpans()[0]
	fmt.Println(emitted, root.Name, root.SpanContext.SpanID() == durableotel.ExecutionSpanID(arn), root.EndTime.Sub(root.StartTime))
	// Output: true execution true 5m3.412s
}
