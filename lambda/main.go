// Command lambda is the function the CDK app deploys: a Go binary named
// bootstrap on the provided.al2023 runtime.
//
// Until the durable SDK (package durable) lands, this handler answers every
// invocation by returning its event unchanged, which is enough to build,
// deploy and invoke the stack end to end.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

// echo returns the invocation event as the result.
func echo(_ context.Context, event json.RawMessage) (json.RawMessage, error) {
	return event, nil
}

func main() {
	lambda.Start(echo)
}
