package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm/cloudasmtest"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// TestServeVirtualTime serves the demo function on virtual time: an
// execution that waits 20 hours and retries a step twice (2 s and 4 s
// apart) returns at once to a synchronous invoke, and its history spans
// the skipped time.
func TestServeVirtualTime(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	s := start(ctx, t, false, "serve", "--binary", demoBinary, "--function-name", "demo", "--addr", "127.0.0.1:0", "--time", "virtual")
	url := s.await(regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)\n`))[1]
	s.await(regexp.MustCompile(`Virtual time: whenever nothing runs, the clock jumps ahead`))

	const wait = 20 * time.Hour
	req, err := http.NewRequestWithContext(testwait.Context(t), http.MethodPost, url+"/2015-03-31/functions/demo:1/invocations",
		strings.NewReader(`{"name":"virtual","wait":72000,"flaky":2}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Durable-Execution-Name", "v-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" ||
		string(body) != `{"greeting":"hello virtual","attempts":3}` {
		t.Fatalf("invoke: %s %q (function error %q), want 200 with the result", resp.Status, body, resp.Header.Get("X-Amz-Function-Error"))
	}

	code, out, stderr := cli(t, "show", "--json", "--endpoint", url, "--function-name", "demo", "v-1")
	if code != exitOK {
		t.Fatalf("show: exit %d: %s", code, stderr)
	}
	var shown runResult
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	took := wire.TimeOf(shown.Execution.EndTimestamp).Sub(wire.TimeOf(shown.Execution.StartTimestamp))
	if shown.Execution.Status != wire.ExecutionStatusSucceeded || took < wait+6*time.Second {
		t.Errorf("execution %s after %s, want SUCCEEDED after the wait and both retry delays (%s)", shown.Execution.Status, took, wait+6*time.Second)
	}
	interrupt()
	if code, _ := s.wait(); code != exitOK {
		t.Errorf("serve: exit %d after the interrupt; stderr:\n%s", code, s.other.String())
	}
}

func TestNextTimer(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	timers := []emulator.Timer{
		{Kind: emulator.TimerExecutionTimeout, At: at(1), ExecutionArn: "a"},
		{Kind: emulator.TimerWait, At: at(3), ExecutionArn: "a"},
		{Kind: emulator.TimerCallbackTimeout, At: at(2), ExecutionArn: "b"},
		{Kind: emulator.TimerStepRetry, At: at(4), ExecutionArn: "b"},
	}
	tests := []struct {
		arn          string
		callbackOpen bool
		want         time.Time // zero: none
	}{
		{"a", false, at(1)},
		{"a", true, at(3)},
		{"b", false, at(2)},
		{"b", true, at(4)},
		{"c", false, time.Time{}},
		{"", false, at(1)}, // every execution
		{"", true, at(3)},
	}
	for _, tt := range tests {
		got, ok := nextTimer(timers, tt.arn, tt.callbackOpen)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("nextTimer(%q, callbackOpen %v) = %v, %v; want %v", tt.arn, tt.callbackOpen, got, ok, tt.want)
		}
	}
}

// durableFunction is the resource of a durable function F whose Go
// package is entry in this module.
func durableFunction(entry string) string {
	return `{"F":{"Type":"AWS::Lambda::Function",
		"Properties":{"Runtime":"provided.al2023","DurableConfig":{"ExecutionTimeout":60,"RetentionPeriodInDays":1}},
		"Metadata":{"durable-lambda-go:function":{"Name":"F","Module":"github.com/acme/durable-lambda-go","Entry":"` + entry + `"}}}}`
}

