package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where [Start] listens when given no address: loopback,
// a port chosen by the system.
const DefaultAddr = "127.0.0.1:0"

// Server is a running HTTP listener for a [Handler].
type Server struct {
	srv      *http.Server
	addr     net.Addr
	served   chan struct{} // closed when Serve has returned
	serveErr error         // what Serve returned; read after served is closed
}

// Start listens on addr (DefaultAddr when empty) and serves h in the
// background until Close. The address is used exactly as given; callers
// should only pass a non-loopback address when the user explicitly asked
// for one.
func Start(addr string, h http.Handler) (*Server, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("httpapi: listen on %s: %w", addr, err)
	}
	s := &Server{
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second},
		addr:   ln.Addr(),
		served: make(chan struct{}),
	}
	go func() {
		s.serveErr = s.srv.Serve(ln)
		close(s.served)
	}()
	return s, nil
}

// Addr returns the address the server listens on, with the real port.
func (s *Server) Addr() net.Addr { return s.addr }

// URL returns the endpoint URL for AWS clients, e.g. http://127.0.0.1:9001.
func (s *Server) URL() string { return "http://" + s.addr.String() }

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends; then it closes the remaining connections (a synchronous
// Invoke may be waiting for an execution that will not finish).
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = s.srv.Close()
	}
	return errors.Join(err, s.wait())
}

// Close closes the listener and every connection at once. Calling it
// again, or after Shutdown, is harmless.
func (s *Server) Close() error {
	return errors.Join(s.srv.Close(), s.wait())
}

// wait waits for Serve to return and reports its error, unless it is the
// expected http.ErrServerClosed.
func (s *Server) wait() error {
	<-s.served
	if errors.Is(s.serveErr, http.ErrServerClosed) {
		return nil
	}
	return s.serveErr
}
