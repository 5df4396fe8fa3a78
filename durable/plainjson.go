package durable

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/acme/durable-lambda-go/internal/jsonscan"
)

// plainTypes tells which result types JSONSerdes gives back unchanged, so
// that a fresh step or child can return its body's value instead of
// decoding the text it has just encoded (the first run must see exactly what every
// replay will see), and decodes the text of those types without
// encoding/json (decode). The Wrap's invocations share it; it remembers
// each type's answer.
type plainTypes struct {
	known sync.Map // reflect.Type → *plainType
	// last is the type looked up last: a workflow's steps mostly return
	// one type, which is then found without hashing it.
	last atomic.Pointer[plainType]
}

// plainType is what plainTypes knows of one type.
type plainType struct {
	typ reflect.Type
	// keeps: the type is plain (plainJSON).
	keeps bool
	// self: the type has its own encoding and answers for each value
	// (jsonKept).
	self bool
	// dec decodes the type's common text; nil when encoding/json decodes
	// every text of it.
	dec *plainDecoder
}

// lookup returns what p knows of t, working it out on first use.
func (p *plainTypes) lookup(t reflect.Type) *plainType {
	if pt := p.last.Load(); pt != nil && pt.typ == t {
		return pt
	}
	v, ok := p.known.Load(t)
	if !ok {
		pt := &plainType{typ: t, keeps: plainJSON(t, 0), self: t.Implements(jsonKeptType)}
		if pt.keeps {
			pt.dec = newPlainDecoder(t)
		}
		v, _ = p.known.LoadOrStore(t, pt)
	}
	pt := v.(*plainType)
	p.last.Store(pt)
	return pt
}

// keeps reports whether decoding payload, serdes's encoding of a value of
// type t, gives that value back: serdes is JSONSerdes, t is plain (see
// plainJSON) and the text has no escape — encoding/json writes invalid
// UTF-8 in a string as the escape \ufffd, which decodes to another string.
func (p *plainTypes) keeps(serdes Serdes, t reflect.Type, payload []byte) bool {
	return p.textKept(serdes, payload) && p.lookup(t).keeps
}

// textKept reports whether payload is JSONSerdes's encoding with no escape
// in it.
func (p *plainTypes) textKept(serdes Serdes, payload []byte) bool {
	if p == nil || payload == nil || bytes.IndexByte(payload, '\\') >= 0 {
		return false
	}
	_, ok := serdes.(JSONSerdes)
	return ok
}

// jsonKept is implemented by result types with their own JSON encoding
// that can tell whether decoding a value's encoding gives it back.
type jsonKept interface {
	keptByJSON(p *plainTypes) bool
}

// keepsValue is keeps for the value v, payload being its encoding: a type
// that implements jsonKept answers for v itself.
func keepsValue[O any](p *plainTypes, serdes Serdes, v O, payload []byte) bool {
	if !p.textKept(serdes, payload) {
		return false
	}
	pt := p.lookup(reflect.TypeFor[O]())
	switch {
	case pt.keeps:
		return true
	case pt.self:
		return any(v).(jsonKept).keptByJSON(p)
	}
	return false
}

// decode decodes data, serdes's text of a value of type t, into *out (a
// zero value of type t) without encoding/json, and reports whether it did:
// serdes is JSONSerdes, t is plain and data is in the common form (see
// plainDecoder). The value is exactly what json.Unmarshal gives. When it
// reports false, *out is unspecified and the caller decodes data with
// serdes into another zero value, which also gives encoding/json's error.
func (p *plainTypes) decode(serdes Deserializer, t reflect.Type, data string, out unsafe.Pointer) bool {
	if p == nil || len(data) == 0 {
		return false
	}
	if _, ok := serdes.(JSONSerdes); !ok {
		return false
	}
	dec := p.lookup(t).dec
	if dec == nil {
		return false
	}
	s := jsonscan.Scanner{Data: unsafe.Slice(unsafe.StringData(data), len(data))}
	s.WS()
	if !dec.decode(&s, out) {
		return false
	}
	s.WS()
	return s.Pos == len(s.Data)
}

// encode returns serdes's text of the value of type t at v, and reports
// whether it wrote it: serdes is JSONSerdes, t is plain with no float
// in it, and every string in the value is printable ASCII without '"' or
// '\\'. The text is exactly what JSONSerdes.Marshal gives. When it reports
// false, the caller serializes the value with serdes. The text is
// appended to dst[:0] when dst has room (cap > 0), else to a new buffer.
func (p *plainTypes) encode(serdes Serdes, t reflect.Type, v unsafe.Pointer, dst []byte) ([]byte, bool) {
	if p == nil {
		return nil, false
	}
	if _, ok := serdes.(JSONSerdes); !ok {
		return nil, false
	}
	dec := p.lookup(t).dec
	if dec == nil || !dec.encodable {
		return nil, false
	}
	if cap(dst) == 0 {
		dst = make([]byte, 0, 64)
	}
	return dec.encode(dst[:0], v)
}

