package durable

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

const clientTestARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/id"

// testClient returns the default client pointed at srv.
func testClient(t *testing.T, srv *httptest.Server) *restClient {
	t.Helper()
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "session", "AWS_ENDPOINT_URL_LAMBDA": srv.URL}
	c, err := newDefaultClient(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return c.(*restClient)
}

func TestRESTClientCalls(t *testing.T) {
	var gotCheckpoint CheckpointInput
	var problems []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		escapedARN := "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A%24LATEST%2Fdurable-execution%2Fn%2Fid"
		if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/us-east-1/lambda/aws4_request") {
			problems = append(problems, "Authorization "+auth)
		}
		if r.Header.Get("X-Amz-Security-Token") != "session" || r.Header.Get("X-Amz-Date") == "" {
			problems = append(problems, "missing session token or date")
		}
		switch {
		case r.Method == http.MethodPost && r.URL.EscapedPath() == "/2025-12-01/durable-executions/"+escapedARN+"/checkpoint":
			body, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(body, &gotCheckpoint); err != nil {
				problems = append(problems, "checkpoint body "+string(body))
			}
			w.Write([]byte(`{"CheckpointToken":"next","NewExecutionState":{"Operations":[{"Id":"w","Type":"WAIT","SubType":"Wait","Status":"STARTED","StartTimestamp":1767225600,"WaitDetails":{"ScheduledEndTimestamp":1767225660.5}}]}}`))
		case r.Method == http.MethodGet && r.URL.EscapedPath() == "/2025-12-01/durable-executions/"+escapedARN+"/state":
			q := r.URL.Query()
			if q.Get("CheckpointToken") != "tok" || q.Get("Marker") != "m1" || q.Get("MaxItems") != "1000" {
				problems = append(problems, "state query "+r.URL.RawQuery)
			}
			w.Write([]byte(`{"NextMarker":"m2","Operations":[{"Id":"s","Name":"n","ParentId":"p","Type":"STEP","Status":"FAILED","StepDetails":{"Attempt":2,"Result":"r","Error":{"ErrorType":"E","ErrorMessage":"m","StackTrace":["f"]}}}]}`))
		default:
			problems = append(problems, "unexpected "+r.Method+" "+r.URL.EscapedPath())
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := testClient(t, srv)

	updates := []OperationUpdate{
		{Id: "s", ParentId: "p", Name: "n", Type: "STEP", SubType: "Step", Action: "RETRY", Error: &ErrorObject{ErrorType: "E"}, StepOptions: &wire.StepOptions{NextAttemptDelaySeconds: 3}},
		{Id: "i", Type: "CHAINED_INVOKE", Action: "START", Payload: wire.String("{}"), ChainedInvokeOptions: &wire.ChainedInvokeOptions{FunctionName: "fn:1", TenantId: "t"}},
	}
	out, err := c.Checkpoint(context.Background(), CheckpointInput{DurableExecutionArn: clientTestARN, CheckpointToken: "tok", Updates: updates})
	if err != nil {
		t.Fatal(err)
	}
	if gotCheckpoint.CheckpointToken != "tok" || !reflect.DeepEqual(gotCheckpoint.Updates, updates) {
		t.Errorf("checkpoint request %+v", gotCheckpoint)
	}
	if out.CheckpointToken != "next" || len(out.NewExecutionState.Operations) != 1 {
		t.Fatalf("output %+v", out)
	}
	if w := out.NewExecutionState.Operations[0]; w.Id != "w" || !wire.TimeOf(w.WaitDetails.ScheduledEndTimestamp).Equal(time.UnixMilli(1767225660500)) {
		t.Errorf("wait record %+v", w)
	}

	st, err := c.GetExecutionState(context.Background(), GetExecutionStateInput{DurableExecutionArn: clientTestARN, CheckpointToken: "tok", Marker: "m1", MaxItems: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := Operation{Id: "s", Type: "STEP", Status: "FAILED", Name: "n", ParentId: "p",
		StepDetails: &StepDetails{Attempt: 2, Result: wire.String("r"), Error: &ErrorObject{ErrorType: "E", ErrorMessage: "m", StackTrace: wire.StackTrace{"f"}}}}
	if st.NextMarker != "m2" || len(st.Operations) != 1 || !reflect.DeepEqual(st.Operations[0], want) {
		t.Errorf("state %+v", st)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestRESTClientErrors(t *testing.T) {
	tests := []struct {
		name     string
		answers  []func(http.ResponseWriter) // one per attempt; the last repeats
		want     *wire.APIError              // nil: success
		attempts int64
	}{
		{"code from header", []func(http.ResponseWriter){errorAnswer(400, "InvalidParameterValueException:http://internal.amazon.com/", `{"message":"Invalid checkpoint token"}`)},
			&wire.APIError{Code: "InvalidParameterValueException", StatusCode: 400, Message: "Invalid checkpoint token"}, 1},
		{"code from body type", []func(http.ResponseWriter){errorAnswer(502, "", `{"__type":"com.amazonaws.lambda#KMSDisabledException","Message":"kms"}`)},
			&wire.APIError{Code: "KMSDisabledException", StatusCode: 502, Message: "kms"}, 3},
		{"throttled every time", []func(http.ResponseWriter){errorAnswer(429, "TooManyRequestsException", `{"message":"slow down"}`)},
			&wire.APIError{Code: "TooManyRequestsException", StatusCode: 429, Message: "slow down"}, 3},
		{"server error then success", []func(http.ResponseWriter){errorAnswer(500, "ServiceException", `{}`), func(w http.ResponseWriter) { w.Write([]byte(`{"CheckpointToken":"t2"}`)) }},
			nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var attempts atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(attempts.Add(1))
				tt.answers[min(n, len(tt.answers))-1](w)
			}))
			defer srv.Close()
			out, err := testClient(t, srv).Checkpoint(context.Background(), CheckpointInput{DurableExecutionArn: clientTestARN, CheckpointToken: "tok"})
			if got := attempts.Load(); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
			if tt.want == nil {
				if err != nil || out.CheckpointToken != "t2" {
					t.Fatalf("Checkpoint = %+v, %v", out, err)
				}
				return
			}
			var got *wire.APIError
			if !errors.As(err, &got) || *got != *tt.want {
				t.Fatalf("error %#v, want %#v", err, tt.want)
			}
		})
	}

	srv := httptest.NewServer(http.NotFoundHandler())
	c := testClient(t, srv)
	srv.Close()
	_, err := c.GetExecutionState(context.Background(), GetExecutionStateInput{DurableExecutionArn: clientTestARN})
	var apiErr *wire.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("a refused connection gave %v, want a network error", err)
	}
}

func errorAnswer(status int, header, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if header != "" {
			w.Header().Set("X-Amzn-ErrorType", header)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}
