//go:build !amd64 && !arm64

package durable

import (
	"bytes"
	"runtime"
	"strconv"
)

// getg returns the running goroutine's id, parsed from its stack header
// ("goroutine 42 [running]:"). Slower than the assembly of amd64 and arm64
// but portable.
func getg() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return uintptr(n)
}
