package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// This file holds a tiny durable "function" written directly against the
// wire types, so the service can be tested without the SDK.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fake is the state one invocation of a scripted function sees.
type fake struct {
	svc   *Service
	in    wire.InvocationInput
	arn   string
	token string
	ops   map[string]wire.Operation
	order []string
	n     int // invocation number, 1-based
}

// op returns the operation record with the id, if any.
func (f *fake) op(id string) (wire.Operation, bool) {
	op, ok := f.ops[id]
	return op, ok
}

func (f *fake) record(ops []wire.Operation) {
	for _, op := range ops {
		if _, ok := f.ops[op.Id]; !ok {
			f.order = append(f.order, op.Id)
		}
		f.ops[op.Id] = op
	}
}

// checkpoint sends updates with the current token and chains the next.
func (f *fake) checkpoint(ups ...wire.OperationUpdate) (wire.CheckpointOutput, error) {
	out, err := f.svc.Checkpoint(context.Background(), wire.CheckpointInput{
		DurableExecutionArn: f.arn, CheckpointToken: f.token, Updates: ups})
	if err != nil {
		return out, err
	}
	f.token = out.CheckpointToken
	f.record(out.NewExecutionState.Operations)
	return out, nil
}

// script is a function body: it gets the invocation state and returns the
// envelope or an invocation error.
type script func(f *fake) (wire.InvocationOutput, error)

// host registers a durable function named name running sc and returns a
// counter of its invocations.
func host(t *testing.T, svc *Service, name string, sc script) *counter {
	t.Helper()
	c := &counter{}
	inv := InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
		var in wire.InvocationInput
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, fmt.Errorf("decoding envelope: %w", err)
		}
		f := &fake{svc: svc, in: in, arn: in.DurableExecutionArn, token: in.CheckpointToken, ops: map[string]wire.Operation{}, n: c.inc()}
		f.record(in.InitialExecutionState.Operations)
		for marker := in.InitialExecutionState.NextMarker; marker != ""; {
			page, err := svc.GetExecutionState(ctx, wire.GetStateInput{DurableExecutionArn: f.arn, CheckpointToken: f.token, Marker: marker, MaxItems: 1000})
			if err != nil {
				return nil, err
			}
			f.record(page.Operations)
			marker = page.NextMarker
		}
		out, err := sc(f)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
	if err := svc.RegisterFunction(Function{Name: name, Durable: true, Invoker: inv}); err != nil {
		t.Fatalf("RegisterFunction: %v", err)
	}
	return c
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// newService returns a service on a virtual clock with deterministic ids.
func newService(t *testing.T, cfg Config) (*Service, *VirtualClock) {
	t.Helper()
	clock := NewVirtualClock(t0)
	cfg.Clock = clock
	var mu sync.Mutex
	n := 0
	cfg.NewID = func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("id-%d", n)
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return svc, clock
}

func start(t *testing.T, svc *Service, fn string, payload string) string {
	t.Helper()
	out, err := svc.StartExecution(context.Background(), StartInput{FunctionName: fn + ":$LATEST", Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return out.ExecutionArn
}

// drive runs the execution to completion on virtual time: RunDue, then
// jump to the next timer, until it closes or nothing is armed.
func drive(t *testing.T, svc *Service, arn string) wire.Execution {
	t.Helper()
	ctx := context.Background()
	for range 100 {
		if err := svc.RunDue(ctx); err != nil {
			t.Fatalf("RunDue: %v", err)
		}
		ex, err := svc.GetExecution(ctx, arn, true)
		if err != nil {
			t.Fatalf("GetExecution: %v", err)
		}
		timers := svc.Timers()
		if ex.Status.Terminal() || len(timers) == 0 {
			return ex
		}
		if err := svc.AdvanceTo(timers[0].At); err != nil {
			t.Fatalf("AdvanceTo: %v", err)
		}
	}
	t.Fatalf("execution %s did not settle in 100 rounds", arn)
	return wire.Execution{}
}

func history(t *testing.T, svc *Service, arn string) []wire.Event {
	t.Helper()
	evs, err := svc.History(arn)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return evs
}

func eventTypes(evs []wire.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = string(ev.EventType)
	}
	return out
}

// Update builders.

func stepStart(id string) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionStart}
}

func stepSucceed(id, payload string) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionSucceed, Payload: wire.String(payload)}
}

func stepRetry(id string, delay int, errType string) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionRetry,
		Error: &wire.ErrorObject{ErrorType: errType, ErrorMessage: "boom"}, StepOptions: &wire.StepOptions{NextAttemptDelaySeconds: delay}}
}

func waitStart(id string, secs int) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, Type: wire.OperationTypeWait, SubType: wire.SubTypeWait, Action: wire.OperationActionStart,
		WaitOptions: &wire.WaitOptions{WaitSeconds: secs}}
}

func ctxStart(id, parent string) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, ParentId: parent, Type: wire.OperationTypeContext, SubType: wire.SubTypeRunInChildContext, Action: wire.OperationActionStart}
}

func ctxSucceed(id, parent, payload string, replay bool) wire.OperationUpdate {
	u := wire.OperationUpdate{Id: id, ParentId: parent, Type: wire.OperationTypeContext, SubType: wire.SubTypeRunInChildContext,
		Action: wire.OperationActionSucceed, Payload: wire.String(payload)}
	if replay {
		u.ContextOptions = &wire.ContextOptions{ReplayChildren: true}
	}
	return u
}

func callbackStart(id string, timeout, heartbeat int) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, Type: wire.OperationTypeCallback, SubType: wire.SubTypeCallback, Action: wire.OperationActionStart,
		CallbackOptions: &wire.CallbackOptions{TimeoutSeconds: timeout, HeartbeatTimeoutSeconds: heartbeat}}
}

func invokeStart(id, target, payload string) wire.OperationUpdate {
	return wire.OperationUpdate{Id: id, Type: wire.OperationTypeChainedInvoke, SubType: wire.SubTypeChainedInvoke, Action: wire.OperationActionStart,
		Payload: wire.String(payload), ChainedInvokeOptions: &wire.ChainedInvokeOptions{FunctionName: target}}
}

var (
	pending   = wire.InvocationOutput{Status: wire.InvocationStatusPending}
	succeeded = func(result string) wire.InvocationOutput {
		return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: wire.String(result)}
	}
)
