package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The checkpoint call's encoder and decoder, and the response envelope's
// encoder, must agree with encoding/json
// on every input: the tests below check them on tables of forms, the fuzz
// targets on arbitrary values and bytes.
//
//	go test -run '^$' -fuzz '^FuzzAppendCheckpointInput$' -fuzztime 20s ./wire
//	go test -run '^$' -fuzz '^FuzzDecodeCheckpointOutput$' -fuzztime 20s ./wire
//	go test -run '^$' -fuzz '^FuzzDecodeCheckpointInput$' -fuzztime 20s ./wire
//	go test -run '^$' -fuzz '^FuzzMarshalCheckpointOutput$' -fuzztime 20s ./wire

// awkwardStrings need escapes or are not valid UTF-8.
var awkwardStrings = []string{
	"", "plain", `{"json":"text","n":[1,2]}`, `back\slash "quote"`, "<tag> & </tag>",
	"\x00\x01\x1f\b\f\n\r\t\x7f", "héllo € 😀", "line\u2028sep\u2029", "bad \xff utf-8 \xe2\x82", "\xed\xa0\x80 surrogate half",
}

// checkpointInputs set every field of a checkpoint request, and leave
// each out.
func checkpointInputs() []CheckpointInput {
	all := OperationUpdate{Id: "s", ParentId: "p", Name: "step", Type: OperationTypeStep, SubType: SubTypeStep,
		Action: OperationActionRetry, Payload: String(`"r"`),
		Error:                &ErrorObject{ErrorType: "T", ErrorMessage: "m", ErrorData: "d", StackTrace: StackTrace{"a", "b"}},
		StepOptions:          &StepOptions{NextAttemptDelaySeconds: 3},
		WaitOptions:          &WaitOptions{WaitSeconds: 0},
		CallbackOptions:      &CallbackOptions{TimeoutSeconds: 5, HeartbeatTimeoutSeconds: 6},
		ChainedInvokeOptions: &ChainedInvokeOptions{FunctionName: "f", TenantId: "t", XAmznTraceId: "x"},
		ContextOptions:       &ContextOptions{ReplayChildren: true},
	}
	ins := []CheckpointInput{
		{},
		{DurableExecutionArn: "arn", CheckpointToken: "t", ClientToken: "c", Updates: []OperationUpdate{}},
		{CheckpointToken: "t", Updates: []OperationUpdate{all, {}, {Id: "x", Payload: String("")}}},
		{CheckpointToken: "t", Updates: []OperationUpdate{
			{Id: "e", Error: &ErrorObject{}},
			{Id: "e", Error: &ErrorObject{ErrorData: "only", StackTrace: StackTrace{}}},
			{Id: "e", Error: &ErrorObject{StackTrace: StackTrace{"only"}}},
			{Id: "c", CallbackOptions: &CallbackOptions{}},
			{Id: "c", CallbackOptions: &CallbackOptions{HeartbeatTimeoutSeconds: -1}},
			{Id: "c", ContextOptions: &ContextOptions{}, StepOptions: &StepOptions{NextAttemptDelaySeconds: -7}},
		}},
	}
	for _, s := range awkwardStrings {
		ins = append(ins, CheckpointInput{CheckpointToken: s, ClientToken: s, Updates: []OperationUpdate{{Id: s, ParentId: s, Name: s,
			Type: OperationType(s), SubType: s, Action: OperationAction(s), Payload: &s,
			Error:                &ErrorObject{ErrorType: s, ErrorMessage: s, ErrorData: s, StackTrace: StackTrace{s, s}},
			ChainedInvokeOptions: &ChainedInvokeOptions{FunctionName: s, TenantId: s, XAmznTraceId: s}}}})
	}
	return ins
}

func checkAppendAgrees(t *testing.T, in CheckpointInput) {
	t.Helper()
	want, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendCheckpointInput([]byte("prefix"), &in); string(got) != "prefix"+string(want) {
		t.Fatalf("AppendCheckpointInput(%+v):\n got %s\nwant prefix%s", in, got, want)
	}
}

func TestAppendCheckpointInputAgrees(t *testing.T) {
	for _, in := range checkpointInputs() {
		checkAppendAgrees(t, in)
	}
	for c := range 256 {
		s := string([]byte{byte(c)}) + string(rune(c))
		checkAppendAgrees(t, CheckpointInput{CheckpointToken: s})
	}
}

