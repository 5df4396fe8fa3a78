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
