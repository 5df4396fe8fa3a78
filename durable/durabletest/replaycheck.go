package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

// WithoutReplayCheck turns off the replay check of RunUntilComplete (see
// ReplayDivergenceError): for a handler that is non-deterministic on
// purpose, or one whose code outside steps must not run an extra time.
func WithoutReplayCheck() RunnerOption {
	return func(c *runnerConfig) { c.noReplayCheck = true }
}

// replayCheckTimeout bounds the replay of the check: a replay against a
// complete history finishes without waiting for anything.
const replayCheckTimeout = 2 * time.Minute

// ReplayDivergenceError is returned by RunUntilComplete, together with
// the run's result, when the replay check finds that the handler is not
// deterministic.
//
// After an execution ended with SUCCEEDED or FAILED, RunUntilComplete
// runs the handler once more against the execution's full recorded
// history. A deterministic handler replays every operation from its
// record and returns what it returned before, so the replay checkpoints
// nothing. The check reports the first difference: an operation whose
// type, subtype or name differs from the record at its position, an
// operation the history does not have, or a result, error or status that
// differs from the recorded one. Code that differs only inside step
// bodies, or inside finished child contexts (which replay as one value),
// is not re-run and cannot be compared; an operation the replay no
// longer calls is only seen through the result. Turn the check off with
// WithoutReplayCheck.
type ReplayDivergenceError struct {
	// Position is the operation's positional id ("2", "3-1"; "?" when the
	// history does not allow reconstructing it), empty for the result.
	Position string
	// OperationID is the operation's wire id, empty for the result.
	OperationID string
	// Operation describes the operation as recorded (or, for an
	// operation the history lacks, as the replay called it).
	Operation string
	// Field is what differs: "Type", "SubType" or "Name" of an operation;
	// "operation" for an operation the history lacks; "Status",
	// "Error.ErrorType", "Error.ErrorMessage", "Result" or a JSON path
	// below it ("Result.items[2].id") for the execution's outcome;
	// "invocation" when the replay failed as an invocation.
	Field string
	// Recorded and Replayed are the two values of Field.
	Recorded, Replayed string
}

// Error describes the divergence.
func (e *ReplayDivergenceError) Error() string {
	where := "the execution's outcome"
	if e.OperationID != "" {
		where = fmt.Sprintf("operation %s (%s, id %s)", e.Position, e.Operation, e.OperationID)
	}
	return fmt.Sprintf("durabletest: the handler is not deterministic: replaying the full history diverged at %s: %s recorded %s, replayed %s",
		where, e.Field, e.Recorded, e.Replayed)
}

// uncheckable are the execution failures after which the history is not
// a full record of the handler's run: the run already failed on a
// divergence, or the service rejected a checkpoint, so what the handler
// tried to record is not in the history.
var uncheckable = map[string]bool{
	"NonDeterministicExecutionError": true,
	"CheckpointError":                true,
}

// replaySentinel is a record under a parent that does not exist.
var replaySentinel = wire.Operation{Id: "durabletest-replay-check", ParentId: "durabletest-replay-check",
	Type: wire.OperationTypeStep, SubType: "Step", Status: wire.OperationStatusSucceeded}

// checkReplay runs the replay check on the closed execution arn; it
// returns nil when the replay matches or cannot be compared.
func (r *LocalRunner[I, O]) checkReplay(ctx context.Context, arn string) error {
	ex, err := r.svc.GetExecution(ctx, arn, true)
	if err != nil {
		return err
	}
	if ex.Status != wire.ExecutionStatusSucceeded && ex.Status != wire.ExecutionStatusFailed {
		return nil // stopped or timed out: no outcome of the handler to compare
	}
	if ex.Error != nil && uncheckable[ex.Error.ErrorType] {
		return nil
	}
	ops, err := r.svc.Operations(arn)
	if err != nil {
		return err
	}
	// The sentinel record, which no handler reaches, keeps an execution
	// without operations replaying too, so replay-aware loggers stay
	// silent during the check.
	input := append(slices.Clone(ops), replaySentinel)
	payload, err := json.Marshal(wire.InvocationInput{DurableExecutionArn: arn, CheckpointToken: "replay-check",
		InitialExecutionState: &wire.ExecutionState{Operations: input}})
	if err != nil {
		return fmt.Errorf("durabletest: encoding the replay check's input: %w", err)
	}
	client := newReplayClient(ops)
	var (
		mu  sync.Mutex
		nde *durable.NonDeterministicExecutionError
	)
	handler := func(dc durable.Context, in I) (O, error) {
		out, err := r.handler(dc, in)
		var e *durable.NonDeterministicExecutionError
		if errors.As(err, &e) {
			mu.Lock()
			nde = e
			mu.Unlock()
		}
		return out, err
	}
	opts := append(slices.Clone(r.opts), durable.WithExecutionClient(client))
	ctx, cancel := context.WithTimeout(ctx, replayCheckTimeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "replay-check", InvokedFunctionArn: ex.FunctionArn})
	raw, invErr := durable.Wrap(handler, opts...)(ctx, payload)

	pos := positions(ops)
	if u, ok := client.firstNew(); ok {
		return &ReplayDivergenceError{Position: pos.of(u.Id, u.ParentId), OperationID: u.Id,
			Operation: describe(u.Type, u.SubType, u.Name), Field: "operation",
			Recorded: "nothing (the history has no operation at this position)", Replayed: describe(u.Type, u.SubType, u.Name)}
	}
	mu.Lock()
	found := nde
	mu.Unlock()
	if found != nil {
		return nonDeterminism(found, pos, ops)
	}
	if client.rerun() {
		return nil // the replay re-ran an operation the run left unfinished: nothing to compare
	}
	if invErr != nil {
		if ex.Status == wire.ExecutionStatusFailed {
			return nil // the run may have failed the same way: not comparable
		}
		return &ReplayDivergenceError{Field: "invocation", Recorded: string(ex.Status), Replayed: strconv.Quote(invErr.Error())}
	}
	var out wire.InvocationOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("durabletest: decoding the replay check's output: %w", err)
	}
	client.completeOutput(&out)
	return compareOutcome(ex, out)
}

