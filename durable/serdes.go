package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"
)

// SerdesContext tells a [Serdes] what it is serializing.
type SerdesContext struct {
	// OperationID is the wire id of the operation whose data this is
	// ("" for the execution's input and result).
	OperationID string
	// DurableExecutionArn is the execution's ARN.
	DurableExecutionArn string
}

// Serdes turns values into the strings the service stores and back. A
// failure is permanent (the step or execution fails with a SerdesError)
// unless the error is wrapped with [RetryableSerdesError].
type Serdes interface {
	// Marshal serializes v.
	Marshal(ctx context.Context, meta SerdesContext, v any) ([]byte, error)
	// Unmarshal deserializes data into v, a non-nil pointer.
	Unmarshal(ctx context.Context, meta SerdesContext, data []byte, v any) error
}

// JSONSerdes is the default Serdes: encoding/json without HTML escaping.
type JSONSerdes struct{}

// Marshal encodes v as JSON without HTML escaping and without a trailing
// newline.
func (JSONSerdes) Marshal(_ context.Context, _ SerdesContext, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || bytes.IndexByte(b, '\\') < 0 {
		// Without any escape there is no HTML escape to undo.
		return b, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b = buf.Bytes()
	return b[:len(b)-1], nil
}

// Unmarshal decodes JSON data into v.
func (JSONSerdes) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	return json.Unmarshal(data, v)
}

// unmarshalString deserializes recorded text with s. The default
// JSONSerdes reads the string in place, since encoding/json neither
// writes to its input nor keeps it; any other Serdes gets its own copy.
func unmarshalString(ctx context.Context, s Deserializer, meta SerdesContext, data string, v any) error {
	if _, ok := s.(JSONSerdes); ok {
		return json.Unmarshal(unsafe.Slice(unsafe.StringData(data), len(data)), v)
	}
	return s.Unmarshal(ctx, meta, []byte(data), v)
}

// encodeResult serializes *v with s: with plain (see plainTypes.encode,
// which writes into dst when it has room) when it can, else with
// s.Marshal. Either way the text and the error are those of s.
func encodeResult[O any](ctx context.Context, plain *plainTypes, s Serdes, meta SerdesContext, v *O, dst []byte) ([]byte, error) {
	if b, ok := plain.encode(s, reflect.TypeFor[O](), unsafe.Pointer(v), dst); ok {
		return b, nil
	}
	return s.Marshal(ctx, meta, *v)
}

// payloadText returns the text of payload, which s serialized: the bytes
// themselves for JSONSerdes, whose Marshal returns a buffer that nothing
// else holds or writes, else a copy (another Serdes may reuse its buffer).
func payloadText(s Serdes, payload []byte) string {
	if _, ok := s.(JSONSerdes); ok {
		return unsafe.String(unsafe.SliceData(payload), len(payload))
	}
	return string(payload)
}

// decodeResult deserializes recorded text with s into a new O: with plain
// (see plainTypes.decode) when it can, else with unmarshalString. Either
// way the value and the error are those of s.
func decodeResult[O any](ctx context.Context, plain *plainTypes, s Deserializer, meta SerdesContext, data string) (O, error) {
	var out O
	if plain.decode(s, reflect.TypeFor[O](), data, unsafe.Pointer(&out)) {
		return out, nil
	}
	var slow O
	err := unmarshalString(ctx, s, meta, data, &slow)
	return slow, err
}

// recordedPayload is the Payload an update records for payload, which s
// serialized: none when s produced nil (a result with no value, as the
// SDKs of other languages record an undefined result), else its text (see
// payloadText), kept in *slot, or in a new string when slot is nil.
func recordedPayload(s Serdes, payload []byte, slot *string) *string {
	if payload == nil {
		return nil
	}
	if slot == nil {
		slot = new(string)
	}
	*slot = payloadText(s, payload)
	return slot
}

// jsonMarshalText returns payload, JSONSerdes's text of a value (which
// has no escape: see plainTypes.textKept), as a string when it is also
// what json.Marshal gives for that value: the two differ only in '<', '>'
// and '&', which json.Marshal escapes. Else it returns "".
func jsonMarshalText(payload []byte) string {
	if bytes.ContainsAny(payload, "<>&") {
		return ""
	}
	return unsafe.String(unsafe.SliceData(payload), len(payload))
}

// RawSerdes passes text through unchanged. It handles string, []byte and
// json.RawMessage values (and pointers to them when deserializing). It is
// the default reader of callback results, as in the official SDK: a
// callback's posted text arrives verbatim (a callback posting "abc" with
// its quotes gives the string "abc" with its quotes), and a result of any
// other type needs [WithCallbackSerdes] — [JSONSerdes], or
// [CallbackResultSerdes] to accept both JSON and plain text.
type RawSerdes struct{}

// Marshal returns the bytes of a string, []byte or json.RawMessage.
func (RawSerdes) Marshal(_ context.Context, _ SerdesContext, v any) ([]byte, error) {
	switch t := v.(type) {
	case string:
		return []byte(t), nil
	case []byte:
		return t, nil
	case json.RawMessage:
		return t, nil
	}
	return nil, fmt.Errorf("durable: RawSerdes cannot serialize %T; want string, []byte or json.RawMessage", v)
}

// Unmarshal stores data into a *string, *[]byte or *json.RawMessage.
func (RawSerdes) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	switch t := v.(type) {
	case *string:
		*t = string(data)
	case *[]byte:
		*t = bytes.Clone(data)
	case *json.RawMessage:
		*t = bytes.Clone(data)
	default:
		return fmt.Errorf("durable: RawSerdes cannot deserialize into %T; want *string, *[]byte or *json.RawMessage", v)
	}
	return nil
}

// SerdesOf builds a Serdes for values of type T from a pair of functions.
// It fails for values of any other type.
func SerdesOf[T any](marshal func(T) ([]byte, error), unmarshal func([]byte) (T, error)) Serdes {
	return typedSerdes[T]{marshal: marshal, unmarshal: unmarshal}
}

type typedSerdes[T any] struct {
	marshal   func(T) ([]byte, error)
	unmarshal func([]byte) (T, error)
}

func (s typedSerdes[T]) Marshal(_ context.Context, _ SerdesContext, v any) ([]byte, error) {
	t, ok := v.(T)
	if !ok {
		var zero T
		return nil, fmt.Errorf("durable: serdes for %T cannot serialize %T", zero, v)
	}
	return s.marshal(t)
}

func (s typedSerdes[T]) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	p, ok := v.(*T)
	if !ok {
		var zero T
		return fmt.Errorf("durable: serdes for %T cannot deserialize into %T", zero, v)
	}
	t, err := s.unmarshal(data)
	if err != nil {
		return err
	}
	*p = t
	return nil
}
