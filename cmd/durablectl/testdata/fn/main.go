// Command fn hosts the demo workflow (package demo) as a Lambda bootstrap
// binary for the durablectl tests.
package main

import (
	"context"
	"log"
	"os"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/demo"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel"
)

func main() {
	// Traced as the seed function is, for run --trace.
	tracing, ok, err := durableotel.FromEnv(context.Background(), os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	var opts []durable.HandlerOption
	if ok {
		opts = append(opts, durable.WithPlugins(tracing))
	}
	durable.Start(demo.Handler, opts...)
}
