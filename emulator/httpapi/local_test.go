package httpapi_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/internal/testwait"
)

// socketServer starts a Server of h with a Unix socket and returns it
// with the socket's path; the test closes it.
func socketServer(t *testing.T, h http.Handler, opts ...httpapi.ServerOption) (*httpapi.Server, string) {
	t.Helper()
	srv, err := httpapi.Start("", h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	socket := filepath.Join(t.TempDir(), "endpoint.sock")
	if err := srv.ServeUnix(socket, nil); err != nil {
		t.Fatal(err)
	}
	return srv, socket
}

// rawConn is a client connection that writes raw requests and reads the
// answers, each within 10 s.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dialRaw connects to the Unix socket.
func dialRaw(t *testing.T, socket string) *rawConn {
	t.Helper()
	conn, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// send writes a raw request.
func (c *rawConn) send(request string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, request); err != nil {
		c.t.Fatal(err)
	}
}

// answer reads one answer with its body.
func (c *rawConn) answer() (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.t.Fatalf("no answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(body)
}

// closed checks that the server closed the connection: a read ends with
// EOF (or a reset), not with the test's deadline.
func (c *rawConn) closed() {
	c.t.Helper()
	_, err := io.ReadAll(c.r)
	var ne net.Error
	if err != nil && (!errors.As(err, &ne) || ne.Timeout()) {
		c.t.Fatalf("the connection is still open: %v", err)
	}
}

// echo answers the request's method, path and body, after reading the
// body unless the path is /unread.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body := []byte("(unread)")
	if r.URL.Path != "/unread" {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Multi", "line one\r\nline two")
	_, _ = io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(body))
})

func TestSocketKeepsConnectionsAlive(t *testing.T) {
	_, socket := socketServer(t, echo)
	c := dialRaw(t, socket)
	for i, tt := range []struct{ request, want string }{
		{"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET /a "},
		{"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "POST /b hello"},
		// The handler leaves the body: the server discards it before
		// the next request.
		{"POST /unread HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nskip", "POST /unread (unread)"},
		{"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "POST /c abcde"},
		{"POST /d HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", "POST /d ok"},
	} {
		c.send(tt.request)
		resp, body := c.answer()
		if resp.StatusCode == http.StatusContinue {
			resp, body = c.answer()
		}
		if resp.StatusCode != http.StatusOK || body != tt.want || resp.Close {
			t.Errorf("request %d: %s %q (close %v), want 200 %q on a kept-alive connection", i, resp.Status, body, resp.Close, tt.want)
		}
		if resp.ContentLength != int64(len(tt.want)) || resp.Header.Get("Content-Type") != "text/plain" ||
			resp.Header.Get("X-Multi") != "line one  line two" || resp.Header.Get("Date") == "" {
			t.Errorf("request %d: headers %v, length %d", i, resp.Header, resp.ContentLength)
		}
	}
}

func TestSocketClosesWhenAsked(t *testing.T) {
	_, socket := socketServer(t, echo)
	for _, tt := range []struct{ name, request string }{
		{"Connection: close", "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{"HTTP/1.0", "GET /a HTTP/1.0\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, socket)
			c.send(tt.request)
			resp, body := c.answer()
			if resp.StatusCode != http.StatusOK || body != "GET /a " || !resp.Close {
				t.Errorf("answer %s %q (close %v), want 200 and Connection: close", resp.Status, body, resp.Close)
			}
			c.closed()
		})
	}
	t.Run("unknown Expect", func(t *testing.T) {
		c := dialRaw(t, socket)
		c.send("POST /a HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 2\r\n\r\nok")
		if resp, body := c.answer(); resp.StatusCode != http.StatusExpectationFailed || body != "" || !resp.Close {
			t.Errorf("answer %s %q (close %v), want an empty 417 and Connection: close", resp.Status, body, resp.Close)
		}
		c.closed()
	})
}

func TestSocketIdleTimeout(t *testing.T) {
	idle := httpapi.ServerOption(func(s *http.Server) { s.IdleTimeout = 100 * time.Millisecond })
	_, socket := socketServer(t, echo, idle)
	c := dialRaw(t, socket)
	c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := c.answer(); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("answer %s (close %v)", resp.Status, resp.Close)
	}
	// No further request: the server closes the connection.
	c.closed()
}

func TestSocketRecoversFromAPanic(t *testing.T) {
	_, socket := socketServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic(http.ErrAbortHandler)
		}
		_, _ = io.WriteString(w, "fine")
	}))
	c := dialRaw(t, socket)
	c.send("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	c.closed()
	c = dialRaw(t, socket)
	c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.answer(); resp.StatusCode != http.StatusOK || body != "fine" {
		t.Errorf("after a panic: %s %q", resp.Status, body)
	}
}

func TestSocketShutdownWaitsForRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	srv, socket := socketServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		_, _ = io.WriteString(w, "done")
	}))
	idle := dialRaw(t, socket)
	idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
	idle.answer()
	busy := dialRaw(t, socket)
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	testwait.Recv(t, "the slow request reaches the handler", entered)
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(testwait.Context(t)) }()
	// The idle connection is closed at once; the busy one is answered.
	idle.closed()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned before the request in flight was answered: %v", err)
	default:
	}
	close(release)
	if resp, body := busy.answer(); resp.StatusCode != http.StatusOK || body != "done" {
		t.Errorf("the request in flight: %s %q", resp.Status, body)
	}
	if err := testwait.Recv(t, "Shutdown returns", shut); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	busy.closed()
	if _, err := net.Dial("unix", socket); err == nil {
		t.Errorf("the socket still accepts connections after Shutdown")
	}
}

func TestSocketCloseCancelsRequests(t *testing.T) {
	entered := make(chan struct{})
	cancelled := make(chan error, 1)
	srv, socket := socketServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		cancelled <- r.Context().Err()
	}))
	c := dialRaw(t, socket)
	c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	testwait.Recv(t, "the request reaches the handler", entered)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A Shutdown whose context has ended closes what is in flight.
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := testwait.Recv(t, "the handler's context ends", cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("the request's context ended with %v", err)
	}
	c.closed()
}

func TestSocketServesItsOwnHandler(t *testing.T) {
	srv, socket := socketServer(t, echo)
	own := filepath.Join(t.TempDir(), "own.sock")
	if err := srv.ServeUnix(own, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "own")
	})); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ socket, want string }{{socket, "GET /a "}, {own, "own"}} {
		c := dialRaw(t, tt.socket)
		c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, body := c.answer(); resp.StatusCode != http.StatusOK || body != tt.want {
			t.Errorf("%s: %s %q, want %q", filepath.Base(tt.socket), resp.Status, body, tt.want)
		}
	}
}
