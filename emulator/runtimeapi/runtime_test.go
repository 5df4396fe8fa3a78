package runtimeapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/runtimeapi"
	"github.com/acme/durable-lambda-go/internal/testbin"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// fnBinary is the test function (testdata/fn) built for the host.
var fnBinary string

func TestMain(m *testing.M) {
	testbin.Main(m, map[*string]string{&fnBinary: "./testdata/fn"})
}

const testARN = "arn:aws:lambda:us-east-1:123456789012:function:echo:1"

// report mirrors what testdata/fn returns for the "echo" action.
type report struct {
	PID         int               `json:"pid"`
	Count       int               `json:"count"`
	RequestID   string            `json:"requestId"`
	FunctionArn string            `json:"functionArn"`
	DeadlineMs  int64             `json:"deadlineMs"`
	TraceID     string            `json:"traceId"`
	Env         map[string]string `json:"env"`
}

func newRuntime(t *testing.T, cfg runtimeapi.Config) *runtimeapi.Runtime {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = fnBinary
	}
	if cfg.FunctionName == "" {
		cfg.FunctionName = "echo"
	}
	rt, err := runtimeapi.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

func invoke(t *testing.T, rt *runtimeapi.Runtime, id, action string) ([]byte, error) {
	t.Helper()
	return rt.Invoke(t.Context(), emulator.InvokeRequest{
		RequestID:   id,
		FunctionArn: testARN,
		Payload:     []byte(`{"action":"` + action + `"}`),
		Deadline:    time.Now().Add(time.Minute),
	})
}

func echo(t *testing.T, rt *runtimeapi.Runtime, id string) report {
	t.Helper()
	out, err := invoke(t, rt, id, "echo")
	if err != nil {
		t.Fatalf("echo %s: %v", id, err)
	}
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("echo %s: decoding %s: %v", id, out, err)
	}
	return r
}

