// Command seqfn hosts the benchmarks' sequential workflow (bench.Seq: n
// steps, each returning {i, ok}) as a Lambda bootstrap binary, for
// BenchmarkRunBinary: the cost per step of the local endpoint path.
package main

import (
	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
)

func main() {
	durable.Start(bench.Seq, bench.Quiet())
}
