package lambdahistory

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/wire"
)

// fill sets every member of v, at every depth, to a non-zero value, so a
// conversion that drops or mistypes a member shows in a round trip.
func fill(v reflect.Value, n *int) {
	*n++
	switch {
	case v.Type() == timestampType:
		v.Set(reflect.ValueOf(wire.Timestamp{Time: time.UnixMilli(int64(1_700_000_000_000 + *n)).UTC()}))
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), n)
		fill(v.Index(1), n)
	case v.Kind() == reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)))
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.CanInt():
		v.SetInt(int64(*n))
	default:
		panic("fill: " + v.Type().String())
	}
}

func TestRoundTripKeepsEveryMember(t *testing.T) {
	var ev wire.Event
	n := 0
	fill(reflect.ValueOf(&ev).Elem(), &n)
	back, err := ToWire(FromWire(ev))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ev) {
		t.Errorf("round trip changed the event:\n got %+v\nwant %+v", back, ev)
	}
}

func TestFromWire(t *testing.T) {
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   wire.Event
		want types.Event
	}{
		{"absent members stay nil", wire.Event{EventType: wire.EventStepStarted, EventId: 2, Id: "a1",
			EventTimestamp: &wire.Timestamp{Time: at}, StepStartedDetails: &wire.EmptyDetails{}},
			types.Event{EventType: types.EventTypeStepStarted, EventId: aws.Int32(2), Id: aws.String("a1"),
				EventTimestamp: &at, StepStartedDetails: &types.StepStartedDetails{}}},
		{"shared details become the event's own type", wire.Event{EventType: wire.EventCallbackFailed,
			CallbackFailedDetails: &wire.ErrorDetails{Error: &wire.EventError{Payload: &wire.ErrorObject{ErrorType: "E", StackTrace: wire.StackTrace{"f"}}}}},
			types.Event{EventType: types.EventTypeCallbackFailed, CallbackFailedDetails: &types.CallbackFailedDetails{
				Error: &types.EventError{Payload: &types.ErrorObject{ErrorType: aws.String("E"), StackTrace: []string{"f"}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromWire(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FromWire = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestExecutionsToWireKeepEveryMember(t *testing.T) {
	n := 0
	var exec wire.Execution
	fill(reflect.ValueOf(&exec).Elem(), &n)
	var out lambda.GetDurableExecutionOutput
	copyValue(reflect.ValueOf(&out).Elem(), reflect.ValueOf(exec))
	got, err := ExecutionToWire(&out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exec) {
		t.Errorf("ExecutionToWire changed the execution:\n got %+v\nwant %+v", got, exec)
	}

	var list []wire.ExecutionSummary
	fill(reflect.ValueOf(&list).Elem(), &n)
	var sdk []types.Execution
	copyValue(reflect.ValueOf(&sdk).Elem(), reflect.ValueOf(list))
	gotList, err := SummariesToWire(sdk)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotList, list) {
		t.Errorf("SummariesToWire changed the list:\n got %+v\nwant %+v", gotList, list)
	}
}

// TestFromWireSeq checks that the blocks give every event its own
// members: the history converts as its events do one by one, and changing
// one event's member changes no other.
func TestFromWireSeq(t *testing.T) {
	events := make([]wire.Event, 40) // more than a first block of each type
	n := 0
	for i := range events {
		fill(reflect.ValueOf(&events[i]).Elem(), &n)
	}
	got := fromWireAll(events)
	for i, ev := range events {
		if want := FromWire(ev); !reflect.DeepEqual(got[i], want) {
			t.Fatalf("event %d: FromWireSeq gave %+v, FromWire %+v", i, got[i], want)
		}
	}
	*got[0].Id, *got[0].EventId = "changed", -1
	for i, ev := range got[1:] {
		if *ev.Id == "changed" || *ev.EventId == -1 {
			t.Fatalf("event %d shares a member with event 0", i+1)
		}
	}
}

// TestFromWireMatchesReflection checks FromWire against copyValue, which
// matches every member by name, on events with members set at random
// (the zero ones are absent members, which must stay nil).
func TestFromWireMatchesReflection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	events := make([]wire.Event, 500)
	n := 0
	for i := range events {
		fillSome(reflect.ValueOf(&events[i]).Elem(), &n, rng)
	}
	all := fromWireAll(events)
	for i, ev := range events {
		var want types.Event
		copyValue(reflect.ValueOf(&want).Elem(), reflect.ValueOf(ev))
		if got := FromWire(ev); !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d %+v:\nFromWire = %+v\n    want   %+v", i, ev, got, want)
		}
		if !reflect.DeepEqual(all[i], want) {
			t.Fatalf("event %d %+v:\nFromWireSeq = %+v\n    want        %+v", i, ev, all[i], want)
		}
	}
}

// fillSome is fill with each member, at every depth, set with
// probability 1/2 (a set number or string may still be zero).
func fillSome(v reflect.Value, n *int, rng *rand.Rand) {
	if v.Kind() != reflect.Struct || v.Type() == timestampType {
		if rng.IntN(2) == 0 {
			fill(v, n)
		}
		if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Elem().Type() != timestampType {
			v.Elem().SetZero()
			fillSome(v.Elem(), n, rng)
		}
		return
	}
	for i := range v.NumField() {
		if v.Type().Field(i).IsExported() {
			fillSome(v.Field(i), n, rng)
		}
	}
}

var (
	timestampType = reflect.TypeFor[wire.Timestamp]()
	timeType      = reflect.TypeFor[time.Time]()
)

// copyValue is the reference conversion FromWire is checked against (and
// builds the SDK's executions in tests): it stores src into dst, which
// have the same member names, by reflection: structs
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

// fromWireAll converts events with FromWireSeq.
func fromWireAll(events []wire.Event) []types.Event {
	return FromWireSeq(len(events), func(yield func(*wire.Event) bool) {
		for i := range events {
			if !yield(&events[i]) {
				return
			}
		}
	})
}
