package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// DecodeInvocationInput decodes an invocation payload into *in, which it
// first resets to the zero value. The result, and whether it is an error,
// are exactly those of json.Unmarshal(data, in) on a zero InvocationInput.
//
// It is the SDK's hot path on every invocation: a decoder written for the
// envelope's shape reads the common form (exact field names, each at most
// once per object, valid UTF-8) without reflection: every decoded string
// is a part of one copy of data (unescaped in place), the operations
// slice is allocated once and the records' details come from shared
// blocks.
// Anything else (a syntax error, a type mismatch, a field name in another
// case, a repeated field, a lone surrogate, deep nesting) goes to
// encoding/json, so rare inputs keep its exact semantics and its errors.
func DecodeInvocationInput(data []byte, in *InvocationInput) error {
	*in = InvocationInput{}
	if decodeFast(data, in) {
		return nil
	}
	*in = InvocationInput{}
	return json.Unmarshal(data, in)
}

// decodeFast decodes the common form of an envelope; false means "use
// encoding/json" and leaves *in in an unspecified state.
func decodeFast(data []byte, in *InvocationInput) bool {
	d := envelopeDecoder{data: data}
	d.ws()
	if d.peek() != '{' {
		return false
	}
	// Every record carries an "Id" key: an upper bound of the records,
	// so the operations slice and the detail blocks are sized once.
	d.records = bytes.Count(data, []byte(`"Id"`))
	d.data = bytes.Clone(data)
	if !d.invocationInput(in) {
		return false
	}
	d.ws()
	return d.pos == len(d.data)
}

// maxFastDepth bounds the nesting the fast decoder follows (encoding/json
// allows 10,000 levels); deeper input goes to encoding/json.
const maxFastDepth = 256

// envelopeDecoder reads one payload. Its methods return false on anything
// outside the common form.
//
// data is the decoder's own copy of the payload. The decoded strings are
// views of it (see text): a string is unescaped in place, over its own
// text, and nothing is written to data before the current position.
type envelopeDecoder struct {
	data  []byte
	pos   int
	depth int
	// records is the upper bound of operation records in data.
	records int
	steps   block[StepDetails]
	stamps  block[Timestamp]
	results block[string]
}

// text returns data[start:end] as a string without copying it; the bytes
// are never written again.
func (d *envelopeDecoder) text(start, end int) string {
	if start == end {
		return ""
	}
	return unsafe.String(&d.data[start], end-start)
}

// block hands out pointers into slices of values allocated together: as
// many as the payload may need (n), at most maxBlock at a time.
type block[T any] struct {
	free []T
}

// maxBlock bounds what one allocation of a block reserves.
const maxBlock = 512

func (b *block[T]) new(n int) *T {
	if len(b.free) == 0 {
		b.free = make([]T, min(max(n, 1), maxBlock))
	}
	p := &b.free[0]
	b.free = b.free[1:]
	return p
}

// The field names of each decoded type, in the order of its switch.
var (
	invocationInputFields = []string{"DurableExecutionArn", "CheckpointToken", "InitialExecutionState", "UpdatedOperationIds"}
	executionStateFields  = []string{"Operations", "NextMarker"}
	operationFields       = []string{"Id", "ParentId", "Name", "Type", "SubType", "Status", "StartTimestamp", "EndTimestamp",
		"ExecutionDetails", "StepDetails", "WaitDetails", "CallbackDetails", "ChainedInvokeDetails", "ContextDetails"}
	executionDetailsFields = []string{"InputPayload"}
	stepDetailsFields      = []string{"Attempt", "NextAttemptTimestamp", "Result", "Error"}
	waitDetailsFields      = []string{"ScheduledEndTimestamp"}
	callbackDetailsFields  = []string{"CallbackId", "Result", "Error"}
	outcomeFields          = []string{"Result", "Error"}
	contextDetailsFields   = []string{"Result", "Error", "ReplayChildren"}
	errorObjectFields      = []string{"ErrorType", "ErrorMessage", "ErrorData", "StackTrace"}
)

func (d *envelopeDecoder) invocationInput(in *InvocationInput) bool {
	return d.object(invocationInputFields, func(i int) bool {
		switch i {
		case 0:
			return d.str(&in.DurableExecutionArn)
		case 1:
			return d.str(&in.CheckpointToken)
		case 2:
			return objectPtr(d, &in.InitialExecutionState, d.executionState)
		default:
			return d.stringList(&in.UpdatedOperationIds)
		}
	})
}