func FuzzAppendCheckpointInput(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s, s, -1, 0, true)
	}
	f.Fuzz(func(t *testing.T, s1, s2 string, n1, n2 int, b bool) {
		in := CheckpointInput{CheckpointToken: s1, ClientToken: s2, Updates: []OperationUpdate{
			{Id: s1, Name: s2, Type: OperationType(s2), Action: OperationAction(s1), Payload: &s2,
				Error:           &ErrorObject{ErrorMessage: s2, StackTrace: strings.Split(s1, "\n")},
				CallbackOptions: &CallbackOptions{TimeoutSeconds: n1, HeartbeatTimeoutSeconds: n2},
				WaitOptions:     &WaitOptions{WaitSeconds: n2},
				ContextOptions:  &ContextOptions{ReplayChildren: b}},
			{Id: s2, ParentId: s1, SubType: s1, StepOptions: &StepOptions{NextAttemptDelaySeconds: n1},
				ChainedInvokeOptions: &ChainedInvokeOptions{FunctionName: s1, XAmznTraceId: s2}},
		}}
		checkAppendAgrees(t, in)
		checkOutputEncodingAgrees(t, InvocationOutput{Status: InvocationStatus(s1), Result: &s2,
			Error: &ErrorObject{ErrorData: s1, StackTrace: StackTrace{s2}}})
	})
}

// checkOutputEncodingAgrees checks AppendInvocationOutput against a
// json.Encoder without HTML escaping.
func checkOutputEncodingAgrees(t *testing.T, o InvocationOutput) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o); err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(buf.String(), "\n")
	if got := AppendInvocationOutput([]byte("prefix"), &o); string(got) != "prefix"+want {
		t.Fatalf("AppendInvocationOutput(%+v):\n got %s\nwant prefix%s", o, got, want)
	}
}

func TestAppendInvocationOutputAgrees(t *testing.T) {
	outs := []InvocationOutput{
		{},
		{Status: InvocationStatusSucceeded, Result: String("")},
		{Status: InvocationStatusPending},
		{Status: InvocationStatusFailed, Error: &ErrorObject{}},
		{Status: InvocationStatusFailed, Result: String("r"), Error: &ErrorObject{ErrorType: "T", ErrorMessage: "m", ErrorData: "d", StackTrace: StackTrace{"a", "b"}}},
	}
	for _, s := range awkwardStrings {
		outs = append(outs, InvocationOutput{Status: InvocationStatus(s), Result: &s,
			Error: &ErrorObject{ErrorType: s, ErrorMessage: s, StackTrace: StackTrace{s}}})
	}
	for _, o := range outs {
		checkOutputEncodingAgrees(t, o)
	}
}

// checkpointOutputCases are answers of the checkpoint call; fast says
// whether the fast path must take them (false: it may fall back).
var checkpointOutputCases = []agreeCase{
	{"ack", `{"CheckpointToken":"token-1","NewExecutionState":{"Operations":[]}}`, true},
	{"ack without state", `{"CheckpointToken":"t"}`, true},
	{"no token", `{"NewExecutionState":{"Operations":[{"Id":"a","Type":"STEP","Status":"STARTED","StartTimestamp":1767225600000}]}}`, true},
	{"every field", `{"CheckpointToken":"tok","NewExecutionState":` + everyField[strings.Index(everyField, `{"Operations"`):strings.Index(everyField, `,
"UpdatedOperationIds"`)] + `}`, true},
	{"nulls", `{"CheckpointToken":null,"NewExecutionState":null}`, true},
	{"null operations", `{"NewExecutionState":{"Operations":null,"NextMarker":null}}`, true},
	{"unknown fields", ` {"Extra":[1,{}],"NewExecutionState":{"More":"x","Operations":[{"Id":"a","Unknown":null}]}} `, true},
	{"escapes", `{"CheckpointToken":"a\"b\u00e9\ud83d\ude00"}`, true},
	// Left to encoding/json: the result must still agree.
	{"state not an object", `{"NewExecutionState":[]}`, false},
	{"state a string", `{"NewExecutionState":"x"}`, false},
	{"repeated state", `{"NewExecutionState":{"NextMarker":"a"},"NewExecutionState":{"Operations":[]}}`, false},
	{"token in another case", `{"checkpointToken":"t"}`, false},
	{"wrong type", `{"CheckpointToken":1}`, false},
	{"truncated", `{"CheckpointToken":"t","NewExecutionState":{`, false},
	{"trailing data", `{} {}`, false},
	{"null", `null`, false},
	{"empty", ``, false},
}

