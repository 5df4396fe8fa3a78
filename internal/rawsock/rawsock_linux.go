//go:build !race

package rawsock

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Conn is a net.Conn whose Read and Write are made with RawSyscall on
// its file descriptor, waiting in the netpoller (under the connection's
// deadlines) when the socket is not ready. One goroutine at a time may
// read, and one at a time may write, as with bufio on a net.Conn.
type Conn struct {
	net.Conn
	rc syscall.RawConn

	// The read and write in progress, and the callbacks given to rc
	// (method values, bound once so that a call allocates nothing).
	rbuf, wbuf      []byte
	rn, wn          int
	rerr, werr      syscall.Errno
	readFn, writeFn func(fd uintptr) bool
}

// Wrap returns c as a Conn when it exposes its file descriptor, and c
// itself otherwise.
func Wrap(c net.Conn) net.Conn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	rs := &Conn{Conn: c, rc: rc}
	rs.readFn, rs.writeFn = rs.read, rs.write
	return rs
}

// Read reads into p, as net.Conn's Read.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.rbuf, c.rn, c.rerr = p, 0, 0
	err := c.rc.Read(c.readFn)
	c.rbuf = nil
	switch {
	case err != nil:
		return 0, err
	case c.rerr != 0:
		return 0, c.opError("read", os.NewSyscallError("read", c.rerr))
	case c.rn == 0:
		return 0, io.EOF
	}
	return c.rn, nil
}

// read is the raw read of Read; it reports false when the socket has
// nothing to read yet.
func (c *Conn) read(fd uintptr) bool {
	return rawIO(syscall.SYS_READ, fd, c.rbuf, &c.rn, &c.rerr)
}

// Write writes the whole of p, as net.Conn's Write.
func (c *Conn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		c.wbuf, c.wn, c.werr = p, 0, 0
		err := c.rc.Write(c.writeFn)
		c.wbuf = nil
		written += c.wn
		p = p[c.wn:]
		if err != nil {
			return written, err
		}
		if c.werr != 0 {
			return written, c.opError("write", os.NewSyscallError("write", c.werr))
		}
	}
	return written, nil
}

// write is the raw write of Write; it reports false when the socket
// cannot take any of wbuf yet, and true once some of it was written
// (or the write failed).
func (c *Conn) write(fd uintptr) bool {
	return rawIO(syscall.SYS_WRITE, fd, c.wbuf, &c.wn, &c.werr)
}

// rawIO makes the read or write trap on fd with buf, retrying when a
// signal interrupts it. It reports false when the socket is not ready
// (EAGAIN); otherwise it sets *n to the bytes moved or *errno to the
// error, and reports true.
func rawIO(trap, fd uintptr, buf []byte, n *int, errno *syscall.Errno) bool {
	for {
		r, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
			*n = int(r)
		default:
			*errno = e
		}
		return true
	}
}

// opError wraps err as net.Conn's methods wrap theirs.
func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
