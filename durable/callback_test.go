package durable

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// callbackRecord builds a CALLBACK record at positional id "1" named "cb".
func callbackRecord(status OperationStatus, result *string, errObj *ErrorObject) Operation {
	return Operation{Id: WireID("1"), Name: "cb", Type: wire.OperationTypeCallback, SubType: wire.SubTypeCallback, Status: status,
		StartTimestamp: wire.At(testEpoch), CallbackDetails: &CallbackDetails{CallbackId: "recorded-id", Result: result, Error: errObj}}
}

func TestCreateCallbackReplayTable(t *testing.T) {
	rejected := ErrorObject{ErrorType: "RejectedError", ErrorMessage: "not approved", ErrorData: "d"}
	tests := []struct {
		name       string
		rec        *Operation
		opts       []CallbackOption
		wantCalls  [][]string
		wantStatus wire.InvocationStatus
		wantID     string
		wantResult string
		wantErr    func(t *testing.T, err error)
		wantOut    *ErrorObject // the FAILED envelope's error
	}{
		{name: "new callback suspends", wantCalls: [][]string{{"CALLBACK:START"}}, wantStatus: "PENDING", wantID: "cb-" + WireID("1")},
		{name: "started callback suspends without a checkpoint", rec: ptr(callbackRecord("STARTED", nil, nil)),
			wantCalls: [][]string{}, wantStatus: "PENDING", wantID: "recorded-id"},
		{name: "JSON string result is decoded", rec: ptr(callbackRecord("SUCCEEDED", wire.String(`"abc"`), nil)), opts: []CallbackOption{WithCallbackSerdes(CallbackResultSerdes{})},
			wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantID: "recorded-id", wantResult: `"abc"`},
		{name: "plain text result is taken verbatim", rec: ptr(callbackRecord("SUCCEEDED", wire.String(`abc def`), nil)), opts: []CallbackOption{WithCallbackSerdes(CallbackResultSerdes{})},
			wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: `"abc def"`},
		{name: "no result is the zero value", rec: ptr(callbackRecord("SUCCEEDED", nil, nil)),
			wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: `""`},
		{name: "raw serdes keeps the quotes", rec: ptr(callbackRecord("SUCCEEDED", wire.String(`"abc"`), nil)),
			opts: []CallbackOption{WithCallbackSerdes(RawSerdes{})}, wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: `"\"abc\""`},
		{name: "external failure", rec: ptr(callbackRecord("FAILED", nil, &rejected)),
			wantCalls: [][]string{}, wantStatus: "FAILED",
			wantOut: &ErrorObject{ErrorType: "CallbackExternalError", ErrorMessage: "not approved", ErrorData: "d"},
			wantErr: func(t *testing.T, err error) {
				var ext *CallbackExternalError
				var base *CallbackError
				var oe *OperationError
				if !errors.As(err, &ext) || !errors.As(err, &base) || !errors.As(err, &oe) {
					t.Fatalf("error %#v does not match the callback error types", err)
				}
				if ext.ErrorType != "RejectedError" || ext.Message != "not approved" || ext.CallbackID != "recorded-id" || ext.Name != "cb" {
					t.Errorf("error %+v", ext)
				}
				if errors.Is(err, ErrCallbackTimedOut) {
					t.Error("a failure matches ErrCallbackTimedOut")
				}
			}},
		{name: "timeout", rec: ptr(callbackRecord("TIMED_OUT", nil, &ErrorObject{ErrorType: "Callback.Timeout", ErrorMessage: "timed out"})),
			wantCalls: [][]string{}, wantStatus: "FAILED", wantOut: &ErrorObject{ErrorType: "CallbackTimeoutError", ErrorMessage: "timed out"},
			wantErr: func(t *testing.T, err error) {
				var te *CallbackTimeoutError
				if !errors.As(err, &te) || te.Heartbeat || !errors.Is(err, ErrCallbackTimedOut) {
					t.Fatalf("error %#v, want a non-heartbeat timeout", err)
				}
			}},
		{name: "heartbeat timeout", rec: ptr(callbackRecord("TIMED_OUT", nil, &ErrorObject{ErrorType: "Callback.Heartbeat"})),
			wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: func(t *testing.T, err error) {
				var te *CallbackTimeoutError
				if !errors.As(err, &te) || !te.Heartbeat || !errors.Is(err, ErrCallbackTimedOut) {
					t.Fatalf("error %#v, want a heartbeat timeout", err)
				}
			}},
		{name: "cancelled", rec: ptr(callbackRecord("CANCELLED", nil, nil)),
			wantCalls: [][]string{}, wantStatus: "FAILED", wantOut: &ErrorObject{ErrorType: "CallbackError", ErrorMessage: `callback "cb" ended with status CANCELLED`},
			wantErr: func(t *testing.T, err error) {
				var ce *CallbackError
				var ext *CallbackExternalError
				if !errors.As(err, &ce) || errors.As(err, &ext) {
					t.Fatalf("error %#v, want a bare CallbackError", err)
				}
			}},
		{name: "recorded under another name", rec: ptr(func() Operation { op := callbackRecord("STARTED", nil, nil); op.Name = "other"; return op }()),
			wantCalls: [][]string{}, wantStatus: "FAILED", wantErr: func(t *testing.T, err error) {
				var nd *NonDeterministicExecutionError
				if !errors.As(err, &nd) {
					t.Fatalf("error %#v, want non-determinism", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			if tt.rec != nil {
				ops = append(ops, *tt.rec)
			}
			f := newFakeClient(ops...)
			var gotID string
			var gotErr error
			h := func(ctx Context, _ any) (string, error) {
				cb, err := CreateCallback[string](ctx, "cb", tt.opts...)
				if err != nil {
					gotErr = err
					return "", err
				}
				gotID = cb.ID()
				v, err := cb.Result(ctx)
				gotErr = err
				return v, err
			}
			out := invokeAndCheck(t, f, h, ops, tt.wantCalls, tt.wantStatus, "")
			if tt.wantID != "" && gotID != tt.wantID {
				t.Errorf("ID() = %q, want %q", gotID, tt.wantID)
			}
			if tt.wantResult != "" && wire.Deref(out.Result) != tt.wantResult {
				t.Errorf("result %q, want %q", wire.Deref(out.Result), tt.wantResult)
			}
			if tt.wantOut != nil && !reflect.DeepEqual(out.Error, tt.wantOut) {
				t.Errorf("envelope error %+v, want %+v", out.Error, tt.wantOut)
			}
			if tt.wantErr != nil {
				tt.wantErr(t, gotErr)
			}
		})
	}
}

func TestCreateCallbackOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    []CallbackOption
		want    *wire.CallbackOptions
		subType string
		wantErr string
	}{
		{name: "no timeouts", want: nil, subType: "Callback"},
		{name: "rounded up", opts: []CallbackOption{WithCallbackTimeout(4200 * time.Millisecond), WithCallbackHeartbeatTimeout(time.Minute)},
			want: &wire.CallbackOptions{TimeoutSeconds: 5, HeartbeatTimeoutSeconds: 60}, subType: "Callback"},
		{name: "heartbeat only", opts: []CallbackOption{WithCallbackHeartbeatTimeout(10 * time.Second)},
			want: &wire.CallbackOptions{HeartbeatTimeoutSeconds: 10}, subType: "Callback"},
		{name: "custom subtype", opts: []CallbackOption{WithCallbackSubType("Approval")}, subType: "Approval"},
		{name: "negative timeout", opts: []CallbackOption{WithCallbackTimeout(-time.Second)}, wantErr: "between 0 and 99999999 seconds"},
		{name: "huge heartbeat", opts: []CallbackOption{WithCallbackHeartbeatTimeout(100_000_000 * time.Second)}, wantErr: "between 0 and 99999999 seconds"},
		{name: "reserved subtype", opts: []CallbackOption{WithCallbackSubType("Step")}, wantErr: "subtype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			f := newFakeClient(ops...)
			h := func(ctx Context, _ any) (string, error) {
				_, err := CreateCallback[string](ctx, "cb", tt.opts...)
				return "", err
			}
			out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				if out.Status != "FAILED" || !strings.Contains(out.Error.ErrorMessage, tt.wantErr) || len(f.calls) != 0 {
					t.Fatalf("status %s error %+v calls %d, want a FAILED argument error with %q and no checkpoint", out.Status, out.Error, len(f.calls), tt.wantErr)
				}
				return
			}
			if len(f.calls) != 1 || len(f.calls[0].Updates) != 1 {
				t.Fatalf("calls %v, want one CALLBACK START", f.actions())
			}
			u := f.calls[0].Updates[0]
			if !reflect.DeepEqual(u.CallbackOptions, tt.want) || u.SubType != tt.subType || u.Name != "cb" || u.Action != "START" {
				t.Errorf("update %+v options %+v, want options %+v subtype %s", u, u.CallbackOptions, tt.want, tt.subType)
			}
		})
	}
}