func (d *envelopeDecoder) executionState(st *ExecutionState) bool {
	return d.object(executionStateFields, func(i int) bool {
		if i == 0 {
			return d.operations(&st.Operations)
		}
		return d.str(&st.NextMarker)
	})
}

func (d *envelopeDecoder) operations(ops *[]Operation) bool {
	if d.null() {
		return true
	}
	list := make([]Operation, 0, d.records)
	ok := d.array(func() bool {
		list = append(list, Operation{})
		if d.null() {
			return true
		}
		return d.peek() == '{' && d.operation(&list[len(list)-1])
	})
	*ops = list
	return ok
}

func (d *envelopeDecoder) operation(op *Operation) bool {
	return d.object(operationFields, func(i int) bool {
		switch i {
		case 0:
			return d.str(&op.Id)
		case 1:
			return d.str(&op.ParentId)
		case 2:
			return d.str(&op.Name)
		case 3:
			return d.str((*string)(&op.Type))
		case 4:
			return d.str(&op.SubType)
		case 5:
			return d.str((*string)(&op.Status))
		case 6:
			return d.timestamp(&op.StartTimestamp)
		case 7:
			return d.timestamp(&op.EndTimestamp)
		case 8:
			return objectPtr(d, &op.ExecutionDetails, func(x *ExecutionDetails) bool {
				return d.object(executionDetailsFields, func(int) bool { return d.strPtr(&x.InputPayload) })
			})
		case 9:
			if d.null() {
				return true
			}
			if d.peek() != '{' {
				return false
			}
			op.StepDetails = d.steps.new(d.records)
			return d.stepDetails(op.StepDetails)
		case 10:
			return objectPtr(d, &op.WaitDetails, func(x *WaitDetails) bool {
				return d.object(waitDetailsFields, func(int) bool { return d.timestamp(&x.ScheduledEndTimestamp) })
			})
		case 11:
			return objectPtr(d, &op.CallbackDetails, func(x *CallbackDetails) bool {
				return d.object(callbackDetailsFields, func(i int) bool {
					switch i {
					case 0:
						return d.str(&x.CallbackId)
					case 1:
						return d.strPtr(&x.Result)
					default:
						return objectPtr(d, &x.Error, d.errorObject)
					}
				})
			})
		case 12:
			return objectPtr(d, &op.ChainedInvokeDetails, func(x *ChainedInvokeDetails) bool {
				return d.object(outcomeFields, func(i int) bool {
					if i == 0 {
						return d.strPtr(&x.Result)
					}
					return objectPtr(d, &x.Error, d.errorObject)
				})
			})
		default:
			return objectPtr(d, &op.ContextDetails, func(x *ContextDetails) bool {
				return d.object(contextDetailsFields, func(i int) bool {
					switch i {
					case 0:
						return d.strPtr(&x.Result)
					case 1:
						return objectPtr(d, &x.Error, d.errorObject)
					default:
						return d.bool(&x.ReplayChildren)
					}
				})
			})
		}
	})
}

func (d *envelopeDecoder) stepDetails(x *StepDetails) bool {
	return d.object(stepDetailsFields, func(i int) bool {
		switch i {
		case 0:
			return d.int(&x.Attempt)
		case 1:
			return d.timestamp(&x.NextAttemptTimestamp)
		case 2:
			return d.strPtr(&x.Result)
		default:
			return objectPtr(d, &x.Error, d.errorObject)
		}
	})
}

func (d *envelopeDecoder) errorObject(x *ErrorObject) bool {
	return d.object(errorObjectFields, func(i int) bool {
		switch i {
		case 0:
			return d.str(&x.ErrorType)
		case 1:
			return d.str(&x.ErrorMessage)
		case 2:
			return d.str(&x.ErrorData)
		default:
			// StackTrace has its own UnmarshalJSON, which encoding/json
			// calls with the raw value, null included.
			start := d.pos
			if !d.skip() {
				return false
			}
			return x.StackTrace.UnmarshalJSON(d.data[start:d.pos]) == nil
		}
	})
}

// objectPtr decodes null (leaving *p nil) or an object into a new T.
func objectPtr[T any](d *envelopeDecoder, p **T, decode func(*T) bool) bool {
	if d.null() {
		return true
	}
	if d.peek() != '{' {
		return false
	}
	*p = new(T)
	return decode(*p)
}

