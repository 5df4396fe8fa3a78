package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

// ExecutionArn is the ARN of every execution MemClient plays.
const ExecutionArn = "arn:aws:lambda:us-east-1:123456789012:function:bench:$LATEST/durable-execution/bench/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// executionID is the id of the EXECUTION operation (the ARN's last segment).
const executionID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

// epoch is MemClient's clock: records are stamped with it, and timers fire
// whenever Drive asks, however long they are.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// MemClient is an in-memory durable.ExecutionClient that plays the
// durable-execution service for the SDK alone. It counts checkpoint calls
// and updates, and acknowledges each call with a new token.
//
// Built by NewMemClient(false) it does nothing else, like the JavaScript
// anchor's in-memory client (replay.mjs): the cheapest client, so that a
// benchmark measures the SDK. Built by NewMemClient(true) it also applies
// the updates to an operation log with the service's status transitions
// and answers with the changed records, so that Drive can fire the timers
// of waits and retries and invoke the handler again. It models steps,
// waits and child contexts; other updates fail the call.
//
// A MemClient plays one execution at a time; Start begins a new one.
type MemClient struct {
	keepLog bool

	mu      sync.Mutex
	calls   int
	updates int
	ops     map[string]*wire.Operation
	order   []string
}

// NewMemClient returns a client that keeps the operation log when keepLog
// is true (see MemClient).
func NewMemClient(keepLog bool) *MemClient {
	return &MemClient{keepLog: keepLog, ops: map[string]*wire.Operation{}}
}

// Quiet is the handler option every benchmark uses: log records are
// dropped, so no benchmark measures writing them to stderr.
func Quiet() durable.HandlerOption {
	return durable.WithLogHandler(slog.DiscardHandler)
}

// Calls returns the checkpoint calls of the current execution.
func (c *MemClient) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// Updates returns the operation updates those calls carried.
func (c *MemClient) Updates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.updates
}

// Start begins a new execution with the serialized input and returns the
// first invocation's payload: the EXECUTION operation alone.
func (c *MemClient) Start(input []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
	exec := &wire.Operation{Id: executionID, Type: wire.OperationTypeExecution, Status: wire.OperationStatusStarted,
		StartTimestamp: wire.At(epoch), ExecutionDetails: &wire.ExecutionDetails{InputPayload: wire.String(string(input))}}
	c.ops[exec.Id] = exec
	c.order = append(c.order, exec.Id)
	return c.envelopeLocked(nil)
}

// Reset forgets the execution: the counts and the log.
func (c *MemClient) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
}

func (c *MemClient) resetLocked() {
	c.calls, c.updates = 0, 0
	clear(c.ops)
	c.order = c.order[:0]
}

// Next does what the service does when time passes — started waits
// succeed, steps pending a retry become ready — and returns the payload of
// the next invocation: the whole log, with the changed operations named in
// UpdatedOperationIds. It fails when nothing changed (the execution waits
// for something MemClient does not model) or the log is not kept.
func (c *MemClient) Next() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.keepLog {
		return nil, errors.New("bench: MemClient without the operation log cannot invoke the handler again")
	}
	var changed []string
	for _, id := range c.order {
		op := c.ops[id]
		switch {
		case op.Type == wire.OperationTypeWait && op.Status == wire.OperationStatusStarted:
			op.Status, op.EndTimestamp = wire.OperationStatusSucceeded, op.WaitDetails.ScheduledEndTimestamp
		case op.Type == wire.OperationTypeStep && op.Status == wire.OperationStatusPending:
			op.Status, op.StepDetails.NextAttemptTimestamp = wire.OperationStatusReady, nil
		default:
			continue
		}
		changed = append(changed, id)
	}
	if len(changed) == 0 {
		return nil, errors.New("bench: the execution is pending but no wait or retry is due")
	}
	return c.envelopeLocked(changed), nil
}

