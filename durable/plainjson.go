package durable

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// plainTypes tells which result types JSONSerdes gives back unchanged, so
// that a fresh step can return its body's value instead of decoding the
// text it has just encoded (the first run must see exactly what every
// replay will see). The Wrap's invocations share it; it remembers each
// type's answer.
type plainTypes struct {
	known sync.Map // reflect.Type → bool
}

// keeps reports whether decoding payload, serdes's encoding of a value of
// type t, gives that value back: serdes is JSONSerdes, t is plain (see
// plainJSON) and the text has no escape — encoding/json writes invalid
// UTF-8 in a string as the escape \ufffd, which decodes to another string.
func (p *plainTypes) keeps(serdes Serdes, t reflect.Type, payload []byte) bool {
	if p == nil || payload == nil || bytes.IndexByte(payload, '\\') >= 0 {
		return false
	}
	if _, ok := serdes.(JSONSerdes); !ok {
		return false
	}
	if v, ok := p.known.Load(t); ok {
		return v.(bool)
	}
	plain := plainJSON(t, 0)
	p.known.Store(t, plain)
	return plain
}

var (
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
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
