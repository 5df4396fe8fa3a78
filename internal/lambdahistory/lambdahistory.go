// Package lambdahistory converts durable-execution history events, and the
// executions they belong to, between the protocol's JSON types (package
// wire) and the AWS SDK for Go v2's Lambda types, which name the same
// members: durabletest reports the SDK's types, as the official SDK's test
// runner does, and durablectl's client commands read through the SDK's
// client, while the emulator and the tools' output work on the wire types.
package lambdahistory

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/wire"
)

// FromWire converts a wire event to the AWS SDK's type. Members are
// matched by name, at every depth: the SDK's per-event detail types
// (CallbackFailedDetails, ...) get the fields of the wire's shared ones
// (ErrorDetails, ...). An empty string or number becomes a nil pointer, as
// the SDK decodes an absent member.
func FromWire(ev wire.Event) types.Event {
	var out types.Event
	eventConverter()(reflect.ValueOf(&out).Elem(), reflect.ValueOf(ev), nil)
	return out
}

// eventConverter is the converter of FromWire.
var eventConverter = sync.OnceValue(func() converter {
	return converterFor(reflect.TypeFor[types.Event](), reflect.TypeFor[wire.Event]())
})

// FromWireAll converts a history with FromWire. The members the events
// point to are allocated in blocks shared by the history's events.
func FromWireAll(events []wire.Event) []types.Event {
	out := make([]types.Event, len(events))
	convert, a := eventConverter(), arena{}
	for i := range events {
		convert(reflect.ValueOf(&out[i]).Elem(), reflect.ValueOf(&events[i]).Elem(), a)
	}
	return out
}

// ToWire converts an AWS SDK event to the wire type (see viaJSON).
func ToWire(ev types.Event) (wire.Event, error) {
	return viaJSON[wire.Event](ev, "a "+string(ev.EventType)+" history event")
}

// ExecutionToWire converts GetDurableExecution's output to the wire type
// (see viaJSON).
func ExecutionToWire(out *lambda.GetDurableExecutionOutput) (wire.Execution, error) {
	return viaJSON[wire.Execution](out, "an execution")
}

// SummariesToWire converts entries of ListDurableExecutionsByFunction to
// the wire type (see viaJSON).
func SummariesToWire(list []types.Execution) ([]wire.ExecutionSummary, error) {
	return viaJSON[[]wire.ExecutionSummary](list, "a list of executions")
}

// viaJSON converts an AWS SDK value to the wire type W. The SDK's members
// encode to JSON under the wire's names (timestamps as RFC 3339, which
// wire.Timestamp accepts), so the conversion goes through JSON; what
// names the value for errors.
func viaJSON[W any](v any, what string) (W, error) {
	var w W
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	if err != nil {
		return w, fmt.Errorf("lambdahistory: converting %s: %w", what, err)
	}
	return w, nil
}