func TestInvokeDeliversLambdaHeadersAndEnvironment(t *testing.T) {
	rt := newRuntime(t, runtimeapi.Config{
		FunctionName:   "echo",
		Version:        "7",
		MemoryMB:       256,
		Region:         "eu-west-1",
		Endpoint:       "http://127.0.0.1:9999",
		EndpointSocket: "/tmp/endpoint.sock",
		Env:            map[string]string{"EXTRA": "yes", "TZ": "Europe/Paris"},
	})
	deadline := time.Now().Add(90 * time.Second).Truncate(time.Millisecond)
	out, err := rt.Invoke(t.Context(), emulator.InvokeRequest{
		RequestID:   "req-1",
		FunctionArn: testARN,
		Payload:     []byte(`{"action":"echo"}`),
		Deadline:    deadline,
	})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("decoding %s: %v", out, err)
	}
	if r.RequestID != "req-1" || r.FunctionArn != testARN || r.DeadlineMs != deadline.UnixMilli() {
		t.Errorf("context = (%q, %q, %d), want (req-1, %q, %d)", r.RequestID, r.FunctionArn, r.DeadlineMs, testARN, deadline.UnixMilli())
	}
	if !strings.HasPrefix(r.TraceID, "Root=1-") {
		t.Errorf("trace id %q does not look like an X-Ray header", r.TraceID)
	}
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "echo",
		"AWS_LAMBDA_FUNCTION_VERSION":     "7",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"AWS_ENDPOINT_URL_LAMBDA":         "http://127.0.0.1:9999",
		"DURABLE_LAMBDA_ENDPOINT_SOCKET":  "/tmp/endpoint.sock",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/echo",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                filepath.Dir(fnBinary),
		"TZ":                              "Europe/Paris",
		"EXTRA":                           "yes",
	}
	for k, v := range want {
		if got := r.Env[k]; got != v {
			t.Errorf("env %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"AWS_LAMBDA_RUNTIME_API", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_LOG_STREAM_NAME"} {
		if r.Env[k] == "" {
			t.Errorf("env %s is not set", k)
		}
	}
	if !strings.HasPrefix(r.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want a loopback address", r.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !strings.Contains(r.Env["AWS_LAMBDA_LOG_STREAM_NAME"], "/[7]") {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q, want the version in brackets", r.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if _, ok := r.Env["AWS_EXECUTION_ENV"]; ok {
		t.Error("AWS_EXECUTION_ENV is set; Lambda leaves it unset for OS-only runtimes")
	}
	if home := os.Getenv("HOME"); home != "" && r.Env["HOME"] == home {
		t.Error("the host environment leaked into the function")
	}
}

func TestProcessStaysWarmAcrossInvocations(t *testing.T) {
	rt := newRuntime(t, runtimeapi.Config{})
	first := echo(t, rt, "a")
	second := echo(t, rt, "b")
	if first.PID != second.PID {
		t.Errorf("pids %d, %d: the second invocation started a new process", first.PID, second.PID)
	}
	if first.Count != 1 || second.Count != 2 {
		t.Errorf("counts %d, %d, want 1, 2", first.Count, second.Count)
	}
}

func TestInvocationFailures(t *testing.T) {
	tests := []struct {
		action      string
		payload     string
		deadline    time.Duration
		errorType   string
		message     string // substring of ErrorMessage
		sameProcess bool   // the next invocation runs in the same process
	}{
		{action: "fail", errorType: "errorString", message: "boom", sameProcess: true},
		{action: "panic", errorType: "string", message: "kaboom"},
		{action: "exit", errorType: "Runtime.ExitError", message: "exit status 3"},
		{action: "hang", deadline: 300 * time.Millisecond, errorType: "Sandbox.Timedout", message: "Task timed out"},
		// aws-lambda-go exits when its response is refused with 413.
		{action: "big", payload: `{"action":"big","size":7000000}`, errorType: "Function.ResponseSizeTooLarge", message: "6291456 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			rt := newRuntime(t, runtimeapi.Config{})
			before := echo(t, rt, "warm-up")
			payload := tt.payload
			if payload == "" {
				payload = `{"action":"` + tt.action + `"}`
			}
			deadline := time.Minute
			if tt.deadline != 0 {
				deadline = tt.deadline
			}
			_, err := rt.Invoke(t.Context(), emulator.InvokeRequest{
				RequestID: "req-" + tt.action, FunctionArn: testARN, Payload: []byte(payload), Deadline: time.Now().Add(deadline),
			})
			var fe *wire.FunctionError
			if !errors.As(err, &fe) {
				t.Fatalf("Invoke error = %v (%T), want *wire.FunctionError", err, err)
			}
			if fe.ErrorType != tt.errorType || !strings.Contains(fe.ErrorMessage, tt.message) {
				t.Errorf("error = %q / %q, want type %q with message containing %q", fe.ErrorType, fe.ErrorMessage, tt.errorType, tt.message)
			}
			after := echo(t, rt, "after")
			if got := after.PID == before.PID; got != tt.sameProcess {
				t.Errorf("same process after %s = %v, want %v", tt.action, got, tt.sameProcess)
			}
		})
	}
}

func TestPanicReportsStackTrace(t *testing.T) {
	rt := newRuntime(t, runtimeapi.Config{})
	_, err := invoke(t, rt, "p", "panic")
	var fe *wire.FunctionError
	if !errors.As(err, &fe) {
		t.Fatalf("Invoke error = %v, want *wire.FunctionError", err)
	}
	if len(fe.StackTrace) == 0 || !strings.Contains(strings.Join(fe.StackTrace, "\n"), "main.go") {
		t.Errorf("stack trace %q does not name the function's source", fe.StackTrace)
	}
}

func TestStartupFailures(t *testing.T) {
	tests := []struct {
		mode      string
		errorType string
		message   string
	}{
		{mode: "exit-before-start", errorType: "Runtime.ExitError", message: "exit status 4"},
		{mode: "init-error", errorType: "Runtime.InitError", message: "config missing"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			rt := newRuntime(t, runtimeapi.Config{Env: map[string]string{"FN_MODE": tt.mode}})
			for attempt := range 2 { // a failed start is retried with a new process
				_, err := invoke(t, rt, fmt.Sprint("req-", attempt), "echo")
				var fe *wire.FunctionError
				if !errors.As(err, &fe) {
					t.Fatalf("attempt %d: error = %v (%T), want *wire.FunctionError", attempt, err, err)
				}
				if fe.ErrorType != tt.errorType || !strings.Contains(fe.ErrorMessage, tt.message) {
					t.Errorf("attempt %d: error = %q / %q, want %q containing %q", attempt, fe.ErrorType, fe.ErrorMessage, tt.errorType, tt.message)
				}
			}
		})
	}
}

