package httpapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/internal/rawsock"
)

// localServer serves a Handler on the connections of local listeners
// (the Unix sockets of Server.ServeUnix) with one goroutine per
// connection that reads a request, runs the handler and writes the whole
// answer in one write, in turn, over a kept-alive HTTP/1.1 connection.
//
// net/http's Server hands each request between goroutines: it starts a
// background read per request (to notice a client that goes away while
// the handler runs), stops it again with a read deadline in the past, and
// sets and clears the connection's deadlines several times per request.
// For a function that makes one checkpoint call per step over the socket
// those hand-offs and wake-ups cost more CPU than the handler. This loop
// has none of them: its read deadlines are applied only when it actually
// reads from the connection, and a request's context ends when the
// connection's loop ends or the server closes, not when the client goes
// away in the middle of a request (the socket's clients are the functions
// the host runs, whose calls answer at once).
//
// What it keeps of net/http's server: the idle timeout between requests,
// the header timeout and size limit, read deadlines the handler sets with
// http.ResponseController (the body timeout), Connection: close and
// HTTP/1.0, Expect: 100-continue, discarding an unread body before the
// next request, recovering a handler's panic, and answering a request
// that does not parse with the service's JSON error shape.
type localServer struct {
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
	maxHeaderBytes    int
	errorLog          *log.Logger
	ctx               context.Context // the requests' context; cancelled by close
	cancel            context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*localConn]bool // true while waiting for a request
	closing   bool
	served    sync.WaitGroup // the connections' goroutines
}

// newLocalServer returns a localServer with srv's timeouts, header limit
// and error log.
func newLocalServer(srv *http.Server) *localServer {
	ctx, cancel := context.WithCancel(context.Background())
	maxHeader := srv.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = http.DefaultMaxHeaderBytes
	}
	idle := srv.IdleTimeout
	if idle == 0 {
		idle = srv.ReadTimeout
	}
	return &localServer{
		readHeaderTimeout: srv.ReadHeaderTimeout, idleTimeout: idle,
		maxHeaderBytes: maxHeader, errorLog: srv.ErrorLog, ctx: ctx, cancel: cancel,
		listeners: map[net.Listener]struct{}{}, conns: map[*localConn]bool{},
	}
}

// serve accepts connections on ln and serves h on them until close or
// shutdown, and returns http.ErrServerClosed then; it retries failed
// accepts that may pass (too many open files) as net/http does.
func (s *localServer) serve(ln net.Listener, h http.Handler) error {
	if !s.track(ln) {
		_ = ln.Close()
		return http.ErrServerClosed
	}
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return http.ErrServerClosed
			}
			var temp interface{ Temporary() bool }
			if errors.As(err, &temp) && temp.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("httpapi: accept error: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		lc := newLocalConn(s, c, h)
		if !s.setIdle(lc, true) {
			_ = c.Close()
			continue
		}
		s.served.Go(lc.serve)
	}
}

// track registers ln to be closed by close and shutdown; false once they
// have begun.
func (s *localServer) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.listeners[ln] = struct{}{}
	return true
}

// isClosing reports whether close or shutdown has begun.
func (s *localServer) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// setIdle records whether c waits for a request (idle) or serves one; it
// reports false, and forgets c, when the server is closing: c must then
// end without reading or serving another request.
func (s *localServer) setIdle(c *localConn, idle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		delete(s.conns, c)
		return false
	}
	s.conns[c] = idle
	return true
}

// forget removes c, whose goroutine is ending.
func (s *localServer) forget(c *localConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// stop stops accepting and closes the listeners and the connections that
// wait for a request, or, with all, every connection; it reports the
// listeners' errors.
func (s *localServer) stop(all bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	var errs []error
	for ln := range s.listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
		delete(s.listeners, ln)
	}
	for c, idle := range s.conns {
		if idle || all {
			_ = c.conn.Close()
		}
	}
	return errors.Join(errs...)
}

// close closes the listeners and every connection at once, cancels the
// requests' context and waits for the connections' goroutines.
func (s *localServer) close() error {
	err := s.stop(true)
	s.cancel()
	s.served.Wait()
	return err
}

// shutdown stops accepting, closes the idle connections and waits for
// the requests in flight to be answered until ctx ends; then it closes
// what is left, as Server.Shutdown does.
func (s *localServer) shutdown(ctx context.Context) error {
	err := s.stop(false)
	done := make(chan struct{})
	go func() {
		s.served.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return err
	case <-ctx.Done():
		return errors.Join(err, s.close())
	}
}

