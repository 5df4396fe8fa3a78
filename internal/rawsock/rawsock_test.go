package rawsock

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
)

// pair returns both ends of a Unix socket connection, the client's
// wrapped.
func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = testwait.Recv(t, "the accepted connection", accepted)
	if server == nil {
		t.FailNow()
	}
	client = Wrap(c)
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return client, server
}

func TestWrapReadsAndWritesLargeMessages(t *testing.T) {
	client, server := pair(t)
	// More than the socket's buffers hold, so that writes wait for the
	// reader (EAGAIN, then partial writes).
	msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	echoed := make(chan []byte, 1)
	go func() {
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(server, got); err != nil {
			t.Error(err)
		}
		if _, err := server.Write(got); err != nil {
			t.Error(err)
		}
		echoed <- got
	}()
	if n, err := client.Write(msg); err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(msg))
	}
	back := make([]byte, len(msg))
	if _, err := io.ReadFull(client, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, msg) || !bytes.Equal(testwait.Recv(t, "the echo", echoed), msg) {
		t.Fatal("the message did not come back whole")
	}
	if n, err := client.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v", n, err)
	}
}

func TestWrapKeepsDeadlinesAndErrors(t *testing.T) {
	client, server := pair(t)
	if err := client.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var ne net.Error
	if _, err := client.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read past its deadline: %v", err)
	}
	if err := client.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v; want 0, EOF", n, err)
	}
	var err error
	for range 2 { // the first write may still reach the socket's buffer
		if _, err = client.Write([]byte("x")); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Write to a closed peer: %v; want EPIPE or ECONNRESET", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "write" {
		t.Fatalf("Write's error %v is not a write's *net.OpError", err)
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v; want net.ErrClosed", err)
	}
}
