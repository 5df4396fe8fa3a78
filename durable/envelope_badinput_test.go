package durable_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

const badInputARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/o-1/exec-1"

// countingClient accepts every checkpoint with a fresh token and counts
// the calls; it is enough for an invocation that must not reach the
// service, or reaches it only to record what the handler does.
type countingClient struct {
	mu    sync.Mutex
	calls int
	ups   []wire.OperationUpdate
}

func (c *countingClient) Checkpoint(_ context.Context, in durable.CheckpointInput) (durable.CheckpointOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.ups = append(c.ups, in.Updates...)
	return durable.CheckpointOutput{CheckpointToken: "next"}, nil
}

func (c *countingClient) GetExecutionState(context.Context, durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return durable.GetExecutionStateOutput{}, nil
}

func (c *countingClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

func execOpJSON(ts, input string) string {
	b, _ := json.Marshal(input)
	return `{"Id":"exec-1","Type":"EXECUTION","Status":"STARTED","StartTimestamp":` + ts + `,"ExecutionDetails":{"InputPayload":` + string(b) + `}}`
}

func envelopeJSON(ops ...string) string {
	return `{"DurableExecutionArn":"` + badInputARN + `","CheckpointToken":"seed","InitialExecutionState":{"Operations":[` + strings.Join(ops, ",") + `]}}`
}

// TestMalformedEnvelope: an envelope that is not valid JSON, lacks the
// ARN or the token, or holds ill-typed members is an invocation failure
// (protocol §1.1 rule 1): Wrap returns an error and no response, the
// handler does not run and the service is not called.
func TestMalformedEnvelope(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		// want is a fragment the error message must contain.
		want string
	}{
		{"empty payload", ``, "not a durable-execution envelope"},
		{"JSON null", `null`, "no DurableExecutionArn or CheckpointToken"},
		{"JSON array", `[1,2]`, "cannot unmarshal array"},
		{"JSON string", `"hello"`, "cannot unmarshal string"},
		{"truncated JSON", `{"DurableExecutionArn":"` + badInputARN, "unexpected end of JSON input"},
		{"trailing garbage", envelopeJSON() + `}`, "invalid character"},
		{"a plain event", `{"orderId":"42"}`, "no DurableExecutionArn or CheckpointToken"},
		{"no ARN", `{"CheckpointToken":"seed"}`, "no DurableExecutionArn or CheckpointToken"},
		{"no token", `{"DurableExecutionArn":"` + badInputARN + `"}`, "no DurableExecutionArn or CheckpointToken"},
		{"empty ARN and token", `{"DurableExecutionArn":"","CheckpointToken":""}`, "no DurableExecutionArn or CheckpointToken"},
		{"ARN of the wrong type", `{"DurableExecutionArn":7,"CheckpointToken":"seed"}`, "DurableExecutionArn"},
		{"token of the wrong type", `{"DurableExecutionArn":"` + badInputARN + `","CheckpointToken":{}}`, "CheckpointToken"},
		{"operations not a list", `{"DurableExecutionArn":"` + badInputARN + `","CheckpointToken":"seed","InitialExecutionState":{"Operations":{}}}`, "Operations"},
		{"updated ids not strings", `{"DurableExecutionArn":"` + badInputARN + `","CheckpointToken":"seed","UpdatedOperationIds":[1]}`, "UpdatedOperationIds"},
		{"timestamp in words", envelopeJSON(execOpJSON(`"yesterday"`, `{}`)), `timestamp "yesterday" is not RFC 3339`},
		{"timestamp as a boolean", envelopeJSON(execOpJSON(`true`, `{}`)), "timestamp true"},
		{"negative timestamp", envelopeJSON(execOpJSON(`-5`, `{}`)), "timestamp -5"},
		{"timestamp as an object", envelopeJSON(execOpJSON(`{}`, `{}`)), "timestamp {}"},
		{"step attempt as a string", envelopeJSON(execOpJSON(`1767225600`, `{}`),
			`{"Id":"`+durable.WireID("1")+`","Type":"STEP","Status":"READY","StepDetails":{"Attempt":"1"}}`), "Attempt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &countingClient{}
			ran := false
			fn := durable.Wrap(func(ctx durable.Context, in any) (string, error) {
				ran = true
				return "ran", nil
			}, durable.WithExecutionClient(client), durable.WithLogHandler(slog.DiscardHandler))
			out, err := fn(context.Background(), []byte(tt.payload))
			if err == nil {
				t.Fatalf("accepted: response %s", out)
			}
			if out != nil {
				t.Errorf("returned a response %s with the error; an invocation failure has none", out)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			var ce *durable.CheckpointError
			var pe *durable.PanicError
			if errors.As(err, &ce) || errors.As(err, &pe) {
				t.Errorf("error %T: a malformed envelope is neither a checkpoint failure nor a panic", err)
			}
			if ran || client.count() != 0 {
				t.Errorf("handler ran: %v, service calls: %d; want neither", ran, client.count())
			}
		})
	}
}