// plainDecoder decodes the JSON text of a plain type (plainJSON) in the
// common form: strings without escapes and with valid UTF-8, numbers that
// fit their Go type, object keys that are printable ASCII without escapes
// and either name a field exactly or no field at all (even but for case),
// each field at most once. Unknown keys are skipped, null leaves a value
// unchanged, an array's extra elements are skipped and its missing ones
// stay zero, all as in encoding/json. Any other text (a syntax error, a
// type mismatch, an overflow) makes decode report false, for encoding/json
// to decode it or give its error.
type plainDecoder struct {
	kind reflect.Kind
	// bits is a number's size in bits.
	bits int
	// fields are a struct's fields.
	fields []plainField
	// elem, n and size describe an array: its element type, length and
	// element size.
	elem *plainDecoder
	n    int
	size uintptr
	// encodable: encode writes the type (no float in it, no field with
	// the omitzero option, which may call an IsZero method).
	encodable bool
}

// plainField is a field of a struct decoded by a plainDecoder.
type plainField struct {
	name   string
	offset uintptr
	dec    *plainDecoder
	// omitEmpty: the field has the omitempty option.
	omitEmpty bool
}

// newPlainDecoder returns the decoder of t, which plainJSON accepts, or
// nil when t has a field whose tag changes its text (the ",string"
// option) or more fields than decode tracks.
func newPlainDecoder(t reflect.Type) *plainDecoder {
	d := &plainDecoder{kind: t.Kind(), encodable: true}
	switch t.Kind() {
	case reflect.Array:
		if d.elem = newPlainDecoder(t.Elem()); d.elem == nil {
			return nil
		}
		d.n, d.size, d.encodable = t.Len(), t.Elem().Size(), d.elem.encodable
	case reflect.Struct:
		if t.NumField() > 64 {
			return nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			omitEmpty := false
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "string":
					return nil
				case "omitempty":
					omitEmpty = true
				case "omitzero":
					d.encodable = false
				}
			}
			if name == "" {
				name = f.Name
			}
			fd := newPlainDecoder(f.Type)
			if fd == nil {
				return nil
			}
			d.encodable = d.encodable && fd.encodable
			d.fields = append(d.fields, plainField{name: name, offset: f.Offset, dec: fd, omitEmpty: omitEmpty})
		}
	case reflect.Bool, reflect.String:
	case reflect.Float32, reflect.Float64:
		d.bits, d.encodable = t.Bits(), false
	default:
		d.bits = t.Bits()
	}
	return d
}

// decode decodes one value at s into the value of d's type at p.
func (d *plainDecoder) decode(s *jsonscan.Scanner, p unsafe.Pointer) bool {
	if s.Null() {
		return true
	}
	switch d.kind {
	case reflect.Bool:
		v, ok := s.Bool()
		*(*bool)(p) = v
		return ok
	case reflect.String:
		text, ok := s.PlainString()
		*(*string)(p) = string(text)
		return ok
	case reflect.Struct:
		return d.object(s, p)
	case reflect.Array:
		i := 0
		return s.Array(func() bool {
			if i >= d.n {
				return s.Skip()
			}
			i++
			return d.elem.decode(s, unsafe.Add(p, uintptr(i-1)*d.size))
		})
	}
	text, ok := s.Number()
	if !ok {
		return false
	}
	num := unsafe.String(&text[0], len(text))
	switch d.kind {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// Atoi reads a short integer without ParseInt's general loop;
		// its range is then narrowed to the field's.
		n64, err := strconv.Atoi(num)
		n := int64(n64)
		if err != nil || d.bits < 64 && n != n<<(64-d.bits)>>(64-d.bits) {
			return false
		}
		switch d.bits {
		case 8:
			*(*int8)(p) = int8(n)
		case 16:
			*(*int16)(p) = int16(n)
		case 32:
			*(*int32)(p) = int32(n)
		default:
			*(*int64)(p) = n
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(num, 10, d.bits)
		if err != nil {
			return false
		}
		switch d.bits {
		case 8:
			*(*uint8)(p) = uint8(n)
		case 16:
			*(*uint16)(p) = uint16(n)
		case 32:
			*(*uint32)(p) = uint32(n)
		default:
			*(*uint64)(p) = n
		}
	case reflect.Float32:
		f, err := strconv.ParseFloat(num, 32)
		if err != nil {
			return false
		}
		*(*float32)(p) = float32(f)
	case reflect.Float64:
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return false
		}
		*(*float64)(p) = f
	default:
		return false
	}
	return true
}

