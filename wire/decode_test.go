package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The envelope decoder must agree with encoding/json on every input:
// FuzzDecodeInvocationInput checks it on arbitrary bytes, TestDecodeAgrees
// on a table of forms, and both check that the common forms take the
// fast path rather than the fallback.
//
//	go test -run '^$' -fuzz '^FuzzDecodeInvocationInput$' -fuzztime 20s ./wire

// decodeCases are envelopes and near-envelopes; fast says whether the
// fast path must take them (false: it may fall back).
var decodeCases = []agreeCase{
	{"minimal", `{"DurableExecutionArn":"arn","CheckpointToken":"t"}`, true},
	{"whitespace", " \t\r\n{ \"DurableExecutionArn\" : \"arn\" ,\n\"CheckpointToken\":\"t\" } \n", true},
	{"empty object", `{}`, true},
	{"whitespace in records", "{\"InitialExecutionState\":{\"Operations\":[{\"Id\" :\"a\", \"Name\": \"n\" ,\"Type\"\t: \"STEP\",\n\"StepDetails\":{ \"Attempt\" :1 , \"Result\":\"r\"} },{\"Id\":\"b\" }]}}", true},
	{"every field", everyField, true},
	{"escapes", `{"CheckpointToken":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac\ud83d\ude00","InitialExecutionState":{"Operations":[{"Id":"x","StepDetails":{"Result":"\"quoted\""}}]}}`, true},
	{"utf-8 text", `{"CheckpointToken":"héllo €","InitialExecutionState":{"Operations":[{"Id":"é"}]}}`, true},
	{"nulls", `{"DurableExecutionArn":null,"InitialExecutionState":{"Operations":[null,{"Id":null,"StartTimestamp":null,"StepDetails":null,"ContextDetails":{"Result":null,"ReplayChildren":null}}],"NextMarker":null},"UpdatedOperationIds":[null,"a"]}`, true},
	{"null state", `{"InitialExecutionState":null,"UpdatedOperationIds":null}`, true},
	{"empty arrays", `{"InitialExecutionState":{"Operations":[]},"UpdatedOperationIds":[]}`, true},
	{"timestamp forms", `{"InitialExecutionState":{"Operations":[{"Id":"a","StartTimestamp":1767225600,"EndTimestamp":1767225600.5},{"Id":"b","StartTimestamp":1767225600000,"EndTimestamp":"2026-01-01T00:00:00.25Z"},{"Id":"c","WaitDetails":{"ScheduledEndTimestamp":0}}]}}`, true},
	{"repeated timestamps", `{"InitialExecutionState":{"Operations":[{"Id":"a","StartTimestamp":1767225600,"EndTimestamp":1767225600},` +
		`{"Id":"b","StartTimestamp":17672256001,"EndTimestamp":1767225600 },{"Id":"c","StartTimestamp":"2026-01-01T00:00:00Z",` +
		`"EndTimestamp":"2026-01-01T00:00:00Z"},{"Id":"d","WaitDetails":{"ScheduledEndTimestamp":"2026-01-01T00:00:00Z"}}]}}`, true},
	{"unknown fields", `{"Extra":{"a":[1,2.5e-3,-0,true,false,null,"s\u0041"],"b":{}},"InitialExecutionState":{"Operations":[{"Id":"a","Unknown":[[],[{}]]}],"More":1}}`, true},
	{"stack trace forms", `{"InitialExecutionState":{"Operations":[{"Id":"a","StepDetails":{"Error":{"ErrorType":"E","StackTrace":["f1","f2"]}}},{"Id":"b","CallbackDetails":{"Error":{"StackTrace":"l1\nl2"}}},{"Id":"c","ChainedInvokeDetails":{"Error":{"StackTrace":null}}}]}}`, true},
	{"long strings", `{"InitialExecutionState":{"Operations":[{"Id":"a","Name":"` + strings.Repeat("n", 20000) + `","StepDetails":{"Result":"` +
		strings.Repeat(`\"é€`, 10000) + `"}},{"Id":"b","Type":"STEP","SubType":"MyType","Status":"SUCCEEDED"}]}}`, true},
	{"negative attempt", `{"InitialExecutionState":{"Operations":[{"Id":"a","StepDetails":{"Attempt":-0}},{"Id":"b","StepDetails":{"Attempt":-12}}]}}`, true},
	// Left to encoding/json: the result must still agree.
	{"null", `null`, false},
	{"field in another case", `{"checkpointtoken":"t","InitialExecutionState":{"Operations":[{"id":"a","STATUS":"STARTED"}]}}`, false},
	{"kelvin sign folds to k", "{\"Chec\u212apointToken\":\"t\"}", false},
	{"repeated field", `{"CheckpointToken":"a","CheckpointToken":"b"}`, false},
	{"repeated details merge", `{"InitialExecutionState":{"Operations":[{"Id":"a","StepDetails":{"Attempt":1},"StepDetails":{"Result":"r"}}]}}`, false},
	{"lone surrogate", `{"CheckpointToken":"\ud800x"}`, false},
	{"invalid utf-8", "{\"CheckpointToken\":\"\xff\"}", false},
	{"fractional attempt", `{"InitialExecutionState":{"Operations":[{"Id":"a","StepDetails":{"Attempt":1.5}}]}}`, false},
	{"attempt overflow", `{"InitialExecutionState":{"Operations":[{"Id":"a","StepDetails":{"Attempt":99999999999999999999}}]}}`, false},
	{"wrong type", `{"CheckpointToken":1}`, false},
	{"bad timestamp", `{"InitialExecutionState":{"Operations":[{"Id":"a","StartTimestamp":"yesterday"}]}}`, false},
	{"negative timestamp", `{"InitialExecutionState":{"Operations":[{"Id":"a","StartTimestamp":-1}]}}`, false},
	{"bad stack trace", `{"InitialExecutionState":{"Operations":[{"Id":"a","StepDetails":{"Error":{"StackTrace":7}}}]}}`, false},
	{"trailing comma", `{"CheckpointToken":"t",}`, false},
	{"trailing data", `{"CheckpointToken":"t"} x`, false},
	{"leading zero", `{"X":01}`, false},
	{"control character", "{\"CheckpointToken\":\"a\tb\"}", false},
	{"bad escape", `{"CheckpointToken":"\x"}`, false},
	{"truncated", `{"CheckpointToken":"t"`, false},
	{"deep nesting", `{"X":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, false},
	{"too deep for encoding/json", `{"X":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, false},
	{"empty", ``, false},
}

// everyField sets every field of the envelope's types.
const everyField = `{"DurableExecutionArn":"arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/n/e","CheckpointToken":"tok",
"InitialExecutionState":{"Operations":[
{"Id":"e","Type":"EXECUTION","Status":"STARTED","StartTimestamp":1767225600,"ExecutionDetails":{"InputPayload":"{\"n\":1}"}},
{"Id":"s","ParentId":"p","Name":"step","Type":"STEP","SubType":"Step","Status":"PENDING","StartTimestamp":1767225600.123,"EndTimestamp":1767225601,
 "StepDetails":{"Attempt":2,"NextAttemptTimestamp":1767225700,"Result":"\"r\"","Error":{"ErrorType":"T","ErrorMessage":"m","ErrorData":"d","StackTrace":["a","b"]}}},
{"Id":"w","Type":"WAIT","SubType":"Wait","Status":"STARTED","WaitDetails":{"ScheduledEndTimestamp":1767225800}},
{"Id":"c","Type":"CALLBACK","Status":"FAILED","CallbackDetails":{"CallbackId":"cb","Result":"1","Error":{"ErrorType":"X"}}},
{"Id":"i","Type":"CHAINED_INVOKE","Status":"SUCCEEDED","ChainedInvokeDetails":{"Result":"2","Error":{"ErrorMessage":"y"}}},
{"Id":"x","Type":"CONTEXT","Status":"SUCCEEDED","ContextDetails":{"Result":"3","Error":{"ErrorData":"z"},"ReplayChildren":true}}
],"NextMarker":"m"},
"UpdatedOperationIds":["w","c"]}`

// checkAgrees checks DecodeInvocationInput against json.Unmarshal on
// payload, and that a fast-path result equals encoding/json's. It
// returns whether the fast path took the payload.
func checkAgrees(t *testing.T, payload []byte) bool {
	t.Helper()
	var want InvocationInput
	wantErr := json.Unmarshal(payload, &want)

	orig := bytes.Clone(payload)
	defer func() {
		if !bytes.Equal(payload, orig) {
			t.Fatalf("decoding changed its input %q to %q", orig, payload)
		}
	}()
	var fast InvocationInput
	tookFast := decodeFast(payload, &fast)
	if tookFast {
		if wantErr != nil {
			t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", payload, wantErr)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("fast path on %q:\n got %s\nwant %s", payload, dump(fast), dump(want))
		}
	}

	got := InvocationInput{CheckpointToken: "stale"} // DecodeInvocationInput starts from zero
	err := DecodeInvocationInput(payload, &got)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("DecodeInvocationInput(%q) error %v, encoding/json %v", payload, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeInvocationInput(%q):\n got %s\nwant %s", payload, dump(got), dump(want))
	}
	return tookFast
}

// dump shows a decoded envelope with its pointers followed.
func dump(in InvocationInput) string {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Sprintf("%+v (%v)", in, err)
	}
	return string(b)
}

