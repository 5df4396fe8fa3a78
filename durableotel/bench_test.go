package durableotel_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel"
)

// BenchmarkPlugin measures what the plugin adds per step: each case of
// bench.Cases (the SDK alone, an in-memory client, as BenchmarkSDK in
// package durable) runs without a plugin ("none") and with the plugin over
// a simple span processor over the SDK's no-op exporter ("otel"). The difference of their ns/step (or cpu-ns/step) is
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
					sp := sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())
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