// checkDecodeAgrees checks decode, and the fast path with fields,
// against json.Unmarshal into a zero T on payload, and returns whether the
// fast path took it. decode must start from zero: it is given stale.
func checkDecodeAgrees[T any](t *testing.T, payload []byte, fields []field[T], decode func([]byte, *T) error, stale T) bool {
	t.Helper()
	var want T
	wantErr := json.Unmarshal(payload, &want)

	var fast T
	tookFast := decodeTop(payload, &fast, fields)
	if tookFast && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("fast path on %q: %+v, encoding/json %+v (%v)", payload, fast, want, wantErr)
	}
	got := stale
	err := decode(payload, &got)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("decoding %q: error %v, encoding/json %v", payload, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decoding %q:\n got %+v\nwant %+v", payload, got, want)
	}
	return tookFast
}

// checkOutputAgrees checks DecodeCheckpointOutput against json.Unmarshal
// on payload and returns whether the fast path took it.
func checkOutputAgrees(t *testing.T, payload []byte) bool {
	t.Helper()
	return checkDecodeAgrees(t, payload, checkpointOutputFields, DecodeCheckpointOutput, CheckpointOutput{CheckpointToken: "stale"})
}

func TestDecodeCheckpointOutputAgrees(t *testing.T) {
	testAgrees(t, checkpointOutputCases, checkOutputAgrees)
}

func FuzzDecodeCheckpointOutput(f *testing.F) {
	for _, tc := range checkpointOutputCases {
		f.Add([]byte(tc.payload))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkOutputAgrees(t, payload)
	})
}

// checkpointInputCases are checkpoint request bodies; fast says whether
// the fast path must take them.
var checkpointInputCases = []agreeCase{
	{"step", `{"CheckpointToken":"t","Updates":[{"Id":"c4ca4238a0b92382","Name":"step-1","Type":"STEP","SubType":"Step","Action":"SUCCEED","Payload":"{\"i\":1,\"ok\":true}"}]}`, true},
	{"whitespace", " {\n \"CheckpointToken\" : \"t\" , \"Updates\" : [ { \"Id\" : \"a\" } ] } ", true},
	{"nulls", `{"CheckpointToken":null,"ClientToken":null,"Updates":[null,{"Id":null,"Payload":null,"Error":null,"StepOptions":{"NextAttemptDelaySeconds":null},"ContextOptions":{"ReplayChildren":null}}]}`, true},
	{"null updates", `{"CheckpointToken":"t","Updates":null}`, true},
	{"empty updates", `{"Updates":[]}`, true},
	{"empty", `{}`, true},
	{"unknown fields", `{"DurableExecutionArn":"not a field","X":[1,{"y":null}],"Updates":[{"Id":"a","Z":true}]}`, true},
	{"arn in another case", `{"durableexecutionarn":"x"}`, true},
	{"negative seconds", `{"Updates":[{"Id":"w","WaitOptions":{"WaitSeconds":-3}}]}`, true},
	// Left to encoding/json: the result must still agree.
	{"field in another case", `{"checkpointToken":"t"}`, false},
	{"repeated field", `{"Updates":[{"Id":"a","Id":"b"}]}`, false},
	{"fractional seconds", `{"Updates":[{"Id":"w","WaitOptions":{"WaitSeconds":1.5}}]}`, false},
	{"seconds overflow", `{"Updates":[{"Id":"w","WaitOptions":{"WaitSeconds":99999999999999999999}}]}`, false},
	{"updates not an array", `{"Updates":{}}`, false},
	{"options not an object", `{"Updates":[{"Id":"a","StepOptions":"x"}]}`, false},
	{"bool as string", `{"Updates":[{"Id":"a","ContextOptions":{"ReplayChildren":"true"}}]}`, false},
	{"truncated", `{"Updates":[{"Id":"a"}`, false},
	{"not an object", `[]`, false},
	{"null", `null`, false},
}