// encode appends the text of the value at p, or reports false for a
// string encode does not write (see plainTypes.encode).
func (d *plainDecoder) encode(dst []byte, p unsafe.Pointer) ([]byte, bool) {
	switch d.kind {
	case reflect.Bool:
		return strconv.AppendBool(dst, *(*bool)(p)), true
	case reflect.String:
		v := *(*string)(p)
		for i := range len(v) {
			if c := v[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
				return nil, false
			}
		}
		dst = append(dst, '"')
		dst = append(dst, v...)
		return append(dst, '"'), true
	case reflect.Struct:
		dst = append(dst, '{')
		first := true
		for _, f := range d.fields {
			fp := unsafe.Add(p, f.offset)
			if f.omitEmpty && f.dec.empty(fp) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, '"')
			dst = append(dst, f.name...)
			dst = append(dst, '"', ':')
			var ok bool
			if dst, ok = f.dec.encode(dst, fp); !ok {
				return nil, false
			}
		}
		return append(dst, '}'), true
	case reflect.Array:
		dst = append(dst, '[')
		for i := range d.n {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = d.elem.encode(dst, unsafe.Add(p, uintptr(i)*d.size)); !ok {
				return nil, false
			}
		}
		return append(dst, ']'), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, d.int(p), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(dst, d.uint(p), 10), true
	}
	return nil, false
}

// empty reports whether the value at p is empty as the omitempty option
// means it: false, 0, "" or an array of length 0 (a struct never is).
func (d *plainDecoder) empty(p unsafe.Pointer) bool {
	switch d.kind {
	case reflect.Bool:
		return !*(*bool)(p)
	case reflect.String:
		return *(*string)(p) == ""
	case reflect.Array:
		return d.n == 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return d.int(p) == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return d.uint(p) == 0
	}
	return false
}

// int reads the signed integer at p.
func (d *plainDecoder) int(p unsafe.Pointer) int64 {
	switch d.bits {
	case 8:
		return int64(*(*int8)(p))
	case 16:
		return int64(*(*int16)(p))
	case 32:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

// uint reads the unsigned integer at p.
func (d *plainDecoder) uint(p unsafe.Pointer) uint64 {
	switch d.bits {
	case 8:
		return uint64(*(*uint8)(p))
	case 16:
		return uint64(*(*uint16)(p))
	case 32:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}

// object decodes an object into the struct at p.
func (d *plainDecoder) object(s *jsonscan.Scanner, p unsafe.Pointer) bool {
	empty, ok := s.Open('{', '}')
	if empty || !ok {
		return ok
	}
	var seen uint64
	i := -1
	for {
		// The text mostly has the fields in their order (encoding/json
		// writes them so): the fields after the last one are tried first,
		// at the key's text.
		i = d.nextField(s, i+1)
		var key []byte
		if i < 0 {
			if key, ok = s.Key(); !ok || !s.Colon() {
				return false
			}
			i = d.field(key)
		}
		switch {
		case i >= 0:
			if seen&(1<<i) != 0 || !d.fields[i].dec.decode(s, unsafe.Add(p, d.fields[i].offset)) {
				return false
			}
			seen |= 1 << i
		case d.folds(key):
			return false
		case !s.Skip():
			return false
		}
		if s.CommaKey() {
			continue
		}
		if more, ok := s.Next('}'); !more {
			return ok
		}
	}
}

// nextField consumes the key at s's position and the colon after it if
// the key is the name of one of the fields from index from on, and returns
// its index; else -1, consuming nothing.
func (d *plainDecoder) nextField(s *jsonscan.Scanner, from int) int {
	for i := from; i < len(d.fields); i++ {
		if s.FieldKey(d.fields[i].name) {
			return i
		}
	}
	return -1
}

// field returns the index of the field named key, or -1.
func (d *plainDecoder) field(key []byte) int {
	for i := range d.fields {
		if string(key) == d.fields[i].name {
			return i
		}
	}
	return -1
}

// folds reports whether key (printable ASCII) names a field but for case,
// which encoding/json would take.
func (d *plainDecoder) folds(key []byte) bool {
	for _, f := range d.fields {
		if len(f.name) == len(key) && strings.EqualFold(f.name, string(key)) {
			return true
		}
	}
	return false
}

var (
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonKeptType        = reflect.TypeFor[jsonKept]()
)

// plainJSON reports whether every value of t survives encoding/json's
// round trip unchanged, escapes aside: booleans, numbers and strings, and
// arrays and structs of them, with no pointers, slices, maps or interfaces
// (which a decode would not give back as the same references, nil or
// empty), no custom (un)marshalers, and structs whose fields are all
// exported, not embedded, not skipped and named distinctly, so that each
// field is written and read back by itself.
func plainJSON(t reflect.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	for _, m := range []reflect.Type{jsonMarshalerType, jsonUnmarshalerType, textMarshalerType, textUnmarshalerType} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return false
		}
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Array:
		return plainJSON(t.Elem(), depth+1)
	case reflect.Struct:
		names := make([]string, 0, t.NumField())
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous || !f.IsExported() {
				return false
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				return false
			case name == "":
				name = f.Name
			case strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "":
				return false // a name encoding/json might not take as written
			}
			for _, n := range names {
				if strings.EqualFold(n, name) {
					return false
				}
			}
			names = append(names, name)
			if !plainJSON(f.Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
