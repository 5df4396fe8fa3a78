// Command lambda is the durable function this project deploys: the seed
// message-processing workflow of package workflow, built as a bootstrap
// binary for the provided.al2023 runtime.
//
// Environment:
//
//	STORE_URL   where the store step PUTs each message (http or https);
//	            when unset, messages are written to the function's log.
package main

import (
	"log"
	"log/slog"
	"os"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/lambda/workflow"
)

func main() {
	var store workflow.Store = workflow.LogStore{Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil))}
	if u := os.Getenv("STORE_URL"); u != "" {
		s, err := workflow.NewHTTPStore(u)
		if err != nil {
			log.Fatal(err)
		}
		store = s
	}
	w, err := workflow.New(workflow.Config{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	durable.Start(w.Handle)
}
