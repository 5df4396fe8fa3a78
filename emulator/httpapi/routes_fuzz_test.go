package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// FuzzHTTPRoutes sends arbitrary requests — method, escaped path, query,
// body and the Invoke headers — to the REST handler of a running service
// that hosts a function answering at once ("fn") and a function whose
// execution waits on a callback ("waiter"). Whatever the request, the
// handler must not panic or answer 5xx, and every error must be in the
// service's shape: the X-Amzn-ErrorType header and a JSON body whose
// __type repeats it, with a message (protocol §3.5). Successful answers of
// the JSON operations are JSON.
//
//	go test -run '^$' -fuzz '^FuzzHTTPRoutes$' -fuzztime 20s ./emulator/httpapi
func FuzzHTTPRoutes(f *testing.F) {
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		f.Fatal(err)
	}
	answer := emulator.InvokerFunc(func(context.Context, emulator.InvokeRequest) ([]byte, error) {
		return []byte(`{"Status":"SUCCEEDED","Result":"\"ok\""}`), nil
	})
	waiter := emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		var in wire.InvocationInput
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, err
		}
		if in.InitialExecutionState != nil && len(in.InitialExecutionState.Operations) > 1 {
			return []byte(`{"Status":"PENDING"}`), nil
		}
		_, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: in.DurableExecutionArn, CheckpointToken: in.CheckpointToken,
			Updates: []wire.OperationUpdate{{Id: "cb", Type: wire.OperationTypeCallback, SubType: wire.SubTypeCallback, Name: "approval", Action: wire.OperationActionStart}}})
		if err != nil {
			return nil, err
		}
		return []byte(`{"Status":"PENDING"}`), nil
	})
	for name, inv := range map[string]emulator.Invoker{"fn": answer, "waiter": waiter} {
		if err := svc.RegisterFunction(emulator.Function{Name: name, Durable: true, Invoker: inv}); err != nil {
			f.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	f.Cleanup(func() {
		cancel()
		if err := testwait.Recv(f, "Run returns after cancel", ran); err != nil {
			f.Errorf("Run: %v", err)
		}
	})
	start, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "waiter", Qualifier: "1", ExecutionName: "seed", Payload: []byte(`{}`)})
	if err != nil {
		f.Fatal(err)
	}
	callbackID := ""
	testwait.Until(f, "the execution creates its callback", func() bool {
		open, err := svc.OpenCallbacks(start.ExecutionArn)
		if err != nil {
			f.Fatal(err)
		}
		if len(open) > 0 {
			callbackID = open[0].CallbackID
		}
		return callbackID != ""
	})
	arn := url.PathEscape(start.ExecutionArn)
	arn = strings.NewReplacer(":", "%3A", "$", "%24").Replace(arn)
	cb := url.PathEscape(callbackID)
	cb = strings.NewReplacer("+", "%2B", "=", "%3D").Replace(cb)

	// The seeds that close the callback or stop the execution come last,
	// so the others meet them open.
	seeds := []struct{ method, path, query, body, invocationType, name string }{
		{"POST", "/2015-03-31/functions/fn/invocations", "Qualifier=1", `{"a":1}`, "", ""},
		{"POST", "/2015-03-31/functions/fn%3A1/invocations", "", `{}`, "Event", "order-1"},
		{"POST", "/2015-03-31/functions/fn/invocations", "", `{}`, "DryRun", ""},
		{"POST", "/2015-03-31/functions/fn/invocations", "", `{}`, "", ""},
		{"GET", "/2025-12-01/durable-executions/" + arn, "IncludeExecutionData=false", "", "", ""},
		{"GET", "/2025-12-01/durable-executions/" + arn + "/history", "MaxItems=1&ReverseOrder=true&Marker=1", "", "", ""},
		{"GET", "/2025-12-01/durable-executions/" + arn + "/state", "CheckpointToken=stale&MaxItems=2000", "", "", ""},
		{"POST", "/2025-12-01/durable-executions/" + arn + "/checkpoint", "", `{"CheckpointToken":"stale","Updates":[{"Id":"s","Type":"STEP","Action":"START"}]}`, "", ""},
		{"POST", "/2025-12-01/durable-executions/" + arn + "/checkpoint", "", `{"CheckpointToken":`, "", ""},
		{"GET", "/2025-12-01/functions/waiter/durable-executions", "Statuses=RUNNING&Statuses=BOGUS&StartedAfter=2026-01-01T00:00:00Z&MaxItems=5", "", "", ""},
		{"GET", "/2025-12-01/functions/fn/durable-executions", "StartedBefore=yesterday&ReverseOrder=maybe", "", "", ""},
		{"POST", "/2025-12-01/durable-execution-callbacks/" + cb + "/heartbeat", "", "", "", ""},
		{"POST", "/2025-12-01/durable-execution-callbacks/bm9uZQ%3D%3D/succeed", "", `{}`, "", ""},
		{"GET", "/2025-12-01/durable-executions/%zz", "", "", "", ""},
		{"DELETE", "/2025-12-01/durable-executions/" + arn, "", "", "", ""},
		{"GET", "/", "", "", "", ""},
		{"POST", "/2025-12-01/durable-execution-callbacks/" + cb + "/fail", "", `{"ErrorType":"Rejected"}`, "", ""},
		{"POST", "/2025-12-01/durable-execution-callbacks/" + cb + "/succeed", "", `raw bytes`, "", ""},
		{"POST", "/2025-12-01/durable-executions/" + arn + "/stop", "", `{"ErrorType":"Stopped","ErrorMessage":"by fuzz"}`, "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, []byte(s.body), s.invocationType, s.name)
	}
	h := httpapi.NewHandler(svc, nil)
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, invocationType, executionName string) {
		u, err := url.Parse("http://emulator" + path)
		if err != nil || u.Host != "emulator" || u.User != nil || u.Fragment != "" {
			return
		}
		u.RawQuery = query
		reqCtx, stop := context.WithTimeout(ctx, 2*time.Second)
		defer stop()
		req, err := http.NewRequestWithContext(reqCtx, method, u.String(), bytes.NewReader(body))
		if err != nil {
			return
		}
		if invocationType != "" {
			req.Header.Set("X-Amz-Invocation-Type", invocationType)
		}
		if executionName != "" {
			req.Header.Set("X-Amz-Durable-Execution-Name", executionName)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if errors.Is(reqCtx.Err(), context.DeadlineExceeded) {
			// A synchronous Invoke of an execution that waits for a
			// callback outlives any caller; nothing to check.
			return
		}
		checkAnswer(t, req, res.StatusCode, res.Header, rec.Body.Bytes())
	})
}

// checkAnswer holds one answer to the rules of protocol §3.5.
func checkAnswer(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	what := req.Method + " " + req.URL.EscapedPath()
	switch {
	case status >= 500:
		t.Fatalf("%s: answered %d %s", what, status, body)
	case status >= 400:
		code := header.Get("X-Amzn-ErrorType")
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(body, &e); err != nil || code == "" || e.Type != code || e.Message == "" {
			t.Fatalf("%s: error %d with X-Amzn-ErrorType %q and body %s (%v)", what, status, code, body, err)
		}
		if wire.StatusCodeOf(code) != status && code != "UnknownOperationException" {
			t.Fatalf("%s: %s answered with status %d, want %d", what, code, status, wire.StatusCodeOf(code))
		}
	case status != http.StatusOK && status != http.StatusAccepted:
		t.Fatalf("%s: answered %d %s", what, status, body)
	case header.Get("Content-Type") == "application/json" && len(body) > 0 && !json.Valid(body):
		t.Fatalf("%s: JSON answer that is not JSON: %s", what, body)
	}
}
