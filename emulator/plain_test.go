package emulator

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// TestInvokePlain invokes a plain function directly, as Lambda's Invoke
// does: the raw event in, the response or the function's error out, by
// name, alias, version or ARN, and unqualified.
func TestInvokePlain(t *testing.T) {
	svc, _ := newService(t, Config{})
	var seen []InvokeRequest
	var mu sync.Mutex
	if err := svc.RegisterFunction(Function{Name: "plain", Invoker: InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		mu.Lock()
		seen = append(seen, req)
		mu.Unlock()
		switch string(req.Payload) {
		case `"fail"`:
			return nil, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Boom", ErrorMessage: "it failed"}}
		case `"crash"`:
			return nil, errors.New("the runtime went away")
		case `"huge"`:
			return []byte(`"` + strings.Repeat("x", wire.MaxResponseBytes) + `"`), nil
		}
		return append([]byte(`{"got":`), append(req.Payload, '}')...), nil
	})}); err != nil {
		t.Fatal(err)
	}
	host(t, svc, "durable", func(*fake) (wire.InvocationOutput, error) { return succeeded(`null`), nil })

	const arn = "arn:aws:lambda:us-east-1:123456789012:function:plain"
	tests := []struct {
		name            string
		in              InvokeInput
		wantPayload     string
		wantErrorType   string // the function's error
		wantAPIError    string // Invoke's error code
		wantVersion     string
		wantFunctionArn string
	}{
		{name: "unqualified", in: InvokeInput{FunctionName: "plain", Payload: []byte(`{"a":1}`)},
			wantPayload: `{"got":{"a":1}}`, wantVersion: "$LATEST", wantFunctionArn: arn + ":$LATEST"},
		{name: "empty event", in: InvokeInput{FunctionName: "plain"},
			wantPayload: `{"got":{}}`, wantVersion: "$LATEST", wantFunctionArn: arn + ":$LATEST"},
		{name: "alias", in: InvokeInput{FunctionName: "plain:prod", Payload: []byte(`1`)},
			wantPayload: `{"got":1}`, wantVersion: "1", wantFunctionArn: arn + ":1"},
		{name: "qualifier apart", in: InvokeInput{FunctionName: "plain", Qualifier: "prod", Payload: []byte(`2`)},
			wantPayload: `{"got":2}`, wantVersion: "1", wantFunctionArn: arn + ":1"},
		{name: "qualified ARN", in: InvokeInput{FunctionName: arn + ":1", Payload: []byte(`3`)},
			wantPayload: `{"got":3}`, wantVersion: "1", wantFunctionArn: arn + ":1"},
		{name: "function error", in: InvokeInput{FunctionName: "plain:prod", Payload: []byte(`"fail"`)},
			wantErrorType: "Boom", wantVersion: "1", wantFunctionArn: arn + ":1"},
		{name: "runtime failure", in: InvokeInput{FunctionName: "plain", Payload: []byte(`"crash"`)},
			wantErrorType: "Runtime.Unknown", wantVersion: "$LATEST", wantFunctionArn: arn + ":$LATEST"},
		{name: "response too large", in: InvokeInput{FunctionName: "plain", Payload: []byte(`"huge"`)},
			wantErrorType: "Function.ResponseSizeTooLarge", wantVersion: "$LATEST", wantFunctionArn: arn + ":$LATEST"},
		{name: "unknown alias", in: InvokeInput{FunctionName: "plain:live"}, wantAPIError: wire.ErrCodeResourceNotFound},
		{name: "unknown function", in: InvokeInput{FunctionName: "nope"}, wantAPIError: wire.ErrCodeResourceNotFound},
		{name: "durable function", in: InvokeInput{FunctionName: "durable:prod"}, wantAPIError: wire.ErrCodeInvalidParameterValue},
		{name: "not JSON", in: InvokeInput{FunctionName: "plain", Payload: []byte(`{`)}, wantAPIError: wire.ErrCodeInvalidRequestContent},
		{name: "too large", in: InvokeInput{FunctionName: "plain", Payload: []byte(`"` + strings.Repeat("x", DefaultMaxAsyncInputBytes) + `"`), Async: true},
			wantAPIError: wire.ErrCodeRequestTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			out, err := svc.Invoke(context.Background(), tt.in)
			if tt.wantAPIError != "" {
				var apiErr *wire.APIError
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantAPIError {
					t.Fatalf("Invoke = %+v, %v; want %s", out, err, tt.wantAPIError)
				}
				if len(seen) != 0 {
					t.Errorf("the function was invoked: %+v", seen)
				}
				return
			}
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if out.ExecutedVersion != tt.wantVersion {
				t.Errorf("ExecutedVersion = %q, want %q", out.ExecutedVersion, tt.wantVersion)
			}
			if tt.wantErrorType != "" {
				if out.FunctionError == nil || out.FunctionError.ErrorType != tt.wantErrorType || out.Payload != nil {
					t.Errorf("Invoke = %+v, want the function error %s and no payload", out, tt.wantErrorType)
				}
			} else if out.FunctionError != nil || string(out.Payload) != tt.wantPayload {
				t.Errorf("Invoke = %s, %+v; want %s", out.Payload, out.FunctionError, tt.wantPayload)
			}
			if len(seen) != 1 || seen[0].FunctionArn != tt.wantFunctionArn || seen[0].RequestID == "" || seen[0].Deadline.IsZero() {
				t.Errorf("invocations = %+v, want one of %s with a request id and a deadline", seen, tt.wantFunctionArn)
			}
		})
	}
	if list, err := svc.ListExecutions(context.Background(), ListInput{FunctionName: "plain"}); err != nil || len(list.DurableExecutions) != 0 {
		t.Errorf("executions of the plain function = %+v, %v; want none", list, err)
	}
}

// TestInvokePlainAsync queues an Event invoke: Invoke returns before the
// function runs, and the service's driver runs it once.
func TestInvokePlainAsync(t *testing.T) {
	svc, _ := newService(t, Config{})
	var calls []string
	if err := svc.RegisterFunction(Function{Name: "plain", Invoker: InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		calls = append(calls, string(req.Payload)+" "+req.FunctionArn)
		if string(req.Payload) == `"fail"` {
			return nil, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Boom"}}
		}
		return []byte(`null`), nil
	})}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []InvokeInput{
		{FunctionName: "plain:prod", Payload: []byte(`{"n":1}`), Async: true},
		{FunctionName: "plain", Payload: []byte(`"fail"`), Async: true},
	} {
		out, err := svc.Invoke(context.Background(), in)
		if err != nil || out.Payload != nil || out.FunctionError != nil {
			t.Fatalf("Invoke(%+v) = %+v, %v; want no outcome yet", in, out, err)
		}
	}
	if len(calls) != 0 {
		t.Fatalf("ran before the service was driven: %v", calls)
	}
	if err := svc.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"n":1} arn:aws:lambda:us-east-1:123456789012:function:plain:1`,
		`"fail" arn:aws:lambda:us-east-1:123456789012:function:plain:$LATEST`,
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("invocations = %q, want %q", calls, want)
	}
	if ran, err := svc.RunNext(context.Background()); ran || err != nil {
		t.Errorf("RunNext after the queue ran = %v, %v; want nothing left (a failed Event invoke is not retried)", ran, err)
	}
}
