//go:build !linux

package rawsock

import "net"

// Wrap returns c: outside Linux its reads and writes stay net.Conn's.
func Wrap(c net.Conn) net.Conn { return c }
