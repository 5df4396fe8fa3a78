package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/emulator/runtimeapi"
	"github.com/acme/durable-lambda-go/internal/testbin"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// fnBinary is the test function (testdata/fn) built for the host.
var fnBinary string

func TestMain(m *testing.M) {
	testbin.Main(m, map[*string]string{&fnBinary: "./testdata/fn"})
}

// functionName is the name the test function is registered under.
const functionName = "greeter"

// stack is a running service with its REST endpoint and the test
// function hosted as a real binary.
type stack struct {
	svc    *emulator.Service
	srv    *httpapi.Server
	client *lambda.Client
}

// newStack starts the service, the endpoint on a free loopback port and
// the function binary, and drives the service on the real clock until the
// test ends.
func newStack(t *testing.T) *stack {
	t.Helper()
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.Start("", httpapi.NewHandler(svc, nil))
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtimeapi.New(runtimeapi.Config{Path: fnBinary, FunctionName: functionName, Version: "1", Endpoint: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RegisterFunction(emulator.Function{Name: functionName, Durable: true, Invoker: rt}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := testwait.Recv(t, "Run returns after cancel", ran); err != nil {
			t.Errorf("Run: %v", err)
		}
		_ = rt.Close()
		_ = srv.Close()
	})
	client := lambda.New(lambda.Options{
		BaseEndpoint: aws.String(srv.URL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return &stack{svc: svc, srv: srv, client: client}
}

// waitForEvent blocks until the execution's history holds an event of the
// given type and returns it.
func (s *stack) waitForEvent(t *testing.T, arn string, typ wire.EventType) wire.Event {
	t.Helper()
	events, cancel := s.svc.Subscribe(arn)
	defer cancel()
	past, err := s.svc.History(arn)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	if i := slices.IndexFunc(past, func(e wire.Event) bool { return e.EventType == typ }); i >= 0 {
		return past[i]
	}
	ctx := testwait.Context(t)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("subscription closed before a %s event", typ)
			}
			if e.EventType == typ {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("no %s event within %s", typ, testwait.Deadline)
		}
	}
}

// suspendedOnCallback waits until the first invocation has created the
// callback and ended, and returns the callback id.
func (s *stack) suspendedOnCallback(t *testing.T, arn string) string {
	t.Helper()
	s.waitForEvent(t, arn, wire.EventInvocationCompleted)
	return s.waitForEvent(t, arn, wire.EventCallbackStarted).CallbackStartedDetails.CallbackId
}

// wait blocks until the execution closes.
func (s *stack) wait(t *testing.T, arn string) wire.Execution {
	t.Helper()
	exec, err := s.svc.WaitForExecution(testwait.Context(t), arn)
	if err != nil {
		t.Fatalf("WaitForExecution(%s): %v", arn, err)
	}
	return exec
}
