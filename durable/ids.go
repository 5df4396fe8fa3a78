package durable

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// wireIDLen is the length of a wire id: the first 16 hex characters of the
// MD5 digest of the positional id.
const wireIDLen = 16

// appendPositional appends the positional id of the n-th operation
// (1-based) of the context whose positional id is prefix ("" for the root).
func appendPositional(dst []byte, prefix string, n int) []byte {
	if prefix != "" {
		dst = append(dst, prefix...)
		dst = append(dst, '-')
	}
	return strconv.AppendInt(dst, int64(n), 10)
}

// wireIDOf writes the wire id of a positional id to out.
func wireIDOf(out *[wireIDLen]byte, positional []byte) {
	sum := md5.Sum(positional)
	hex.Encode(out[:], sum[:wireIDLen/2])
}

// wireID returns the wire id of a positional id and the operation's
// record in the invocation's initial log and its index there, if any (the
// record after index after is tried first): the id is then the record's Id
// string (a replayed operation allocates no id), else a new string.
func (inv *invocation) wireID(positional []byte, after int) (string, *Operation, int) {
	var out [wireIDLen]byte
	wireIDOf(&out, positional)
	if rec, i := inv.initial.find(string(out[:]), after); rec != nil {
		return rec.Id, rec, i
	}
	return string(out[:]), nil, after
}

// WireID returns the wire id the SDK sends for a positional operation id
// such as "1" or "3-2-1": the first 16 hex characters of its MD5 digest.
// Tests use it to find an operation in a recorded log.
func WireID(positional string) string {
	var out [wireIDLen]byte
	wireIDOf(&out, []byte(positional))
	return string(out[:])
}
