package durable

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
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

// maxRootIDs bounds the root operations whose wire ids rootIDs keeps
// (16 bytes of text and a 16-byte string header each: 512 KiB at most).
const maxRootIDs = 1 << 14

// rootIDs keeps the wire ids of the root context's first operations,
// positional ids "1", "2", ...: the same in every execution of a handler,
// so that a warm process replaying (or running) them again looks each one
// up by its number instead of hashing it. The Wrap's invocations share it;
// safe for concurrent use.
type rootIDs struct {
	mu sync.Mutex
	// ids holds the wire ids of operations 1..len(*ids). It only grows:
	// a new slice is published with the ids appended, and no element a
	// reader may see is written again.
	ids atomic.Pointer[[]string]
}

// get returns the wire id of the root's n-th operation (n >= 1), or ""
// when n is beyond maxRootIDs.
func (r *rootIDs) get(n int) string {
	if p := r.ids.Load(); p != nil && n <= len(*p) {
		return (*p)[n-1]
	}
	if n > maxRootIDs {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	if p := r.ids.Load(); p != nil {
		ids = *p
	}
	if n <= len(ids) {
		return ids[n-1]
	}
	// Twice as many as kept (at least n), their text in one allocation:
	// a process's first executions hash each id once and publish the ids
	// a few times, not once per operation.
	from := len(ids)
	to := min(max(n, 2*from), maxRootIDs)
	text := make([]byte, (to-from)*wireIDLen)
	for k := from; k < to; k++ {
		out := (*[wireIDLen]byte)(text[(k-from)*wireIDLen:])
		var buf [20]byte
		wireIDOf(out, strconv.AppendInt(buf[:0], int64(k+1), 10))
		ids = append(ids, unsafe.String(&out[0], wireIDLen))
	}
	r.ids.Store(&ids)
	return ids[n-1]
}

// wireID returns the wire id of the n-th operation (1-based) of the
// context whose positional id is prefix, and the operation's record in the
// invocation's initial log and its index there, if any (the record after
// index after is tried first): the id is then the record's Id string (a
// replayed operation allocates no id), else the id computed, or kept by
// rootIDs.
func (inv *invocation) wireID(prefix string, n, after int) (string, *Operation, int) {
	var id string
	if prefix == "" {
		id = inv.opts.rootIDs.get(n)
	}
	if id == "" {
		var buf [64]byte
		var out [wireIDLen]byte
		wireIDOf(&out, appendPositional(buf[:0], prefix, n))
		if rec, i := inv.initial.find(string(out[:]), after); rec != nil {
			return rec.Id, rec, i
		}
		return string(out[:]), nil, after
	}
	if rec, i := inv.initial.find(id, after); rec != nil {
		return rec.Id, rec, i
	}
	return id, nil, after
}

// WireID returns the wire id the SDK sends for a positional operation id
// such as "1" or "3-2-1": the first 16 hex characters of its MD5 digest.
// Tests use it to find an operation in a recorded log.
func WireID(positional string) string {
	var out [wireIDLen]byte
	wireIDOf(&out, []byte(positional))
	return string(out[:])
}
