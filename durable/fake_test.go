package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/acme/durable-lambda-go/wire"
)

const testARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/order-1/exec-id-1"

// testEpoch is the fake service's clock start.
var testEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeClient is a minimal in-memory ExecutionClient: it applies updates to
// a record map with the service's status transitions, records every call,
// and can fail or drop the token of chosen calls. It is not an emulator.
type fakeClient struct {
	mu     sync.Mutex
	ops    map[string]*Operation
	order  []string
	calls  []CheckpointInput // copies of every Checkpoint request
	states []GetExecutionStateInput
	pages  map[string]GetExecutionStateOutput // GetExecutionState answers by marker
	// errAt / noTokenAt: per 1-based Checkpoint call number.
	errAt     map[int]error
	noTokenAt map[int]bool
	stateErr  error
	// onCall runs (without the lock) before a Checkpoint call is answered;
	// an error it returns is the call's.
	onCall func(n int, in CheckpointInput) error
	// respond, when set, adds records to a response (e.g. an operation the
	// "service" changed meanwhile).
	respond func(n int) []Operation
}

func newFakeClient(initial ...Operation) *fakeClient {
	f := &fakeClient{ops: map[string]*Operation{}, errAt: map[int]error{}, noTokenAt: map[int]bool{}, pages: map[string]GetExecutionStateOutput{}}
	for i := range initial {
		op := initial[i]
		f.ops[op.Id] = &op
		f.order = append(f.order, op.Id)
	}
	return f
}

func (f *fakeClient) Checkpoint(_ context.Context, in CheckpointInput) (CheckpointOutput, error) {
	f.mu.Lock()
	cp := in
	cp.Updates = slices.Clone(in.Updates)
	f.calls = append(f.calls, cp)
	n := len(f.calls)
	hook := f.onCall
	f.mu.Unlock()
	if hook != nil {
		if err := hook(n, cp); err != nil {
			return CheckpointOutput{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errAt[n]; err != nil {
		return CheckpointOutput{}, err
	}
	var changed []Operation
	for _, u := range in.Updates {
		changed = append(changed, *f.apply(u))
	}
	if f.respond != nil {
		for _, op := range f.respond(n) {
			f.ops[op.Id] = &op
			changed = append(changed, op)
		}
	}
	out := CheckpointOutput{NewExecutionState: ExecutionState{Operations: changed}}
	if !f.noTokenAt[n] {
		out.CheckpointToken = fmt.Sprintf("tok-%d", n)
	}
	return out, nil
}

func (f *fakeClient) GetExecutionState(_ context.Context, in GetExecutionStateInput) (GetExecutionStateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states = append(f.states, in)
	if f.stateErr != nil {
		return GetExecutionStateOutput{}, f.stateErr
	}
	return f.pages[in.Marker], nil
}

// apply performs one update with the service's transitions.
func (f *fakeClient) apply(u OperationUpdate) *Operation {
	now := wire.At(testEpoch)
	op := f.ops[u.Id]
	if op == nil {
		op = &Operation{Id: u.Id, ParentId: u.ParentId, Name: u.Name, Type: u.Type, SubType: u.SubType, StartTimestamp: now}
		f.ops[u.Id] = op
		f.order = append(f.order, u.Id)
	}
	if u.Type == wire.OperationTypeStep && op.StepDetails == nil {
		op.StepDetails = &StepDetails{}
	}
	switch u.Action {
	case wire.OperationActionStart:
		op.Status = wire.OperationStatusStarted
		if u.WaitOptions != nil {
			op.WaitDetails = &WaitDetails{ScheduledEndTimestamp: wire.At(testEpoch.Add(time.Duration(u.WaitOptions.WaitSeconds) * time.Second))}
		}
		if u.Type == wire.OperationTypeCallback {
			op.CallbackDetails = &CallbackDetails{CallbackId: "cb-" + u.Id}
		}
	case wire.OperationActionSucceed:
		op.Status, op.EndTimestamp = wire.OperationStatusSucceeded, now
		if op.StepDetails != nil {
			op.StepDetails.Attempt++
			op.StepDetails.Result = u.Payload
		}
	case wire.OperationActionFail:
		op.Status, op.EndTimestamp = wire.OperationStatusFailed, now
		if op.StepDetails != nil {
			op.StepDetails.Attempt++
			op.StepDetails.Error = u.Error
		}
	case wire.OperationActionRetry:
		op.Status = wire.OperationStatusPending
		op.StepDetails.Attempt++
		op.StepDetails.Error, op.StepDetails.Result = u.Error, u.Payload
		op.StepDetails.NextAttemptTimestamp = wire.At(testEpoch.Add(time.Duration(u.StepOptions.NextAttemptDelaySeconds) * time.Second))
	}
	cp := *op
	return &cp
}

// actions returns each call's updates as "TYPE:ACTION:id" strings.
func (f *fakeClient) actions() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = []string{}
		for _, u := range c.Updates {
			out[i] = append(out[i], fmt.Sprintf("%s:%s:%s", u.Type, u.Action, u.Id))
		}
	}
	return out
}

// log returns the fake service's records in start order, as a later
// invocation's initial state would carry them.
func (f *fakeClient) log() []Operation {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Operation, 0, len(f.order))
	for _, id := range f.order {
		out = append(out, *f.ops[id])
	}
	return out
}

