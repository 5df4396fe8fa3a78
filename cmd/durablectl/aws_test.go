package main

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient/lambdaclienttest"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
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
				if exec, err := h.svc.WaitForExecution(t.Context(), arn); err != nil || exec.Status != want {
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
