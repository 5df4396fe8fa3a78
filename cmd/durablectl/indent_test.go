package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// FuzzAppendIndented checks appendIndented against json.Indent on the
// compact form of any valid JSON.
func FuzzAppendIndented(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `[{}, [], {"a": []}]`, `{"a":{"b":[1,2,{"c":null}]},"d":"x,y:{z}[]"}`,
		`"a \" quote, a \\ backslash\\"`, `{"\u003c":"\\\"}{"}`, `[true,false,null,-1.5e3,"é"]`, `  [1]  `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndented(nil, compact.Bytes(), "  "); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("appendIndented(%s)\n got %s\nwant %s", compact.Bytes(), got, want.Bytes())
		}
	})
}

// TestWriteJSONAsTheEncoder checks that writeJSON writes what a
// json.Encoder with SetIndent("", "  ") writes, HTML escapes included.
func TestWriteJSONAsTheEncoder(t *testing.T) {
	at := wire.At(time.Date(2026, 1, 1, 0, 0, 0, 5e6, time.UTC))
	result := `{"i":1,"ok":true}`
	long := runResult{Execution: wire.Execution{DurableExecutionArn: "long"}}
	for i := range 1000 { // longer than streamChunk, in pieces
		long.Events = append(long.Events, wire.Event{EventType: wire.EventStepSucceeded, EventId: i + 1, Id: "<s>", Name: fmt.Sprint("step-", i),
			EventTimestamp: at, StepSucceededDetails: &wire.StepSucceededDetails{Result: &wire.EventResult{Payload: &result}}})
	}
	for _, v := range []any{
		long,
		runResult{Events: []wire.Event{{EventType: "StepStarted", Id: "<a&b>"}}},
		runResult{},
		runResult{Execution: wire.Execution{DurableExecutionArn: "arn", Status: wire.ExecutionStatusSucceeded, StartTimestamp: at, Result: &result},
			Events: []wire.Event{
				{EventType: wire.EventStepStarted, EventId: 1, Id: "s", EventTimestamp: at, StepStartedDetails: &wire.EmptyDetails{}},
				{EventType: wire.EventStepSucceeded, EventId: 2, Id: "s", EventTimestamp: at,
					StepSucceededDetails: &wire.StepSucceededDetails{Result: &wire.EventResult{Payload: &result}, RetryDetails: &wire.RetryDetails{CurrentAttempt: 1}}},
			}},
		wire.HistoryOutput{Events: []wire.Event{{EventType: "StepStarted"}}},
	} {
		var got, want bytes.Buffer
		if err := writeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("writeJSON:\n%s\nthe encoder:\n%s", got.String(), want.String())
		}
	}
}
