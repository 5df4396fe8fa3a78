package runtimeapi

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		headerType string
		want       wire.ErrorObject
	}{
		{
			name: "aws-lambda-go document",
			body: `{"errorMessage":"boom","errorType":"errorString","stackTrace":[{"path":"main.go","line":7,"label":"main"}]}`,
			want: wire.ErrorObject{ErrorType: "errorString", ErrorMessage: "boom", StackTrace: wire.StackTrace{"main (main.go:7)"}},
		},
		{
			name: "string frames",
			body: `{"errorMessage":"m","errorType":"T","stackTrace":["a","b"]}`,
			want: wire.ErrorObject{ErrorType: "T", ErrorMessage: "m", StackTrace: wire.StackTrace{"a", "b"}},
		},
		{
			name:       "type from header",
			body:       `{"errorMessage":"m"}`,
			headerType: "Custom.Error",
			want:       wire.ErrorObject{ErrorType: "Custom.Error", ErrorMessage: "m"},
		},
		{
			name: "not JSON",
			body: "plain failure\n",
			want: wire.ErrorObject{ErrorType: "Runtime.Unknown", ErrorMessage: "plain failure"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseError([]byte(tt.body), tt.headerType); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseError = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAnswersNeedTheCurrentRequestID(t *testing.T) {
	sb := &sandbox{work: make(chan *invocation), initFail: make(chan struct{})}
	inv := &invocation{req: emulator.InvokeRequest{RequestID: "r1"}, done: make(chan result, 1)}
	sb.current = inv
	sb.count = 1
	srv := httptest.NewServer(sb.routes())
	defer srv.Close()

	post := func(path, body string) int {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	steps := []struct {
		path string
		want int
	}{
		{"/2018-06-01/runtime/invocation/other/response", http.StatusBadRequest},
		{"/2018-06-01/runtime/init/error", http.StatusForbidden}, // already initialized
		{"/2018-06-01/runtime/invocation/r1/response", http.StatusAccepted},
		{"/2018-06-01/runtime/invocation/r1/error", http.StatusBadRequest}, // already answered
	}
	for _, s := range steps {
		if got := post(s.path, `"ok"`); got != s.want {
			t.Errorf("POST %s = %d, want %d", s.path, got, s.want)
		}
	}
	if res := testwait.Recv(t, "the invocation's result", inv.done); string(res.payload) != `"ok"` || res.err != nil {
		t.Errorf("result = %q, %v; want the posted payload", res.payload, res.err)
	}
}