func (c *MemClient) envelopeLocked(updated []string) []byte {
	ops := make([]wire.Operation, len(c.order))
	for i, id := range c.order {
		ops[i] = *c.ops[id]
	}
	b, err := json.Marshal(wire.InvocationInput{
		DurableExecutionArn:   ExecutionArn,
		CheckpointToken:       c.tokenLocked(),
		InitialExecutionState: &wire.ExecutionState{Operations: ops},
		UpdatedOperationIds:   updated,
	})
	if err != nil {
		// Every field is a plain string, number or struct of them.
		panic(fmt.Sprintf("bench: encoding an envelope: %v", err))
	}
	return b
}

func (c *MemClient) tokenLocked() string {
	return "token-" + strconv.Itoa(c.calls)
}

// Checkpoint counts the call and its updates, applies them when the log is
// kept, and answers a new token with the changed records.
func (c *MemClient) Checkpoint(_ context.Context, in durable.CheckpointInput) (durable.CheckpointOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.updates += len(in.Updates)
	out := durable.CheckpointOutput{CheckpointToken: c.tokenLocked()}
	if !c.keepLog {
		return out, nil
	}
	for i := range in.Updates {
		op, err := c.applyLocked(&in.Updates[i])
		if err != nil {
			return durable.CheckpointOutput{}, err
		}
		if op != nil {
			out.NewExecutionState.Operations = append(out.NewExecutionState.Operations, cloneOp(op))
		}
	}
	return out, nil
}

// GetExecutionState answers an empty page: MemClient's envelopes always
// carry the whole log, so the SDK never asks.
func (c *MemClient) GetExecutionState(context.Context, durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	return durable.GetExecutionStateOutput{}, nil
}

// applyLocked performs one update with the service's status transitions
// and returns the changed record (nil for the EXECUTION's own update).
func (c *MemClient) applyLocked(u *wire.OperationUpdate) (*wire.Operation, error) {
	if u.Type == wire.OperationTypeExecution {
		return nil, nil
	}
	op := c.ops[u.Id]
	if op == nil {
		op = &wire.Operation{Id: u.Id, ParentId: u.ParentId, Name: u.Name, Type: u.Type, SubType: u.SubType, StartTimestamp: wire.At(epoch)}
		c.ops[u.Id] = op
		c.order = append(c.order, u.Id)
	}
	end := func(s wire.OperationStatus) { op.Status, op.EndTimestamp = s, wire.At(epoch) }
	switch u.Type {
	case wire.OperationTypeStep:
		if op.StepDetails == nil {
			op.StepDetails = &wire.StepDetails{}
		}
		d := op.StepDetails
		switch u.Action {
		case wire.OperationActionStart:
			op.Status = wire.OperationStatusStarted
		case wire.OperationActionSucceed:
			end(wire.OperationStatusSucceeded)
			d.Attempt++
			d.Result, d.Error = u.Payload, nil
		case wire.OperationActionFail:
			end(wire.OperationStatusFailed)
			d.Attempt++
			d.Result, d.Error = nil, u.Error
		case wire.OperationActionRetry:
			op.Status = wire.OperationStatusPending
			d.Attempt++
			d.Error = u.Error
			d.NextAttemptTimestamp = wire.At(epoch.Add(time.Duration(u.StepOptions.NextAttemptDelaySeconds) * time.Second))
		default:
			return nil, unmodelled(u)
		}
	case wire.OperationTypeWait:
		switch u.Action {
		case wire.OperationActionStart:
			op.Status = wire.OperationStatusStarted
			op.WaitDetails = &wire.WaitDetails{ScheduledEndTimestamp: wire.At(epoch.Add(time.Duration(u.WaitOptions.WaitSeconds) * time.Second))}
		case wire.OperationActionCancel:
			end(wire.OperationStatusCancelled)
		default:
			return nil, unmodelled(u)
		}
	case wire.OperationTypeContext:
		if op.ContextDetails == nil {
			op.ContextDetails = &wire.ContextDetails{}
		}
		switch u.Action {
		case wire.OperationActionStart:
			op.Status = wire.OperationStatusStarted
		case wire.OperationActionSucceed:
			end(wire.OperationStatusSucceeded)
			op.ContextDetails.Result = u.Payload
		case wire.OperationActionFail:
			end(wire.OperationStatusFailed)
			op.ContextDetails.Error = u.Error
		default:
			return nil, unmodelled(u)
		}
	default:
		return nil, unmodelled(u)
	}
	return op, nil
}