func TestDecodeAgrees(t *testing.T) {
	testAgrees(t, decodeCases, checkAgrees)
}

// agreeCase is a payload of a test that checks a decoder against
// json.Unmarshal; fast says whether the fast path must take it.
type agreeCase struct {
	name    string
	payload string
	fast    bool
}

// testAgrees runs check, which checks a decoder against json.Unmarshal on
// a payload and returns whether the fast path took it, on each case.
func testAgrees(t *testing.T, cases []agreeCase, check func(*testing.T, []byte) bool) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if fast := check(t, []byte(tc.payload)); tc.fast && !fast {
				t.Fatalf("the fast path fell back on %q", tc.payload)
			}
		})
	}
}

// TestDecodeFastOnEncoded checks that what encoding/json writes for the
// protocol's types (the emulator's envelopes) takes the fast path.
func TestDecodeFastOnEncoded(t *testing.T) {
	var in InvocationInput
	if err := json.Unmarshal([]byte(everyField), &in); err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !checkAgrees(t, payload) {
		t.Fatalf("the fast path fell back on the encoding of %s", payload)
	}
}

func FuzzDecodeInvocationInput(f *testing.F) {
	for _, tc := range decodeCases {
		if len(tc.payload) < 1000 {
			f.Add([]byte(tc.payload))
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkAgrees(t, payload)
	})
}