// nonDeterminism turns the SDK's own divergence error into a report.
func nonDeterminism(e *durable.NonDeterministicExecutionError, pos positionIndex, ops []wire.Operation) error {
	d := &ReplayDivergenceError{OperationID: e.OperationID, Position: "?",
		Operation: describe(wire.OperationType(e.RecordedType), e.RecordedSubType, e.RecordedName)}
	for _, op := range ops {
		if op.Id == e.OperationID {
			d.Position = pos.of(op.Id, op.ParentId)
		}
	}
	switch {
	case e.RecordedType != e.CurrentType:
		d.Field, d.Recorded, d.Replayed = "Type", e.RecordedType, e.CurrentType
	case e.RecordedSubType != e.CurrentSubType:
		d.Field, d.Recorded, d.Replayed = "SubType", strconv.Quote(e.RecordedSubType), strconv.Quote(e.CurrentSubType)
	default:
		d.Field, d.Recorded, d.Replayed = "Name", strconv.Quote(e.RecordedName), strconv.Quote(e.CurrentName)
	}
	return d
}

// compareOutcome compares the recorded outcome of ex with the replay's.
func compareOutcome(ex wire.Execution, out wire.InvocationOutput) error {
	replayed := map[wire.InvocationStatus]wire.ExecutionStatus{
		wire.InvocationStatusSucceeded: wire.ExecutionStatusSucceeded,
		wire.InvocationStatusFailed:    wire.ExecutionStatusFailed,
	}[out.Status]
	if replayed != ex.Status {
		got := string(out.Status)
		if out.Error != nil {
			got += fmt.Sprintf(" (%s: %s)", out.Error.ErrorType, out.Error.ErrorMessage)
		}
		return &ReplayDivergenceError{Field: "Status", Recorded: string(ex.Status), Replayed: got}
	}
	if ex.Status == wire.ExecutionStatusFailed {
		var rec, rep wire.ErrorObject
		if ex.Error != nil {
			rec = *ex.Error
		}
		if out.Error != nil {
			rep = *out.Error
		}
		if rec.ErrorType != rep.ErrorType {
			return &ReplayDivergenceError{Field: "Error.ErrorType", Recorded: strconv.Quote(rec.ErrorType), Replayed: strconv.Quote(rep.ErrorType)}
		}
		if rec.ErrorMessage != rep.ErrorMessage {
			return &ReplayDivergenceError{Field: "Error.ErrorMessage", Recorded: strconv.Quote(rec.ErrorMessage), Replayed: strconv.Quote(rep.ErrorMessage)}
		}
		return nil
	}
	rec, rep := wire.Deref(ex.Result), wire.Deref(out.Result)
	if rec == rep {
		return nil
	}
	field, a, b := jsonDiff("Result", []byte(rec), []byte(rep))
	return &ReplayDivergenceError{Field: field, Recorded: a, Replayed: b}
}

// jsonDiff finds the first path below root where the JSON documents a and
// b differ, with the two values there. Documents that are not JSON are
// compared as a whole.
func jsonDiff(root string, a, b []byte) (path, va, vb string) {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return root, strconv.Quote(string(a)), strconv.Quote(string(b))
	}
	return diffValues(root, x, y)
}

func diffValues(path string, x, y any) (string, string, string) {
	switch xv := x.(type) {
	case map[string]any:
		if yv, ok := y.(map[string]any); ok {
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range xv {
					if !yield(k) {
						return
					}
				}
				for k := range yv {
					if _, dup := xv[k]; !dup && !yield(k) {
						return
					}
				}
			})
			for _, k := range keys {
				if !reflect.DeepEqual(xv[k], yv[k]) {
					return diffValues(path+"."+k, xv[k], yv[k])
				}
			}
		}
	case []any:
		if yv, ok := y.([]any); ok && len(xv) == len(yv) {
			for i := range xv {
				if !reflect.DeepEqual(xv[i], yv[i]) {
					return diffValues(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i])
				}
			}
		}
	}
	return path, compactJSON(x), compactJSON(y)
}

