package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// TestInvokePlainFunction invokes a function without DurableConfig
// through aws-sdk-go-v2 as Lambda answers it: the response, or the
// function's error with X-Amz-Function-Error; Event answers 202 and the
// function runs; no durable execution, and no execution name accepted.
func TestInvokePlainFunction(t *testing.T) {
	s := newStack(t)
	events := make(chan string, 1)
	if err := s.svc.RegisterFunction(emulator.Function{Name: "plain", Invoker: emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		var in struct{ Fail, Async bool }
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, err
		}
		switch {
		case in.Fail:
			return nil, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Boom", ErrorMessage: "asked to fail"}}
		case in.Async:
			events <- req.FunctionArn
		}
		return []byte(`{"ok":true}`), nil
	})}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, function, payload  string
		wantVersion, wantPayload string
		wantError                string // FunctionError
	}{
		{"unqualified", "plain", `{}`, "$LATEST", `{"ok":true}`, ""},
		{"alias", "plain:prod", `{}`, "1", `{"ok":true}`, ""},
		{"qualified ARN", "arn:aws:lambda:us-east-1:123456789012:function:plain:prod", `{}`, "1", `{"ok":true}`, ""},
		{"function error", "plain:prod", `{"fail":true}`, "1", `{"errorMessage":"asked to fail","errorType":"Boom"}`, "Unhandled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String(tt.function), Payload: []byte(tt.payload)})
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if out.StatusCode != 200 || aws.ToString(out.ExecutedVersion) != tt.wantVersion || aws.ToString(out.FunctionError) != tt.wantError ||
				out.DurableExecutionArn != nil {
				t.Errorf("Invoke = status %d, version %q, function error %q, execution %q; want 200, %q, %q and no execution",
					out.StatusCode, aws.ToString(out.ExecutedVersion), aws.ToString(out.FunctionError), aws.ToString(out.DurableExecutionArn), tt.wantVersion, tt.wantError)
			}
			var got, want any
			if json.Unmarshal(out.Payload, &got) != nil || json.Unmarshal([]byte(tt.wantPayload), &want) != nil || !jsonEqual(got, want) {
				t.Errorf("payload %s, want %s", out.Payload, tt.wantPayload)
			}
		})
	}

	t.Run("event", func(t *testing.T) {
		out, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("plain:prod"),
			InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"async":true}`)})
		if err != nil || out.StatusCode != 202 {
			t.Fatalf("Invoke Event = %+v, %v; want 202", out, err)
		}
		arn, err := testwait.Receive("the Event invoke runs", events)
		if err != nil {
			t.Fatal(err)
		}
		if arn != "arn:aws:lambda:us-east-1:123456789012:function:plain:1" {
			t.Errorf("invoked %s, want version 1 through the alias", arn)
		}
	})

	t.Run("durable execution name", func(t *testing.T) {
		_, err := s.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("plain:prod"),
			DurableExecutionName: aws.String("n-1"), Payload: []byte(`{}`)})
		if code := apiCode(err); code != wire.ErrCodeInvalidParameterValue {
			t.Errorf("Invoke with an execution name: %v; want %s", err, wire.ErrCodeInvalidParameterValue)
		}
	})
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