// ToWireAll converts a history with ToWire.
func ToWireAll(events []types.Event) ([]wire.Event, error) {
	out := make([]wire.Event, len(events))
	for i, ev := range events {
		w, err := ToWire(ev)
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

var (
	timestampType = reflect.TypeFor[wire.Timestamp]()
	timeType      = reflect.TypeFor[time.Time]()
)

// A converter stores a value of one type into a value of another; see
// compile for the rules.
type converter func(dst, src reflect.Value, a arena)

// typePair keys the converter cache.
type typePair struct{ dst, src reflect.Type }

// converters caches the converter of each pair of types: the members are
// matched by name once, not for every event.
var converters sync.Map // typePair → converter

// converterFor returns the cached converter from src to dst, compiling
// it on first use.
func converterFor(dst, src reflect.Type) converter {
	key := typePair{dst, src}
	if c, ok := converters.Load(key); ok {
		return c.(converter)
	}
	c, _ := converters.LoadOrStore(key, compile(dst, src, map[typePair]*converter{}))
	return c.(converter)
}

// compile returns the converter from src to dst: structs member by member
// (by name, at every depth), pointers allocated as needed, scalars
// converted between their named types (wire.OperationType to
// types.EventType, int to int32), and a wire.Timestamp as its time.Time.
// A nil source pointer or slice leaves dst as it is, and so does a zero
// scalar behind a destination pointer (an absent member). Types with no
// conversion panic when a value reaches them. building holds the
// converters being compiled, for recursive types.
func compile(dst, src reflect.Type, building map[typePair]*converter) converter {
	key := typePair{dst, src}
	if c, ok := building[key]; ok {
		return func(d, s reflect.Value, a arena) { (*c)(d, s, a) }
	}
	c := new(converter)
	building[key] = c
	*c = compilePointers(dst, src, building)
	return *c
}

// compilePointers is compile's handling of one pointer level on either
// side around compileValue.
func compilePointers(dst, src reflect.Type, building map[typePair]*converter) converter {
	srcPtr, dstPtr := src.Kind() == reflect.Pointer, dst.Kind() == reflect.Pointer
	if srcPtr {
		src = src.Elem()
	}
	if dstPtr {
		dst = dst.Elem()
	}
	inner := compileValue(dst, src, building)
	if !srcPtr && !dstPtr {
		return inner
	}
	scalar := src.Kind() != reflect.Struct
	return func(d, s reflect.Value, a arena) {
		if srcPtr {
			if s.IsNil() {
				return
			}
			s = s.Elem()
		}
		if dstPtr {
			if scalar && s.IsZero() {
				return // an absent scalar member
			}
			if d.IsNil() {
				d.Set(a.new(dst))
			}
			d = d.Elem()
		}
		inner(d, s, a)
	}
}

// compileValue is compile for types that are not pointers.
func compileValue(dst, src reflect.Type, building map[typePair]*converter) converter {
	switch {
	case src == timestampType && dst == timeType:
		f, _ := src.FieldByName("Time")
		return func(d, s reflect.Value, _ arena) { d.Set(s.FieldByIndex(f.Index)) }
	case src.Kind() == reflect.Struct && dst.Kind() == reflect.Struct:
		type member struct {
			dst     int
			src     []int // the index path of a promoted member, else nil
			srcAt   int
			nilable bool // a pointer or slice: nil leaves the member as it is
			convert converter
		}
		var members []member
		for i := range dst.NumField() {
			f := dst.Field(i)
			if !f.IsExported() {
				continue
			}
			if sf, ok := src.FieldByName(f.Name); ok {
				k := sf.Type.Kind()
				m := member{dst: i, srcAt: sf.Index[0], nilable: k == reflect.Pointer || k == reflect.Slice,
					convert: compile(f.Type, sf.Type, building)}
				if len(sf.Index) > 1 {
					m.src = sf.Index
				}
				members = append(members, m)
			}
		}
		return func(d, s reflect.Value, a arena) {
			for _, m := range members {
				var sv reflect.Value
				if m.src != nil {
					sv = s.FieldByIndex(m.src)
				} else {
					sv = s.Field(m.srcAt)
				}
				if m.nilable && sv.IsNil() {
					continue // most of an event's detail members
				}
				m.convert(d.Field(m.dst), sv, a)
			}
		}
	case src.Kind() == reflect.Slice && dst.Kind() == reflect.Slice:
		elem := compile(dst.Elem(), src.Elem(), building)
		return func(d, s reflect.Value, a arena) {
			if s.IsNil() {
				return
			}
			out := reflect.MakeSlice(dst, s.Len(), s.Len())
			for i := range s.Len() {
				elem(out.Index(i), s.Index(i), a)
			}
			d.Set(out)
		}
	case src == dst:
		return func(d, s reflect.Value, _ arena) { d.Set(s) }
	case src.Kind() == reflect.String && dst.Kind() == reflect.String:
		return func(d, s reflect.Value, _ arena) { d.SetString(s.String()) }
	case isInt(src.Kind()) && isInt(dst.Kind()):
		return func(d, s reflect.Value, _ arena) { d.SetInt(s.Int()) }
	case src.ConvertibleTo(dst):
		return func(d, s reflect.Value, _ arena) { d.Set(s.Convert(dst)) }
	default:
		return func(reflect.Value, reflect.Value, arena) {
			panic(fmt.Sprintf("lambdahistory: no conversion from %s to %s", src, dst))
		}
	}
}

// isInt reports whether k is a signed integer kind.
func isInt(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// An arena allocates the values a conversion's pointers point to, in
// blocks of each type: a history of thousands of events needs a few dozen
// allocations instead of several per event. A nil arena allocates each
// value on its own.
type arena map[reflect.Type]*block

// A block is a slice of values of one type, handed out in order.
type block struct {
	values reflect.Value
	next   int
}

// maxBlock caps the length of an arena's blocks, which double from 8.
const maxBlock = 1024

// new returns a pointer to a new zero value of type t.
func (a arena) new(t reflect.Type) reflect.Value {
	if a == nil {
		return reflect.New(t)
	}
	b := a[t]
	if b == nil || b.next == b.values.Len() {
		n := 8
		if b != nil {
			n = min(2*b.values.Len(), maxBlock)
		}
		b = &block{values: reflect.MakeSlice(reflect.SliceOf(t), n, n)}
		a[t] = b
	}
	b.next++
	return b.values.Index(b.next - 1).Addr()
}
