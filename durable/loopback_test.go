package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

func TestDefaultClientTransportByEndpoint(t *testing.T) {
	tests := []struct {
		endpoint, socket string
		local            bool
	}{
		{"http://127.0.0.1:9001", "", true},
		{"http://localhost:9001", "", true},
		{"http://[::1]:9001", "", true},
		{"http://127.0.0.1", "", true},
		{"https://127.0.0.1:9001", "", false},
		{"http://10.0.0.1:9001", "", false},
		{"https://lambda.us-east-1.amazonaws.com", "", false},
		{"http://localhost", "/tmp/endpoint.sock", true},
	}
	for _, tt := range tests {
		env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_LAMBDA": tt.endpoint, wire.EndpointSocketEnv: tt.socket}
		c, err := newDefaultClient(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		rt := c.(*restClient).http.Transport
		lt, local := rt.(*loopbackTransport)
		if local != tt.local {
			t.Errorf("%s (socket %q): transport %T", tt.endpoint, tt.socket, rt)
			continue
		}
		if tt.socket != "" && (lt.network != "unix" || lt.address != tt.socket) {
			t.Errorf("%s (socket %q): dials %s %s", tt.endpoint, tt.socket, lt.network, lt.address)
		}
	}
	// The socket goes with an endpoint override only: the service's own
	// endpoint is never reached through it.
	env := map[string]string{"AWS_REGION": "us-east-1", wire.EndpointSocketEnv: "/tmp/endpoint.sock"}
	c, err := newDefaultClient(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if rt := c.(*restClient).http.Transport; rt == nil {
		t.Fatal("no transport")
	} else if _, ok := rt.(*loopbackTransport); ok {
		t.Errorf("the service's endpoint goes through %T", rt)
	}
}

// TestLoopbackTransportReusesAndRedials checks that the calls share one
// kept-alive connection and that a call on a connection the server has
// closed while it was idle is sent once on a new one.
func TestLoopbackTransportReusesAndRedials(t *testing.T) {
	var requests, conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte(`{"CheckpointToken":"next"}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := testClient(t, srv)
	if _, ok := c.http.Transport.(*loopbackTransport); !ok {
		t.Fatalf("transport %T for %s", c.http.Transport, srv.URL)
	}
	in := CheckpointInput{DurableExecutionArn: clientTestARN, CheckpointToken: "tok"}
	for range 3 {
		if out, err := c.Checkpoint(context.Background(), in); err != nil || out.CheckpointToken != "next" {
			t.Fatalf("Checkpoint = %+v, %v", out, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("3 calls on %d connections, want 1", n)
	}
	srv.CloseClientConnections()
	// The transport itself, not the client's retries, sends it again.
	req, err := c.request(context.Background(), http.MethodPost, clientTestARN, "/checkpoint", "", []byte(`{"CheckpointToken":"tok"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.http.Transport.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a request after the server closed the connection: %v, %v", resp, err)
	}
	if n, r := conns.Load(), requests.Load(); n != 2 || r != 4 {
		t.Fatalf("%d requests on %d connections, want 4 on 2", r, n)
	}
}

// TestLoopbackTransportUnixSocket checks that a request over the socket
// is addressed to the endpoint's URL and carries no SigV4 signature.
func TestLoopbackTransportUnixSocket(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "endpoint.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	var host atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host + " " + r.URL.EscapedPath() + " " + r.Header.Get("Authorization") + r.Header.Get("X-Amz-Date") + r.Header.Get("X-Amz-Security-Token"))
		w.Write([]byte(`{"CheckpointToken":"next"}`))
	}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_ENDPOINT_URL_LAMBDA": "http://localhost:9001", wire.EndpointSocketEnv: socket}
	c, err := newDefaultClient(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Checkpoint(context.Background(), CheckpointInput{DurableExecutionArn: clientTestARN, CheckpointToken: "tok"})
	if err != nil || out.CheckpointToken != "next" {
		t.Fatalf("Checkpoint = %+v, %v", out, err)
	}
	want := "localhost:9001 /2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A%24LATEST%2Fdurable-execution%2Fn%2Fid/checkpoint " // and no signature
	if got := host.Load(); got != want {
		t.Errorf("request %q, want %q", got, want)
	}
}

func TestLoopbackTransportCancel(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := testClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Checkpoint(ctx, CheckpointInput{DurableExecutionArn: clientTestARN, CheckpointToken: "tok"})
		done <- err
	}()
	testwait.Recv(t, "the request reaches the server", arrived)
	cancel()
	if err := testwait.Recv(t, "the canceled call returns", done); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled call: %v, want context.Canceled", err)
	}
}

// TestLoopbackTransportConcurrentCalls checks that calls made at once
// each get a connection of their own and their own answer, and that no
// more than maxIdleLoopbackConns connections are kept afterwards.
func TestLoopbackTransportConcurrentCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in CheckpointInput
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"CheckpointToken":"` + in.CheckpointToken + `-next"}`))
	}))
	defer srv.Close()
	c := testClient(t, srv)
	var wg sync.WaitGroup
	errs := make(chan error, 8*20)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				tok := fmt.Sprintf("g%d-%d", g, i)
				out, err := c.Checkpoint(context.Background(), CheckpointInput{DurableExecutionArn: clientTestARN, CheckpointToken: tok})
				if err == nil && out.CheckpointToken != tok+"-next" {
					err = fmt.Errorf("call %s answered %q", tok, out.CheckpointToken)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	testwait.Wait(t, "the concurrent calls return", wg.Wait)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	lt := c.http.Transport.(*loopbackTransport)
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if len(lt.idle) > maxIdleLoopbackConns {
		t.Errorf("%d idle connections kept, want at most %d", len(lt.idle), maxIdleLoopbackConns)
	}
}
