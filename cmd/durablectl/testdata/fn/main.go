// Command fn hosts the demo workflow (package demo) as a Lambda bootstrap
// binary for the durablectl tests.
package main

import (
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/demo"
	"github.com/acme/durable-lambda-go/durable"
)

func main() {
	durable.Start(demo.Handler)
}
