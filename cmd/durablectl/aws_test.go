package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient/lambdaclienttest"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// TestClientCommandsSignRequests runs every client command, against the
// local endpoint and as for AWS (--endpoint aws, reaching the test
// endpoint through AWS_ENDPOINT_URL_LAMBDA as the SDK allows), and checks
// that each request carries a SigV4 Authorization header for service
// lambda in the region of the flags or the profile, with the credentials
// of the chain (dummy ones only for the local endpoint).
func TestClientCommandsSignRequests(t *testing.T) {
	h := served(t, callbackBinary)
	handler := httpapi.NewHandler(h.svc, slog.New(slog.DiscardHandler))
	modes := []struct {
		name    string
		aws     bool
		flags   []string
		region  string
		keyID   string
		config  string
		envVars map[string]string
	}{
		{name: "local", flags: []string{"--region", "eu-west-3"}, region: "eu-west-3", keyID: "durablectl-local"},
		{name: "aws with --profile", aws: true, flags: []string{"--profile", "prod"}, region: "ap-northeast-1", keyID: "AKIDPROD",
			config: "[profile prod]\nregion = ap-northeast-1\naws_access_key_id = AKIDPROD\naws_secret_access_key = secret\n"},
		{name: "aws with the environment and --region", aws: true, flags: []string{"--region", "ca-central-1"}, region: "ca-central-1", keyID: "AKIDENV",
			envVars: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-west-1"}},
	}
	for i, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			lambdaclienttest.Isolate(t)
			if m.config != "" {
				lambdaclienttest.WriteConfig(t, m.config)
			}
			for k, v := range m.envVars {
				t.Setenv(k, v)
			}
			prefix := []string{"a", "b", "c"}[i] + "sign"
			succeed := startExecution(t, h, prefix+"-succeed", `{"name":"jo","callback":true}`)
			fail := startExecution(t, h, prefix+"-fail", `{"name":"ki","callback":true}`)
			stop := startExecution(t, h, prefix+"-stop", `{"name":"li","callback":true}`)
			succeedID, failID := openCallback(t, h, succeed), openCallback(t, h, fail)
			commands := [][]string{
				{"list", "--function-name", "seed"},
				{"show", prefix + "-succeed"},
				{"history", succeed},
				{"callback", "heartbeat", succeedID},
				{"callback", "succeed", succeedID, `"yes"`},
				{"callback", "fail", failID, "--error-message", "no"},
				{"stop", prefix + "-stop"},
			}
			for _, args := range commands {
				rec := lambdaclienttest.NewRecorder(handler)
				srv := httptest.NewServer(rec)
				endpoint := []string{"--endpoint", srv.URL}
				if m.aws {
					t.Setenv("AWS_ENDPOINT_URL_LAMBDA", srv.URL)
					endpoint = []string{"--endpoint", "aws"}
				}
				code, _, stderr := cli(t, append(append(args, endpoint...), m.flags...)...)
				srv.Close()
				if code != exitOK {
					t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
					continue
				}
				rec.CheckSigned(t, m.region)
				for _, q := range rec.Requests() {
					if q.Scope.AccessKeyID != m.keyID {
						t.Errorf("%s: %s %s signed with %q, want %q", strings.Join(args, " "), q.Method, q.Path, q.Scope.AccessKeyID, m.keyID)
					}
				}
			}
			for arn, want := range map[string]wire.ExecutionStatus{succeed: wire.ExecutionStatusSucceeded, fail: wire.ExecutionStatusFailed, stop: wire.ExecutionStatusStopped} {
				if exec, err := h.svc.WaitForExecution(testwait.Context(t), arn); err != nil || exec.Status != want {
					t.Errorf("%s: %+v, %v; want %s", arn, exec, err, want)
				}
			}
		})
	}
}

// TestClientCommandErrors checks the messages of the failures a user of
// the client commands meets, locally and with --endpoint aws.
func TestClientCommandErrors(t *testing.T) {
	h := served(t, callbackBinary)
	url := h.srv.URL()
	missing := "arn:aws:lambda:us-east-1:123456789012:function:seed:1/durable-execution/none/00000000-0000-0000-0000-000000000000"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{name: "unknown execution", args: []string{"show", "--endpoint", url, missing}, code: exitError,
			want: []string{"no execution " + missing + " at this endpoint"}},
		{name: "unknown execution name", args: []string{"history", "--endpoint", url, "nobody"}, code: exitError,
			want: []string{`no execution named "nobody" of function seed`}},
		{name: "unknown callback", args: []string{"callback", "succeed", "--endpoint", url, "bm90LWEtY2FsbGJhY2s="}, code: exitError,
			want: []string{"no callback bm90LWEtY2FsbGJhY2s= at this endpoint"}},
		{name: "malformed callback id", args: []string{"callback", "heartbeat", "--endpoint", url, "!!"}, code: exitError,
			want: []string{"InvalidParameterValueException: ", "(request id "}},
		{name: "unreachable local endpoint", args: []string{"list", "--endpoint", "http://127.0.0.1:1"}, code: exitError,
			want: []string{"cannot reach the endpoint http://127.0.0.1:1", "durablectl serve", "--addr", "connection refused"}},
		{name: "unreachable AWS endpoint", env: map[string]string{"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"},
			args: []string{"stop", "--endpoint", "aws", "--region", "eu-west-1", missing}, code: exitError,
			want: []string{"cannot reach AWS Lambda", "connection refused"}},
		{name: "aws without a region", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"},
			args: []string{"list", "--endpoint", "aws"}, code: exitError, want: []string{"no AWS region: give --region"}},
		{name: "aws without credentials", args: []string{"list", "--endpoint", "aws", "--region", "eu-west-1"}, code: exitError,
			want: []string{"no usable AWS credentials"}},
		{name: "unknown profile", args: []string{"list", "--profile", "nosuch"}, code: exitError, want: []string{"nosuch"}},
		{name: "endpoint neither a URL nor aws", args: []string{"list", "--endpoint", "amazon"}, code: exitUsage,
			want: []string{`--endpoint "amazon" is not an http(s) URL (nor aws`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lambdaclienttest.Isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
		})
	}
}