// TestServeAppBadInput checks the errors of serve --app and --cdk-out
// for input it cannot host.
func TestServeAppBadInput(t *testing.T) {
	tests := []struct {
		name string
		args func(t *testing.T) []string
		code int
		want string // a part of stderr
	}{
		{
			name: "missing cdk.out",
			args: func(t *testing.T) []string { return []string{"--cdk-out", filepath.Join(t.TempDir(), "cdk.out")} },
			code: exitError, want: "no cloud assembly in ",
		},
		{
			name: "broken cdk.out",
			args: func(t *testing.T) []string {
				dir := cloudasmtest.WriteAssembly(t, `{}`)
				if err := os.WriteFile(filepath.Join(dir, "S.template.json"), []byte(`{"Resources":`), 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{"--cdk-out", dir}
			},
			code: exitError, want: "S.template.json: unexpected end of JSON input (synthesize the app again)",
		},
		{
			name: "cdk.out of another app",
			args: func(t *testing.T) []string {
				return []string{"--cdk-out", cloudasmtest.WriteAssembly(t, `{"Handler":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"nodejs22.x"}}}`)}
			},
			code: exitError, want: "has no function defined by this app's constructs",
		},
		{
			name: "cdk.out of another module",
			args: func(t *testing.T) []string {
				return []string{"--cdk-out", cloudasmtest.WriteAssembly(t, strings.Replace(durableFunction("lambda"), "github.com/acme/durable-lambda-go", "example.com/other", 1))}
			},
			code: exitError, want: "comes from the app of module example.com/other, not of this module (github.com/acme/durable-lambda-go)",
		},
		{
			name: "app without durable functions",
			args: func(t *testing.T) []string {
				return []string{"--cdk-out", cloudasmtest.WriteAssembly(t, strings.Replace(durableFunction("lambda"), `,"DurableConfig":{"ExecutionTimeout":60,"RetentionPeriodInDays":1}`, "", 1))}
			},
			code: exitError, want: "has no durable function (no DurableConfig on F)",
		},
		{
			name: "function whose code is not a Go package",
			args: func(t *testing.T) []string {
				return []string{"--cdk-out", cloudasmtest.WriteAssembly(t, durableFunction("cmd/durablectl/testdata"))}
			},
			code: exitError, want: "no Go files in",
		},
		{
			name: "function whose code is not a main package",
			args: func(t *testing.T) []string {
				return []string{"--cdk-out", cloudasmtest.WriteAssembly(t, durableFunction("cmd/durablectl/internal/demo"))}
			},
			code: exitError, want: "internal/demo: not a main package",
		},
		{
			name: "Go function without a recorded package or a runnable bootstrap",
			args: func(t *testing.T) []string {
				dir := cloudasmtest.WriteAssembly(t, strings.TrimSuffix(durableFunction("lambda"), "}")+
					`,"G":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"provided.al2023","Code":{"S3Key":"abc.zip"}}}}`)
				if err := os.Mkdir(filepath.Join(dir, "asset.abc"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "asset.abc", "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
					t.Fatal(err)
				}
				return []string{"--cdk-out", dir}
			},
			code: exitError, want: "function G (S/G) cannot be hosted: its template records no Go package (Metadata durable-lambda-go:function) and its asset's bootstrap",
		},
		{
			name: "--app without cdk.json",
			args: func(*testing.T) []string { return []string{"--app"} },
			code: exitError, want: "cdk.json: no such file or directory",
		},
		{
			name: "--app and --function",
			args: func(*testing.T) []string { return []string{"--app", "--function", "./testdata/fn"} },
			code: exitUsage, want: "--function, --binary and --function-name host one function; --app and --cdk-out host the app's",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args(t)...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("serve: exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

// TestAppFunctions reads a cloud assembly the way serve --cdk-out does
// and checks what each function, durable or plain, is hosted with.
func TestAppFunctions(t *testing.T) {
	dir := cloudasmtest.WriteAssembly(t, `{
		"F": {"Type": "AWS::Lambda::Function",
			"Properties": {"Runtime": "provided.al2023", "Timeout": 30, "MemorySize": 1024,
				"DurableConfig": {"ExecutionTimeout": 600, "RetentionPeriodInDays": 3},
				"Environment": {"Variables": {"SELF": {"Ref": "FAlias"}, "QUEUE": {"Ref": "Q"}}}},
			"Metadata": {"durable-lambda-go:function": {"Name": "F", "Module": "github.com/acme/durable-lambda-go", "Entry": "cmd/durablectl/testdata/fn"}}},
		"FAlias": {"Type": "AWS::Lambda::Alias", "Properties": {"Name": "live", "FunctionName": {"Ref": "F"}}},
		"P": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023"},
			"Metadata": {"durable-lambda-go:function": {"Name": "P", "Entry": "cmd/durablectl/testdata/crashfn"}}},
		"Q": {"Type": "AWS::SQS::Queue"},
		"N": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs22.x"}},
		"B": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023", "Code": {"S3Key": "abc.zip"}},
			"Metadata": {"aws:cdk:path": "S/Bin/Resource"}}
	}`)
	// B records no Go package: it runs its asset's bootstrap, an
	// executable of this machine.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := filepath.Join(dir, "asset.abc", "bootstrap")
	if err := os.Mkdir(filepath.Dir(bootstrap), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, bootstrap); err != nil {
		t.Fatal(err)
	}
	var said bytes.Buffer
	got, err := appFunctions(t.Context(), dir, &said)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	want := hostedFunction{
		name: "F", pkg: filepath.Join(root, "cmd", "durablectl", "testdata", "fn"), durable: true,
		durableConfig: wire.DurableConfig{ExecutionTimeout: 600, RetentionPeriodInDays: 3},
		timeout:       30 * time.Second, memoryMiB: 1024,
		env:     map[string]string{"SELF": "arn:aws:lambda:us-east-1:123456789012:function:F:live"},
		aliases: []string{"live"},
	}
	plain := hostedFunction{ // a plain function: no DurableConfig, Lambda's defaults
		name: "P", pkg: filepath.Join(root, "cmd", "durablectl", "testdata", "crashfn"),
		timeout: 3 * time.Second, memoryMiB: 128, aliases: []string{},
	}
	prebuilt := hostedFunction{name: "Bin", binary: bootstrap, timeout: 3 * time.Second, memoryMiB: 128, aliases: []string{}}
	if wantAll := []hostedFunction{prebuilt, want, plain}; !reflect.DeepEqual(got, wantAll) {
		t.Errorf("appFunctions = %+v, want %+v", got, wantAll)
	}
	wantLines(t, said.String(),
		`^not hosting S/N \(nodejs22\.x\): no Go package recorded in its Metadata`,
		`^function F: environment variable QUEUE left out: Ref Q: a AWS::SQS::Queue is not hosted locally$`)
}
