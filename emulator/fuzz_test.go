package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// updatesFrom decodes fuzz bytes into checkpoint batches: six bytes per
// update (id, parent, type, action, options, batch break).
func updatesFrom(data []byte) [][]wire.OperationUpdate {
	ids := []string{"a", "b", "c", "d", "e", "f"}
	types := []wire.OperationType{wire.OperationTypeStep, wire.OperationTypeContext, wire.OperationTypeWait,
		wire.OperationTypeCallback, wire.OperationTypeChainedInvoke, wire.OperationTypeExecution}
	actions := []wire.OperationAction{wire.OperationActionStart, wire.OperationActionSucceed, wire.OperationActionFail,
		wire.OperationActionRetry, wire.OperationActionCancel}
	var batches [][]wire.OperationUpdate
	var cur []wire.OperationUpdate
	for len(data) >= 6 {
		b := data[:6]
		data = data[6:]
		u := wire.OperationUpdate{Id: ids[int(b[0])%len(ids)], Type: types[int(b[2])%len(types)], Action: actions[int(b[3])%len(actions)]}
		if p := int(b[1]) % (len(ids) + 1); p > 0 {
			u.ParentId = ids[p-1]
		}
		opt := b[4]
		if opt&1 != 0 {
			u.Payload = wire.String(`"x"`)
		}
		if opt&2 != 0 {
			u.Error = &wire.ErrorObject{ErrorType: "E"}
		}
		if opt&4 != 0 {
			u.StepOptions = &wire.StepOptions{NextAttemptDelaySeconds: int(opt>>4) % 3}
		}
		if opt&8 != 0 {
			u.WaitOptions = &wire.WaitOptions{WaitSeconds: int(opt>>4) % 3}
		}
		u.CallbackOptions = &wire.CallbackOptions{TimeoutSeconds: int(opt>>5) % 2, HeartbeatTimeoutSeconds: int(opt>>6) % 2}
		u.ChainedInvokeOptions = &wire.ChainedInvokeOptions{FunctionName: "elsewhere"}
		u.ContextOptions = &wire.ContextOptions{ReplayChildren: opt&16 != 0}
		cur = append(cur, u)
		if b[5]%3 == 0 {
			batches = append(batches, cur)
			cur = nil
		}
	}
	return append(batches, cur)
}

// FuzzCheckpoint sends arbitrary batches: the service must never panic, a
// rejected batch must change nothing, and the history must stay numbered
// without gaps.
func FuzzCheckpoint(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0})
	f.Add([]byte{1, 0, 1, 0, 0, 1, 2, 2, 0, 0, 0, 1, 1, 0, 1, 1, 16, 0})
	f.Add([]byte{0, 0, 0, 3, 6, 0, 0, 0, 2, 0, 24, 0, 2, 0, 3, 0, 0, 0, 4, 0, 4, 0, 0, 0})
	f.Add([]byte{0, 0, 5, 1, 1, 0, 3, 0, 3, 0, 32, 1, 3, 0, 3, 4, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		svc, _ := newService(t, Config{MaxOperations: 4})
		ctx := context.Background()
		host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
			for _, batch := range updatesFrom(data) {
				before, _ := svc.Operations(f.arn)
				_, err := f.checkpoint(batch...)
				if err == nil {
					continue
				}
				var apiErr *wire.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
					t.Fatalf("checkpoint error %v is not a 400 APIError", err)
				}
				after, _ := svc.Operations(f.arn)
				b1, _ := json.Marshal(before)
				b2, _ := json.Marshal(after)
				if string(b1) != string(b2) {
					t.Fatalf("rejected batch %+v changed the log", batch)
				}
				if apiErr.IsInvalidCheckpointToken() {
					break
				}
			}
			return pending, nil
		})
		arn := start(t, svc, "fn", "{}")
		if err := svc.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		for i, ev := range history(t, svc, arn) {
			if ev.EventId != i+1 {
				t.Fatalf("event %d has EventId %d", i, ev.EventId)
			}
		}
		ops, _ := svc.Operations(arn)
		for _, op := range ops {
			if !op.Type.Valid() || !op.Status.Valid() {
				t.Fatalf("operation %+v has an invalid type or status", op)
			}
		}
	})
}
