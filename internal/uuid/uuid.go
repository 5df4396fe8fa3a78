// Package uuid generates random RFC 4122 version-4 UUIDs, the form of the
// ids the emulated services hand out: Lambda request ids, durable
// execution ids, checkpoint tokens.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a random version-4 UUID, e.g.
// "0b7e4c1e-3f5a-4b6c-9d8e-7f6a5b4c3d2e".
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // never fails: crypto/rand crashes the program instead
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
