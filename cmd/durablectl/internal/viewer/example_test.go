package viewer_test

import (
	"context"
	"log"
	"net/http"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/viewer"
)

// The viewer of the executions of function "orders" at a local endpoint,
// served on a loopback address of its own.
func ExampleNew() {
	ctx := context.Background()
	client, err := lambdaclient.New(ctx, lambdaclient.Options{Endpoint: "http://127.0.0.1:9001"})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(viewer.Path, viewer.New(viewer.Config{API: client, Functions: []string{"orders"}}))
	// Browse http://127.0.0.1:9002/ui/.
	log.Fatal(http.ListenAndServe("127.0.0.1:9002", mux))
}