// checkInputDecodeAgrees checks DecodeCheckpointInput against
// json.Unmarshal on payload and returns whether the fast path took it.
func checkInputDecodeAgrees(t *testing.T, payload []byte) bool {
	t.Helper()
	return checkDecodeAgrees(t, payload, checkpointInputFields, DecodeCheckpointInput, CheckpointInput{ClientToken: "stale"})
}

// TestDecodeCheckpointInputAgrees checks DecodeCheckpointInput on the
// table and on what AppendCheckpointInput writes, which the fast path
// must take but for the awkward strings.
func TestDecodeCheckpointInputAgrees(t *testing.T) {
	testAgrees(t, checkpointInputCases, checkInputDecodeAgrees)
	for i, in := range checkpointInputs() {
		payload := AppendCheckpointInput(nil, &in)
		if fast := checkInputDecodeAgrees(t, payload); i < 4 && !fast {
			t.Fatalf("the fast path fell back on %s", payload)
		}
	}
}

func FuzzDecodeCheckpointInput(f *testing.F) {
	for _, tc := range checkpointInputCases {
		f.Add([]byte(tc.payload))
	}
	for _, in := range checkpointInputs() {
		f.Add(AppendCheckpointInput(nil, &in))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkInputDecodeAgrees(t, payload)
	})
}

// checkpointOutputs set every field of a checkpoint answer's records, and
// leave each out.
func checkpointOutputs() []CheckpointOutput {
	at := At(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	atMillis := At(time.Date(2026, 1, 1, 0, 0, 0, 123e6, time.UTC))
	errObj := &ErrorObject{ErrorType: "T", ErrorMessage: "<m>", ErrorData: "d", StackTrace: StackTrace{"a", "b"}}
	all := []Operation{
		{Id: "e", Type: OperationTypeExecution, Status: OperationStatusStarted, StartTimestamp: at,
			ExecutionDetails: &ExecutionDetails{InputPayload: String(`{"n":1}`)}},
		{Id: "s", ParentId: "p", Name: "step", Type: OperationTypeStep, SubType: SubTypeStep, Status: OperationStatusPending,
			StartTimestamp: atMillis, EndTimestamp: at,
			StepDetails: &StepDetails{Attempt: 2, NextAttemptTimestamp: atMillis, Result: String(`"r"`), Error: errObj}},
		{Id: "w", Type: OperationTypeWait, Status: OperationStatusStarted, WaitDetails: &WaitDetails{ScheduledEndTimestamp: at}},
		{Id: "c", Type: OperationTypeCallback, Status: OperationStatusFailed,
			CallbackDetails: &CallbackDetails{CallbackId: "cb", Result: String("1"), Error: errObj}},
		{Id: "i", Type: OperationTypeChainedInvoke, ChainedInvokeDetails: &ChainedInvokeDetails{Result: String(""), Error: &ErrorObject{}}},
		{Id: "x", Type: OperationTypeContext, ContextDetails: &ContextDetails{Result: String("3"), Error: errObj, ReplayChildren: true}},
		{Id: "empty details", ExecutionDetails: &ExecutionDetails{}, StepDetails: &StepDetails{}, WaitDetails: &WaitDetails{},
			CallbackDetails: &CallbackDetails{}, ChainedInvokeDetails: &ChainedInvokeDetails{}, ContextDetails: &ContextDetails{}},
		{Id: "only later members", StepDetails: &StepDetails{Error: &ErrorObject{}}, CallbackDetails: &CallbackDetails{Error: errObj},
			ContextDetails: &ContextDetails{ReplayChildren: true}},
		{},
	}
	outs := []CheckpointOutput{
		{},
		{CheckpointToken: "t", NewExecutionState: ExecutionState{Operations: []Operation{}}},
		{CheckpointToken: "t", NewExecutionState: ExecutionState{Operations: all, NextMarker: "m"}},
	}
	for _, s := range awkwardStrings {
		outs = append(outs, CheckpointOutput{CheckpointToken: s, NewExecutionState: ExecutionState{NextMarker: s, Operations: []Operation{
			{Id: s, ParentId: s, Name: s, Type: OperationType(s), SubType: s, Status: OperationStatus(s),
				StepDetails:     &StepDetails{Result: &s, Error: &ErrorObject{ErrorType: s, StackTrace: StackTrace{s}}},
				CallbackDetails: &CallbackDetails{CallbackId: s}}}}})
	}
	return outs
}

func checkMarshalOutputAgrees(t *testing.T, o CheckpointOutput) {
	t.Helper()
	want, wantErr := json.Marshal(o)
	got, err := MarshalCheckpointOutput(&o)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("MarshalCheckpointOutput(%+v) error %v, json.Marshal %v", o, err, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("MarshalCheckpointOutput(%+v):\n got %s\nwant %s", o, got, want)
	}
}

// TestMarshalCheckpointOutputAgrees checks MarshalCheckpointOutput
// against json.Marshal, and that in-range records take the appender.
func TestMarshalCheckpointOutputAgrees(t *testing.T) {
	for _, o := range checkpointOutputs() {
		checkMarshalOutputAgrees(t, o)
		if _, ok := appendCheckpointOutput(nil, &o); !ok {
			t.Fatalf("appendCheckpointOutput fell back on %+v", o)
		}
	}
	tooLate := At(time.Unix(millisThreshold, 0))
	for _, op := range []Operation{
		{Id: "a", StartTimestamp: tooLate},
		{Id: "a", EndTimestamp: &Timestamp{time.Unix(-1, 0)}},
		{Id: "a", StepDetails: &StepDetails{NextAttemptTimestamp: tooLate}},
		{Id: "a", WaitDetails: &WaitDetails{ScheduledEndTimestamp: tooLate}},
	} {
		o := CheckpointOutput{NewExecutionState: ExecutionState{Operations: []Operation{op}}}
		checkMarshalOutputAgrees(t, o)
	}
}

func FuzzMarshalCheckpointOutput(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s, s, int64(1767225600123), 2, true)
	}
	f.Fuzz(func(t *testing.T, s1, s2 string, ms int64, n int, b bool) {
		at := &Timestamp{time.UnixMilli(ms)}
		checkMarshalOutputAgrees(t, CheckpointOutput{CheckpointToken: s1, NewExecutionState: ExecutionState{NextMarker: s2, Operations: []Operation{
			{Id: s1, Name: s2, Type: OperationType(s2), Status: OperationStatus(s1), StartTimestamp: at,
				StepDetails:    &StepDetails{Attempt: n, NextAttemptTimestamp: at, Result: &s2, Error: &ErrorObject{ErrorMessage: s1}},
				ContextDetails: &ContextDetails{ReplayChildren: b}},
			{Id: s2, ParentId: s1, SubType: s1, WaitDetails: &WaitDetails{ScheduledEndTimestamp: at},
				CallbackDetails: &CallbackDetails{CallbackId: s1, Result: &s1}},
		}}})
	})
}