func unmodelled(u *wire.OperationUpdate) error {
	return fmt.Errorf("bench: MemClient does not model %s %s updates", u.Type, u.Action)
}

// cloneOp copies a record with its details, so that the SDK never sees a
// later change of the log.
func cloneOp(op *wire.Operation) wire.Operation {
	cp := *op
	if op.StepDetails != nil {
		d := *op.StepDetails
		cp.StepDetails = &d
	}
	if op.WaitDetails != nil {
		d := *op.WaitDetails
		cp.WaitDetails = &d
	}
	if op.ContextDetails != nil {
		d := *op.ContextDetails
		cp.ContextDetails = &d
	}
	return cp
}

// Invoke is the function durable.Wrap returns.
type Invoke = func(context.Context, []byte) ([]byte, error)

// Drive runs one execution of fn (a handler wrapped with durable.Wrap and
// c as its client) with the serialized input: it invokes fn and, while the
// answer is PENDING, fires the due timers and invokes it again. It returns
// the final answer and the number of invocations.
func Drive(ctx context.Context, fn Invoke, c *MemClient, input []byte) (wire.InvocationOutput, int, error) {
	payload := c.Start(input)
	for n := 1; ; n++ {
		out, err := invokeOnce(ctx, fn, payload)
		if err != nil || out.Status != wire.InvocationStatusPending {
			return out, n, err
		}
		if payload, err = c.Next(); err != nil {
			return out, n, err
		}
	}
}

// invokeOnce calls fn and decodes its answer.
func invokeOnce(ctx context.Context, fn Invoke, payload []byte) (wire.InvocationOutput, error) {
	raw, err := fn(ctx, payload)
	if err != nil {
		return wire.InvocationOutput{}, fmt.Errorf("bench: invocation failed: %w", err)
	}
	var out wire.InvocationOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return wire.InvocationOutput{}, fmt.Errorf("bench: decoding the answer %q: %w", raw, err)
	}
	return out, nil
}

// ReplayPayload returns the payload of the second invocation of
// SeqThenWait with n steps: n SUCCEEDED steps and the SUCCEEDED wait, as
// the anchor's replay.mjs captures it. Invoking SeqThenWait with it replays
// the n steps and returns the result without a checkpoint call.
func ReplayPayload(ctx context.Context, n int) ([]byte, error) {
	c := NewMemClient(true)
	fn := durable.Wrap(SeqThenWait, durable.WithExecutionClient(c), Quiet())
	input, err := json.Marshal(SeqInput{N: n})
	if err != nil {
		return nil, err
	}
	out, err := invokeOnce(ctx, fn, c.Start(input))
	if err != nil {
		return nil, err
	}
	if out.Status != wire.InvocationStatusPending {
		return nil, fmt.Errorf("bench: the first invocation of SeqThenWait answered %s, want PENDING", out.Status)
	}
	return c.Next()
}

// Replay invokes fn once with payload (see ReplayPayload), checks that
// the execution succeeded and returns its serialized result.
func Replay(ctx context.Context, fn Invoke, payload []byte) (string, error) {
	out, err := invokeOnce(ctx, fn, payload)
	if err != nil {
		return "", err
	}
	if out.Status != wire.InvocationStatusSucceeded {
		return "", fmt.Errorf("bench: the replaying invocation answered %s, want SUCCEEDED", out.Status)
	}
	return wire.Deref(out.Result), nil
}