// TestEnvelopeTimestampsEitherForm: the envelope's timestamps decode from
// RFC 3339 strings (any offset), integer epoch milliseconds and fractional
// epoch seconds to the same instant (protocol §1.1), and a null one to
// none.
func TestEnvelopeTimestampsEitherForm(t *testing.T) {
	want := time.Date(2026, 1, 1, 0, 0, 0, 250_000_000, time.UTC)
	tests := []struct {
		name, ts string
		want     time.Time
	}{
		{"RFC 3339 UTC", `"2026-01-01T00:00:00.25Z"`, want},
		{"RFC 3339 with an offset", `"2025-12-31T19:00:00.250-05:00"`, want},
		{"RFC 3339 with nanoseconds", `"2026-01-01T00:00:00.250000000Z"`, want},
		{"epoch milliseconds", `1767225600250`, want},
		{"epoch seconds", `1767225600.25`, want},
		{"epoch milliseconds as a float", `1767225600250.0`, want},
		{"whole epoch seconds", `1767225600`, want.Truncate(time.Second)},
		{"null", `null`, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got time.Time
			fn := durable.Wrap(func(ctx durable.Context, in struct{ N int }) (int, error) {
				got = durable.ExecutionStartTime(ctx)
				return in.N, nil
			}, durable.WithExecutionClient(&countingClient{}), durable.WithLogHandler(slog.DiscardHandler))
			out, err := fn(context.Background(), []byte(envelopeJSON(execOpJSON(tt.ts, `{"N":3}`))))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ExecutionStartTime = %v, want %v", got, tt.want)
			}
			if string(out) != `{"Status":"SUCCEEDED","Result":"3"}` {
				t.Errorf("response %s", out)
			}
		})
	}
}

// TestUndecodableHandlerInput: an input the handler's type cannot hold
// fails the execution (a FAILED response with a SerdesError), before any
// operation; retrying could not help.
func TestUndecodableHandlerInput(t *testing.T) {
	type order struct {
		ID    string `json:"id"`
		Items []int  `json:"items"`
	}
	for name, input := range map[string]string{
		"not JSON":            `{"id":`,
		"a string":            `"order-1"`,
		"wrong member type":   `{"id":42}`,
		"wrong element type":  `{"id":"o","items":["x"]}`,
		"trailing characters": `{"id":"o"} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			client := &countingClient{}
			ran := false
			fn := durable.Wrap(func(ctx durable.Context, in order) (string, error) {
				ran = true
				return in.ID, nil
			}, durable.WithExecutionClient(client), durable.WithLogHandler(slog.DiscardHandler))
			out, err := fn(context.Background(), []byte(envelopeJSON(execOpJSON(`1767225600`, input))))
			if err != nil {
				t.Fatalf("invocation failure %v; undecodable input is terminal", err)
			}
			var env wire.InvocationOutput
			if err := json.Unmarshal(out, &env); err != nil {
				t.Fatal(err)
			}
			if env.Status != wire.InvocationStatusFailed || env.Error == nil || env.Error.ErrorType != "SerdesError" ||
				!strings.Contains(env.Error.ErrorMessage, "execution input") {
				t.Errorf("response %s, want FAILED with a SerdesError about the execution input", out)
			}
			if ran || client.count() != 0 {
				t.Errorf("handler ran: %v, service calls: %d", ran, client.count())
			}
		})
	}
}

// TestUnknownRecordedStatus: an operation record whose status the SDK does
// not know is never taken for success: the operation fails with a message
// naming the status, and nothing is checkpointed for it.
func TestUnknownRecordedStatus(t *testing.T) {
	id := durable.WireID("1")
	tests := []struct {
		name   string
		record string
		run    func(ctx durable.Context) error
	}{
		{"step", `{"Id":"` + id + `","Name":"s","Type":"STEP","SubType":"Step","Status":"EXPLODED","StepDetails":{"Attempt":1}}`,
			func(ctx durable.Context) error {
				_, err := durable.Step(ctx, "s", func(durable.StepContext) (int, error) { return 1, nil })
				return err
			}},
		{"wait", `{"Id":"` + id + `","Name":"w","Type":"WAIT","SubType":"Wait","Status":"FROZEN"}`,
			func(ctx durable.Context) error { return durable.Wait(ctx, "w", time.Minute) }},
		{"lower-case status", `{"Id":"` + id + `","Name":"s","Type":"STEP","SubType":"Step","Status":"succeeded","StepDetails":{"Result":"1"}}`,
			func(ctx durable.Context) error {
				_, err := durable.Step(ctx, "s", func(durable.StepContext) (int, error) { return 1, nil })
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &countingClient{}
			var opErr error
			fn := durable.Wrap(func(ctx durable.Context, _ any) (string, error) {
				opErr = tt.run(ctx)
				return "", opErr
			}, durable.WithExecutionClient(client), durable.WithLogHandler(slog.DiscardHandler))
			out, err := fn(context.Background(), []byte(envelopeJSON(execOpJSON(`1767225600`, `{}`), tt.record)))
			if err != nil {
				t.Fatal(err)
			}
			var status struct{ Status string }
			if err := json.Unmarshal([]byte(tt.record), &status); err != nil {
				t.Fatal(err)
			}
			var oe *durable.OperationError
			if !errors.As(opErr, &oe) || !strings.Contains(oe.Message, status.Status) {
				t.Errorf("operation error %v, want an *OperationError naming status %s", opErr, status.Status)
			}
			if !strings.Contains(string(out), `"Status":"FAILED"`) {
				t.Errorf("response %s, want FAILED", out)
			}
			if client.count() != 0 {
				t.Errorf("%d service calls for a recorded operation", client.count())
			}
		})
	}
}
