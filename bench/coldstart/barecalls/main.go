// Command barecalls is the second baseline of bench/coldstart: the bare
// function plus the round trips the seed workflow makes. Each event is
// POSTed as it is, unsigned, three times (the seed's three checkpoint
// calls) to the checkpoint path of AWS_ENDPOINT_URL_LAMBDA over one kept-alive
// net/http connection, and the answers are read and dropped. Its first
// invocation less its warm one is what a function's first calls to a
// service cost anyway (the connection, its goroutines and buffers, fresh
// memory): the part of the durable function's that is not init moved into
// the first invocation.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// calls is the number of round trips per invocation, as the seed's.
const calls = 3

func main() {
	url := os.Getenv("AWS_ENDPOINT_URL_LAMBDA") + "/2025-12-01/durable-executions/barecalls/checkpoint"
	lambda.Start(func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		for range calls {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(in))
			if err != nil {
				return nil, err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("barecalls: reading the checkpoint answer: %w", err)
			}
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("barecalls: the checkpoint answered %s", resp.Status)
			}
		}
		return in, nil
	})
}
