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
	if !object(&d, in, invocationInputFields) {
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

// field is a known field of a decoded type T: its JSON name and how its
// value is decoded into a *T. Each type's fields form one table, read by
// object.
type field[T any] struct {
	name   string
	decode func(d *envelopeDecoder, x *T) bool
}

// strField decodes a string field (null leaves it unchanged).
func strField[T any](name string, at func(*T) *string) field[T] {
	return field[T]{name, func(d *envelopeDecoder, x *T) bool { return d.str(at(x)) }}
}

// optStrField decodes a *string field (null leaves it nil).
func optStrField[T any](name string, at func(*T) **string) field[T] {
	return field[T]{name, func(d *envelopeDecoder, x *T) bool { return d.strPtr(at(x)) }}
}

// timeField decodes a *Timestamp field (null leaves it nil).
func timeField[T any](name string, at func(*T) **Timestamp) field[T] {
	return field[T]{name, func(d *envelopeDecoder, x *T) bool { return d.timestamp(at(x)) }}
}

// objField decodes a field that points to an object of type U, decoded
// with fields (null leaves it nil).
func objField[T, U any](name string, at func(*T) **U, fields []field[U]) field[T] {
	return field[T]{name, func(d *envelopeDecoder, x *T) bool { return objectPtr(d, at(x), alloc[U], fields) }}
}

// alloc returns a new T.
func alloc[T any]() *T { return new(T) }

// The fields of each decoded type; a nested type's table is inline where
// only one type refers to it.
var (
	invocationInputFields = []field[InvocationInput]{
		strField("DurableExecutionArn", func(x *InvocationInput) *string { return &x.DurableExecutionArn }),
		strField("CheckpointToken", func(x *InvocationInput) *string { return &x.CheckpointToken }),
		objField("InitialExecutionState", func(x *InvocationInput) **ExecutionState { return &x.InitialExecutionState },
			[]field[ExecutionState]{
				{"Operations", func(d *envelopeDecoder, x *ExecutionState) bool { return d.operations(&x.Operations) }},
				strField("NextMarker", func(x *ExecutionState) *string { return &x.NextMarker }),
			}),
		{"UpdatedOperationIds", func(d *envelopeDecoder, x *InvocationInput) bool { return d.stringList(&x.UpdatedOperationIds) }},
	}
	errorObjectFields = []field[ErrorObject]{
		strField("ErrorType", func(x *ErrorObject) *string { return &x.ErrorType }),
		strField("ErrorMessage", func(x *ErrorObject) *string { return &x.ErrorMessage }),
		strField("ErrorData", func(x *ErrorObject) *string { return &x.ErrorData }),
		{"StackTrace", func(d *envelopeDecoder, x *ErrorObject) bool {
			// StackTrace has its own UnmarshalJSON, which encoding/json
			// calls with the raw value, null included.
			start := d.pos
			return d.skip() && x.StackTrace.UnmarshalJSON(d.data[start:d.pos]) == nil
		}},
	}
	stepDetailsFields = []field[StepDetails]{
		{"Attempt", func(d *envelopeDecoder, x *StepDetails) bool { return d.int(&x.Attempt) }},
		timeField("NextAttemptTimestamp", func(x *StepDetails) **Timestamp { return &x.NextAttemptTimestamp }),
		optStrField("Result", func(x *StepDetails) **string { return &x.Result }),
		objField("Error", func(x *StepDetails) **ErrorObject { return &x.Error }, errorObjectFields),
	}
	operationFields = []field[Operation]{
		strField("Id", func(x *Operation) *string { return &x.Id }),
		strField("ParentId", func(x *Operation) *string { return &x.ParentId }),
		strField("Name", func(x *Operation) *string { return &x.Name }),
		strField("Type", func(x *Operation) *string { return (*string)(&x.Type) }),
		strField("SubType", func(x *Operation) *string { return &x.SubType }),
		strField("Status", func(x *Operation) *string { return (*string)(&x.Status) }),
		timeField("StartTimestamp", func(x *Operation) **Timestamp { return &x.StartTimestamp }),
		timeField("EndTimestamp", func(x *Operation) **Timestamp { return &x.EndTimestamp }),
		objField("ExecutionDetails", func(x *Operation) **ExecutionDetails { return &x.ExecutionDetails },
			[]field[ExecutionDetails]{optStrField("InputPayload", func(x *ExecutionDetails) **string { return &x.InputPayload })}),
		{"StepDetails", func(d *envelopeDecoder, x *Operation) bool {
			// Most records are steps: their details come from a block.
			return objectPtr(d, &x.StepDetails, func() *StepDetails { return d.steps.new(d.records) }, stepDetailsFields)
		}},
		objField("WaitDetails", func(x *Operation) **WaitDetails { return &x.WaitDetails },
			[]field[WaitDetails]{timeField("ScheduledEndTimestamp", func(x *WaitDetails) **Timestamp { return &x.ScheduledEndTimestamp })}),
		objField("CallbackDetails", func(x *Operation) **CallbackDetails { return &x.CallbackDetails },
			[]field[CallbackDetails]{
				strField("CallbackId", func(x *CallbackDetails) *string { return &x.CallbackId }),
				optStrField("Result", func(x *CallbackDetails) **string { return &x.Result }),
				objField("Error", func(x *CallbackDetails) **ErrorObject { return &x.Error }, errorObjectFields),
			}),
		objField("ChainedInvokeDetails", func(x *Operation) **ChainedInvokeDetails { return &x.ChainedInvokeDetails },
			[]field[ChainedInvokeDetails]{
				optStrField("Result", func(x *ChainedInvokeDetails) **string { return &x.Result }),
				objField("Error", func(x *ChainedInvokeDetails) **ErrorObject { return &x.Error }, errorObjectFields),
			}),
		objField("ContextDetails", func(x *Operation) **ContextDetails { return &x.ContextDetails },
			[]field[ContextDetails]{
				optStrField("Result", func(x *ContextDetails) **string { return &x.Result }),
				objField("Error", func(x *ContextDetails) **ErrorObject { return &x.Error }, errorObjectFields),
				{"ReplayChildren", func(d *envelopeDecoder, x *ContextDetails) bool { return d.bool(&x.ReplayChildren) }},
			}),
	}
)

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
		return object(d, &list[len(list)-1], operationFields)
	})
	*ops = list
	return ok
}

