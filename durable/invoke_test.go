package durable

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// invokeRecord builds a CHAINED_INVOKE record at positional id "1" named
// "inv".
func invokeRecord(status OperationStatus, result *string, errObj *ErrorObject) Operation {
	return Operation{Id: WireID("1"), Name: "inv", Type: wire.OperationTypeChainedInvoke, SubType: wire.SubTypeChainedInvoke, Status: status,
		StartTimestamp: wire.At(testEpoch), ChainedInvokeDetails: &ChainedInvokeDetails{Result: result, Error: errObj}}
}

type invokeOut struct {
	Echo string `json:"echo"`
}

func TestInvokeReplayTable(t *testing.T) {
	boom := ErrorObject{ErrorType: "TargetError", ErrorMessage: "boom"}
	invokeErr := func(status OperationStatus, is error) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var ie *InvokeError
			var oe *OperationError
			if !errors.As(err, &ie) || !errors.As(err, &oe) {
				t.Fatalf("error %#v, want *InvokeError", err)
			}
			if ie.FunctionID != "target:1" || ie.Status != status || ie.Name != "inv" {
				t.Errorf("error %+v", ie)
			}
			for _, s := range []error{ErrInvokeTimedOut, ErrExecutionStopped, ErrExecutionCancelled} {
				if errors.Is(err, s) != (s == is) {
					t.Errorf("errors.Is(%v) = %v", s, !(s == is))
				}
			}
		}
	}
	tests := []struct {
		name       string
		rec        *Operation
		input      any
		opts       []InvokeOption
		wantCalls  [][]string
		wantStatus wire.InvocationStatus
		wantResult string
		wantOut    *ErrorObject
		wantErr    func(t *testing.T, err error)
		wantMsg    string
	}{
		{name: "new invoke suspends", input: "in", wantCalls: [][]string{{"CHAINED_INVOKE:START"}}, wantStatus: "PENDING"},
		{name: "started suspends", rec: ptr(invokeRecord("STARTED", nil, nil)), wantCalls: [][]string{}, wantStatus: "PENDING"},
		{name: "succeeded", rec: ptr(invokeRecord("SUCCEEDED", wire.String(`{"echo":"x"}`), nil)), wantCalls: [][]string{},
			wantStatus: "SUCCEEDED", wantResult: `{"echo":"x"}`},
		{name: "succeeded without result", rec: ptr(invokeRecord("SUCCEEDED", nil, nil)), wantCalls: [][]string{},
			wantStatus: "SUCCEEDED", wantResult: `{"echo":""}`},
		{name: "result serdes", rec: ptr(invokeRecord("SUCCEEDED", wire.String(`x`), nil)), wantCalls: [][]string{},
			opts: []InvokeOption{WithInvokeResultSerdes(SerdesOf(
				func(invokeOut) ([]byte, error) { return nil, errors.New("unused") },
				func(b []byte) (invokeOut, error) { return invokeOut{Echo: strings.ToUpper(string(b))}, nil }))},
			wantStatus: "SUCCEEDED", wantResult: `{"echo":"X"}`},
		{name: "undecodable result", rec: ptr(invokeRecord("SUCCEEDED", wire.String(`nope`), nil)), wantCalls: [][]string{},
			wantStatus: "FAILED", wantMsg: "deserialize"},
		{name: "failed", rec: ptr(invokeRecord("FAILED", nil, &boom)), wantCalls: [][]string{}, wantStatus: "FAILED",
			wantOut: &ErrorObject{ErrorType: "InvokeError", ErrorMessage: "boom"}, wantErr: invokeErr("FAILED", nil)},
		{name: "timed out", rec: ptr(invokeRecord("TIMED_OUT", nil, &boom)), wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: invokeErr("TIMED_OUT", ErrInvokeTimedOut)},
		{name: "stopped", rec: ptr(invokeRecord("STOPPED", nil, nil)), wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: invokeErr("STOPPED", ErrExecutionStopped), wantMsg: "ended with status STOPPED"},
		{name: "cancelled", rec: ptr(invokeRecord("CANCELLED", nil, nil)), wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: invokeErr("CANCELLED", ErrExecutionCancelled)},
		{name: "input over 1 MiB", input: strings.Repeat("x", wire.MaxInvokeInputBytes), wantCalls: [][]string{}, wantStatus: "FAILED",
			wantMsg: "the serialized input is 1048578 bytes; the limit is 1048576 bytes"},
		{name: "unserializable input", input: make(chan int), wantCalls: [][]string{}, wantStatus: "FAILED", wantMsg: "serialize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			if tt.rec != nil {
				ops = append(ops, *tt.rec)
			}
			f := newFakeClient(ops...)
			var gotErr error
			h := func(ctx Context, _ any) (invokeOut, error) {
				v, err := Invoke[invokeOut](ctx, "inv", "target:1", tt.input, tt.opts...)
				gotErr = err
				return v, err
			}
			out := invokeAndCheck(t, f, h, ops, tt.wantCalls, tt.wantStatus, tt.wantResult)
			if tt.wantOut != nil && !reflect.DeepEqual(out.Error, tt.wantOut) {
				t.Errorf("envelope error %+v, want %+v", out.Error, tt.wantOut)
			}
			if tt.wantMsg != "" && !strings.Contains(out.Error.ErrorMessage, tt.wantMsg) {
				t.Errorf("envelope error %+v, want a message with %q", out.Error, tt.wantMsg)
			}
			if tt.wantErr != nil {
				tt.wantErr(t, gotErr)
			}
		})
	}
}

