package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

func TestEnvelopeValidation(t *testing.T) {
	h := func(ctx Context, _ any) (string, error) { return "x", nil }
	for name, payload := range map[string]string{
		"not json":      `"hello"`,
		"plain event":   `{"orderId":"42"}`,
		"no token":      `{"DurableExecutionArn":"` + testARN + `"}`,
		"no arn":        `{"CheckpointToken":"t"}`,
		"empty strings": `{"DurableExecutionArn":"","CheckpointToken":""}`,
	} {
		_, err := Wrap(h, testOptions(newFakeClient())...)(context.Background(), []byte(payload))
		if err == nil || !strings.Contains(err.Error(), "is the function configured with DurableConfig?") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// TestEnvelopeTimestampForms decodes the same start time sent as an RFC 3339
// string, integer epoch milliseconds and fractional epoch seconds, and a
// stack trace sent as one string.
func TestEnvelopeTimestampForms(t *testing.T) {
	want := time.Date(2026, 1, 1, 0, 0, 0, 500_000_000, time.UTC)
	for name, ts := range map[string]string{
		"rfc3339":       `"2026-01-01T00:00:00.5Z"`,
		"epoch millis":  `1767225600500`,
		"epoch seconds": `1767225600.5`,
	} {
		payload := `{"DurableExecutionArn":"` + testARN + `","CheckpointToken":"t","InitialExecutionState":{"Operations":[
			{"Id":"exec-id-1","Type":"EXECUTION","Status":"STARTED","StartTimestamp":` + ts + `,"ExecutionDetails":{"InputPayload":"{\"n\":1}"}},
			{"Id":"` + WireID("1") + `","Name":"s","Type":"STEP","SubType":"Step","Status":"FAILED","StartTimestamp":` + ts + `,"EndTimestamp":` + ts + `,
			 "StepDetails":{"Attempt":1,"Error":{"ErrorType":"E","ErrorMessage":"m","StackTrace":"a\nb"}}}]}}`
		var start time.Time
		var stepErr *StepError
		h := func(ctx Context, in struct{ N int }) (int, error) {
			start = ExecutionStartTime(ctx)
			_, err := Step(ctx, "s", func(StepContext) (int, error) { return 0, nil })
			errors.As(err, &stepErr)
			return in.N, nil
		}
		out, err := invoke(t, h, []byte(payload), testOptions(newFakeClient())...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !start.Equal(want) || wire.Deref(out.Result) != "1" {
			t.Errorf("%s: start %v, result %q", name, start, wire.Deref(out.Result))
		}
		if stepErr == nil || !reflect.DeepEqual(stepErr.StackTrace, []string{"a", "b"}) {
			t.Errorf("%s: step error %+v", name, stepErr)
		}
	}
}

func TestEnvelopePaging(t *testing.T) {
	recorded := stepRecord("SUCCEEDED", 1, wire.String(`"from page 2"`), nil)
	f := newFakeClient()
	f.pages["m1"] = GetExecutionStateOutput{Operations: []Operation{executionOp(`{"N":5}`)}, NextMarker: "m2"}
	f.pages["m2"] = GetExecutionStateOutput{Operations: []Operation{recorded}}
	payload, _ := json.Marshal(InvocationInput{DurableExecutionArn: testARN, CheckpointToken: "seed",
		InitialExecutionState: &ExecutionState{Operations: []Operation{}, NextMarker: "m1"}})
	var input int
	h := func(ctx Context, in struct{ N int }) (string, error) {
		input = in.N
		return Step(ctx, "s", func(StepContext) (string, error) { return "ran", nil })
	}
	out, err := invoke(t, h, payload, testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	if input != 5 || wire.Deref(out.Result) != `"from page 2"` || len(f.calls) != 0 {
		t.Fatalf("input %d out %+v calls %v", input, out, f.actions())
	}
	want := []GetExecutionStateInput{
		{DurableExecutionArn: testARN, CheckpointToken: "seed", Marker: "m1", MaxItems: 1000},
		{DurableExecutionArn: testARN, CheckpointToken: "seed", Marker: "m2", MaxItems: 1000},
	}
	if !reflect.DeepEqual(f.states, want) {
		t.Fatalf("GetExecutionState calls %+v", f.states)
	}
}

func TestEnvelopePagingFailures(t *testing.T) {
	payload, _ := json.Marshal(InvocationInput{DurableExecutionArn: testARN, CheckpointToken: "seed",
		InitialExecutionState: &ExecutionState{NextMarker: "m1"}})
	h := func(ctx Context, _ any) (string, error) { return "x", nil }

	f := newFakeClient()
	f.stateErr = wire.NewAPIError(wire.ErrCodeService, "boom")
	if _, err := invoke(t, h, payload, testOptions(f)...); !isScope(err, ErrorScopeInvocation) {
		t.Errorf("5xx: %v", err)
	}
	f.stateErr = wire.NewAPIError(wire.ErrCodeResourceNotFound, "no such execution")
	out, err := invoke(t, h, payload, testOptions(f)...)
	if err != nil || out.Status != "FAILED" || out.Error.ErrorType != "CheckpointError" {
		t.Errorf("4xx: %+v %v", out, err)
	}
	f = newFakeClient()
	f.pages["m1"] = GetExecutionStateOutput{NextMarker: "m1"}
	if _, err := invoke(t, h, payload, testOptions(f)...); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("repeated marker: %v", err)
	}
}

func isScope(err error, s ErrorScope) bool {
	var ce *CheckpointError
	return errors.As(err, &ce) && ce.Scope() == s
}

func TestMissingInput(t *testing.T) {
	type in struct{ A string }
	for name, ops := range map[string][]Operation{
		"no payload":   {executionOp("")},
		"no execution": {},
	} {
		var got in
		got.A = "unset"
		h := func(ctx Context, e in) (string, error) { got = e; return "ok", nil }
		if _, err := invoke(t, h, envelope(t, "t", ops), testOptions(newFakeClient())...); err != nil {
			t.Fatal(err)
		}
		if got != (in{}) {
			t.Errorf("%s: event %+v", name, got)
		}
	}
}

func TestBadInputFailsTheExecution(t *testing.T) {
	h := func(ctx Context, e struct{ N int }) (string, error) { return "ok", nil }
	out, err := invoke(t, h, envelope(t, "t", []Operation{executionOp(`{"N":"nope"}`)}), testOptions(newFakeClient())...)
	if err != nil || out.Status != "FAILED" || out.Error.ErrorType != "SerdesError" {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestResponseEncoding(t *testing.T) {
	type page struct{ HTML string }
	tests := []struct {
		name string
		h    Handler[any, any]
		want string
	}{
		{"nil", func(Context, any) (any, error) { return nil, nil }, `{"Status":"SUCCEEDED","Result":"null"}`},
		{"nil pointer", func(Context, any) (any, error) { return (*page)(nil), nil }, `{"Status":"SUCCEEDED","Result":"null"}`},
		{"no html escaping", func(Context, any) (any, error) { return page{HTML: "<b>&</b>"}, nil }, `{"Status":"SUCCEEDED","Result":"{\"HTML\":\"<b>&</b>\"}"}`},
		{"failed", func(Context, any) (any, error) { return nil, errors.New("card declined") }, `{"Status":"FAILED","Error":{"ErrorType":"Error","ErrorMessage":"card declined"}}`},
		{"result not serializable", func(Context, any) (any, error) { return func() {}, nil }, ``},
	}
	for _, tt := range tests {
		raw, err := Wrap(tt.h, testOptions(newFakeClient())...)(lambdaCtx(), envelope(t, "t", []Operation{executionOp("")}))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.want == "" {
			var out InvocationOutput
			_ = json.Unmarshal(raw, &out)
			if out.Status != "FAILED" || out.Error.ErrorType != "SerdesError" {
				t.Errorf("%s: %s", tt.name, raw)
			}
			continue
		}
		if string(raw) != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, raw, tt.want)
		}
	}
}

func TestLargeResultIsCheckpointed(t *testing.T) {
	big := strings.Repeat("x", wire.MaxInlineResultBytes)
	for _, withToken := range []bool{true, false} {
		f := newFakeClient(executionOp(""))
		f.noTokenAt[1] = !withToken
		h := func(ctx Context, _ any) (string, error) { return big, nil }
		out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != "SUCCEEDED" || out.Result == nil || *out.Result != "" {
			t.Errorf("token %v: response %s %v", withToken, out.Status, out.Result != nil)
		}
		u := lastUpdate(f)
		if len(f.calls) != 1 || u.Id != "exec-id-1" || u.Type != "EXECUTION" || u.Action != "SUCCEED" || wire.Deref(u.Payload) != `"`+big+`"` {
			t.Errorf("token %v: update %s %s %s (calls %d)", withToken, u.Id, u.Type, u.Action, len(f.calls))
		}
	}
	// Just under the limit stays inline.
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) { return big[:wire.MaxInlineResultBytes-2], nil }
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || len(wire.Deref(out.Result)) != wire.MaxInlineResultBytes || len(f.calls) != 0 {
		t.Fatalf("inline: %v %d calls", err, len(f.calls))
	}
}

func TestLargeResultUsesExecutionIDFromARN(t *testing.T) {
	f := newFakeClient()
	big := strings.Repeat("y", wire.MaxInlineResultBytes)
	h := func(ctx Context, _ any) (string, error) { return big, nil }
	if _, err := invoke(t, h, envelope(t, "t", nil), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	if u := lastUpdate(f); u.Id != "exec-id-1" {
		t.Fatalf("id %q", u.Id)
	}
}

type valueErr struct{ msg string }

func (e valueErr) Error() string { return e.msg }

type genericErr[T any] struct{ v T }

func (e *genericErr[T]) Error() string { return fmt.Sprint(e.v) }

func TestErrorTypeNaming(t *testing.T) {
	stepErr := &StepError{OperationError: OperationError{ErrorType: "userErr", Message: "user error 1"}, Name: "s"}
	tests := []struct {
		err      error
		wantType string
		wantMsg  string
		wantData string
	}{
		{errors.New("plain"), "Error", "plain", ""},
		{fmt.Errorf("wrapped: %w", errors.New("x")), "Error", "wrapped: x", ""},
		{fmt.Errorf("two: %w %w", errors.New("a"), errors.New("b")), "Error", "two: a b", ""},
		{errors.Join(errors.New("a"), errors.New("b")), "Error", "a\nb", ""},
		{&userErr{code: 3}, "userErr", "user error 3", ""},
		{valueErr{"v"}, "valueErr", "v", ""},
		{&genericErr[int]{v: 4}, "genericErr", "4", ""},
		{fmt.Errorf("ctx: %w", &userErr{code: 1}), "Error", "ctx: user error 1", ""},
		{stepErr, "StepError", "user error 1", ""},
		{fmt.Errorf("charge: %w", stepErr), "StepError", "charge: user error 1", ""},
		{WithErrorData(&userErr{code: 2}, `{"k":1}`), "userErr", "user error 2", `{"k":1}`},
		{newNonDeterminismError("id", &Operation{Type: "WAIT"}, "STEP", "Step", "n"), "NonDeterministicExecutionError", "", ""},
	}
	for _, tt := range tests {
		obj := errorObjectOf(tt.err, true)
		if obj.ErrorType != tt.wantType || (tt.wantMsg != "" && obj.ErrorMessage != tt.wantMsg) || obj.ErrorData != tt.wantData {
			t.Errorf("%v: %+v", tt.err, obj)
		}
	}
	long := WithErrorData(errors.New("x"), strings.Repeat("d", maxErrorDataBytes+10))
	if got := errorObjectOf(long, true).ErrorData; len(got) != maxErrorDataBytes {
		t.Errorf("ErrorData not truncated: %d", len(got))
	}
	if WithErrorData(nil, "d") != nil {
		t.Error("WithErrorData(nil) != nil")
	}
}

func TestPanicInStepBodyRecordsTheStart(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (any, error) {
		return Step(ctx, "s", func(StepContext) (any, error) { panic("crash") })
	}
	if _, err := invoke(t, h, envelope(t, "t", f.log()), append(testOptions(f), WithStackTraces(false))...); err == nil {
		t.Fatal("no error")
	}
	if got := stepActions(f); !reflect.DeepEqual(got, [][]string{{"STEP:START"}}) {
		t.Fatalf("checkpoints %v", got)
	}
}

func TestRawHandlerPassesThrough(t *testing.T) {
	h := rawHandler(func(context.Context, []byte) ([]byte, error) { return []byte("out"), errors.New("plain") })
	out, err := h.Invoke(context.Background(), nil)
	if string(out) != "out" || err == nil || err.Error() != "plain" {
		t.Fatalf("%s %v", out, err)
	}
}

func TestContextAccessors(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) ([]string, error) {
		return []string{ctx.ExecutionArn(), ctx.RequestID(), ctx.InvokedFunctionARN(), fmt.Sprint(ctx.IsReplaying())}, nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal([]string{testARN, "req-1", "arn:aws:lambda:us-east-1:123456789012:function:orders:1", "false"})
	if wire.Deref(out.Result) != string(want) {
		t.Fatalf("%s", wire.Deref(out.Result))
	}
}

func TestWireIDVectors(t *testing.T) {
	for positional, want := range map[string]string{
		"1": "c4ca4238a0b92382", "2": "c81e728d9d4c2f63", "3": "eccbc87e4b5ce2fe",
		"1-1": "ea66c06c1e1c05fa", "1-2": "98c6f2c2287f4c73", "2-1": "8fbdbf5573b18fae", "3-2-1": "e9fa198e766d7b9b",
	} {
		if got := WireID(positional); got != want {
			t.Errorf("WireID(%q) = %s, want %s", positional, got, want)
		}
	}
	c := &execContext{positional: "3-2", inv: &invocation{}}
	if got := c.nextID(); got != WireID("3-2-1") {
		t.Errorf("child id %s", got)
	}
}

// TestRootIDs checks the wire ids rootIDs keeps against WireID, read and
// grown by several goroutines at once, and that the root's operations past
// maxRootIDs are hashed.
func TestRootIDs(t *testing.T) {
	var r rootIDs
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for n := 1; n <= 300; n++ {
				if got, want := r.get(n), WireID(strconv.Itoa(n)); got != want {
					t.Errorf("root id %d = %s, want %s", n, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := r.get(maxRootIDs + 1); got != "" {
		t.Errorf("root id %d kept: %s", maxRootIDs+1, got)
	}
	c := &execContext{inv: &invocation{opts: &handlerOptions{rootIDs: &r}}}
	for _, n := range []int{1, 2, maxRootIDs + 1} {
		c.counter = n - 1
		if got, want := c.nextID(), WireID(strconv.Itoa(n)); got != want {
			t.Errorf("root operation %d: id %s, want %s", n, got, want)
		}
	}
}

func TestLargeErrorIsCheckpointed(t *testing.T) {
	big := strings.Repeat("e", wire.MaxInlineResultBytes)
	for _, withToken := range []bool{true, false} {
		f := newFakeClient(executionOp(""))
		f.noTokenAt[1] = !withToken
		h := func(ctx Context, _ any) (string, error) { return "", errors.New(big) }
		raw, err := Wrap(h, testOptions(f)...)(lambdaCtx(), envelope(t, "t", f.log()))
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != `{"Status":"FAILED"}` {
			t.Errorf("token %v: response %.80s", withToken, raw)
		}
		u := lastUpdate(f)
		if len(f.calls) != 1 || u.Id != "exec-id-1" || u.Type != "EXECUTION" || u.Action != "FAIL" || u.Payload != nil ||
			u.Error == nil || u.Error.ErrorType != "Error" || u.Error.ErrorMessage != big {
			t.Errorf("token %v: update %s %s %s (calls %d)", withToken, u.Id, u.Type, u.Action, len(f.calls))
		}
	}
	// An error that fits stays in the envelope.
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) { return "", errors.New(big[:1000]) }
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "FAILED" || out.Error == nil || len(out.Error.ErrorMessage) != 1000 || len(f.calls) != 0 {
		t.Fatalf("inline: %v %+v %d calls", err, out.Status, len(f.calls))
	}
}

// User code that ends its goroutine with runtime.Goexit (t.FailNow in a
// step body, say) fails the invocation instead of leaving it waiting for
// an outcome nobody decides.
func TestGoexitFailsTheInvocation(t *testing.T) {
	tests := []struct {
		name string
		h    Handler[any, int]
	}{
		{"handler's goroutine", func(ctx Context, _ any) (int, error) {
			return Step(ctx, "s", func(StepContext) (int, error) { runtime.Goexit(); return 0, nil })
		}},
		{"a Go child", func(ctx Context, _ any) (int, error) {
			return Go(ctx, "g", func(Context) (int, error) { runtime.Goexit(); return 0, nil }).Result(ctx)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			out, err := invoke(t, tt.h, envelope(t, "tok-0", []Operation{executionOp("")}), testOptions(f)...)
			if !errors.Is(err, errGoexit) {
				t.Fatalf("got %+v, %v; want an invocation failure", out, err)
			}
		})
	}
}

// TestIsUpdated checks isUpdated against the envelope's
// UpdatedOperationIds, with few ids (compared one by one) and many (looked
// up in the map).
func TestIsUpdated(t *testing.T) {
	for _, n := range []int{0, 1, fewUpdatedIDs, fewUpdatedIDs + 1, 40} {
		in := InvocationInput{DurableExecutionArn: testARN, CheckpointToken: "t"}
		for i := range n {
			in.UpdatedOperationIds = append(in.UpdatedOperationIds, WireID(strconv.Itoa(i+1)))
		}
		inv := newInvocation(context.Background(), newHandlerOptions(nil), nil, &in, nil, slog.DiscardHandler)
		for i := range n + 2 {
			if got, want := inv.isUpdated(WireID(strconv.Itoa(i+1))), i < n; got != want {
				t.Errorf("%d ids: isUpdated(id of %d) = %v, want %v", n, i+1, got, want)
			}
		}
	}
}