func compactJSON(v any) string {
	if v == nil {
		return "absent"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// describe names an operation for a report: `STEP/Step "charge"`.
func describe(typ wire.OperationType, subType, name string) string {
	s := string(typ)
	if subType != "" {
		s += "/" + subType
	}
	return s + " " + strconv.Quote(name)
}

// positionIndex maps wire ids to positional ids, reconstructed from the
// history: the children of the operation at positional p have the wire
// ids WireID("p-1"), WireID("p-2"), ...
type positionIndex struct {
	positional map[string]string // wire id -> positional id
	// next is one more than the highest position known under a parent
	// wire id ("" for the top level).
	next map[string]int
}

// positions reconstructs the positional ids of ops.
func positions(ops []wire.Operation) positionIndex {
	idx := positionIndex{positional: map[string]string{}, next: map[string]int{}}
	byParent := map[string]map[string]bool{}
	for _, op := range ops {
		if op.Type == wire.OperationTypeExecution {
			continue
		}
		if byParent[op.ParentId] == nil {
			byParent[op.ParentId] = map[string]bool{}
		}
		byParent[op.ParentId][op.Id] = true
	}
	// Unawaited lazy futures and virtual children take positions without
	// records, so look a little beyond the number of records.
	var walk func(parentWire, prefix string)
	walk = func(parentWire, prefix string) {
		kids := byParent[parentWire]
		found := 0
		for k := 1; found < len(kids) && k <= 4*len(kids)+64; k++ {
			p := strconv.Itoa(k)
			if prefix != "" {
				p = prefix + "-" + p
			}
			id := durable.WireID(p)
			if kids[id] {
				found++
				idx.positional[id] = p
				idx.next[parentWire] = k + 1
				walk(id, p)
			}
		}
	}
	walk("", "")
	return idx
}

// of returns the positional id of the operation id under parent, also for
// an operation the history lacks when its parent is known.
func (p positionIndex) of(id, parent string) string {
	if pos, ok := p.positional[id]; ok {
		return pos
	}
	prefix, ok := p.positional[parent]
	if parent == "" {
		prefix, ok = "", true
	}
	if !ok {
		return "?"
	}
	for k := 1; k <= p.next[parent]+1024; k++ {
		pos := strconv.Itoa(k)
		if prefix != "" {
			pos = prefix + "-" + pos
		}
		if durable.WireID(pos) == id {
			return pos
		}
	}
	return "?"
}

// replayClient serves the replay of the check: the full history is in the
// invocation input, and any checkpoint is either the final outcome (on
// the EXECUTION operation), the re-run of an operation the run left
// unfinished, or an operation the history lacks — a divergence, which
// stops the replay.
type replayClient struct {
	known map[string]bool

	mu      sync.Mutex
	newOp   *wire.OperationUpdate
	reran   bool
	outcome *wire.OperationUpdate
}

func newReplayClient(ops []wire.Operation) *replayClient {
	c := &replayClient{known: map[string]bool{}}
	for _, op := range ops {
		c.known[op.Id] = true
	}
	return c
}

// errReplayStopped stops the replay at its first new operation.
var errReplayStopped = errors.New("durabletest: the replay check stops at an operation the history does not have")

// Checkpoint records what the replay tried to checkpoint.
func (c *replayClient) Checkpoint(_ context.Context, in durable.CheckpointInput) (durable.CheckpointOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stop := false
	for _, u := range in.Updates {
		switch {
		case u.Type == wire.OperationTypeExecution:
			if u.Error != nil {
				e := *u.Error
				u.Error = &e
			}
			c.outcome = &u
		case !c.known[u.Id]:
			if c.newOp == nil {
				c.newOp = &u
			}
			stop = true
		default:
			c.reran = true
			stop = true
		}
	}
	if stop {
		return durable.CheckpointOutput{}, &durable.ClientError{Scope: durable.ErrorScopeExecution, Err: errReplayStopped}
	}
	return durable.CheckpointOutput{CheckpointToken: "replay-check"}, nil
}

// GetExecutionState has nothing more to page: the input holds it all.
func (c *replayClient) GetExecutionState(context.Context, durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	return durable.GetExecutionStateOutput{}, nil
}

func (c *replayClient) firstNew() (wire.OperationUpdate, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.newOp == nil {
		return wire.OperationUpdate{}, false
	}
	return *c.newOp, true
}

func (c *replayClient) rerun() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reran
}

// completeOutput puts an outcome checkpointed on the EXECUTION operation
// (too large for the envelope) back into out.
func (c *replayClient) completeOutput(out *wire.InvocationOutput) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.outcome == nil {
		return
	}
	if c.outcome.Payload != nil {
		out.Result = c.outcome.Payload
	}
	if c.outcome.Error != nil {
		out.Error = c.outcome.Error
	}
}