// upperDeserializer reads a callback result as upper-case text.
type upperDeserializer struct{}

func (upperDeserializer) Unmarshal(_ context.Context, _ SerdesContext, data []byte, v any) error {
	*v.(*string) = strings.ToUpper(string(data))
	return nil
}

func TestCallbackDeserializerPrecedence(t *testing.T) {
	rec := callbackRecord("SUCCEEDED", wire.String(`"abc"`), nil)
	tests := []struct {
		name    string
		handler []HandlerOption
		opts    []CallbackOption
		want    string
	}{
		{name: "default reads the text verbatim", want: `"\"abc\""`},
		{name: "JSON-decoding serdes", opts: []CallbackOption{WithCallbackSerdes(CallbackResultSerdes{})}, want: `"abc"`},
		{name: "handler deserializer", handler: []HandlerOption{WithCallbackDeserializer(upperDeserializer{})}, want: `"\"ABC\""`},
		{name: "callback serdes wins", handler: []HandlerOption{WithCallbackDeserializer(upperDeserializer{})},
			opts: []CallbackOption{WithCallbackSerdes(RawSerdes{})}, want: `"\"abc\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp(""), rec}
			f := newFakeClient(ops...)
			h := func(ctx Context, _ any) (string, error) {
				cb, err := CreateCallback[string](ctx, "cb", tt.opts...)
				if err != nil {
					return "", err
				}
				return cb.Result(ctx)
			}
			out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f, tt.handler...)...)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != "SUCCEEDED" || wire.Deref(out.Result) != tt.want {
				t.Fatalf("status %s result %q error %+v, want %q", out.Status, wire.Deref(out.Result), out.Error, tt.want)
			}
		})
	}
}

func TestCallbackStructResultAndDeserializationFailure(t *testing.T) {
	type approval struct {
		Status string `json:"status"`
	}
	tests := []struct {
		name     string
		result   string
		opts     []CallbackOption
		want     approval
		wantType string
	}{
		{name: "object", result: `{"status": "approved"}`, opts: []CallbackOption{WithCallbackSerdes(JSONSerdes{})}, want: approval{Status: "approved"}},
		{name: "not JSON", result: `approved`, opts: []CallbackOption{WithCallbackSerdes(JSONSerdes{})}, wantType: "SerdesError"},
		{name: "struct without a serdes option", result: `{"status": "approved"}`, wantType: "SerdesError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp(""), callbackRecord("SUCCEEDED", wire.String(tt.result), nil)}
			f := newFakeClient(ops...)
			var got approval
			h := func(ctx Context, _ any) (approval, error) {
				cb, err := CreateCallback[approval](ctx, "cb", tt.opts...)
				if err != nil {
					return approval{}, err
				}
				got, err = cb.Result(ctx)
				return got, err
			}
			out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantType != "" {
				if out.Status != "FAILED" || out.Error.ErrorType != tt.wantType {
					t.Fatalf("status %s error %+v, want FAILED %s", out.Status, out.Error, tt.wantType)
				}
				return
			}
			if got != tt.want {
				t.Errorf("result %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestCallbackCompletesWhileCodeRuns: a callback that completes while
// other code runs is seen in a checkpoint response, without suspending.
func TestCallbackCompletesWhileCodeRuns(t *testing.T) {
	f := newFakeClient(executionOp(""))
	f.respond = func(n int) []Operation {
		if n < 2 {
			return nil
		}
		return []Operation{callbackRecord("SUCCEEDED", wire.String(`done`), nil)}
	}
	h := func(ctx Context, _ any) (string, error) {
		inv := ctx.impl().inv
		inv.mu.Lock()
		inv.running++ // a sibling that keeps running outside the SDK
		inv.mu.Unlock()
		go func() {
			// The queue's fallback sends the callback's START while
			// the sibling runs. Once the root waits for the callback, the sibling
			// checkpoints (here: a poll), then stops running.
			if err := testwait.For("the root waits for the callback", func() bool {
				inv.mu.Lock()
				defer inv.mu.Unlock()
				return len(inv.waits) > 0
			}); err != nil {
				t.Error(err)
			}
			inv.mu.Lock()
			defer inv.mu.Unlock()
			inv.pollLocked()
			inv.blockLocked()
		}()
		cb, err := CreateCallback[string](ctx, "cb")
		if err != nil {
			return "", err
		}
		return cb.Result(ctx)
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f, withFallbackTick(time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"done"` {
		t.Fatalf("status %s result %q error %+v", out.Status, wire.Deref(out.Result), out.Error)
	}
	want := [][]string{{"CALLBACK:START"}, {}}
	if got := stepActions(f); !reflect.DeepEqual(got, want) {
		t.Errorf("checkpoints %v, want %v", got, want)
	}
}

func TestCallbackResultSerdes(t *testing.T) {
	var s CallbackResultSerdes
	ctx := context.Background()
	var str string
	var raw json.RawMessage
	var bs []byte
	var n int
	tests := []struct {
		data string
		into any
		want any
	}{
		{`"abc"`, &str, "abc"},
		{` "a\"b" `, &str, `a"b`},
		{`abc`, &str, "abc"},
		{`"unterminated`, &str, `"unterminated`},
		{`{"a":1}`, &str, `{"a":1}`},
		{`{"a":1}`, &raw, json.RawMessage(`{"a":1}`)},
		{`"x"`, &bs, []byte(`"x"`)},
		{`42`, &n, 42},
	}
	for _, tt := range tests {
		if err := s.Unmarshal(ctx, SerdesContext{}, []byte(tt.data), tt.into); err != nil {
			t.Fatalf("Unmarshal(%s): %v", tt.data, err)
		}
		if got := reflect.ValueOf(tt.into).Elem().Interface(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", tt.data, got, tt.want)
		}
	}
	for _, v := range []any{"a\"b", 42, map[string]int{"a": 1}} {
		b, err := s.Marshal(ctx, SerdesContext{}, v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v))
		if err := s.Unmarshal(ctx, SerdesContext{}, b, back.Interface()); err != nil || !reflect.DeepEqual(back.Elem().Interface(), v) {
			t.Errorf("round trip of %#v gave %#v (%v)", v, back.Elem().Interface(), err)
		}
	}
	if b, _ := s.Marshal(ctx, SerdesContext{}, []byte("raw")); string(b) != "raw" {
		t.Errorf("Marshal([]byte) = %q", b)
	}
}