func TestConcurrentInvocationsUseSeparateSandboxes(t *testing.T) {
	const maxSandboxes, calls = 2, 8
	rt := newRuntime(t, runtimeapi.Config{MaxSandboxes: maxSandboxes})
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		pids = map[int]int{}
	)
	for i := range calls {
		wg.Go(func() {
			out, err := invoke(t, rt, fmt.Sprint("c-", i), "echo")
			if err != nil {
				t.Errorf("invocation %d: %v", i, err)
				return
			}
			var r report
			if err := json.Unmarshal(out, &r); err != nil {
				t.Errorf("invocation %d: %v", i, err)
				return
			}
			if r.RequestID != fmt.Sprint("c-", i) {
				t.Errorf("invocation %d got the event of %s", i, r.RequestID)
			}
			mu.Lock()
			pids[r.PID]++
			mu.Unlock()
		})
	}
	testwait.Wait(t, "every concurrent invocation returns", wg.Wait)
	if len(pids) > maxSandboxes {
		t.Errorf("%d processes ran, want at most %d", len(pids), maxSandboxes)
	}
	total := 0
	for _, n := range pids {
		total += n
	}
	if total != calls {
		t.Errorf("%d invocations answered, want %d", total, calls)
	}
}

func TestCancelledContextIsNotAFunctionError(t *testing.T) {
	rt := newRuntime(t, runtimeapi.Config{})
	echo(t, rt, "warm-up")
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := rt.Invoke(ctx, emulator.InvokeRequest{RequestID: "h", FunctionArn: testARN, Payload: []byte(`{"action":"hang"}`), Deadline: time.Now().Add(time.Minute)})
		errc <- err
	}()
	cancel()
	err := testwait.Recv(t, "the canceled invocation returns", errc)
	var fe *wire.FunctionError
	if !errors.Is(err, context.Canceled) || errors.As(err, &fe) {
		t.Errorf("error = %v, want context.Canceled and no function error", err)
	}
	echo(t, rt, "still-usable")
}

func TestInvokeAfterClose(t *testing.T) {
	rt := newRuntime(t, runtimeapi.Config{})
	echo(t, rt, "a")
	if err := rt.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := invoke(t, rt, "b", "echo"); !errors.Is(err, runtimeapi.ErrClosed) {
		t.Errorf("Invoke after Close = %v, want ErrClosed", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "plain")
	if err := os.WriteFile(notExec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  runtimeapi.Config
		want string
	}{
		{"no path", runtimeapi.Config{FunctionName: "f"}, "Path is required"},
		{"no name", runtimeapi.Config{Path: fnBinary}, "FunctionName is required"},
		{"missing file", runtimeapi.Config{Path: filepath.Join(dir, "nope"), FunctionName: "f"}, "no such file"},
		{"directory", runtimeapi.Config{Path: dir, FunctionName: "f"}, "not an executable"},
		{"not executable", runtimeapi.Config{Path: notExec, FunctionName: "f"}, "not an executable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runtimeapi.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
