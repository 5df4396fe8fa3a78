package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHTTPShape checks what plain HTTP clients see: routing on escaped
// labels and the service's error shape.
func TestHTTPShape(t *testing.T) {
	s := newStack(t)
	arn := s.start(t, "raw", `{"name":"gu"}`)
	s.wait(t, arn)
	escaped := url.PathEscape(arn)
	// url.PathEscape leaves ':' alone; AWS clients escape it too.
	fullyEscaped := strings.ReplaceAll(escaped, ":", "%3A")

	tests := []struct {
		name, method, path string
		status             int
		errorType          string // "" for success
		bodyHas            string
	}{
		{"ARN with ':' and '/' escaped", "GET", "/2025-12-01/durable-executions/" + fullyEscaped, 200, "", `"Status":"SUCCEEDED"`},
		{"ARN with only '/' escaped", "GET", "/2025-12-01/durable-executions/" + escaped + "/history", 200, "", `"EventType":"ExecutionStarted"`},
		{"unescaped ARN splits into segments", "GET", "/2025-12-01/durable-executions/" + arn, 404, "UnknownOperationException", "no operation serves"},
		{"unknown path", "GET", "/2025-12-01/nothing", 404, "UnknownOperationException", "no operation serves"},
		{"wrong method", "DELETE", "/2025-12-01/durable-executions/" + fullyEscaped, 404, "UnknownOperationException", ""},
		{"bad boolean", "GET", "/2025-12-01/durable-executions/" + fullyEscaped + "?IncludeExecutionData=maybe", 400, "InvalidParameterValueException", "not a boolean"},
		{"bad integer", "GET", "/2025-12-01/durable-executions/" + fullyEscaped + "/history?MaxItems=many", 400, "InvalidParameterValueException", "not an integer"},
		{"bad timestamp", "GET", "/2025-12-01/functions/greeter/durable-executions?StartedAfter=yesterday", 400, "InvalidParameterValueException", "ISO-8601"},
		{"bad status", "GET", "/2025-12-01/functions/greeter/durable-executions?Statuses=DONE", 400, "InvalidParameterValueException", "DONE"},
		{"bad checkpoint body", "POST", "/2025-12-01/durable-executions/" + fullyEscaped + "/checkpoint", 400, "InvalidParameterValueException", "JSON"},
		{"bad invocation type", "POST", "/2015-03-31/functions/greeter/invocations?Qualifier=1", 400, "InvalidParameterValueException", "X-Amz-Invocation-Type"},
		{"unknown execution", "GET", "/2025-12-01/durable-executions/" + strings.Replace(fullyEscaped, "raw", "gone", 1), 404, "ResourceNotFoundException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.srv.URL()+tt.path, strings.NewReader("{not json"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Invocation-Type", "DryRun")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.bodyHas) {
				t.Errorf("%s %s = %d %s, want %d containing %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.bodyHas)
			}
			if tt.errorType == "" {
				return
			}
			if got := resp.Header.Get("X-Amzn-ErrorType"); got != tt.errorType {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, tt.errorType)
			}
			var doc struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &doc); err != nil || doc.Type != tt.errorType || doc.Message == "" {
				t.Errorf("error body %s: want {__type: %s, message: ...}", body, tt.errorType)
			}
		})
	}
}
