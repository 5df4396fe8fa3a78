package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// DefaultAddr is where [Start] listens when given no address: loopback,
// a port chosen by the system.
const DefaultAddr = "127.0.0.1:0"

// Timeouts of the server's connections.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout closes keep-alive connections idle this long.
	DefaultIdleTimeout = 2 * time.Minute
)

// ServerOption configures [Start].
type ServerOption func(*http.Server)

// WithReadHeaderTimeout sets how long a client may take to send a
// request's headers; DefaultReadHeaderTimeout by default. The body's
// deadline is the Handler's (see [WithBodyTimeout]).
func WithReadHeaderTimeout(d time.Duration) ServerOption {
	return func(s *http.Server) { s.ReadHeaderTimeout = d }
}

// Server is a running HTTP listener for a [Handler].
type Server struct {
	srv      *http.Server
	addr     net.Addr
	served   chan struct{} // closed when Serve has returned
	serveErr error         // what Serve returned; read after served is closed
	// local serves the Unix sockets (nil before ServeUnix); unixServes
	// counts its serve calls, and unixErrs holds what each returned, read
	// after unixServes.Wait.
	local      *localServer
	unixServes sync.WaitGroup
	unixErrs   []*error
	socket     string // the first Unix socket's path
}

// Start listens on addr (DefaultAddr when empty) and serves h in the
// background until Close. The address is used exactly as given; callers
// should only pass a non-loopback address when the user explicitly asked
// for one.
//
// A request Go's HTTP server cannot parse (a bad percent-escape in the
// path, a control character in a header) is answered in the service's
// JSON error shape as InvalidRequestContentException, like every other
// error, instead of Go's plain-text 400.
func Start(addr string, h http.Handler, opts ...ServerOption) (*Server, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("httpapi: listen on %s: %w", addr, err)
	}
	s := &Server{
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: DefaultReadHeaderTimeout, IdleTimeout: DefaultIdleTimeout},
		addr:   ln.Addr(),
		served: make(chan struct{}),
	}
	for _, o := range opts {
		o(s.srv)
	}
	go func() {
		s.serveErr = s.srv.Serve(awsErrorListener{ln})
		close(s.served)
	}()
	return s, nil
}

// ServeUnix serves the same endpoint on a new Unix socket at path as
// well, until Close, which removes the socket: for local clients that
// reach it by path, such as the functions durablectl runs (see
// wire.EndpointSocketEnv). It serves h there, or the server's handler
// when h is nil: a host can give its functions the REST API alone, without
// what else its handler serves. The requests and the answers are the same
// as over TCP, with the same timeouts, but the socket's connections are
// served by a lighter loop than net/http's server (see localServer): one
// goroutine per connection reads each request, runs the handler and
// writes the answer, and a request's context does not end when its
// client goes away (only when the server closes). Call it before
// Shutdown or Close.
func (s *Server) ServeUnix(path string, h http.Handler) error {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("httpapi: listen on %s: %w", path, err)
	}
	if s.socket == "" {
		s.socket = path
	}
	if s.local == nil {
		s.local = newLocalServer(s.srv)
	}
	served := new(error)
	s.unixErrs = append(s.unixErrs, served)
	if h == nil {
		h = s.srv.Handler
	}
	s.unixServes.Go(func() { *served = s.local.serve(ln, h) })
	return nil
}

// Socket returns the path of the Unix socket ServeUnix first listened on,
// or "" if none.
func (s *Server) Socket() string { return s.socket }

// Addr returns the address the server listens on, with the real port.
func (s *Server) Addr() net.Addr { return s.addr }

// URL returns the endpoint URL for AWS clients, e.g. http://127.0.0.1:9001.
// For a server listening on every interface (0.0.0.0, which Go listens on
// as the dual-stack [::]) it names 127.0.0.1, which reaches it from this
// machine.
func (s *Server) URL() string {
	addr := s.addr.String()
	if tcp, ok := s.addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return "http://" + addr
}

// Exposed reports whether the server listens on a non-loopback address.
func (s *Server) Exposed() bool {
	tcp, ok := s.addr.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends; then it closes the remaining connections (a synchronous
// Invoke may be waiting for an execution that will not finish).
func (s *Server) Shutdown(ctx context.Context) error {
	// The socket's requests in flight are waited for alongside the TCP
	// ones.
	local := make(chan error, 1)
	if s.local != nil {
		go func() { local <- s.local.shutdown(ctx) }()
	} else {
		local <- nil
	}
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	return errors.Join(err, <-local, s.wait())
}

// Close closes the listener and every connection at once. Calling it
// again, or after Shutdown, is harmless.
func (s *Server) Close() error {
	var local error
	if s.local != nil {
		local = s.local.close()
	}
	return errors.Join(s.srv.Close(), local, s.wait())
}

// wait waits for Serve to return and reports its error, unless it is the
// expected http.ErrServerClosed.
func (s *Server) wait() error {
	<-s.served
	s.unixServes.Wait()
	errs := []error{s.serveErr}
	for _, served := range s.unixErrs {
		errs = append(errs, *served)
	}
	for i, err := range errs {
		if errors.Is(err, http.ErrServerClosed) {
			errs[i] = nil
		}
	}
	return errors.Join(errs...)
}

// awsErrorListener wraps the connections of a listener in awsErrorConn.
type awsErrorListener struct{ net.Listener }

func (l awsErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &awsErrorConn{Conn: c}, nil
}

// awsErrorConn rewrites the plain-text answer Go's HTTP server writes
// itself, straight to the connection, when it cannot parse a request
// ("HTTP/1.1 400 Bad Request: ..." with text/plain and Connection: close)
// into the service's JSON error shape. The server writes that answer in
// one Write and closes the connection; responses of the Handler are always
// application/json or empty and never match.
type awsErrorConn struct {
	net.Conn
}

// goErrorHeaders is what net/http puts between the status line and the
// message of its own error answers.
const goErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *awsErrorConn) Write(p []byte) (int, error) {
	status, msg, ok := parseGoError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(goErrorAnswer(status, msg)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// goErrorAnswer is the whole answer, in the service's JSON error shape,
// to a request that Go's HTTP server (or the socket's loop) refuses
// before any handler runs, with the status and message it would have
// written as text; the connection closes after it.
func goErrorAnswer(status int, msg string) []byte {
	code := wire.ErrCodeInvalidRequestContent
	if status >= 500 {
		code = wire.ErrCodeService
	}
	body, _ := json.Marshal(errorBody{Type: code, Fault: faultOf(status), Message: msg})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), headerErrorType, code, len(body), body)
}

// parseGoError recognizes net/http's own error answer and returns its
// status and message.
func parseGoError(p []byte) (int, string, bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok {
		return 0, "", false
	}
	statusLine, msg, ok := bytes.Cut(rest, []byte(goErrorHeaders))
	if !ok || len(statusLine) < 3 {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(statusLine[:3]))
	if err != nil || status < 400 {
		return 0, "", false
	}
	return status, string(msg), true
}
