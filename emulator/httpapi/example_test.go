package httpapi_test

import (
	"context"
	"fmt"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Serve a service on loopback and invoke a durable function through the
// AWS SDK, as a deployed client would.
func ExampleStart() {
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		panic(err)
	}
	// A durable function answers each invocation with an envelope; this
	// one succeeds at once without checkpointing.
	hello := emulator.InvokerFunc(func(context.Context, emulator.InvokeRequest) ([]byte, error) {
		return []byte(`{"Status":"SUCCEEDED","Result":"\"hi there\""}`), nil
	})
	if err := svc.RegisterFunction(emulator.Function{Name: "hello", Durable: true, Invoker: hello}); err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = svc.Run(ctx) }()

	srv, err := httpapi.Start("", httpapi.NewHandler(svc, nil)) // 127.0.0.1, a free port
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client := lambda.New(lambda.Options{
		BaseEndpoint: aws.String(srv.URL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	out, err := client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:         aws.String("hello:1"),
		DurableExecutionName: aws.String("example-1"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.StatusCode, string(out.Payload), aws.ToString(out.ExecutedVersion))
	// Output: 200 "hi there" 1
}
