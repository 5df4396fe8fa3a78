// Command lambda is the durable function this project deploys: the seed
// message-processing workflow of package workflow, built as a bootstrap
// binary for the provided.al2023 runtime.
//
// Environment:
//
//	STORE_URL   where the store step PUTs each message (http or https);
//	            when unset, messages are written to the function's log.
//	OTEL_*      OpenTelemetry tracing (package durableotel): with
//	            OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER=otlp)
//	            every execution is one trace, exported over OTLP/HTTP;
//	            when unset, tracing is off and costs nothing per invocation.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel"
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
	var opts []durable.HandlerOption
	switch tracing, ok, err := durableotel.FromEnv(context.Background(), os.Getenv); {
	case err != nil:
		// As the OpenTelemetry specification asks: warn, run untraced.
		slog.Warn("tracing is off", "error", err)
	case ok:
		opts = append(opts, durable.WithPlugins(tracing))
	}
	durable.Start(w.Handle, opts...)
}
