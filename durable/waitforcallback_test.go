package durable

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// WithSubmitterRetry is a WaitForCallbackOption only. Passing it to
// CreateCallback does not compile, because WaitForCallbackOption lacks the
// method that makes a CallbackOption:
//
//	CreateCallback[string](ctx, "cb", WithSubmitterRetry(NoRetry())) // compile error
//
// while every CallbackOption is also a WaitForCallbackOption (checked at
// compile time here).
var _ WaitForCallbackOption = WithCallbackTimeout(time.Second)

func TestWithSubmitterRetryIsNotACallbackOption(t *testing.T) {
	var opt any = WithSubmitterRetry(NoRetry())
	if _, ok := opt.(CallbackOption); ok {
		t.Fatal("WithSubmitterRetry's option is a CallbackOption")
	}
}

// waitForCallbackLog builds the records of a WaitForCallback named "wfc"
// at positional id "1": its context, callback "1-1" and submitter step
// "1-2".
func waitForCallbackLog(ctxStatus OperationStatus, ctxDetails *ContextDetails, cb *CallbackDetails, cbStatus OperationStatus, step *Operation) []Operation {
	ops := []Operation{executionOp(""), {Id: WireID("1"), Name: "wfc", Type: wire.OperationTypeContext, SubType: wire.SubTypeWaitForCallback,
		Status: ctxStatus, StartTimestamp: wire.At(testEpoch), ContextDetails: ctxDetails}}
	if cb != nil {
		ops = append(ops, Operation{Id: WireID("1-1"), ParentId: WireID("1"), Type: wire.OperationTypeCallback, SubType: wire.SubTypeCallback,
			Status: cbStatus, StartTimestamp: wire.At(testEpoch), CallbackDetails: cb})
	}
	if step != nil {
		ops = append(ops, *step)
	}
	return ops
}

func submitterStep(status OperationStatus) *Operation {
	return &Operation{Id: WireID("1-2"), ParentId: WireID("1"), Type: wire.OperationTypeStep, SubType: wire.SubTypeStep,
		Status: status, StartTimestamp: wire.At(testEpoch), StepDetails: &StepDetails{Attempt: 1, Result: wire.String("{}")}}
}

