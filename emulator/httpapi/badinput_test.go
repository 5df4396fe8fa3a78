package httpapi_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/wire"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// rawExchange sends a raw request on a new connection to addr on network
// and reads the answer, failing the test if none arrives within 10 s.
func rawExchange(t *testing.T, network, addr, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to %q: %v", request, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// checkAWSError checks that resp is the service's JSON error shape with
// the status and code.
func checkAWSError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Type    string `json:"__type"`
		Fault   string `json:"Type"`
		Message string `json:"message"`
	}
	if resp.StatusCode != status || resp.Header.Get("X-Amzn-ErrorType") != code ||
		json.Unmarshal(body, &e) != nil || e.Type != code || e.Message == "" || e.Fault != "User" {
		t.Errorf("answer %d %q %s, want %d with %s in the header and the JSON body", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, status, code)
	}
}

// endpoints returns the network and address of the server's TCP
// endpoint and of a Unix socket it serves too (ServeUnix), named as
// subtests.
func endpoints(t *testing.T, srv *httpapi.Server) []struct{ network, addr string } {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "endpoint.sock")
	if err := srv.ServeUnix(socket, nil); err != nil {
		t.Fatal(err)
	}
	return []struct{ network, addr string }{{"tcp", strings.TrimPrefix(srv.URL(), "http://")}, {"unix", socket}}
}

func TestUnparsableRequestsGetTheAWSErrorShape(t *testing.T) {
	s := newStack(t)
	tests := []struct {
		name, request string
		status        int
		code          string
	}{
		{"bad percent-escape in the path", "GET /2025-12-01/durable-executions/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, wire.ErrCodeInvalidRequestContent},
		{"NUL in a header", "GET /2025-12-01/durable-executions/x HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n", 400, wire.ErrCodeInvalidRequestContent},
		{"non-ARN execution", "GET /2025-12-01/durable-executions/not-an-arn HTTP/1.1\r\nHost: x\r\n\r\n", 400, wire.ErrCodeInvalidParameterValue},
		{"non-JSON Invoke body", "POST /2015-03-31/functions/greeter:1/invocations HTTP/1.1\r\nHost: x\r\nX-Amz-Durable-Execution-Name: taken\r\nContent-Length: 4\r\n\r\n{bad", 400, wire.ErrCodeInvalidRequestContent},
		{"no Host", "GET /2025-12-01/durable-executions/x HTTP/1.1\r\n\r\n", 400, wire.ErrCodeInvalidRequestContent},
		{"headers over the limit", "GET /2025-12-01/durable-executions/x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", http.DefaultMaxHeaderBytes+4096) + "\r\n\r\n", 431, wire.ErrCodeInvalidRequestContent},
	}
	for _, ep := range endpoints(t, s.srv) {
		for _, tt := range tests {
			t.Run(ep.network+"/"+tt.name, func(t *testing.T) {
				checkAWSError(t, rawExchange(t, ep.network, ep.addr, tt.request), tt.status, tt.code)
			})
		}
	}
	// The refused Invoke created nothing and left its name free.
	list, err := s.client.ListDurableExecutionsByFunction(t.Context(), &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String(functionName)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DurableExecutions) != 0 {
		t.Errorf("executions after a refused Invoke: %d, want 0", len(list.DurableExecutions))
	}
	if arn := s.start(t, "taken", `{"name":"ok"}`); s.wait(t, arn).Status != wire.ExecutionStatusSucceeded {
		t.Errorf("execution named like the refused Invoke did not succeed")
	}
}

func TestStalledBodyTimesOut(t *testing.T) {
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.Start("", httpapi.NewHandler(svc, nil, httpapi.WithBodyTimeout(200*time.Millisecond)),
		httpapi.WithReadHeaderTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, ep := range endpoints(t, srv) {
		t.Run(ep.network, func(t *testing.T) { checkStalledRequests(t, ep.network, ep.addr) })
	}
}

// checkStalledRequests checks that the server at addr on network answers
// a stalled body with the service's error and closes a connection whose
// headers stall.
func checkStalledRequests(t *testing.T, network, addr string) {
	t.Run("body", func(t *testing.T) {
		resp := rawExchange(t, network, addr, "POST /2015-03-31/functions/f:1/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
		checkAWSError(t, resp, 400, wire.ErrCodeInvalidRequestContent)
		if resp.Header.Get("Connection") != "close" && !resp.Close {
			t.Errorf("the answer to a stalled body keeps the connection open")
		}
	})
	t.Run("headers", func(t *testing.T) {
		conn, err := net.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, "GET /2025-12-01/durable-executions/x HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		// The server closes the connection: Read ends with EOF (or a
		// reset), not with the test's own deadline.
		_, err = io.ReadAll(conn)
		var ne net.Error
		if err != nil && (!errors.As(err, &ne) || ne.Timeout()) {
			t.Fatalf("connection with stalled headers still open after 10 s: %v", err)
		}
	})
}

func TestURLOfUnspecifiedAddress(t *testing.T) {
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ addr, host string }{{"0.0.0.0:0", "http://127.0.0.1:"}, {"[::]:0", "http://127.0.0.1:"}, {"127.0.0.1:0", "http://127.0.0.1:"}} {
		srv, err := httpapi.Start(tt.addr, httpapi.NewHandler(svc, nil))
		if err != nil {
			t.Logf("listen on %s: %v (skipping this address)", tt.addr, err)
			continue
		}
		if !strings.HasPrefix(srv.URL(), tt.host) {
			t.Errorf("URL() on %s = %s, want %s...", tt.addr, srv.URL(), tt.host)
		}
		if want := tt.addr != "127.0.0.1:0"; srv.Exposed() != want {
			t.Errorf("Exposed() on %s = %v, want %v", tt.addr, srv.Exposed(), want)
		}
		_ = srv.Close()
	}
}
