package emulator

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// TestClientTokenRetryIsIdempotent plays a client whose checkpoint
// response is lost: it sends the same request again with the same
// ClientToken. The service must answer with the first response, apply the
// updates once, and keep doing so after the token has moved on, until
// ClientTokenTTL has passed; a new ClientToken gets no such pass.
func TestClientTokenRetryIsIdempotent(t *testing.T) {
	svc, _ := newService(t, Config{})
	ctx := context.Background()
	type call struct {
		name string
		err  error
	}
	var calls []call
	record := func(name string, err error) { calls = append(calls, call{name, err}) }
	var seed string
	var first wire.CheckpointOutput
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		send := func(token, clientToken string, ups ...wire.OperationUpdate) (wire.CheckpointOutput, error) {
			return svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: f.arn, CheckpointToken: token, ClientToken: clientToken, Updates: ups})
		}
		if f.n == 1 {
			seed = f.token
			var err error
			first, err = send(seed, "ct-1", stepStart("s1"))
			record("first", err)
			again, err := send(seed, "ct-1", stepStart("s1"))
			record("same ClientToken again", err)
			if !reflect.DeepEqual(again, first) {
				t.Errorf("the retried request got %+v, the first %+v", again, first)
			}
			_, err = send(first.CheckpointToken, "ct-2", stepSucceed("s1", `"done"`), waitStart("w", int(ClientTokenTTL.Seconds())+1))
			record("next checkpoint", err)
			late, err := send(seed, "ct-1", stepStart("s1"))
			record("same ClientToken after the token moved on", err)
			if !reflect.DeepEqual(late, first) {
				t.Errorf("the late retry got %+v, the first %+v", late, first)
			}
			_, err = send(seed, "ct-3", stepStart("s1"))
			record("new ClientToken with a consumed token", err)
			return pending, nil
		}
		// The wait outlasted ClientTokenTTL: the cached response is gone.
		_, err := send(seed, "ct-1", stepStart("s1"))
		record("same ClientToken after the TTL", err)
		return succeeded(`"ok"`), nil
	})
	arn := start(t, svc, "fn", "{}")
	if ex := drive(t, svc, arn); ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("execution %s, want SUCCEEDED", ex.Status)
	}
	want := []struct {
		name    string
		invalid bool
	}{
		{"first", false},
		{"same ClientToken again", false},
		{"next checkpoint", false},
		{"same ClientToken after the token moved on", false},
		{"new ClientToken with a consumed token", true},
		{"same ClientToken after the TTL", true},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d checkpoint calls recorded, want %d: %+v", len(calls), len(want), calls)
	}
	for i, w := range want {
		c := calls[i]
		var apiErr *wire.APIError
		invalid := errors.As(c.err, &apiErr) && apiErr.IsInvalidCheckpointToken()
		if c.name != w.name || invalid != w.invalid || (!w.invalid && c.err != nil) {
			t.Errorf("%s: err %v, want invalid token = %v", w.name, c.err, w.invalid)
		}
	}
	if first.CheckpointToken == "" || len(first.NewExecutionState.Operations) == 0 {
		t.Errorf("first response %+v: want a token and the started step", first)
	}
	started := 0
	for _, ev := range history(t, svc, arn) {
		if ev.EventType == wire.EventStepStarted {
			started++
		}
	}
	if started != 1 {
		t.Errorf("%d StepStarted events, want 1: a replayed request must not be applied again", started)
	}
}
