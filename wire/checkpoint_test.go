package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The checkpoint call's encoder and decoder, and the response envelope's
// encoder, must agree with encoding/json
// on every input: the tests below check them on tables of forms, the fuzz
// targets on arbitrary values and bytes.
//
//	go test -run '^$' -fuzz '^FuzzAppendCheckpointInput$' -fuzztime 20s ./wire
//	go test -run '^$' -fuzz '^FuzzDecodeCheckpointOutput$' -fuzztime 20s ./wire

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
var checkpointOutputCases = []struct {
	name    string
	payload string
	fast    bool
}{
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

// checkOutputAgrees checks DecodeCheckpointOutput against json.Unmarshal
// on payload and returns whether the fast path took it.
func checkOutputAgrees(t *testing.T, payload []byte) bool {
	t.Helper()
	var want CheckpointOutput
	wantErr := json.Unmarshal(payload, &want)

	var fast CheckpointOutput
	tookFast := decodeTop(payload, &fast, checkpointOutputFields)
	if tookFast && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("fast path on %q: %+v, encoding/json %+v (%v)", payload, fast, want, wantErr)
	}
	got := CheckpointOutput{CheckpointToken: "stale"} // DecodeCheckpointOutput starts from zero
	err := DecodeCheckpointOutput(payload, &got)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("DecodeCheckpointOutput(%q) error %v, encoding/json %v", payload, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeCheckpointOutput(%q):\n got %+v\nwant %+v", payload, got, want)
	}
	return tookFast
}

func TestDecodeCheckpointOutputAgrees(t *testing.T) {
	for _, tc := range checkpointOutputCases {
		t.Run(tc.name, func(t *testing.T) {
			if fast := checkOutputAgrees(t, []byte(tc.payload)); tc.fast && !fast {
				t.Fatalf("the fast path fell back on %q", tc.payload)
			}
		})
	}
}

func FuzzDecodeCheckpointOutput(f *testing.F) {
	for _, tc := range checkpointOutputCases {
		f.Add([]byte(tc.payload))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkOutputAgrees(t, payload)
	})
}
