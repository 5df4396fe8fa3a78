package viewer_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient/lambdaclienttest"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/viewer"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/internal/testwait"
)

// stack is the emulator behind its REST API, with the viewer mounted on
// the same server as `durablectl serve` does, and a Lambda client of it.
type stack struct {
	svc    *emulator.Service
	srv    *httpapi.Server
	client *lambda.Client
	url    string // the server's base URL
}

// newStack starts the service on clock (the real clock when nil) with the
// functions host returns, the server and the viewer (over the server's
// own Lambda API) listing them. run drives the service in the background
// until the test ends.
func newStack(t testing.TB, clock emulator.Clock, run bool, cfg viewer.Config, host func(*emulator.Service) []emulator.Function) *stack {
	t.Helper()
	lambdaclienttest.Isolate(t)
	svc, err := emulator.New(emulator.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range host(svc) {
		if err := svc.RegisterFunction(fn); err != nil {
			t.Fatal(err)
		}
		cfg.Functions = append(cfg.Functions, fn.Name)
	}
	mux := http.NewServeMux()
	mux.Handle("/", httpapi.NewHandler(svc, nil))
	srv, err := httpapi.Start("", mux)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client, err := lambdaclient.New(context.Background(), lambdaclient.Options{Endpoint: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.API = client
	mux.Handle(viewer.Path, viewer.New(cfg))
	if run {
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- svc.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := testwait.Recv(t, "Run returns after cancel", ran); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	return &stack{svc: svc, srv: srv, client: client, url: srv.URL()}
}

// inProcess hosts a durable handler in the test process, talking to svc
// directly.
func inProcess[I, O any](svc *emulator.Service, name string, h durable.Handler[I, O]) emulator.Function {
	wrapped := durable.Wrap(h, durable.WithExecutionClient(svc))
	return emulator.Function{Name: name, Durable: true, Invoker: emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		return wrapped(ctx, req.Payload)
	})}
}

// Order is the input of the orders workflow.
type Order struct {
	ID   string `json:"id"`
	Fail bool   `json:"fail,omitempty"`
}

// orders is the workflow the viewer's tests show: a step that fails once
// and is retried after a second, a one-second wait, a child context, a
// map, a parallel and a callback it waits for.
func orders(ctx durable.Context, in Order) (string, error) {
	retry := durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 3, InitialDelay: time.Second, Jitter: durable.JitterNone})
	if _, err := durable.Step(ctx, "reserve", func(sc durable.StepContext) (int, error) {
		if sc.Attempt() < 2 {
			return 0, errors.New("the warehouse is busy")
		}
		return 3, nil
	}, durable.WithRetry(retry)); err != nil {
		return "", err
	}
	if in.Fail {
		return "", errors.New("the order asked to fail")
	}
	if err := durable.Wait(ctx, "cool-down", time.Second); err != nil {
		return "", err
	}
	if _, err := durable.RunInChildContext(ctx, "ship", func(c durable.Context) (string, error) {
		if _, err := durable.Step(c, "pack", func(durable.StepContext) (int, error) { return 1, nil }); err != nil {
			return "", err
		}
		return durable.Step(c, "label", func(durable.StepContext) (string, error) { return "1Z999", nil })
	}); err != nil {
		return "", err
	}
	if _, err := durable.Map(ctx, "notify", []string{"email", "sms", "push"}, func(c durable.Context, channel string, _ int) (string, error) {
		return durable.Step(c, "send", func(durable.StepContext) (string, error) { return "sent by " + channel, nil })
	}); err != nil {
		return "", err
	}
	check := func(name string) durable.Branch[bool] {
		return durable.Branch[bool]{Name: name, Func: func(c durable.Context) (bool, error) {
			return durable.Step(c, name, func(durable.StepContext) (bool, error) { return true, nil })
		}}
	}
	if _, err := durable.Parallel(ctx, "checks", []durable.Branch[bool]{check("fraud"), check("stock")}); err != nil {
		return "", err
	}
	return durable.WaitForCallback[string](ctx, "approval", func(durable.StepContext, string) error { return nil })
}

// ordersStack is a running stack hosting orders as function "orders".
func ordersStack(t testing.TB) *stack {
	return newStack(t, nil, true, viewer.Config{}, func(svc *emulator.Service) []emulator.Function {
		return []emulator.Function{inProcess(svc, "orders", orders)}
	})
}

// start invokes orders asynchronously under name and returns the
// execution's ARN.
func (s *stack) start(t testing.TB, name, payload string) string {
	t.Helper()
	out, err := s.client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("orders:1"),
		DurableExecutionName: aws.String(name), InvocationType: types.InvocationTypeEvent, Payload: []byte(payload)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.DurableExecutionArn)
}

// waitStatus waits until the execution has status.
func (s *stack) waitStatus(t testing.TB, arn string, status types.ExecutionStatus) {
	t.Helper()
	testwait.Until(t, "execution "+arn+" turns "+string(status), func() bool {
		out, err := s.client.GetDurableExecution(context.Background(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Status == status
	})
}

// itoa formats n for a JavaScript expression.
func itoa(n int) string { return strconv.Itoa(n) }