// logf logs a server error as net/http does: to the server's ErrorLog, or
// to the log package's standard logger.
func (s *localServer) logf(format string, args ...any) {
	if s.errorLog != nil {
		s.errorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// localConn is one connection of a localServer. Its reads go through
// Read (the bufio.Reader's source), which applies the read deadline the
// loop or the handler asked for and bounds what a request's headers may
// take.
type localConn struct {
	srv     *localServer
	conn    net.Conn
	handler http.Handler
	br      *bufio.Reader
	// deadline is the read deadline wanted for the next read from conn;
	// applied is the one conn has.
	deadline, applied time.Time
	// remain is what the request's headers may still read from conn;
	// negative while the body is read (the handler bounds it).
	remain int64
	// tooLarge is set when the headers hit remain.
	tooLarge bool
	resp     localResponse
	keys     []string         // the answer's header names, sorted
	rest     io.LimitedReader // what the handler left of a body, discarded
}

// newLocalConn returns the connection c of s, serving h.
func newLocalConn(s *localServer, c net.Conn, h http.Handler) *localConn {
	// Reads and writes without the scheduler's syscall accounts (see
	// package rawsock): a function's round trip per step would wake the
	// runtime's monitor thread each time.
	lc := &localConn{srv: s, conn: rawsock.Wrap(c), handler: h, remain: -1}
	lc.br = bufio.NewReader(lc)
	lc.resp.conn = lc
	return lc
}

// Read reads from the connection under the wanted read deadline, within
// what the request's headers may still take.
func (c *localConn) Read(p []byte) (int, error) {
	if !c.deadline.Equal(c.applied) {
		if err := c.conn.SetReadDeadline(c.deadline); err != nil {
			return 0, err
		}
		c.applied = c.deadline
	}
	if c.remain == 0 {
		c.tooLarge = true
		return 0, io.EOF
	}
	if c.remain > 0 && int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.conn.Read(p)
	if c.remain > 0 {
		c.remain -= int64(n)
	}
	return n, err
}

// after returns the deadline d from now, or none when d is not positive.
func after(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// serve is the connection's loop: it serves one request after another
// until the client closes the connection, a request asks to close it, or
// the server closes.
func (c *localConn) serve() {
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			c.srv.logf("httpapi: panic serving %v: %v\n%s", c.conn.RemoteAddr(), p, debug.Stack())
		}
		c.srv.forget(c)
		_ = c.conn.Close()
	}()
	for {
		// Wait for the next request within the idle timeout, then read
		// its headers within the header timeout.
		c.deadline = after(c.srv.idleTimeout)
		c.remain = int64(c.srv.maxHeaderBytes) + 4096
		if _, err := c.br.Peek(1); err != nil {
			return
		}
		if !c.srv.setIdle(c, false) {
			return
		}
		c.deadline = after(c.srv.readHeaderTimeout)
		req, err := http.ReadRequest(c.br)
		c.remain = -1
		if err != nil {
			c.refuse(err)
			return
		}
		if !c.serveRequest(req) || !c.srv.setIdle(c, true) {
			return
		}
	}
}

// refuse answers a request that did not parse, as net/http's server does
// but in the service's JSON error shape, unless the connection failed or
// timed out (which net/http's server ends silently too).
func (c *localConn) refuse(err error) {
	if c.tooLarge {
		_, _ = c.conn.Write(goErrorAnswer(http.StatusRequestHeaderFieldsTooLarge, "431 Request Header Fields Too Large"))
		return
	}
	var opErr *net.OpError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &opErr) {
		return
	}
	_, _ = c.conn.Write(goErrorAnswer(http.StatusBadRequest, "400 Bad Request: "+err.Error()))
}

