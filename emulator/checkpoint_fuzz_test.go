package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// FuzzCheckpointValidation sends two arbitrary batches of updates, one
// after the other, with the live token of a running invocation. The
// service must answer each one either with an InvalidParameterValue error
// that leaves the execution untouched (a batch is validated as a whole,
// protocol §3.2), or by applying it: every updated operation then exists
// with the type and status its last action leads to, shows up in
// NewExecutionState, and the log keeps the invariants of §2.3 and §2.7.
// The history's EventIds stay numbered without gaps (§6.10).
//
//	go test -run '^$' -fuzz '^FuzzCheckpointValidation$' -fuzztime 20s ./emulator
func FuzzCheckpointValidation(f *testing.F) {
	for _, seed := range checkpointSeeds {
		f.Add([]byte(seed[0]), []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		var batches [2][]wire.OperationUpdate
		if json.Unmarshal(first, &batches[0]) != nil || json.Unmarshal(second, &batches[1]) != nil {
			return
		}
		runCheckpoints(t, batches[:])
	})
}

// checkpointSeeds are pairs of batches: valid sequences of every
// operation type and the violations of each validation rule.
var checkpointSeeds = [][2]string{
	{`[{"Id":"s1","Type":"STEP","SubType":"Step","Name":"charge","Action":"START"},{"Id":"s1","Type":"STEP","Action":"SUCCEED","Payload":"{\"ok\":true}"}]`,
		`[{"Id":"w1","Type":"WAIT","SubType":"Wait","Action":"START","WaitOptions":{"WaitSeconds":10}}]`},
	{`[{"Id":"s1","Type":"STEP","Action":"RETRY","Error":{"ErrorType":"E","ErrorMessage":"m"},"StepOptions":{"NextAttemptDelaySeconds":5}}]`,
		`[{"Id":"s1","Type":"STEP","Action":"START"}]`},
	{`[{"Id":"c1","Type":"CONTEXT","SubType":"RunInChildContext","Action":"START"},{"Id":"c1-s","ParentId":"c1","Type":"STEP","Action":"SUCCEED","Payload":"1"}]`,
		`[{"Id":"c1","Type":"CONTEXT","Action":"SUCCEED","Payload":"2","ContextOptions":{"ReplayChildren":true}}]`},
	{`[{"Id":"cb","Type":"CALLBACK","SubType":"Callback","Action":"START","CallbackOptions":{"TimeoutSeconds":60,"HeartbeatTimeoutSeconds":10}}]`,
		`[{"Id":"cb","Type":"CALLBACK","Action":"CANCEL"}]`},
	{`[{"Id":"ci","Type":"CHAINED_INVOKE","SubType":"ChainedInvoke","Action":"START","Payload":"{}","ChainedInvokeOptions":{"FunctionName":"other:1"}}]`,
		`[{"Id":"w","Type":"WAIT","Action":"START","WaitOptions":{"WaitSeconds":1}},{"Id":"w","Type":"WAIT","Action":"CANCEL"}]`},
	{`[{"Id":"s1","Type":"STEP","Action":"SUCCEED","Payload":"1"},{"Id":"x","Type":"EXECUTION","Action":"SUCCEED","Payload":"\"done\""}]`,
		`[{"Id":"s2","Type":"STEP","Action":"START"}]`},
	{`[{"Id":"x","Type":"EXECUTION","Action":"FAIL","Error":{"ErrorType":"E"}},{"Id":"s1","Type":"STEP","Action":"START"}]`,
		`[{"Id":"s1","Type":"STEP","Action":"START"},{"Id":"s1","Type":"STEP","Action":"START"}]`},
	{`[{"Id":"s1","ParentId":"nope","Type":"STEP","Action":"START"}]`,
		`[{"Id":"bad id!","Type":"STEP","Action":"START"},{"Id":"s","Type":"STEP","Name":"tab\there","Action":"START"}]`},
	{`[{"Id":"s1","Type":"STEP","Action":"FAIL","Payload":"x"}]`,
		`[{"Id":"s1","Type":"STEP","Action":"RETRY"},{"Id":"w","Type":"WAIT","Action":"START","WaitOptions":{"WaitSeconds":0}}]`},
	{`[{"Id":"s1","Type":"GADGET","Action":"START"},{"Id":"s1","Type":"STEP","Action":"EXPLODE"}]`,
		`[{"Id":"","Type":"STEP","Action":"START"}]`},
	{`[{"Id":"s1","Type":"STEP","Action":"START"}]`,
		`[{"Id":"s1","Type":"WAIT","Action":"START","WaitOptions":{"WaitSeconds":3}}]`},
	{`[]`, `[]`},
}

var (
	fuzzOpID = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	fuzzName = regexp.MustCompile(`^[\x20-\x7E]{1,256}$`)
)

// statusAfter is the status an accepted action leaves an operation in.
var statusAfter = map[wire.OperationAction]wire.OperationStatus{
	wire.OperationActionStart:   wire.OperationStatusStarted,
	wire.OperationActionSucceed: wire.OperationStatusSucceeded,
	wire.OperationActionFail:    wire.OperationStatusFailed,
	wire.OperationActionRetry:   wire.OperationStatusPending,
	wire.OperationActionCancel:  wire.OperationStatusCancelled,
}