func TestWaitForCallbackFirstRun(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var got string
	h := func(ctx Context, _ any) (string, error) {
		return WaitForCallback[string](ctx, "wfc", func(sc StepContext, id string) error {
			got = id
			return nil
		}, WithCallbackTimeout(3*time.Second))
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	p, cb, st := WireID("1"), WireID("1-1"), WireID("1-2")
	want := [][]string{{"CONTEXT:START:" + p, "CALLBACK:START:" + cb}, {"STEP:START:" + st, "STEP:SUCCEED:" + st}}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	if got != "cb-"+cb {
		t.Errorf("submitter got %q, want the callback id", got)
	}
	ctxStart, cbStart, stepStart := f.calls[0].Updates[0], f.calls[0].Updates[1], f.calls[1].Updates[0]
	if ctxStart.Name != "wfc" || ctxStart.SubType != "WaitForCallback" || ctxStart.ParentId != "" {
		t.Errorf("context START %+v", ctxStart)
	}
	if cbStart.Name != "" || cbStart.ParentId != p || cbStart.SubType != "Callback" || cbStart.CallbackOptions.TimeoutSeconds != 3 {
		t.Errorf("callback START %+v", cbStart)
	}
	if stepStart.Name != "" || stepStart.ParentId != p || stepStart.SubType != "Step" {
		t.Errorf("step START %+v", stepStart)
	}
}

func TestWaitForCallbackReplayTable(t *testing.T) {
	started := func(cbStatus OperationStatus, d *CallbackDetails) []Operation {
		return waitForCallbackLog("STARTED", nil, d, cbStatus, submitterStep("SUCCEEDED"))
	}
	rejected := &ErrorObject{ErrorType: "RejectedError", ErrorMessage: "not approved"}
	callbackErr := func(check func(t *testing.T, err error)) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var ce *CallbackError
			if !errors.As(err, &ce) || ce.Name != "wfc" {
				t.Fatalf("error %#v, want a *CallbackError of wfc", err)
			}
			check(t, err)
		}
	}
	tests := []struct {
		name       string
		ops        []Operation
		submitter  func(StepContext, string) error
		opts       []WaitForCallbackOption
		wantCalls  [][]string
		wantStatus wire.InvocationStatus
		wantResult string
		noPayload  bool         // the CONTEXT SUCCEED update carries no payload
		wantFail   *ErrorObject // the CONTEXT FAIL update's error
		wantErr    func(t *testing.T, err error)
	}{
		{name: "callback still open suspends", ops: started("STARTED", &CallbackDetails{CallbackId: "id"}),
			wantCalls: [][]string{}, wantStatus: "PENDING"},
		{name: "callback succeeded closes the context", ops: started("SUCCEEDED", &CallbackDetails{CallbackId: "id", Result: wire.String(`ok`)}),
			wantCalls: [][]string{{"CONTEXT:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: `"ok"`},
		{name: "callback without result", ops: started("SUCCEEDED", &CallbackDetails{CallbackId: "id"}),
			wantCalls: [][]string{{"CONTEXT:SUCCEED"}}, wantStatus: "SUCCEEDED", wantResult: `""`, noPayload: true},
		{name: "succeeded context returns its record", ops: waitForCallbackLog("SUCCEEDED", &ContextDetails{Result: wire.String(`"plain"`)}, nil, "", nil),
			wantCalls: [][]string{}, wantStatus: "SUCCEEDED", wantResult: `"plain"`},
		{name: "callback failure is recorded as posted", ops: started("FAILED", &CallbackDetails{CallbackId: "id", Error: rejected}),
			wantCalls: [][]string{{"CONTEXT:FAIL"}}, wantStatus: "FAILED", wantFail: rejected,
			wantErr: callbackErr(func(t *testing.T, err error) {
				var ext *CallbackExternalError
				if !errors.As(err, &ext) || ext.ErrorType != "RejectedError" || ext.Message != "not approved" {
					t.Errorf("error %#v", err)
				}
			})},
		{name: "callback timeout", ops: started("TIMED_OUT", &CallbackDetails{CallbackId: "id", Error: &ErrorObject{ErrorType: "Callback.Timeout"}}),
			wantCalls: [][]string{{"CONTEXT:FAIL"}}, wantStatus: "FAILED", wantFail: &ErrorObject{ErrorType: "Callback.Timeout"},
			wantErr: callbackErr(func(t *testing.T, err error) {
				var te *CallbackTimeoutError
				if !errors.As(err, &te) || te.Heartbeat || !errors.Is(err, ErrCallbackTimedOut) {
					t.Errorf("error %#v", err)
				}
			})},
		{name: "failed context: heartbeat timeout", ops: waitForCallbackLog("FAILED", &ContextDetails{Error: &ErrorObject{ErrorType: "Callback.Heartbeat"}}, nil, "", nil),
			wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: callbackErr(func(t *testing.T, err error) {
				var te *CallbackTimeoutError
				if !errors.As(err, &te) || !te.Heartbeat {
					t.Errorf("error %#v", err)
				}
			})},
		{name: "failed context: external failure", ops: waitForCallbackLog("FAILED", &ContextDetails{Error: rejected}, nil, "", nil),
			wantCalls: [][]string{}, wantStatus: "FAILED",
			wantErr: callbackErr(func(t *testing.T, err error) {
				var ext *CallbackExternalError
				if !errors.As(err, &ext) || ext.ErrorType != "RejectedError" {
					t.Errorf("error %#v", err)
				}
			})},
		{name: "failed context: submitter", ops: waitForCallbackLog("FAILED", &ContextDetails{Error: &ErrorObject{ErrorType: "CallbackSubmitterError", ErrorMessage: "queue down"}}, nil, "", nil),
			wantCalls: [][]string{}, wantStatus: "FAILED", wantResult: "",
			wantErr: callbackErr(func(t *testing.T, err error) {
				var se *CallbackSubmitterError
				if !errors.As(err, &se) || se.Message != "queue down" {
					t.Errorf("error %#v", err)
				}
			})},
		{name: "submitter fails without retry", ops: []Operation{executionOp("")},
			submitter: func(StepContext, string) error { return errors.New("queue down") }, opts: []WaitForCallbackOption{WithSubmitterRetry(NoRetry())},
			wantCalls:  [][]string{{"CONTEXT:START", "CALLBACK:START"}, {"STEP:START", "STEP:FAIL"}, {"CONTEXT:FAIL"}},
			wantStatus: "FAILED", wantFail: &ErrorObject{ErrorType: "CallbackSubmitterError", ErrorMessage: "queue down"},
			wantErr: callbackErr(func(t *testing.T, err error) {
				var se *CallbackSubmitterError
				if !errors.As(err, &se) {
					t.Errorf("error %#v", err)
				}
			})},
		{name: "submitter retried", ops: []Operation{executionOp("")},
			submitter: func(StepContext, string) error { return errors.New("queue down") }, opts: []WaitForCallbackOption{WithSubmitterRetry(fixedDelay(2, time.Second))},
			wantCalls:  [][]string{{"CONTEXT:START", "CALLBACK:START"}, {"STEP:START", "STEP:RETRY"}},
			wantStatus: "PENDING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(tt.ops...)
			submitter := tt.submitter
			if submitter == nil {
				submitter = func(StepContext, string) error { t.Error("the submitter ran again"); return nil }
			}
			var gotErr error
			h := func(ctx Context, _ any) (string, error) {
				v, err := WaitForCallback[string](ctx, "wfc", submitter, tt.opts...)
				gotErr = err
				return v, err
			}
			out, err := invoke(t, h, envelope(t, "tok-0", tt.ops), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if got := stepActions(f); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("checkpoints = %v, want %v", got, tt.wantCalls)
			}
			if out.Status != tt.wantStatus {
				t.Fatalf("status %s, want %s (error %+v)", out.Status, tt.wantStatus, out.Error)
			}
			if tt.wantResult != "" && wire.Deref(out.Result) != tt.wantResult {
				t.Errorf("result %q, want %q", wire.Deref(out.Result), tt.wantResult)
			}
			for _, c := range f.calls {
				for _, u := range c.Updates {
					if u.Type == wire.OperationTypeContext && u.Action == "FAIL" && !reflect.DeepEqual(u.Error, tt.wantFail) {
						t.Errorf("CONTEXT FAIL error %+v, want %+v", u.Error, tt.wantFail)
					}
					if u.Type == wire.OperationTypeContext && u.Action == "SUCCEED" && tt.noPayload && u.Payload != nil {
						t.Errorf("CONTEXT SUCCEED payload %q, want none", *u.Payload)
					}
					if u.Type == wire.OperationTypeContext && u.Action == "SUCCEED" && tt.wantResult != "" && !tt.noPayload {
						// The context records the JSON encoding of the
						// callback's text, as the JS SDK does.
						if got := wire.Deref(u.Payload); got != tt.wantResult {
							t.Errorf("CONTEXT SUCCEED payload %q, want the callback's text as a JSON string %q", got, tt.wantResult)
						}
					}
				}
			}
			if tt.wantErr != nil {
				tt.wantErr(t, gotErr)
			}
		})
	}
}

func TestWaitForCallbackStructResult(t *testing.T) {
	type approval struct {
		Status string `json:"status"`
	}
	ops := waitForCallbackLog("STARTED", nil, &CallbackDetails{CallbackId: "id", Result: wire.String(`{"status": "approved"}`)}, "SUCCEEDED", submitterStep("SUCCEEDED"))
	f := newFakeClient(ops...)
	h := func(ctx Context, _ any) (string, error) {
		a, err := WaitForCallback[approval](ctx, "wfc", func(StepContext, string) error { return nil }, WithCallbackSerdes(JSONSerdes{}))
		return a.Status, err
	}
	out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"approved"` {
		t.Fatalf("%+v %v", out, err)
	}
	if p := wire.Deref(f.calls[0].Updates[0].Payload); p != `"{\"status\": \"approved\"}"` {
		t.Errorf("CONTEXT SUCCEED payload %q, want the posted text as a JSON string", p)
	}
}

func TestWaitForCallbackArgumentErrors(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		if _, err := WaitForCallback[string](ctx, "w", nil); err == nil {
			return "", errors.New("a nil submitter was accepted")
		}
		if _, err := WaitForCallback[string](ctx, "w", func(StepContext, string) error { return nil }, WithCallbackTimeout(-time.Second)); err == nil {
			return "", errors.New("a negative timeout was accepted")
		}
		return "ok", nil
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || len(f.calls) != 0 {
		t.Fatalf("%+v %v %v", out, err, f.actions())
	}
}

func TestErrorFromObjectRebuildsOperationErrors(t *testing.T) {
	tests := []struct {
		errorType string
		want      any
	}{
		{"InvokeError", &InvokeError{}},
		{"WaitForConditionError", &WaitForConditionError{}},
		{"CallbackError", &CallbackError{}},
		{"CallbackExternalError", &CallbackExternalError{}},
		{"CallbackTimeoutError", &CallbackTimeoutError{}},
		{"CallbackSubmitterError", &CallbackSubmitterError{}},
	}
	for _, tt := range tests {
		err := ErrorFromObject(ErrorObject{ErrorType: tt.errorType, ErrorMessage: "m"})
		if reflect.TypeOf(err) != reflect.TypeOf(tt.want) {
			t.Errorf("%s: rebuilt as %T", tt.errorType, err)
		}
		var oe *OperationError
		if !errors.As(err, &oe) || oe.ErrorType != tt.errorType || oe.Message != "m" {
			t.Errorf("%s: %#v", tt.errorType, err)
		}
		if errorObjectOf(err, false).ErrorType != tt.errorType {
			t.Errorf("%s: records as %s", tt.errorType, errorObjectOf(err, false).ErrorType)
		}
	}
}
