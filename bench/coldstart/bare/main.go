// Command bare is the baseline of bench/coldstart: an aws-lambda-go
// function that answers every event with its payload and does nothing
// else. Build it with the flags of the durable bootstrap (see
// BENCHMARKS.md) and measure both in one interleaved run; the difference
// is what the durable SDK, its client and the workflow add to a cold
// start.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, in json.RawMessage) (json.RawMessage, error) { return in, nil })
}
