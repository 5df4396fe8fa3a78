package lambdaclienttest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient/lambdaclienttest"
)

// A Recorder in front of a test endpoint shows how the client signed its
// requests.
func ExampleRecorder() {
	rec := lambdaclienttest.NewRecorder(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"Status":"RUNNING","StartTimestamp":1767225600}`)
	}))
	srv := httptest.NewServer(rec)
	defer srv.Close()

	ctx := context.Background()
	c, err := lambdaclient.New(ctx, lambdaclient.Options{Endpoint: srv.URL, Region: "eu-west-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{
		DurableExecutionArn: aws.String("arn:aws:lambda:eu-west-1:123456789012:function:orders:1/durable-execution/order-42/1"),
	}); err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rec.Requests() {
		fmt.Println(r.Method, r.Scope.Service, r.Scope.Region, r.Err)
	}
	// Output:
	// GET lambda eu-west-1 <nil>
}
