package durable_test

import (
	"context"
	"testing"

	"github.com/acme/durable-lambda-go/bench"
)

// BenchmarkSDK measures the SDK alone: the handler returned by durable.Wrap
// is called directly with an in-memory client (bench.MemClient) that
// acknowledges each checkpoint at once; a workflow that suspends is
// invoked again at once with its whole log. replay-N is one invocation
// replaying N completed steps. Besides ns/op it reports ns/step, the
// checkpoint calls and the updates they carried per execution, and the
// invocations, and the process CPU time per step (cpu-ns/step), which
// on a loaded machine leaves out the waits for a core. See bench/ and
// BENCHMARKS.md.
func BenchmarkSDK(b *testing.B) {
	ctx := context.Background()
	for _, c := range bench.Cases() {
		b.Run(c.Name, func(b *testing.B) {
			fn, client, payload, err := c.PrepareSDK(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var result string
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
			b.ReportMetric(float64(client.Calls()), "calls/op")
			b.ReportMetric(float64(client.Updates()), "updates/op")
		})
	}
}
