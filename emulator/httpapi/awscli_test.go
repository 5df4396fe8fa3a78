package httpapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testtool"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// awsCLI runs the real AWS CLI against the stack's endpoint and decodes its
// JSON output into out (when out is not nil).
func (s *stack) awsCLI(t *testing.T, out any, args ...string) {
	t.Helper()
	home := t.TempDir()
	ctx := testwait.Context(t)
	cmd := exec.CommandContext(ctx, "aws", append(args, "--endpoint-url", s.srv.URL(), "--output", "json")...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
	)
	stdout, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("aws %s: not done within %s: %v", strings.Join(args, " "), testwait.Deadline, err)
	}
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if out != nil {
		if err := json.Unmarshal(stdout, out); err != nil {
			t.Fatalf("aws %s: decoding %q: %v", strings.Join(args, " "), stdout, err)
		}
	}
}

// cliEvent is the part of a history event the AWS CLI test reads.
type cliEvent struct {
	EventType              string
	CallbackStartedDetails *struct{ CallbackId string }
}

// TestAWSCLI drives the endpoint with the unmodified AWS CLI: one execution
// for two invokes with one name, a callback completed from the CLI resumes
// the execution, and the history is readable. It needs the AWS CLI (v1 or
// v2); see testtool.Require for what happens without one.
func TestAWSCLI(t *testing.T) {
	testtool.Require(t, "aws")
	s := newStack(t)
	outFile := filepath.Join(t.TempDir(), "out.json")

	var invoked [2]struct {
		StatusCode          int
		DurableExecutionArn string
	}
	for i := range invoked {
		s.awsCLI(t, &invoked[i], "lambda", "invoke",
			"--function-name", functionName, "--qualifier", "1",
			"--invocation-type", "Event",
			"--durable-execution-name", "cli-order",
			"--payload", `{"name":"cli","callback":true}`,
			outFile)
	}
	arn := invoked[0].DurableExecutionArn
	if invoked[0].StatusCode != 202 || arn == "" || invoked[1].DurableExecutionArn != arn {
		t.Fatalf("invokes = %+v, want 202 twice with one ARN", invoked)
	}
	var list struct {
		DurableExecutions []struct{ DurableExecutionArn, DurableExecutionName, Status string }
	}
	s.awsCLI(t, &list, "lambda", "list-durable-executions-by-function", "--function-name", functionName)
	if len(list.DurableExecutions) != 1 || list.DurableExecutions[0].DurableExecutionArn != arn {
		t.Fatalf("list-durable-executions-by-function = %+v, want the one execution %s", list, arn)
	}

	s.suspendedOnCallback(t, arn)
	var history struct{ Events []cliEvent }
	s.awsCLI(t, &history, "lambda", "get-durable-execution-history", "--durable-execution-arn", arn)
	i := slices.IndexFunc(history.Events, func(e cliEvent) bool { return e.EventType == string(wire.EventCallbackStarted) })
	if i < 0 {
		t.Fatalf("get-durable-execution-history has no CallbackStarted event: %+v", history)
	}
	callbackID := history.Events[i].CallbackStartedDetails.CallbackId

	s.awsCLI(t, nil, "lambda", "send-durable-execution-callback-success", "--callback-id", callbackID, "--result", `{"by":"cli"}`)
	s.wait(t, arn)

	var exec struct{ Status, Result string }
	s.awsCLI(t, &exec, "lambda", "get-durable-execution", "--durable-execution-arn", arn)
	if exec.Status != "SUCCEEDED" || exec.Result != `{"approval":{"by":"cli"},"greeting":"hello cli"}` {
		t.Errorf("get-durable-execution = %+v, want SUCCEEDED with the callback's result", exec)
	}
	s.awsCLI(t, &history, "lambda", "get-durable-execution-history", "--durable-execution-arn", arn)
	var got []string
	for _, e := range history.Events {
		got = append(got, e.EventType)
	}
	want := []string{"ExecutionStarted", "StepStarted", "StepSucceeded", "CallbackStarted", "InvocationCompleted",
		"CallbackSucceeded", "InvocationCompleted", "ExecutionSucceeded"}
	if !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}