// runCheckpoints hosts a function whose one invocation sends the batches
// in order and checks each answer.
func runCheckpoints(t *testing.T, batches [][]wire.OperationUpdate) {
	clock := emulator.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	n := 0
	svc, err := emulator.New(emulator.Config{Clock: clock, NewID: func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("id-%d", n)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	invoked := false
	invoker := emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		invoked = true
		var in wire.InvocationInput
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, err
		}
		token := in.CheckpointToken
		for i, batch := range batches {
			if token == "" {
				break
			}
			token = checkOneCheckpoint(svc, in.DurableExecutionArn, token, batch, func(format string, args ...any) {
				problems = append(problems, fmt.Sprintf("batch %d: ", i+1)+fmt.Sprintf(format, args...))
			})
		}
		return []byte(`{"Status":"SUCCEEDED","Result":"1"}`), nil
	})
	if err := svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Invoker: invoker}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn", Qualifier: "1", Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RunNext(ctx); err != nil {
		t.Fatal(err)
	}
	if !invoked {
		t.Fatal("the function was not invoked")
	}
	hist, err := svc.GetExecutionHistory(ctx, emulator.HistoryInput{ExecutionArn: start.ExecutionArn, MaxItems: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range hist.Events {
		if ev.EventId != i+1 {
			problems = append(problems, fmt.Sprintf("history event %d has EventId %d: ids must run 1, 2, 3… without gaps", i+1, ev.EventId))
			break
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// checkOneCheckpoint sends one batch and checks the answer; it returns the
// token for the next batch ("" when the invocation may not checkpoint).
func checkOneCheckpoint(svc *emulator.Service, arn, token string, batch []wire.OperationUpdate, bad func(string, ...any)) string {
	before, err := svc.Operations(arn)
	if err != nil {
		bad("Operations: %v", err)
		return ""
	}
	history, err := svc.History(arn)
	if err != nil {
		bad("History: %v", err)
		return ""
	}
	out, err := svc.Checkpoint(context.Background(), wire.CheckpointInput{DurableExecutionArn: arn, CheckpointToken: token, Updates: batch})
	after, aerr := svc.Operations(arn)
	if aerr != nil {
		bad("Operations: %v", aerr)
		return ""
	}
	if err != nil {
		var apiErr *wire.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeInvalidParameterValue || apiErr.StatusCode != 400 {
			bad("rejected with %T %v, want a 400 InvalidParameterValueException", err, err)
		}
		if !reflect.DeepEqual(before, after) {
			bad("a rejected batch changed the operation log (%v)", err)
		}
		if h, _ := svc.History(arn); len(h) != len(history) {
			bad("a rejected batch added %d history events (%v)", len(h)-len(history), err)
		}
		return token
	}
	terminal := false
	for _, u := range batch {
		terminal = terminal || u.Type == wire.OperationTypeExecution
	}
	if terminal != (out.CheckpointToken == "") {
		bad("token %q in the answer to a batch with EXECUTION update: %v", out.CheckpointToken, terminal)
	}
	byID := map[string]wire.Operation{}
	for _, op := range after {
		if _, dup := byID[op.Id]; dup {
			bad("operation %s appears twice in the log", op.Id)
		}
		byID[op.Id] = op
	}
	reported := map[string]bool{}
	for _, op := range out.NewExecutionState.Operations {
		reported[op.Id] = true
	}
	last := map[string]wire.OperationUpdate{}
	for _, u := range batch {
		if u.Type != wire.OperationTypeExecution {
			last[u.Id] = u
		}
	}
	for id, u := range last {
		op, ok := byID[id]
		switch {
		case !ok:
			bad("accepted update %s %s %s left no operation", id, u.Type, u.Action)
			continue
		case op.Type != u.Type:
			bad("operation %s has type %s after a %s update", id, op.Type, u.Type)
		case op.Status != statusAfter[u.Action]:
			bad("operation %s is %s after %s %s", id, op.Status, u.Type, u.Action)
		}
		if !reported[id] {
			bad("operation %s was updated but is missing from NewExecutionState", id)
		}
		if u.Action == wire.OperationActionRetry && (op.StepDetails == nil || op.StepDetails.NextAttemptTimestamp == nil) {
			bad("step %s is PENDING without NextAttemptTimestamp", id)
		}
		if op.Type == wire.OperationTypeCallback && u.Action == wire.OperationActionStart &&
			(op.CallbackDetails == nil || op.CallbackDetails.CallbackId == "") {
			bad("callback %s started without a CallbackId", id)
		}
		if op.Type == wire.OperationTypeWait && u.Action == wire.OperationActionStart &&
			(op.WaitDetails == nil || op.WaitDetails.ScheduledEndTimestamp == nil) {
			bad("wait %s started without ScheduledEndTimestamp", id)
		}
	}
	for _, op := range after {
		if op.Type == wire.OperationTypeExecution {
			continue
		}
		if !fuzzOpID.MatchString(op.Id) {
			bad("operation id %q is malformed", op.Id)
		}
		if op.Name != "" && !fuzzName.MatchString(op.Name) {
			bad("operation %s has a malformed name %q", op.Id, op.Name)
		}
		if !op.Type.Valid() || !op.Status.Valid() {
			bad("operation %s has type %q status %q", op.Id, op.Type, op.Status)
		}
		if op.ParentId != "" {
			if p, ok := byID[op.ParentId]; !ok || p.Type != wire.OperationTypeContext {
				bad("operation %s has parent %s, which is not a CONTEXT of the log", op.Id, op.ParentId)
			}
		}
		if d := op.StepDetails; d != nil {
			if d.Attempt < 0 {
				bad("step %s has attempt %d", op.Id, d.Attempt)
			}
			if d.Result != nil && len(*d.Result) > wire.MaxOperationPayloadBytes {
				bad("step %s stores a result of %d bytes", op.Id, len(*d.Result))
			}
		}
	}
	return out.CheckpointToken
}
