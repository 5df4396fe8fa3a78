// Package jsonscan reads JSON text by hand for decoders written for one
// shape of input: the protocol's messages (package wire: the invocation
// envelope, the checkpoint request and its answer) and the plain result
// types of steps (package durable).
//
// A Scanner checks syntax as encoding/json does, but it knows only the
// common form: each method returns false on anything else, and its caller
// then hands the whole input to encoding/json, which decodes it, or
// rejects it with its own error. So a decoder built on a Scanner is exact
// where it answers and never has to reproduce encoding/json's errors.
//
//	s := jsonscan.Scanner{Data: data}
//	s.WS()
//	ok := s.Skip() // one whole value, its syntax checked
//	s.WS()
//	ok = ok && s.Pos == len(s.Data)
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// MaxDepth bounds the nesting a Scanner follows (encoding/json allows
// 10,000 levels); deeper input is left to encoding/json.
const MaxDepth = 256

// Scanner reads Data from Pos. Depth counts the objects and arrays it is
// inside.
type Scanner struct {
	Data  []byte
	Pos   int
	Depth int
}

// WS skips whitespace.
func (s *Scanner) WS() {
	// One comparison for the usual case, a byte after ' '.
	for s.Pos < len(s.Data) && s.Data[s.Pos] <= ' ' {
		switch s.Data[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Peek returns the byte at Pos, or 0 at the end.
func (s *Scanner) Peek() byte {
	if s.Pos < len(s.Data) {
		return s.Data[s.Pos]
	}
	return 0
}

// Enter notes one more level of nesting and reports whether it is within
// MaxDepth. Leave undoes it.
func (s *Scanner) Enter() bool {
	s.Depth++
	return s.Depth <= MaxDepth
}

// Leave undoes an Enter.
func (s *Scanner) Leave() { s.Depth-- }

// Null consumes a null literal and reports whether there was one.
func (s *Scanner) Null() bool {
	if s.Peek() == 'n' && bytes.HasPrefix(s.Data[s.Pos:], []byte("null")) {
		s.Pos += 4
		return true
	}
	return false
}

// Bool consumes true or false and returns it; ok is false for anything
// else.
func (s *Scanner) Bool() (v, ok bool) {
	rest := s.Data[s.Pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		s.Pos += 4
		return true, true
	case bytes.HasPrefix(rest, []byte("false")):
		s.Pos += 5
		return false, true
	}
	return false, false
}

// Key reads an object key and returns its bytes; keys with escapes or
// bytes outside printable ASCII are left to encoding/json.
func (s *Scanner) Key() ([]byte, bool) {
	if s.Peek() != '"' {
		return nil, false
	}
	start := s.Pos + 1
	i := Special(s.Data, start)
	if i == len(s.Data) || s.Data[i] != '"' {
		return nil, false
	}
	s.Pos = i + 1
	return s.Data[start:i], true
}

// FieldKey consumes the key at Pos and the colon after it, with the
// whitespace around the colon, if the key is name spelled exactly (name
// needs no escapes), and reports whether it did; else it consumes nothing.
func (s *Scanner) FieldKey(name string) bool {
	text := s.Data[s.Pos:]
	n := len(name)
	if len(text) < n+3 || text[0] != '"' || text[n+1] != '"' {
		return false
	}
	// Names of 4 to 16 bytes, nearly all of a protocol's, are compared
	// here as two overlapping words, as memequal does, without its call:
	// FieldKey runs for every field decoded.
	key, want := text[1:n+1], unsafe.Slice(unsafe.StringData(name), n)
	switch {
	case n >= 8 && n <= 16:
		if binary.LittleEndian.Uint64(key) != binary.LittleEndian.Uint64(want) ||
			binary.LittleEndian.Uint64(key[n-8:]) != binary.LittleEndian.Uint64(want[n-8:]) {
			return false
		}
	case n >= 4 && n < 8:
		if binary.LittleEndian.Uint32(key) != binary.LittleEndian.Uint32(want) ||
			binary.LittleEndian.Uint32(key[n-4:]) != binary.LittleEndian.Uint32(want[n-4:]) {
			return false
		}
	case string(key) != name:
		return false
	}
	if text[n+2] == ':' {
		// The usual key, quote and colon, then the value.
		s.Pos += n + 3
		if len(text) == n+3 || text[n+3] <= ' ' {
			s.WS()
		}
		return true
	}
	start := s.Pos
	s.Pos += n + 2
	if !s.Colon() {
		s.Pos = start
		return false
	}
	return true
}

// CommaKey consumes a ',' that the quote of the next key follows at once,
// the usual separator of an object's members, and reports whether it did
// (else Next reads the separator).
func (s *Scanner) CommaKey() bool {
	if s.Pos+1 < len(s.Data) && s.Data[s.Pos] == ',' && s.Data[s.Pos+1] == '"' {
		s.Pos++
		return true
	}
	return false
}

// Colon consumes the ':' after a key, with the whitespace around it.
func (s *Scanner) Colon() bool {
	s.WS()
	if s.Peek() != ':' {
		return false
	}
	s.Pos++
	s.WS()
	return true
}

// Open enters a container that starts with start ('{' or '[') and ends
// with end. A container that ends at once is left again and reported
// empty; ok is false when the next byte is not start or the nesting is too
// deep.
func (s *Scanner) Open(start, end byte) (empty, ok bool) {
	if s.Peek() != start || !s.Enter() {
		return false, false
	}
	s.Pos++
	s.WS()
	if s.Peek() == end {
		s.Pos++
		s.Leave()
		return true, true
	}
	return false, true
}

// Next consumes what follows a member of a container that ends with end:
// after a ',' another member is due (more); after end the container is
// left. ok is false on anything else.
func (s *Scanner) Next(end byte) (more, ok bool) {
	s.WS()
	switch s.Peek() {
	case ',':
		s.Pos++
		s.WS()
		return true, true
	case end:
		s.Pos++
		s.Leave()
		return false, true
	}
	return false, false
}

// Array reads an array, calling elem with Pos at each element.
func (s *Scanner) Array(elem func() bool) bool {
	empty, ok := s.Open('[', ']')
	if empty || !ok {
		return ok
	}
	for {
		if !elem() {
			return false
		}
		if more, ok := s.Next(']'); !more {
			return ok
		}
	}
}

// Skip consumes one JSON value, checking its syntax as encoding/json does.
func (s *Scanner) Skip() bool {
	switch c := s.Peek(); {
	case c == '{':
		empty, ok := s.Open('{', '}')
		if empty || !ok {
			return ok
		}
		for {
			if s.Peek() != '"' || !s.SkipString() || !s.Colon() || !s.Skip() {
				return false
			}
			if more, ok := s.Next('}'); !more {
				return ok
			}
		}
	case c == '[':
		return s.Array(s.Skip)
	case c == '"':
		return s.SkipString()
	case c == '-' || '0' <= c && c <= '9':
		_, ok := s.Number()
		return ok
	default:
		if s.Null() {
			return true
		}
		_, ok := s.Bool()
		return ok
	}
}

// SkipString consumes a string: no control characters, valid escapes.
// Other bytes, even invalid UTF-8, are valid JSON (encoding/json decodes
// them as U+FFFD).
func (s *Scanner) SkipString() bool {
	for i := s.Pos + 1; ; i++ {
		i = Special(s.Data, i)
		if i == len(s.Data) {
			return false
		}
		switch c := s.Data[i]; {
		case c == '"':
			s.Pos = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(s.Data) {
				return false
			}
			switch s.Data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if _, ok := Hex4(s.Data[i+2:]); !ok {
					return false
				}
				i += 5
			default:
				return false
			}
		}
	}
}

// PlainString consumes a string with no escape, no control character and
// only valid UTF-8, whose bytes encoding/json decodes as they are, and
// returns its text (a part of Data). Any other string is left to
// encoding/json.
func (s *Scanner) PlainString() ([]byte, bool) {
	if s.Peek() != '"' {
		return nil, false
	}
	start := s.Pos + 1
	ascii := true
	for i := start; ; i++ {
		i = Special(s.Data, i)
		if i == len(s.Data) {
			return nil, false
		}
		switch c := s.Data[i]; {
		case c == '"':
			text := s.Data[start:i]
			if !ascii && !utf8.Valid(text) {
				return nil, false
			}
			s.Pos = i + 1
			return text, true
		case c < 0x20 || c == '\\':
			return nil, false
		default:
			ascii = false
		}
	}
}

// Special returns the index of the first byte of b at or after i that a
// string's text cannot hold as it is: a quote, a backslash, a control
// character or a byte of a multi-byte UTF-8 sequence; len(b) when there is
// none. It reads eight bytes at a time.
func Special(b []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		// A byte's high bit in m is set when the byte is special: a zero
		// byte of w^quotes or w^backslashes, a byte below 0x20, or one
		// with its high bit set. Borrows only carry upwards, so the
		// lowest byte flagged is special.
		q, bs := w^(ones*'"'), w^(ones*'\\')
		m := ((q - ones) &^ q) | ((bs - ones) &^ bs) | (w - ones*0x20) | w
		if m &= highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// Number consumes a number, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
// and returns its text.
func (s *Scanner) Number() ([]byte, bool) {
	b, i := s.Data, s.Pos
	digits := func() bool {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	text := b[s.Pos:i]
	s.Pos = i
	return text, true
}

// Hex4 decodes the four hex digits at the start of b.
func Hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