// object decodes an object whose known fields are names: field(i) decodes
// the value of names[i]. An unknown field is skipped, unless it matches a
// name case-insensitively (encoding/json would take it) or is not ASCII;
// a field seen twice goes to encoding/json too.
func (d *envelopeDecoder) object(names []string, field func(i int) bool) bool {
	if d.peek() != '{' || !d.enter() {
		return false
	}
	d.pos++
	d.ws()
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return true
	}
	var seen uint32
	for {
		key, ok := d.key()
		if !ok {
			return false
		}
		d.ws()
		if d.peek() != ':' {
			return false
		}
		d.pos++
		d.ws()
		i := fieldIndex(names, key)
		switch {
		case i >= 0:
			if seen&(1<<i) != 0 || !field(i) {
				return false
			}
			seen |= 1 << i
		case foldsToField(names, key):
			return false
		default:
			if !d.skip() {
				return false
			}
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
			d.ws()
		case '}':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

// array decodes an array, calling elem with the position at each element.
func (d *envelopeDecoder) array(elem func() bool) bool {
	if d.peek() != '[' || !d.enter() {
		return false
	}
	d.pos++
	d.ws()
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return true
	}
	for {
		if !elem() {
			return false
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
			d.ws()
		case ']':
			d.pos++
			d.depth--
			return true
		default:
			return false
		}
	}
}

func (d *envelopeDecoder) enter() bool {
	d.depth++
	return d.depth <= maxFastDepth
}

func fieldIndex(names []string, key []byte) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	return -1
}

// foldsToField reports whether encoding/json could match key to one of
// names without an exact match: an ASCII key equal to a name but for case,
// or any key that is not ASCII (Unicode folding).
func foldsToField(names []string, key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if len(n) == len(key) && strings.EqualFold(n, string(key)) {
			return true
		}
	}
	return false
}

// key reads an object key and returns its bytes; keys with escapes or
// bytes outside printable ASCII are left to encoding/json.
func (d *envelopeDecoder) key() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.pos + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

func (d *envelopeDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *envelopeDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// null consumes a null literal and reports whether there was one.
func (d *envelopeDecoder) null() bool {
	if d.peek() == 'n' && bytes.HasPrefix(d.data[d.pos:], []byte("null")) {
		d.pos += 4
		return true
	}
	return false
}

// str decodes a string or null (which leaves *p unchanged, as in
// encoding/json).
func (d *envelopeDecoder) str(p *string) bool {
	if d.null() {
		return true
	}
	s, ok := d.stringValue()
	*p = s
	return ok
}

// strPtr decodes a string into a new *string, or null leaving *p nil.
func (d *envelopeDecoder) strPtr(p **string) bool {
	if d.null() {
		return true
	}
	s, ok := d.stringValue()
	if !ok {
		return false
	}
	r := d.results.new(d.records)
	*r = s
	*p = r
	return true
}

// stringList decodes an array of strings (null elements are ""), or null.
func (d *envelopeDecoder) stringList(p *[]string) bool {
	if d.null() {
		return true
	}
	list := []string{}
	ok := d.array(func() bool {
		list = append(list, "")
		return d.str(&list[len(list)-1])
	})
	*p = list
	return ok
}

// stringValue decodes a JSON string: its text, unescaped in place when it
// has escapes or non-ASCII bytes.
// Invalid UTF-8 and lone surrogates (which encoding/json replaces with
// U+FFFD) are left to encoding/json.
func (d *envelopeDecoder) stringValue() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	start := d.pos + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.text(start, i), true
		case c < 0x20:
			return "", false
		case c == '\\' || c >= utf8.RuneSelf:
			return d.unescape(start)
		}
	}
	return "", false
}