// BenchmarkEndpointCheckpointJSON is the local endpoint's JSON work per
// step of a sequential workflow: decode the step's checkpoint request and
// encode the answer (a new token and the step's record), by the hand
// decoder and encoder and by encoding/json.
func BenchmarkEndpointCheckpointJSON(b *testing.B) {
	at := At(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	req := AppendCheckpointInput(nil, &CheckpointInput{CheckpointToken: "4c7ef9e8-8bb4-425f-a494-c5d045d62ebd", Updates: []OperationUpdate{
		{Id: "c4ca4238a0b92382", Name: "step-1", Type: OperationTypeStep, SubType: SubTypeStep, Action: OperationActionSucceed,
			Payload: String(`{"i":1,"ok":true}`)}}})
	out := CheckpointOutput{CheckpointToken: "c81e728d-9d4c-4f63-a8b5-6f1e2d3c4b5a", NewExecutionState: ExecutionState{Operations: []Operation{
		{Id: "c4ca4238a0b92382", Name: "step-1", Type: OperationTypeStep, SubType: SubTypeStep, Status: OperationStatusSucceeded,
			StartTimestamp: at, EndTimestamp: at, StepDetails: &StepDetails{Attempt: 1, Result: String(`{"i":1,"ok":true}`)}}}}}
	for _, bc := range []struct {
		name   string
		decode func([]byte, *CheckpointInput) error
		encode func(*CheckpointOutput) ([]byte, error)
	}{
		{"wire", DecodeCheckpointInput, MarshalCheckpointOutput},
		{"encoding-json", func(data []byte, in *CheckpointInput) error { return json.Unmarshal(data, in) },
			func(o *CheckpointOutput) ([]byte, error) { return json.Marshal(o) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var in CheckpointInput
				if err := bc.decode(req, &in); err != nil {
					b.Fatal(err)
				}
				if _, err := bc.encode(&out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
