package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/internal/hostbuild"
	"github.com/acme/durable-lambda-go/wire"
)

// BenchmarkRunBinary measures the local endpoint path: each iteration is
// one `durablectl run --binary seqfn --json '{"n":N}'` in this process —
// the emulator, its REST endpoint and Runtime API, a new bootstrap process
// running bench.Seq with the SDK's default checkpoint client (one HTTP
// checkpoint call per step), and the JSON output of the execution and its
// history. cpu-ns/step is the CPU time of both processes (this one and the
// bootstrap, which has ended and been waited for when run returns) per
// step; the bootstrap's start is in it, once per execution.
//
//	go test -run '^$' -bench RunBinary -benchtime 5x ./cmd/durablectl/
func BenchmarkRunBinary(b *testing.B) {
	binary := filepath.Join(b.TempDir(), "bootstrap")
	if err := hostbuild.Build(b.Context(), "./testdata/seqfn", binary); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("seq-%d", n), func(b *testing.B) {
			args := []string{"run", "--binary", binary, "--json", "--max-operations", fmt.Sprint(n + 1), fmt.Sprintf(`{"n":%d}`, n)}
			var stdout bytes.Buffer
			cpu := bench.StartTreeCPU()
			for b.Loop() {
				stdout.Reset()
				var stderr strings.Builder
				if code := run(b.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
					b.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
				}
			}
			if perStep, ok := cpu.Per(b.N * n); ok {
				b.ReportMetric(perStep, "cpu-ns/step")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/step")
			var res struct {
				Execution wire.Execution
				Events    []wire.Event
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				b.Fatalf("the --json output: %v", err)
			}
			if res.Execution.Result == nil {
				b.Fatalf("execution %s has no result", res.Execution.Status)
			}
			var out bench.SeqOutput
			if err := json.Unmarshal([]byte(*res.Execution.Result), &out); err != nil || out.Steps != n {
				b.Fatalf("result %s (%v), want %d steps", *res.Execution.Result, err, n)
			}
		})
	}
}