// unescape decodes the string whose text starts at start, in place: the
// decoded form of every part is no longer than its text, so it is written
// over text already read (w <= i).
func (d *envelopeDecoder) unescape(start int) (string, bool) {
	b := d.data
	w, i := start, start
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.text(start, w), true
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			w += copy(b[w:], b[i:i+n])
			i += n
		case c != '\\':
			j := i + 1
			for j < len(b) && b[j] >= 0x20 && b[j] < utf8.RuneSelf && b[j] != '"' && b[j] != '\\' {
				j++
			}
			w += copy(b[w:], b[i:j])
			i = j
		default:
			if i+1 >= len(b) {
				return "", false
			}
			e := b[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				b[w] = e
			case 'b':
				b[w] = '\b'
			case 'f':
				b[w] = '\f'
			case 'n':
				b[w] = '\n'
			case 'r':
				b[w] = '\r'
			case 't':
				b[w] = '\t'
			case 'u':
				r, ok := hex4(b[i:])
				if !ok {
					return "", false
				}
				i += 4
				if 0xD800 <= r && r < 0xE000 {
					// A surrogate pair, or a lone surrogate for encoding/json.
					lo, ok := rune(0), false
					if r < 0xDC00 && i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
						lo, ok = hex4(b[i+2:])
					}
					if !ok || lo < 0xDC00 || lo >= 0xE000 {
						return "", false
					}
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
				w += utf8.EncodeRune(b[w:], r)
				continue
			default:
				return "", false
			}
			w++
		}
	}
	return "", false
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
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

// int decodes an integer literal (no fraction or exponent, which
// encoding/json rejects for an int) of up to 18 digits, or null.
func (d *envelopeDecoder) int(p *int) bool {
	if d.null() {
		return true
	}
	i := d.pos
	neg := i < len(d.data) && d.data[i] == '-'
	if neg {
		i++
	}
	start := i
	n := 0
	for i < len(d.data) && '0' <= d.data[i] && d.data[i] <= '9' {
		n = n*10 + int(d.data[i]-'0')
		i++
		if d.data[start] == '0' {
			break
		}
	}
	if i == start || i-start > 18 {
		return false
	}
	if i < len(d.data) {
		switch d.data[i] {
		case '.', 'e', 'E':
			return false
		}
	}
	if neg {
		n = -n
	}
	*p = n
	d.pos = i
	return true
}

// bool decodes true, false or null.
func (d *envelopeDecoder) bool(p *bool) bool {
	rest := d.data[d.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		*p = true
		d.pos += 4
	case bytes.HasPrefix(rest, []byte("false")):
		*p = false
		d.pos += 5
	default:
		return d.null()
	}
	return true
}

// timestamp decodes null (leaving *p nil) or a number or string with
// Timestamp.UnmarshalJSON, as encoding/json does.
func (d *envelopeDecoder) timestamp(p **Timestamp) bool {
	if d.null() {
		return true
	}
	if c := d.peek(); c != '"' && c != '-' && (c < '0' || c > '9') {
		return false
	}
	start := d.pos
	if !d.skip() {
		return false
	}
	t := d.stamps.new(2 * d.records)
	var err error
	if d.data[start] == '"' {
		err = t.UnmarshalJSON(d.data[start:d.pos])
	} else {
		// What UnmarshalJSON does with a number, without copying it.
		err = t.setEpoch(d.text(start, d.pos))
	}
	if err != nil {
		return false
	}
	*p = t
	return true
}

// skip consumes one JSON value, checking its syntax as encoding/json does.
func (d *envelopeDecoder) skip() bool {
	switch c := d.peek(); {
	case c == '{':
		if !d.enter() {
			return false
		}
		d.pos++
		d.ws()
		if d.peek() == '}' {
			d.pos++
			d.depth--
			return true
		}
		for {
			if d.peek() != '"' || !d.skipString() {
				return false
			}
			d.ws()
			if d.peek() != ':' {
				return false
			}
			d.pos++
			d.ws()
			if !d.skip() {
				return false
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.pos++
				d.ws()
			case '}':
				d.pos++
				d.depth--
				return true
			default:
				return false
			}
		}
	case c == '[':
		return d.array(d.skipElement)
	case c == '"':
		return d.skipString()
	case c == '-' || '0' <= c && c <= '9':
		return d.skipNumber()
	default:
		rest := d.data[d.pos:]
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(rest, []byte(lit)) {
				d.pos += len(lit)
				return true
			}
		}
		return false
	}
}

func (d *envelopeDecoder) skipElement() bool { return d.skip() }

// skipString consumes a string: no control characters, valid escapes.
// Other bytes, even invalid UTF-8, are valid JSON (encoding/json decodes
// them as U+FFFD).
func (d *envelopeDecoder) skipString() bool {
	for i := d.pos + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(d.data) {
				return false
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if _, ok := hex4(d.data[i+2:]); !ok {
					return false
				}
				i += 5
			default:
				return false
			}
		}
	}
	return false
}

// skipNumber consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (d *envelopeDecoder) skipNumber() bool {
	b, i := d.data, d.pos
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
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	d.pos = i
	return true
}
