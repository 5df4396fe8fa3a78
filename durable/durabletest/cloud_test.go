package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/internal/lambdahistory"
	"github.com/acme/durable-lambda-go/wire"
)

// TestCloudRunnerAgainstLocalEndpoint runs functions behind the local
// Lambda endpoint through the AWS SDK client and checks that the
// CloudRunner's result is the one the service recorded.
func TestCloudRunnerAgainstLocalEndpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pipeline := DurableFunction(func(ctx durable.Context, in order) (string, error) {
		a, err := durable.Step(ctx, "first", func(durable.StepContext) (string, error) { return "1-" + in.ID, nil })
		if err != nil {
			return "", err
		}
		return durable.Step(ctx, "second", func(durable.StepContext) (string, error) { return a + "-2", nil })
	})
	refuse := DurableFunction(func(ctx durable.Context, in order) (string, error) {
		return "", errors.New("refused")
	})
	for name, fn := range map[string]Function{"pipeline": pipeline, "refuse": refuse} {
		if err := svc.RegisterFunction(emulator.Function{Name: name, Durable: true, Invoker: fn.invoker(svc)}); err != nil {
			t.Fatal(err)
		}
	}
	go func() { _ = svc.Run(ctx) }()
	srv, err := httpapi.Start("", httpapi.NewHandler(svc, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := lambda.New(lambda.Options{
		BaseEndpoint: aws.String(srv.URL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})

	res, err := NewCloudRunner(client, "pipeline:1", WithPollInterval(5*time.Millisecond), WithTimeout(10*time.Second)).Run(ctx, order{ID: "7"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ResultAs[string](res); err != nil || got != "1-7-2" {
		t.Fatalf("result = %q, %v (%s %+v)", got, err, res.Status, res.Error)
	}
	recorded, err := svc.History(res.ExecutionArn)
	if err != nil {
		t.Fatal(err)
	}
	events, err := lambdahistory.ToWireAll(res.Events)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(recorded)
	got, _ := json.Marshal(events)
	if string(got) != string(want) {
		t.Errorf("history through the API differs from the service's:\n got %s\nwant %s", got, want)
	}
	ops, _ := svc.Operations(res.ExecutionArn)
	if len(res.Operations) != len(ops)-1 {
		t.Fatalf("operations = %d, want %d", len(res.Operations), len(ops)-1)
	}
	var locals []TestOperation
	if err := svc.ReadOperations(res.ExecutionArn, func(all []*wire.Operation) { locals = testOperations(all) }); err != nil {
		t.Fatal(err)
	}
	for i, op := range res.Operations {
		local := locals[i]
		if op.ID != local.ID || op.Name != local.Name || op.Status != local.Status || op.Type != local.Type ||
			op.StepDetails.Attempt != local.StepDetails.Attempt || op.StepDetails.Result != local.StepDetails.Result ||
			!op.StartTime.Equal(local.StartTime) || !op.EndTime.Equal(local.EndTime) {
			t.Errorf("operation %d from history = %+v %+v, service has %+v %+v", i, op, op.StepDetails, local, local.StepDetails)
		}
	}
	if len(res.Invocations) != 1 || res.Invocations[0].RequestID == "" {
		t.Errorf("invocations = %+v", res.Invocations)
	}
	if !slices.Equal(res.EventTypes(), []string{"ExecutionStarted", "StepStarted", "StepSucceeded", "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"}) {
		t.Errorf("events = %v", res.EventTypes())
	}

	failed, err := NewCloudRunner(client, "refuse:prod", WithPollInterval(5*time.Millisecond)).Run(ctx, order{ID: "8"})
	if err != nil {
		t.Fatal(err)
	}
	if failed.Status != StatusFailed || failed.Error == nil || failed.Error.ErrorMessage != "refused" {
		t.Errorf("failed run = %s %+v", failed.Status, failed.Error)
	}
}

func TestFromHistoryRetries(t *testing.T) {
	var attempts atomic.Int32
	r := NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		return durable.Step(ctx, "flaky", func(sc durable.StepContext) (string, error) {
			if attempts.Add(1) < 3 {
				return "", errors.New("try again")
			}
			return "ok", nil
		}, durable.WithRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 5, InitialDelay: time.Second})))
	})
	res, err := r.RunUntilComplete("x")
	if err != nil || res.Status != StatusSucceeded {
		t.Fatalf("run = %v, %v", res, err)
	}
	events, err := lambdahistory.ToWireAll(res.Events)
	if err != nil {
		t.Fatal(err)
	}
	ops, invs := fromHistory(events)
	if len(ops) != 1 || !reflect.DeepEqual(ops[0], res.Operations[0]) {
		t.Errorf("rebuilt = %+v %+v, service has %+v %+v", ops, ops[0].StepDetails, res.Operations, res.Operations[0].StepDetails)
	}
	if len(invs) != len(res.Invocations) {
		t.Errorf("invocations rebuilt = %d, want %d", len(invs), len(res.Invocations))
	}
}
