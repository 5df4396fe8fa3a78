package durabletest_test

import (
	"testing"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// BenchmarkRunner measures the workflows of bench.Cases through the local
// runner: each iteration builds a LocalRunner (its own emulator) and runs
// one execution to its end with RunUntilComplete on virtual time, like one
// run of the JavaScript anchor's LocalDurableTestRunner with skipTime.
// replay-N is the whole execution of bench.SeqThenWait, whose second
// invocation replays N steps. Besides ns/op it reports ns/step, the
// checkpoint calls (LocalRunner.Checkpoints) and the updates they carried
// (counted from the history) per execution, and the process CPU time per
// step (cpu-ns/step). Every case runs, N = 10,000 too: its execution's
// operation limit is raised with durabletest.WithMaxOperations.
func BenchmarkRunner(b *testing.B) {
	for _, c := range bench.Cases() {
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			var res *durabletest.TestResult
			var calls int
			var err error
			cpu := bench.StartCPU()
			for b.Loop() {
				if res, calls, err = c.RunLocal(bench.Quiet()); err != nil {
					b.Fatal(err)
				}
			}
			if res.Status != durabletest.StatusSucceeded {
				b.Fatalf("status %s, error %+v", res.Status, res.Error)
			}
			if err := c.Check(res.RawResult); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.Steps), "ns/step")
			if ns, ok := cpu.Per(b.N * c.Steps); ok {
				b.ReportMetric(ns, "cpu-ns/step")
			}
			b.ReportMetric(float64(calls), "calls/op")
			b.ReportMetric(float64(bench.ClientUpdates(res.EventTypes())), "updates/op")
			b.ReportMetric(float64(len(res.Invocations)), "invocations/op")
		})
	}
}