func TestInvokeStartUpdate(t *testing.T) {
	upper := SerdesOf(func(s string) ([]byte, error) { return []byte(strings.ToUpper(s)), nil },
		func(b []byte) (string, error) { return string(b), nil })
	tests := []struct {
		name        string
		opts        []InvokeOption
		wantPayload string
		wantTenant  string
	}{
		{name: "default JSON", wantPayload: `"hello"`},
		{name: "payload serdes and tenant", opts: []InvokeOption{WithInvokePayloadSerdes(upper), WithTenantID("t-1")},
			wantPayload: `HELLO`, wantTenant: "t-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			h := func(ctx Context, _ any) (string, error) {
				return Invoke[string](ctx, "inv", "target:prod", "hello", tt.opts...)
			}
			if _, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil {
				t.Fatal(err)
			}
			u := f.calls[0].Updates[0]
			want := wire.ChainedInvokeOptions{FunctionName: "target:prod", TenantId: tt.wantTenant}
			if u.Id != WireID("1") || u.Name != "inv" || u.SubType != "ChainedInvoke" || wire.Deref(u.Payload) != tt.wantPayload ||
				u.ChainedInvokeOptions == nil || *u.ChainedInvokeOptions != want {
				t.Errorf("update %+v payload %q options %+v", u, wire.Deref(u.Payload), u.ChainedInvokeOptions)
			}
		})
	}
}

func TestInvokeArgumentErrors(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var second string
	h := func(ctx Context, _ any) (string, error) {
		if _, err := Invoke[string](ctx, "inv", "", 1); err == nil || !strings.Contains(err.Error(), "function id is empty") {
			return "", errors.New("missing function id accepted")
		}
		fut := InvokeAsync[string](ctx, "bad", "", 1)
		if _, err := fut.Result(ctx); err == nil {
			return "", errors.New("InvokeAsync accepted a missing function id")
		}
		// An argument error takes no id: the next operation is "1".
		return Step(ctx, "s", func(StepContext) (string, error) {
			second = "ran"
			return "ok", nil
		})
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || second != "ran" {
		t.Fatalf("%+v %v", out, err)
	}
	if got, want := f.actions(), [][]string{{"STEP:START:" + WireID("1"), "STEP:SUCCEED:" + WireID("1")}}; !reflect.DeepEqual(got, want) {
		t.Errorf("checkpoints %v, want %v", got, want)
	}
}

func TestInvokeAsync(t *testing.T) {
	tests := []struct {
		name      string
		await     bool
		wantCalls [][]string
		status    wire.InvocationStatus
	}{
		{name: "not awaited records nothing", wantCalls: [][]string{{"STEP:START:" + WireID("2"), "STEP:SUCCEED:" + WireID("2")}}, status: "SUCCEEDED"},
		{name: "awaited starts the invoke", await: true, wantCalls: [][]string{{"CHAINED_INVOKE:START:" + WireID("1")}}, status: "PENDING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			h := func(ctx Context, _ any) (string, error) {
				fut := InvokeAsync[string](ctx, "inv", "target:1", "x")
				if tt.await {
					return fut.Result(ctx)
				}
				return Step(ctx, "s", func(StepContext) (string, error) { return "ok", nil })
			}
			out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
			if err != nil || out.Status != tt.status {
				t.Fatalf("%+v %v", out, err)
			}
			if got := f.actions(); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("checkpoints %v, want %v", got, tt.wantCalls)
			}
		})
	}
}