// TestRequestShapes pins the requests the SDK sends for each command to
// the REST API of protocol.md §3.1 (methods, escaped path labels, query
// parameters, body and content type), which the emulator serves, and
// checks that the answers' epoch-second timestamps come out unchanged.
func TestRequestShapes(t *testing.T) {
	const (
		arn     = "arn:aws:lambda:us-east-1:123456789012:function:seed:1/durable-execution/order-42/0b7e"
		escaped = "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aseed%3A1%2Fdurable-execution%2Forder-42%2F0b7e"
		started = "1767225600.25"
		ended   = "1767225903.4"
	)
	type request struct{ method, path, query, contentType, body string }
	var (
		mu   sync.Mutex
		seen []request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		query := r.URL.Query()
		for _, v := range query {
			slices.Sort(v) // the order of repeated parameters carries no meaning
		}
		mu.Lock()
		seen = append(seen, request{r.Method, r.URL.EscapedPath(), query.Encode(), r.Header.Get("Content-Type"), string(body)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		path := r.URL.EscapedPath()
		switch {
		case strings.HasSuffix(path, "/durable-executions"):
			fmt.Fprintf(w, `{"DurableExecutions":[{"DurableExecutionArn":%q,"DurableExecutionName":"order-42","FunctionArn":"f","Status":"STOPPED","StartTimestamp":%s,"EndTimestamp":%s}]}`, arn, started, ended)
		case strings.HasSuffix(path, "/history"):
			fmt.Fprintf(w, `{"Events":[{"EventType":"ExecutionStarted","EventId":1,"Id":"x","EventTimestamp":%s,"ExecutionStartedDetails":{"Input":{"Payload":"{}"}}}]}`, started)
		case strings.HasSuffix(path, "/stop"):
			fmt.Fprintf(w, `{"StopTimestamp":%s}`, ended)
		case strings.HasSuffix(path, escaped):
			fmt.Fprintf(w, `{"DurableExecutionArn":%q,"DurableExecutionName":"order-42","FunctionArn":"f","Status":"STOPPED","StartTimestamp":%s,"EndTimestamp":%s}`, arn, started, ended)
		}
	}))
	defer srv.Close()
	const (
		execPath = "/2025-12-01/durable-executions/" + escaped
		listPath = "/2025-12-01/functions/seed/durable-executions"
		cbPath   = "/2025-12-01/durable-execution-callbacks/cb%2F1%2B%3D"
	)
	get := func(path, query string) request { return request{method: http.MethodGet, path: path, query: query} }
	tests := []struct {
		name string
		args []string
		want []request
		json map[string]string // members of the --json output and their text
	}{
		{"list", []string{"list", "--status", "running,failed", "--name", "order-42", "--json"},
			[]request{get(listPath, "DurableExecutionName=order-42&MaxItems=1000&Statuses=FAILED&Statuses=RUNNING")},
			map[string]string{`"StartTimestamp":`: started, `"EndTimestamp":`: ended}},
		{"show by name", []string{"show", "order-42", "--json"},
			[]request{get(listPath, "DurableExecutionName=order-42&MaxItems=1000"), get(execPath, ""), get(execPath+"/history", "MaxItems=1000")},
			map[string]string{`"EndTimestamp":`: ended, `"EventTimestamp":`: started}},
		{"history", []string{"history", arn, "--json"},
			[]request{get(execPath+"/history", "MaxItems=1000")},
			map[string]string{`"EventTimestamp":`: started}},
		{"stop with a cause", []string{"stop", arn, "--error-type", "Operator", "--error-message", "enough"},
			[]request{{method: http.MethodPost, path: execPath + "/stop", contentType: "application/json", body: `{"ErrorMessage":"enough","ErrorType":"Operator"}`}, get(execPath, "")}, nil},
		{"stop", []string{"stop", arn, "--json"},
			// restJson1 sends an absent payload structure as {}.
			[]request{{method: http.MethodPost, path: execPath + "/stop", contentType: "application/json", body: "{}"}},
			map[string]string{`"StopTimestamp":`: ended}},
		{"callback succeed", []string{"callback", "succeed", "cb/1+=", `{"ok":true}`},
			[]request{{method: http.MethodPost, path: cbPath + "/succeed", contentType: "application/octet-stream", body: `{"ok":true}`}}, nil},
		{"callback fail", []string{"callback", "fail", "cb/1+=", "--error-type", "Rejected"},
			[]request{{method: http.MethodPost, path: cbPath + "/fail", contentType: "application/json", body: `{"ErrorType":"Rejected"}`}}, nil},
		{"callback heartbeat", []string{"callback", "heartbeat", "cb/1+="},
			[]request{{method: http.MethodPost, path: cbPath + "/heartbeat"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			code, stdout, stderr := cli(t, append(tt.args, "--endpoint", srv.URL)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			mu.Lock()
			got := seen
			mu.Unlock()
			if !slices.Equal(got, tt.want) {
				t.Errorf("requests\n%+v\nwant\n%+v", got, tt.want)
			}
			for member, value := range tt.json {
				if !strings.Contains(stdout, member+" "+value) {
					t.Errorf("output has no %s %s:\n%s", member, value, stdout)
				}
			}
		})
	}
}
