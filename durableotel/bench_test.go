package durableotel_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel"
)

// BenchmarkPlugin measures what the plugin adds per step: each case of
// bench.Cases (the SDK alone, an in-memory client, as BenchmarkSDK in
// package durable) runs without a plugin ("none") and with the plugin over
// a batch span processor (as FromEnv sets up; blocking, so that no span is
// dropped) over the SDK's no-op exporter ("otel"). The difference of their ns/step (or cpu-ns/step) is
// the plugin's cost: two spans per fresh step (the operation and its
// attempt), none per replayed step. Both modes use a client that answers
// checkpoints with the changed records, as the service does (operation
// ends are reported from them). See BENCHMARKS.md.
func BenchmarkPlugin(b *testing.B) {
	ctx := context.Background()
	for _, c := range bench.Cases() {
		switch c.Name {
		case "seq-100", "seq-1000", "replay-1000", "map-100", "retry":
		default:
			continue
		}
		for _, mode := range []string{"none", "otel"} {
			b.Run(c.Name+"/"+mode, func(b *testing.B) {
				opts := []durable.HandlerOption{bench.Quiet()}
				if mode == "otel" {
					sp := newBenchProcessor()
					b.Cleanup(func() { _ = sp.Shutdown(ctx) })
					opts = append(opts, durable.WithPlugins(durableotel.New(sp)))
				}
				// The client answers each checkpoint with the changed
				// records, as the service does: they drive OnOperationEnd.
				client := bench.NewMemClient(true)
				fn := c.Wrap(append(opts, durable.WithExecutionClient(client))...)
				var payload []byte
				if c.ReplaySteps > 0 {
					var err error
					if payload, err = bench.ReplayPayload(ctx, c.ReplaySteps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				var result string
				var err error
				cpu := bench.StartCPU()
				for b.Loop() {
					if result, err = c.Execute(ctx, fn, client, payload); err != nil {
						b.Fatal(err)
					}
				}
				if err := c.Check(result); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.Steps), "ns/step")
				if ns, ok := cpu.Per(b.N * c.Steps); ok {
					b.ReportMetric(ns, "cpu-ns/step")
				}
			})
		}
	}
}

// newBenchProcessor is the span processor of the benchmarks: the batch
// processor FromEnv uses, over the SDK's no-op exporter, blocking when its
// queue is full instead of dropping spans.
func newBenchProcessor() sdktrace.SpanProcessor {
	return sdktrace.NewBatchSpanProcessor(tracetest.NewNoopExporter(), sdktrace.WithBlocking())
}

// BenchmarkSDKSpans is the OpenTelemetry SDK's own floor for what the
// plugin emits per fresh step: two spans (an operation's and its
// attempt's, the attempt a child with a link) with the plugin's
// attributes, started and ended through an sdktrace TracerProvider over
// the same processor. It reports ns and allocations per step.
func BenchmarkSDKSpans(b *testing.B) {
	ctx := context.Background()
	sp := newBenchProcessor()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp))
	b.Cleanup(func() { _ = tp.Shutdown(ctx) })
	tr := tp.Tracer(durableotel.ScopeName)
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:bench:$LATEST/durable-execution/bench/0b8e9a41-5b7e-4a53-9d9f-3c7d1a2f4e11"
	b.ReportAllocs()
	cpu := bench.StartCPU()
	for b.Loop() {
		octx, op := tr.Start(ctx, "Step step-1", trace.WithAttributes(
			durableotel.AttrExecutionArn.String(arn),
			durableotel.AttrOperationID.String("c4ca4238a0b92382"),
			durableotel.AttrOperationType.String("STEP"),
			durableotel.AttrOperationSubType.String("Step"),
			durableotel.AttrOperationName.String("step-1"),
		))
		_, at := tr.Start(octx, "attempt 1", trace.WithAttributes(
			durableotel.AttrOperationID.String("c4ca4238a0b92382"),
			durableotel.AttrAttempt.Int(1),
		), trace.WithLinks(trace.Link{SpanContext: op.SpanContext()}))
		at.SetAttributes(durableotel.AttrAttemptOutcome.String("SUCCEEDED"))
		at.End()
		op.SetAttributes(durableotel.AttrOperationStatus.String("SUCCEEDED"), durableotel.AttrAttempt.Int(1))
		op.End()
	}
	if ns, ok := cpu.Per(b.N); ok {
		b.ReportMetric(ns, "cpu-ns/step")
	}
}