// serveRequest runs the handler on req and writes its answer; it reports
// whether the connection may carry another request.
func (c *localConn) serveRequest(req *http.Request) bool {
	keepAlive := req.ProtoAtLeast(1, 1) && !req.Close
	if req.ProtoAtLeast(1, 1) && req.Host == "" {
		c.refuse(errors.New("missing required Host header"))
		return false
	}
	req.RemoteAddr = c.conn.RemoteAddr().String()
	req = req.WithContext(c.srv.ctx)
	w := &c.resp
	w.reset(req)
	switch expect := req.Header.Get("Expect"); {
	case expect == "":
		c.handler.ServeHTTP(w, req)
	case strings.EqualFold(expect, "100-continue") && req.ProtoAtLeast(1, 1):
		if _, err := io.WriteString(c.conn, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return false
		}
		c.handler.ServeHTTP(w, req)
	default:
		// net/http's server answers an empty 417 and closes.
		w.WriteHeader(http.StatusExpectationFailed)
		keepAlive = false
	}
	if w.header.Get("Connection") == "close" {
		keepAlive = false
	}
	if keepAlive {
		// Read what the handler left of the body (up to 256 KiB, as
		// net/http's server does) so that the next request starts
		// where it should; a larger rest closes the connection.
		c.deadline = after(c.srv.readHeaderTimeout)
		c.rest = io.LimitedReader{R: req.Body, N: 256<<10 + 1}
		if n, err := io.Copy(io.Discard, &c.rest); n > 256<<10 || err != nil {
			keepAlive = false
		}
	}
	c.deadline = time.Time{}
	if err := c.writeAnswer(w, keepAlive); err != nil {
		return false
	}
	_ = req.Body.Close()
	return keepAlive
}

// writeAnswer writes the handler's answer in one write: the status line,
// its headers in net/http's order (sorted), then Date and Content-Length
// unless the handler set them, and the body.
func (c *localConn) writeAnswer(w *localResponse, keepAlive bool) error {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.header
	if !keepAlive {
		h.Set("Connection", "close")
	}
	bodyAllowed := status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
	if _, ok := h["Content-Type"]; !ok && bodyAllowed && len(w.body) > 0 {
		h.Set("Content-Type", http.DetectContentType(w.body))
	}
	out := append(w.out[:0], "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, http.StatusText(status)...)
	out = append(out, "\r\n"...)
	c.keys = c.keys[:0]
	for k := range h {
		c.keys = append(c.keys, k)
	}
	slices.Sort(c.keys)
	for _, k := range c.keys {
		for _, v := range h[k] {
			out = append(out, k...)
			out = append(out, ": "...)
			out = appendHeaderValue(out, v)
			out = append(out, "\r\n"...)
		}
	}
	if _, ok := h["Date"]; !ok {
		out = append(out, "Date: "...)
		out = append(time.Now().UTC().AppendFormat(out, http.TimeFormat), "\r\n"...)
	}
	if _, ok := h["Content-Length"]; !ok && bodyAllowed {
		out = append(out, "Content-Length: "...)
		out = append(strconv.AppendInt(out, int64(len(w.body)), 10), "\r\n"...)
	}
	out = append(out, "\r\n"...)
	if bodyAllowed && w.req.Method != http.MethodHead {
		out = append(out, w.body...)
	}
	w.out = out
	_, err := c.conn.Write(out)
	return err
}

// appendHeaderValue appends a header value with its line breaks turned
// into spaces, as net/http writes them, and its surrounding space trimmed.
func appendHeaderValue(out []byte, v string) []byte {
	for _, b := range []byte(strings.TrimSpace(v)) {
		if b == '\r' || b == '\n' {
			b = ' '
		}
		out = append(out, b)
	}
	return out
}

// localResponse is a localConn's http.ResponseWriter: it holds the status,
// headers and body until the handler returns, and lets the handler set the
// connection's read deadline through http.ResponseController.
type localResponse struct {
	conn   *localConn
	req    *http.Request
	header http.Header
	status int
	body   []byte
	out    []byte // the answer as written, reused
}

// reset prepares w for the answer to req, reusing its buffers.
func (w *localResponse) reset(req *http.Request) {
	w.req = req
	if w.header == nil {
		w.header = make(http.Header)
	}
	clear(w.header)
	w.status = 0
	w.body = w.body[:0]
}

// Header returns the answer's headers.
func (w *localResponse) Header() http.Header { return w.header }

// WriteHeader sets the answer's status; later calls are ignored, and
// informational statuses are not sent.
func (w *localResponse) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

// Write adds p to the answer's body.
func (w *localResponse) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// SetReadDeadline sets the deadline for reading the rest of the request
// (http.ResponseController.SetReadDeadline); the zero time removes it.
func (w *localResponse) SetReadDeadline(t time.Time) error {
	w.conn.deadline = t
	return nil
}
