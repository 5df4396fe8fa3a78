package httpapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
)

// TestServeUnix checks that the endpoint answers the same over its Unix
// socket as over TCP, and that Close removes the socket.
func TestServeUnix(t *testing.T) {
	svc, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := httpapi.Start("", httpapi.NewHandler(svc, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	socket := filepath.Join(t.TempDir(), "endpoint.sock")
	if err := srv.ServeUnix(socket, nil); err != nil {
		t.Fatal(err)
	}
	if srv.Socket() != socket {
		t.Errorf("Socket() = %q, want %q", srv.Socket(), socket)
	}
	overUnix := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}}}
	defer overUnix.CloseIdleConnections()
	url := srv.URL() + "/2025-12-01/durable-executions/" + "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A1%2Fdurable-execution%2Fn%2Fid"
	answer := func(c *http.Client) string {
		t.Helper()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status + " " + resp.Header.Get("X-Amzn-ErrorType") + " " + string(body)
	}
	tcp, unix := answer(http.DefaultClient), answer(overUnix)
	if tcp != unix {
		t.Errorf("over the Unix socket: %s\nover TCP: %s", unix, tcp)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Errorf("the socket after Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
