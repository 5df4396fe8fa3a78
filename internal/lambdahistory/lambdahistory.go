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
	copyValue(reflect.ValueOf(&out).Elem(), reflect.ValueOf(ev))
	return out
}

// FromWireAll converts a history with FromWire.
func FromWireAll(events []wire.Event) []types.Event {
	out := make([]types.Event, len(events))
	for i, ev := range events {
		out[i] = FromWire(ev)
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

// copyValue stores src into dst, which have the same member names: structs
// member by member, pointers allocated as needed, scalars converted between
// their named types (wire.OperationType to types.EventType, int to int32),
// and a wire.Timestamp as its time.Time.
func copyValue(dst, src reflect.Value) {
	if src.Kind() == reflect.Pointer {
		if src.IsNil() {
			return
		}
		src = src.Elem()
	}
	if dst.Kind() == reflect.Pointer {
		if src.Kind() != reflect.Struct && src.IsZero() {
			return // an absent scalar member
		}
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		dst = dst.Elem()
	}
	switch {
	case src.Type() == timestampType && dst.Type() == timeType:
		dst.Set(src.FieldByName("Time"))
	case src.Kind() == reflect.Struct && dst.Kind() == reflect.Struct:
		for i := range dst.NumField() {
			f := dst.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if s := src.FieldByName(f.Name); s.IsValid() {
				copyValue(dst.Field(i), s)
			}
		}
	case src.Kind() == reflect.Slice && dst.Kind() == reflect.Slice:
		if src.IsNil() {
			return
		}
		out := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyValue(out.Index(i), src.Index(i))
		}
		dst.Set(out)
	case src.CanConvert(dst.Type()):
		dst.Set(src.Convert(dst.Type()))
	default:
		panic(fmt.Sprintf("lambdahistory: no conversion from %s to %s", src.Type(), dst.Type()))
	}
}
