// Command durablelint reports durable handlers that would not replay
// deterministically: operations on goroutines or inside step bodies,
// nondeterministic code outside steps, outer Contexts used inside child
// functions, and writes to captured variables from steps and children.
// See package lint/durablelint for the rules and how to suppress a
// finding.
//
// Run it on packages, or as a vet tool:
//
//	go run ./cmd/durablelint ./...
//	go run ./cmd/durablelint -json ./...
//	go build -o /tmp/durablelint ./cmd/durablelint && go vet -vettool=/tmp/durablelint ./...
//
// Each rule has a flag to turn it off (-durableclosure=false). Run
// standalone, it exits with 3 when it reports findings, 1 when packages do
// not load and 0 otherwise (with -json it exits 0 and prints the findings
// as JSON); under go vet, the go command exits with 1 on findings.
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/acme/durable-lambda-go/lint/durablelint"
)

func main() {
	multichecker.Main(durablelint.Analyzers...)
}