// objectPtr decodes null (leaving *p nil) or an object into a new T from
// alloc.
func objectPtr[T any](d *envelopeDecoder, p **T, alloc func() *T, fields []field[T]) bool {
	if d.null() {
		return true
	}
	if d.peek() != '{' {
		return false
	}
	*p = alloc()
	return object(d, *p, fields)
}

// object decodes an object into x, whose known fields are fields. An
// unknown field is skipped, unless it matches a name case-insensitively
// (encoding/json would take it) or is not ASCII; a field seen twice goes
// to encoding/json too.
func object[T any](d *envelopeDecoder, x *T, fields []field[T]) bool {
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
		i := fieldIndex(fields, key)
		switch {
		case i >= 0:
			if seen&(1<<i) != 0 || !fields[i].decode(d, x) {
				return false
			}
			seen |= 1 << i
		case foldsToField(fields, key):
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

func fieldIndex[T any](fields []field[T], key []byte) int {
	for i := range fields {
		if string(key) == fields[i].name {
			return i
		}
	}
	return -1
}

// foldsToField reports whether encoding/json could match key to one of
// fields without an exact match: an ASCII key equal to a name but for
// case, or any key that is not ASCII (Unicode folding).
func foldsToField[T any](fields []field[T], key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, f := range fields {
		if len(f.name) == len(key) && strings.EqualFold(f.name, string(key)) {
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
