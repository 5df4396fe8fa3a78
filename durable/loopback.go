package durable

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/acme/durable-lambda-go/internal/rawsock"
)

// maxIdleLoopbackConns is how many kept-alive connections a
// loopbackTransport keeps for the next requests.
const maxIdleLoopbackConns = 2

// loopbackTransport is the default client's transport for a local
// endpoint: a plain-HTTP endpoint on a loopback address (an emulator such
// as durablectl's), or a Unix socket named by wire.EndpointSocketEnv.
// It speaks the same HTTP/1.1 as net/http's Transport, over kept-alive
// connections, but writes each request and reads its answer on the
// caller's goroutine: net/http's Transport hands every request to a
// connection's write loop and the answer back from its read loop, and
// http.Client's timeout adds a goroutine per request. On a local
// endpoint, where a sequential workflow makes one round trip per step,
// those hand-offs cost more CPU than the round trip itself. Endpoints
// elsewhere (HTTPS, proxies, HTTP/2) keep net/http's Transport.
//
// A request on a kept-alive connection that the server has closed in
// the meantime (its idle timeout) fails before any answer arrives; it is
// sent once more on a new connection, as net/http's Transport does.
type loopbackTransport struct {
	network, address string // what to dial
	dialer           net.Dialer

	mu   sync.Mutex
	idle []*loopbackConn
}

// loopbackConn is one connection of a loopbackTransport.
type loopbackConn struct {
	conn   net.Conn
	r      *bufio.Reader
	w      *bufio.Writer
	reused bool // it has carried a request before
}

// newLoopbackTransport returns the transport for the endpoint u when it
// is local: socket, when not empty, is the path of the Unix socket the
// endpoint listens on; otherwise u must be plain HTTP to a loopback
// address. ok is false for any other endpoint.
func newLoopbackTransport(u *url.URL, socket string) (_ *loopbackTransport, ok bool) {
	t := &loopbackTransport{dialer: net.Dialer{Timeout: clientConnectTimeout}}
	switch {
	case socket != "":
		t.network, t.address = "unix", socket
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		port := u.Port()
		if port == "" {
			port = "80"
		}
		t.network, t.address = "tcp", net.JoinHostPort(u.Hostname(), port)
	default:
		return nil, false
	}
	return t, true
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RoundTrip sends req and reads its whole answer, which the returned
// response's Body then holds. The request's context cancels it; the
// whole exchange is bounded by clientTotalTimeout.
func (t *loopbackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for {
		c, err := t.conn(ctx)
		if err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
		resp, answered, err := t.exchange(ctx, c, req)
		if err == nil {
			return resp, nil
		}
		_ = c.conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("durable: %s %s: %w", req.Method, req.URL.Opaque, context.Cause(ctx))
		}
		if !c.reused || answered || !closedByPeer(err) {
			return nil, err
		}
		// The server closed the idle connection: send the request again,
		// with a new copy of its body, on a new one.
		if req.Body != nil {
			if req.GetBody == nil {
				return nil, err
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			again := *req
			again.Body = body
			req = &again
		}
	}
}

// exchange writes req on c and reads the answer to its end; on success
// c goes back to the idle connections unless the server closes it.
// answered says whether any of the answer arrived.
func (t *loopbackTransport) exchange(ctx context.Context, c *loopbackConn, req *http.Request) (_ *http.Response, answered bool, _ error) {
	deadline := time.Now().Add(clientTotalTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return nil, false, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := writeRequest(c.w, req); err != nil {
		return nil, false, err
	}
	if err := c.w.Flush(); err != nil {
		return nil, false, err
	}
	if _, err := c.r.Peek(1); err != nil {
		return nil, false, err
	}
	resp, err := readResponse(c.r, req)
	if err != nil {
		return nil, true, err
	}
	if !stop() {
		return nil, true, context.Cause(ctx)
	}
	if resp.Close {
		_ = c.conn.Close()
	} else {
		t.put(c)
	}
	return resp, true, nil
}

// closedByPeer reports whether err says that the other end closed the
// connection.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// conn returns an idle connection, or dials a new one.
func (t *loopbackTransport) conn(ctx context.Context) (*loopbackConn, error) {
	t.mu.Lock()
	if n := len(t.idle); n > 0 {
		c := t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		c.reused = true
		return c, nil
	}
	t.mu.Unlock()
	conn, err := t.dialer.DialContext(ctx, t.network, t.address)
	if err != nil {
		return nil, err
	}
	// Reads and writes without the scheduler's syscall accounts (see
	// package rawsock): one round trip per step would wake the runtime's
	// monitor thread each time.
	raw := rawsock.Wrap(conn)
	return &loopbackConn{conn: raw, r: bufio.NewReader(raw), w: bufio.NewWriter(raw)}, nil
}

// put keeps c for a later request, or closes it when enough are kept.
func (t *loopbackTransport) put(c *loopbackConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.idle) < maxIdleLoopbackConns {
		t.idle = append(t.idle, c)
		return
	}
	_ = c.conn.Close()
}
