package apptest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/internal/hostbuild"
	"github.com/acme/durable-lambda-go/internal/testtool"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/stacks"
	_ "github.com/acme/durable-lambda-go/stacks/nodeenv"
)

// Set by TestMain: the durablectl binary and the synthesized cloud
// assembly of the test stack.
var (
	durablectl string
	cdkOut     string
)

// The test stack's functions, relative to the module root.
const (
	calleeEntry = "cmd/durablectl/apptest/testdata/callee"
	callerEntry = "cmd/durablectl/apptest/testdata/caller"
	plainEntry  = "cmd/durablectl/apptest/testdata/plain"
)

// TestMain needs Node.js for the CDK (see testtool.Main); it builds
// durablectl and synthesizes the stack once for every test.
func TestMain(m *testing.M) {
	testtool.Main(setup{m}, "node")
}

type setup struct{ m *testing.M }

func (s setup) Run() int {
	dir, err := os.MkdirTemp("", "apptest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	durablectl = filepath.Join(dir, "durablectl")
	ctx := context.Background()
	if err := hostbuild.Build(ctx, "github.com/acme/durable-lambda-go/cmd/durablectl", durablectl); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cdkOut = filepath.Join(dir, "cdk.out")
	if err := synth(ctx, cdkOut); err != nil {
		fmt.Fprintln(os.Stderr, "synthesizing the test stack:", err)
		return 1
	}
	return s.m.Run()
}

// synth synthesizes the test stack into outdir, with the context of the
// app's cdk.json: the callee (the stack's first function, DurableFunction:
// 512 MiB, GREETING in its environment), Plain (a stacks.GoFunction, not
// durable: 384 MiB, SUFFIX in its environment) and Caller (two-hour
// executions), which finds the callee's alias ARN in CALLEE and Plain's
// in PLAIN.
func synth(ctx context.Context, outdir string) (err error) {
	defer jsii.Close()
	defer func() {
		if r := recover(); r != nil { // how jsii reports a failed synthesis
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	cdkContext, err := stacks.ReadContext("../../../cdk.json")
	if err != nil {
		return err
	}
	app := stacks.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &cdkContext})
	stack, err := stacks.NewDurableStack(ctx, app, "Chain", &stacks.DurableStackProps{Function: stacks.DurableFunctionProps{
		Entry: calleeEntry, MemoryMiB: 512,
		Environment: map[string]string{"GREETING": "hello from the template"},
	}})
	if err != nil {
		return err
	}
	plain, err := stacks.NewGoFunction(ctx, stack, "Plain", &stacks.GoFunctionProps{
		Entry: plainEntry, MemoryMiB: 384, Environment: map[string]string{"SUFFIX": "from the template"},
	})
	if err != nil {
		return err
	}
	caller, err := stack.AddFunction(ctx, "Caller", &stacks.DurableFunctionProps{
		Entry:            callerEntry,
		ExecutionTimeout: 2 * time.Hour,
		Environment:      map[string]string{"CALLEE": *stack.Function.Alias.FunctionArn(), "PLAIN": *plain.Alias.FunctionArn()},
	})
	if err != nil {
		return err
	}
	stack.Function.GrantStartExecution(caller.Role)
	plain.GrantInvoke(caller.Role)
	app.Synth(nil)
	return nil
}

// serve is `durablectl serve` running as a process.
type serve struct {
	cmd    *exec.Cmd
	url    string
	said   *bytes.Buffer // stdout up to the banner's end
	stderr *bytes.Buffer
	exited chan error
	ended  bool // exited has been received from
}

var bannerEnd = regexp.MustCompile(`(?s)at (http://127\.0\.0\.1:\d+)\n.*Press Ctrl-C to stop\.\n`)

// startServe starts durablectl serve with args in the package directory
// (inside the module) and waits for its banner.
func startServe(t *testing.T, args ...string) *serve {
	t.Helper()
	s := &serve{said: &bytes.Buffer{}, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(durablectl, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var said strings.Builder
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if m := bannerEnd.FindStringSubmatch(said.String()); m != nil {
				s.said.WriteString(said.String())
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		s.exited <- s.cmd.Wait()
	}()
	t.Cleanup(func() { s.stop(t) })
	// The first start builds both functions for the host.
	select {
	case s.url = <-found:
	case err := <-s.exited:
		s.ended = true
		t.Fatalf("serve exited before its banner: %v\n%s", err, s.stderr)
	case <-testwait.Context(t).Done():
		_ = s.cmd.Process.Kill()
		t.Fatalf("serve printed no banner within %s\n%s", testwait.Deadline, s.stderr)
	}
	return s
}

// stop interrupts serve, unless it has ended, and waits for it to exit.
func (s *serve) stop(t *testing.T) {
	if s.ended {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	if _, err := testwait.Receive("serve exits after an interrupt", s.exited); err != nil {
		_ = s.cmd.Process.Kill()
		t.Errorf("%v\n%s", err, s.stderr)
	}
}

// aws runs the AWS CLI against serve, with dummy credentials and no
// configuration of the user's (timestamps in ISO 8601, which v1 and v2
// both print then), and decodes its JSON output into out.
func (s *serve) aws(t *testing.T, out any, args ...string) {
	t.Helper()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config"), []byte("[default]\ncli_timestamp_format = iso8601\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(testwait.Context(t), testtool.Require(t, "aws"), append(args, "--endpoint-url", s.url, "--output", "json")...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
	)
	stdout, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("aws %s: %v\n%s\nserve's stderr:\n%s", strings.Join(args, " "), err, stderr, s.stderr)
	}
	if out != nil {
		if err := json.Unmarshal(stdout, out); err != nil {
			t.Fatalf("aws %s: decoding %q: %v", strings.Join(args, " "), stdout, err)
		}
	}
}

// TestServeTheApp serves the synthesized stack on virtual time and
// invokes Caller through its alias with the AWS CLI: Caller waits an
// hour (skipped), invokes the callee and then the plain function through
// the alias ARNs the template put in its environment, and returns their
// results, which show the environment and memory size the template gave
// each. A second execution that would wait three hours times out after
// the two hours of Caller's DurableConfig. The plain function is invoked
// directly too, as any Lambda function is.
func TestServeTheApp(t *testing.T) {
	testtool.Require(t, "aws")
	s := startServe(t, "--cdk-out", cdkOut, "--time", "virtual")
	for _, line := range []string{
		`(?m)^  Caller +durable +aliases prod +\./testdata/caller$`,
		`(?m)^  DurableFunction +durable +aliases prod +\./testdata/callee$`,
		`(?m)^  Plain +plain +aliases prod +\./testdata/plain$`,
		`--function-name Caller:prod`,
		`--function-name Plain --payload`,
	} {
		if !regexp.MustCompile(line).MatchString(s.said.String()) {
			t.Errorf("the banner lacks %q:\n%s", line, s.said)
		}
	}

	t.Run("chained invoke", func(t *testing.T) {
		arn, result := s.invoke(t, "chain-1", `{"n":21,"waitSeconds":3600}`)
		var got struct {
			Callee string
			Result struct {
				Doubled          int
				Greeting, Memory string
			}
			Plain struct {
				Tripled                 int
				Suffix, Memory, Invoked string
			}
		}
		if err := json.Unmarshal(result, &got); err != nil {
			t.Fatalf("result %q: %v", result, err)
		}
		if got.Callee != "arn:aws:lambda:us-east-1:123456789012:function:DurableFunction:prod" ||
			got.Result.Doubled != 42 || got.Result.Greeting != "hello from the template" || got.Result.Memory != "512" {
			t.Errorf("Caller's result = %s, want the callee's alias ARN and doubled 42, greeting and memory 512 from the template", result)
		}
		if got.Plain.Tripled != 63 || got.Plain.Suffix != "from the template" || got.Plain.Memory != "384" ||
			got.Plain.Invoked != "arn:aws:lambda:us-east-1:123456789012:function:Plain:1" {
			t.Errorf("Caller's result = %s, want the plain function's tripled 63, suffix and memory 384 from the template, invoked as version 1 (alias prod)", result)
		}
		if status, took := s.execution(t, arn); status != "SUCCEEDED" || took < time.Hour {
			t.Errorf("execution %s after %s, want SUCCEEDED after at least the hour's wait (of virtual time)", status, took)
		}
		var list struct {
			DurableExecutions []struct{ DurableExecutionArn, Status string }
		}
		s.aws(t, &list, "lambda", "list-durable-executions-by-function", "--function-name", "DurableFunction")
		if len(list.DurableExecutions) != 1 || list.DurableExecutions[0].Status != "SUCCEEDED" ||
			!strings.Contains(list.DurableExecutions[0].DurableExecutionArn, ":function:DurableFunction:1/durable-execution/") {
			t.Errorf("executions of DurableFunction = %+v, want the one chained invoke of version 1 (alias prod), SUCCEEDED", list)
		}
	})

	t.Run("direct invoke of the plain function", s.invokePlain)

	t.Run("execution timeout from the template", func(t *testing.T) {
		arn, _ := s.invoke(t, "chain-2", `{"n":1,"waitSeconds":10800}`)
		if status, took := s.execution(t, arn); status != "TIMED_OUT" || took < 2*time.Hour || took >= 3*time.Hour {
			t.Errorf("execution %s after %s, want TIMED_OUT after Caller's ExecutionTimeout of two hours", status, took)
		}
	})
}

// invokePlain invokes the plain function of the served stack with the
// AWS CLI as any Lambda function: through its alias, unqualified and by
// qualified ARN its response, a failure as its FunctionError, and an
// Event invoke accepted with 202.
func (s *serve) invokePlain(t *testing.T) {
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:Plain"
	tests := []struct {
		name, function, payload string
		wantStatus              int
		wantVersion, wantError  string
		wantOut                 string // a part of the response payload
	}{
		{"alias", "Plain:prod", `{"n":5}`, 200, "1", "", `"tripled":15,"suffix":"from the template","memory":"384","invoked":"` + arn + `:1"`},
		{"unqualified", "Plain", `{"n":1}`, 200, "$LATEST", "", `"tripled":3`},
		{"qualified ARN", arn + ":1", `{"n":2}`, 200, "1", "", `"tripled":6`},
		{"function error", "Plain:prod", `{"n":-1}`, 200, "1", "Unhandled", `"errorMessage":"a negative number cannot be tripled"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var invoked struct {
				StatusCode                     int
				ExecutedVersion, FunctionError string
				DurableExecutionArn            string
			}
			out := s.invokeRaw(t, &invoked, tt.payload, "--function-name", tt.function)
			if invoked.StatusCode != tt.wantStatus || invoked.ExecutedVersion != tt.wantVersion ||
				invoked.FunctionError != tt.wantError || invoked.DurableExecutionArn != "" {
				t.Errorf("invoke = %+v, want status %d, version %q, function error %q and no durable execution",
					invoked, tt.wantStatus, tt.wantVersion, tt.wantError)
			}
			if !strings.Contains(string(out), tt.wantOut) {
				t.Errorf("response %s lacks %s", out, tt.wantOut)
			}
		})
	}
	t.Run("event", func(t *testing.T) {
		var invoked struct{ StatusCode int }
		s.invokeRaw(t, &invoked, `{"n":7}`, "--function-name", "Plain:prod", "--invocation-type", "Event")
		if invoked.StatusCode != 202 {
			t.Errorf("invoke --invocation-type Event = %+v, want status 202", invoked)
		}
	})
}

// invokeRaw runs aws lambda invoke with payload and args, decodes its
// output into invoked and returns the response payload.
func (s *serve) invokeRaw(t *testing.T, invoked any, payload string, args ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "payload.json"), filepath.Join(dir, "out.json")
	if err := os.WriteFile(in, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	s.aws(t, invoked, append(append([]string{"lambda", "invoke"}, args...), "--payload", "fileb://"+in, out)...)
	result, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return result
}

// invoke starts an execution of Caller:prod with the AWS CLI, waits for
// its end, and returns its ARN and the response payload.
func (s *serve) invoke(t *testing.T, name, payload string) (string, []byte) {
	t.Helper()
	var invoked struct {
		StatusCode          int
		DurableExecutionArn string
	}
	result := s.invokeRaw(t, &invoked, payload, "--function-name", "Caller:prod", "--durable-execution-name", name)
	if invoked.StatusCode != 200 || invoked.DurableExecutionArn == "" {
		t.Fatalf("invoke = %+v, want status 200 and the execution's ARN", invoked)
	}
	return invoked.DurableExecutionArn, result
}

// execution returns the status of an execution and how long it took.
func (s *serve) execution(t *testing.T, arn string) (string, time.Duration) {
	t.Helper()
	var exec struct {
		Status                       string
		StartTimestamp, EndTimestamp string
	}
	s.aws(t, &exec, "lambda", "get-durable-execution", "--durable-execution-arn", arn)
	start, err1 := time.Parse(time.RFC3339Nano, exec.StartTimestamp)
	end, err2 := time.Parse(time.RFC3339Nano, exec.EndTimestamp)
	if err1 != nil || err2 != nil {
		t.Fatalf("get-durable-execution %+v: timestamps: %v, %v", exec, err1, err2)
	}
	return exec.Status, end.Sub(start)
}
