package lambdahistory

import (
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
	convert(&out, exec)
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
	convert(&sdk, list)
	gotList, err := SummariesToWire(sdk)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotList, list) {
		t.Errorf("SummariesToWire changed the list:\n got %+v\nwant %+v", gotList, list)
	}
}

// convert stores src into *dst with the cached converter.
func convert[D, S any](dst *D, src S) {
	converterFor(reflect.TypeFor[D](), reflect.TypeFor[S]())(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src), arena{})
}

func TestRecursiveTypes(t *testing.T) {
	type wireNode struct {
		Value int
		Next  *wireNode
	}
	type sdkNode struct {
		Value *int32
		Next  *sdkNode
	}
	var got sdkNode
	convert(&got, wireNode{Value: 1, Next: &wireNode{Value: 2, Next: &wireNode{}}})
	want := sdkNode{Value: aws.Int32(1), Next: &sdkNode{Value: aws.Int32(2), Next: &sdkNode{}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("converted %+v, want %+v", got, want)
	}
}

// TestFromWireAll checks that the arena's blocks give every event its own
// members: the history converts as its events do one by one, and changing
// one event's member changes no other.
func TestFromWireAll(t *testing.T) {
	events := make([]wire.Event, 40) // more than a first block of each type
	n := 0
	for i := range events {
		fill(reflect.ValueOf(&events[i]).Elem(), &n)
	}
	got := FromWireAll(events)
	for i, ev := range events {
		if want := FromWire(ev); !reflect.DeepEqual(got[i], want) {
			t.Fatalf("event %d: FromWireAll gave %+v, FromWire %+v", i, got[i], want)
		}
	}
	*got[0].Id, *got[0].EventId = "changed", -1
	for i, ev := range got[1:] {
		if *ev.Id == "changed" || *ev.EventId == -1 {
			t.Fatalf("event %d shares a member with event 0", i+1)
		}
	}
}