// replayEnvelope is an envelope of n succeeded steps after the EXECUTION
// record, like the one a replaying invocation receives.
func replayEnvelope(tb testing.TB, n int) []byte {
	tb.Helper()
	at := At(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ops := []Operation{{Id: "exec", Type: OperationTypeExecution, Status: OperationStatusStarted, StartTimestamp: at,
		ExecutionDetails: &ExecutionDetails{InputPayload: String(`{"n":1000}`)}}}
	for i := range n {
		ops = append(ops, Operation{Id: fmt.Sprintf("%016x", i), Name: fmt.Sprintf("step-%d", i), Type: OperationTypeStep,
			SubType: SubTypeStep, Status: OperationStatusSucceeded, StartTimestamp: at, EndTimestamp: at,
			StepDetails: &StepDetails{Attempt: 1, Result: String(fmt.Sprintf(`{"i":%d,"ok":true}`, i))}})
	}
	payload, err := json.Marshal(InvocationInput{DurableExecutionArn: "arn", CheckpointToken: "t",
		InitialExecutionState: &ExecutionState{Operations: ops}})
	if err != nil {
		tb.Fatal(err)
	}
	return payload
}

// BenchmarkDecodeInvocationInput compares the envelope decoder with
// encoding/json on an envelope of 1,000 step records; ns/record is the
// cost per operation record.
func BenchmarkDecodeInvocationInput(b *testing.B) {
	payload := replayEnvelope(b, 1000)
	for _, bc := range []struct {
		name   string
		decode func([]byte, *InvocationInput) error
	}{
		{"fast", DecodeInvocationInput},
		{"encoding-json", func(data []byte, in *InvocationInput) error { return json.Unmarshal(data, in) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				var in InvocationInput
				if err := bc.decode(payload, &in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1001), "ns/record")
		})
	}
}

// TestDecodeFastOnReplayEnvelope decodes replay envelopes whose strings
// fit in one chunk of text and in several.
func TestDecodeFastOnReplayEnvelope(t *testing.T) {
	for _, n := range []int{50, 500} {
		if !checkAgrees(t, replayEnvelope(t, n)) {
			t.Fatalf("the fast path fell back on a replay envelope of %d steps", n)
		}
	}
}

func TestCountIDKeys(t *testing.T) {
	for _, data := range []string{``, `"Id"`, `{"Id":"I","CallbackId":"x"}`, `"Id""Id"`, `I"Id`, `"I"d"Id`, string(replayEnvelope(t, 20))} {
		if got, want := countIDKeys([]byte(data)), bytes.Count([]byte(data), []byte(`"Id"`)); got != want {
			t.Errorf("countIDKeys(%.40q) = %d, want %d", data, got, want)
		}
	}
}

// TestDecodeSharesRepeatedTimestamps checks that records written in the
// same millisecond share one decoded timestamp.
func TestDecodeSharesRepeatedTimestamps(t *testing.T) {
	var in InvocationInput
	if err := DecodeInvocationInput(replayEnvelope(t, 3), &in); err != nil {
		t.Fatal(err)
	}
	ops := in.InitialExecutionState.Operations
	for _, op := range ops[1:] {
		if op.StartTimestamp != ops[0].StartTimestamp || op.EndTimestamp != ops[0].StartTimestamp {
			t.Fatalf("record %s: timestamps %p and %p, want %p, the first record's", op.Id, op.StartTimestamp, op.EndTimestamp, ops[0].StartTimestamp)
		}
	}
}