// executionOp returns the EXECUTION record with the given input.
func executionOp(input string) Operation {
	op := Operation{Id: "exec-id-1", Type: wire.OperationTypeExecution, Status: wire.OperationStatusStarted,
		StartTimestamp: wire.At(testEpoch), ExecutionDetails: &ExecutionDetails{}}
	if input != "" {
		op.ExecutionDetails.InputPayload = wire.String(input)
	}
	return op
}

// envelope builds an invocation payload.
func envelope(t testing.TB, token string, ops []Operation, updated ...string) []byte {
	t.Helper()
	b, err := json.Marshal(InvocationInput{
		DurableExecutionArn:   testARN,
		CheckpointToken:       token,
		InitialExecutionState: &ExecutionState{Operations: ops},
		UpdatedOperationIds:   updated,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withFallbackTick overrides the period of the checkpoint queue's fallback
// timer.
func withFallbackTick(d time.Duration) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.fallbackTick = d })
}

// testOptions: the fake client, logs discarded.
func testOptions(f *fakeClient, extra ...HandlerOption) []HandlerOption {
	return append([]HandlerOption{WithExecutionClient(f), WithLogHandler(discardHandler{})}, extra...)
}

type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (h discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h discardHandler) WithGroup(string) slog.Handler           { return h }

// lambdaCtx returns a context carrying a Lambda request id.
func lambdaCtx() context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID: "req-1", InvokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:orders:1"})
}

// invoke runs one invocation and decodes the response.
func invoke[I, O any](t testing.TB, h Handler[I, O], payload []byte, opts ...HandlerOption) (InvocationOutput, error) {
	t.Helper()
	raw, err := Wrap(h, opts...)(lambdaCtx(), payload)
	if err != nil {
		return InvocationOutput{}, err
	}
	var out InvocationOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response %s: %v", raw, err)
	}
	return out, nil
}

// fireTimers does what the service does when time passes: started waits
// succeed and pending steps become ready. It returns the changed ids (the
// next envelope's UpdatedOperationIds).
func (f *fakeClient) fireTimers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, id := range f.order {
		op := f.ops[id]
		switch {
		case op.Type == wire.OperationTypeWait && op.Status == wire.OperationStatusStarted:
			op.Status, op.EndTimestamp = wire.OperationStatusSucceeded, op.WaitDetails.ScheduledEndTimestamp
		case op.Type == wire.OperationTypeStep && op.Status == wire.OperationStatusPending:
			op.Status = wire.OperationStatusReady
			op.StepDetails.NextAttemptTimestamp = nil
		default:
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// stepRecord builds a STEP record at positional id "1" named "s".
func stepRecord(status OperationStatus, attempt int, result *string, errObj *ErrorObject) Operation {
	return Operation{Id: WireID("1"), Name: "s", Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Status: status,
		StartTimestamp: wire.At(testEpoch), StepDetails: &StepDetails{Attempt: attempt, Result: result, Error: errObj}}
}

// fixedDelay retries up to max attempts after d.
func fixedDelay(maxAttempts int, d time.Duration) RetryStrategy {
	return func(a RetryAttempt) RetryDecision {
		return RetryDecision{Retry: a.Attempt < maxAttempts, Delay: d}
	}
}

// invokeAndCheck runs h once on the log ops with f as its client and
// checks the replay-table expectations shared by the operation tests: the
// step actions of each checkpoint call (see stepActions), the response
// status and, when wantResult is not empty, the serialized result.
func invokeAndCheck[O any](t *testing.T, f *fakeClient, h Handler[any, O], ops []Operation, wantCalls [][]string, wantStatus wire.InvocationStatus, wantResult string) InvocationOutput {
	t.Helper()
	out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	if got := stepActions(f); !reflect.DeepEqual(got, wantCalls) {
		t.Errorf("checkpoints = %v, want %v", got, wantCalls)
	}
	if out.Status != wantStatus {
		t.Fatalf("status %s, want %s (error %+v)", out.Status, wantStatus, out.Error)
	}
	if wantResult != "" && wire.Deref(out.Result) != wantResult {
		t.Errorf("result %q, want %q", wire.Deref(out.Result), wantResult)
	}
	return out
}
