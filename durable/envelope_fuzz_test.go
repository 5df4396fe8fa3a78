package durable_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

// The fuzz targets of this file feed the SDK envelopes it did not write:
// FuzzEnvelope arbitrary bytes, FuzzOperationState well-formed envelopes
// whose operation records at the handler's positions take arbitrary
// types, names, statuses, attempts, payloads and timestamps. Whatever
// arrives, the SDK must not panic or hang, must answer a valid envelope
// or an invocation error, must send only well-formed updates, and must
// follow the replay table of protocol §5.1: a step recorded as finished
// or an at-most-once step recorded as started never runs its body.
//
//	go test -run '^$' -fuzz '^FuzzEnvelope$' -fuzztime 20s ./durable
//	go test -run '^$' -fuzz '^FuzzOperationState$' -fuzztime 20s ./durable

// fuzzARN is the execution of the fuzzed envelopes; its last segment is
// the EXECUTION operation's id.
const fuzzARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/o-1/exec-1"

// fuzzFlow is the handler under fuzzing: step "a" (at-least-once), wait
// "w", step "b" (at-most-once, two attempts). It counts body runs.
type fuzzFlow struct {
	mu         sync.Mutex
	runsA      int
	runsB      int
	handlerErr error
}

func (f *fuzzFlow) handle(ctx durable.Context, in json.RawMessage) (string, error) {
	a, err := durable.Step(ctx, "a", func(durable.StepContext) (string, error) {
		f.mu.Lock()
		//durable:ignore closure -- counts the body's runs to check it ran exactly once; the count is read by the test, not the handler
		f.runsA++
		f.mu.Unlock()
		return "A", nil
	})
	if err != nil {
		return "", f.fail(err)
	}
	if err := durable.Wait(ctx, "w", time.Second); err != nil {
		return "", f.fail(err)
	}
	b, err := durable.Step(ctx, "b", func(durable.StepContext) (string, error) {
		f.mu.Lock()
		//durable:ignore closure -- counts the body's runs to check it ran exactly once; the count is read by the test, not the handler
		f.runsB++
		f.mu.Unlock()
		return "B", nil
	}, durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(func(a durable.RetryAttempt) durable.RetryDecision {
		return durable.RetryDecision{Retry: a.Attempt < 2, Delay: time.Second}
	}))
	if err != nil {
		return "", f.fail(err)
	}
	return a + b + string(in), nil
}

func (f *fuzzFlow) fail(err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlerErr = err
	return err
}

// checkingClient answers every checkpoint with a fresh token and checks
// each update against the protocol's shape rules (§2.4, §2.5, §2.7).
type checkingClient struct {
	arn      string // the envelope's ARN
	mu       sync.Mutex
	problems []string
	starts   map[string]int
	calls    int
}

var (
	fuzzIDPattern  = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	fuzzAllowed    = map[wire.OperationType]string{"EXECUTION": "SUCCEED FAIL", "STEP": "START SUCCEED FAIL RETRY", "CONTEXT": "START SUCCEED FAIL", "WAIT": "START CANCEL", "CALLBACK": "START CANCEL", "CHAINED_INVOKE": "START CANCEL"}
	fuzzActionWord = regexp.MustCompile(`[A-Z]+`)
)

func (c *checkingClient) Checkpoint(_ context.Context, in durable.CheckpointInput) (durable.CheckpointOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if in.DurableExecutionArn != c.arn || in.CheckpointToken == "" {
		c.problems = append(c.problems, fmt.Sprintf("checkpoint with ARN %q token %q", in.DurableExecutionArn, in.CheckpointToken))
	}
	for i, u := range in.Updates {
		bad := func(format string, args ...any) {
			c.problems = append(c.problems, fmt.Sprintf("update %d (%s %s %s): %s", i, u.Id, u.Type, u.Action, fmt.Sprintf(format, args...)))
		}
		if !fuzzIDPattern.MatchString(u.Id) {
			bad("malformed Id")
		}
		allowed := false
		for _, a := range fuzzActionWord.FindAllString(fuzzAllowed[u.Type], -1) {
			allowed = allowed || a == string(u.Action)
		}
		if !allowed {
			bad("action not allowed for the type")
		}
		if u.Action == wire.OperationActionStart {
			c.starts[u.Id]++
		}
		if u.Action == wire.OperationActionRetry && (u.StepOptions == nil || u.StepOptions.NextAttemptDelaySeconds < 1) {
			bad("RETRY without a delay of at least 1 s")
		}
		if u.Type == wire.OperationTypeWait && u.Action == wire.OperationActionStart && (u.WaitOptions == nil || u.WaitOptions.WaitSeconds < 1) {
			bad("WAIT START without WaitSeconds")
		}
		if u.Action == wire.OperationActionFail && u.Payload != nil || u.Action == wire.OperationActionSucceed && u.Error != nil {
			bad("result and error mixed")
		}
		if u.Type == wire.OperationTypeExecution && i != len(in.Updates)-1 {
			bad("EXECUTION update not last")
		}
	}
	return durable.CheckpointOutput{CheckpointToken: "t" + strconv.Itoa(c.calls)}, nil
}

func (c *checkingClient) GetExecutionState(_ context.Context, in durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	return durable.GetExecutionStateOutput{}, nil
}

// fuzzInvoke runs the handler on payload and checks the invariants that
// hold for any payload.
func fuzzInvoke(t *testing.T, payload []byte) {
	var env wire.InvocationInput
	decodeErr := json.Unmarshal(payload, &env)
	flow := &fuzzFlow{}
	client := &checkingClient{arn: env.DurableExecutionArn, starts: map[string]int{}}
	fn := durable.Wrap(flow.handle, durable.WithExecutionClient(client), durable.WithLogHandler(slog.DiscardHandler), durable.WithStackTraces(false))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := fn(ctx, payload)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the invocation hung: %v", err)
	}

	if err != nil {
		if out != nil {
			t.Fatalf("an invocation error (%v) came with a response %s", err, out)
		}
	} else {
		if decodeErr != nil || env.DurableExecutionArn == "" || env.CheckpointToken == "" {
			t.Fatalf("accepted an envelope that does not decode (%v) or lacks ARN/token: response %s", decodeErr, out)
		}
		checkResponse(t, out)
	}
	client.mu.Lock()
	defer client.mu.Unlock()
	for _, p := range client.problems {
		t.Errorf("malformed checkpoint: %s", p)
	}
	for id, n := range client.starts {
		if n > 1 {
			t.Errorf("operation %s started %d times in one invocation", id, n)
		}
	}
	if decodeErr != nil || env.DurableExecutionArn == "" || env.CheckpointToken == "" {
		if client.calls != 0 || flow.runsA+flow.runsB != 0 {
			t.Fatalf("a rejected envelope reached the service (%d calls) or user code (%d runs)", client.calls, flow.runsA+flow.runsB)
		}
		return
	}
	checkReplay(t, &env, flow)
}

// checkResponse checks the shape of a response envelope (§1.2).
func checkResponse(t *testing.T, out []byte) {
	t.Helper()
	var resp wire.InvocationOutput
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		t.Fatalf("response %s does not decode: %v", out, err)
	}
	switch resp.Status {
	case wire.InvocationStatusSucceeded:
		if resp.Result == nil || resp.Error != nil {
			t.Fatalf("SUCCEEDED response %s", out)
		}
	case wire.InvocationStatusFailed:
		if resp.Result != nil || resp.Error == nil || resp.Error.ErrorType == "" {
			t.Fatalf("FAILED response %s", out)
		}
	case wire.InvocationStatusPending:
		if resp.Result != nil || resp.Error != nil {
			t.Fatalf("PENDING response %s", out)
		}
	default:
		t.Fatalf("response status %q", resp.Status)
	}
}

// checkReplay holds the body runs to the replay table for the records the
// envelope carried at the steps' positions.
func checkReplay(t *testing.T, env *wire.InvocationInput, flow *fuzzFlow) {
	t.Helper()
	records := map[string]wire.Operation{}
	if st := env.InitialExecutionState; st != nil {
		for _, op := range st.Operations {
			records[op.Id] = op
		}
	}
	matches := func(pos, name string, typ wire.OperationType, subType string) (wire.Operation, bool) {
		op, ok := records[durable.WireID(pos)]
		return op, ok && op.Type == typ && op.SubType == subType && op.Name == name
	}
	if op, ok := matches("1", "a", wire.OperationTypeStep, wire.SubTypeStep); ok && op.Status.Terminal() && flow.runsA > 0 {
		t.Errorf("step a ran although recorded %s", op.Status)
	}
	if op, ok := matches("3", "b", wire.OperationTypeStep, wire.SubTypeStep); ok {
		if op.Status.Terminal() && flow.runsB > 0 {
			t.Errorf("step b ran although recorded %s", op.Status)
		}
		if op.Status == wire.OperationStatusStarted && flow.runsB > 0 {
			t.Errorf("at-most-once step b ran again although its attempt was recorded STARTED")
		}
	}
	if flow.runsA > 1 || flow.runsB > 1 {
		t.Errorf("a body ran more than once in one invocation: a %d, b %d", flow.runsA, flow.runsB)
	}
}

// FuzzEnvelope feeds arbitrary bytes to a wrapped handler.
func FuzzEnvelope(f *testing.F) {
	for _, seed := range fuzzSeedEnvelopes() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		fuzzInvoke(t, payload)
	})
}

// fuzzSeedEnvelopes are envelopes at every stage of the fuzzed flow.
func fuzzSeedEnvelopes() [][]byte {
	exec := `{"Id":"exec-1","Type":"EXECUTION","Status":"STARTED","StartTimestamp":1767225600000,"ExecutionDetails":{"InputPayload":"{\"n\":1}"}}`
	a := `{"Id":"` + durable.WireID("1") + `","Name":"a","Type":"STEP","SubType":"Step","Status":"SUCCEEDED","StartTimestamp":"2026-01-01T00:00:01Z","StepDetails":{"Attempt":1,"Result":"\"A\""}}`
	w := `{"Id":"` + durable.WireID("2") + `","Name":"w","Type":"WAIT","SubType":"Wait","Status":"STARTED","StartTimestamp":1767225601.5,"WaitDetails":{"ScheduledEndTimestamp":1767225602500}}`
	wDone := `{"Id":"` + durable.WireID("2") + `","Name":"w","Type":"WAIT","SubType":"Wait","Status":"SUCCEEDED","StartTimestamp":1767225601.5}`
	b := `{"Id":"` + durable.WireID("3") + `","Name":"b","Type":"STEP","SubType":"Step","Status":"STARTED","StartTimestamp":1767225603,"StepDetails":{"Attempt":0}}`
	env := func(ops ...string) []byte {
		s := `{"DurableExecutionArn":"` + fuzzARN + `","CheckpointToken":"seed","InitialExecutionState":{"Operations":[`
		for i, op := range ops {
			if i > 0 {
				s += ","
			}
			s += op
		}
		return []byte(s + `]},"UpdatedOperationIds":["` + durable.WireID("2") + `"]}`)
	}
	return [][]byte{
		env(exec),
		env(exec, a),
		env(exec, a, w),
		env(exec, a, wDone),
		env(exec, a, wDone, b),
		[]byte(`{"DurableExecutionArn":"` + fuzzARN + `","CheckpointToken":"seed"}`),
		[]byte(`{"orderId":"42"}`),
	}
}

// FuzzOperationState builds envelopes whose records sit at the handler's
// positions, so that the fuzzer explores the replay decisions rather than
// the JSON syntax.
func FuzzOperationState(f *testing.F) {
	f.Add("STEP", "Step", "a", "SUCCEEDED", 1, `"A"`, "", "WAIT", "SUCCEEDED", int64(1767225602000), "STEP", "b", "STARTED", 0, "", `{"n":1}`)
	f.Add("STEP", "Step", "a", "PENDING", 2, "", "Error", "", "", int64(0), "", "", "", 0, "", `{}`)
	f.Add("STEP", "Step", "a", "READY", 1, "", "Error", "WAIT", "STARTED", int64(1767225602000), "", "", "", 0, "", `[]`)
	f.Add("STEP", "Step", "a", "STARTED", 0, "", "", "", "", int64(0), "", "", "", 0, "", `null`)
	f.Add("STEP", "Step", "a", "SUCCEEDED", 1, `not json`, "", "WAIT", "CANCELLED", int64(-1), "STEP", "b", "FAILED", 2, "StepInterruptedError", `"x"`)
	f.Add("WAIT", "Wait", "a", "SUCCEEDED", 1, `"A"`, "", "STEP", "SUCCEEDED", int64(0), "STEP", "b", "READY", 1, "", `{`)
	f.Fuzz(func(t *testing.T, typA, subA, nameA, statusA string, attemptA int, resultA, errTypeA string,
		typW, statusW string, endW int64, typB, nameB, statusB string, attemptB int, errTypeB, input string) {
		ops := []wire.Operation{{Id: "exec-1", Type: wire.OperationTypeExecution, Status: wire.OperationStatusStarted,
			StartTimestamp: wire.At(time.UnixMilli(1767225600000)), ExecutionDetails: &wire.ExecutionDetails{InputPayload: &input}}}
		if typA != "" {
			op := wire.Operation{Id: durable.WireID("1"), Type: wire.OperationType(typA), SubType: subA, Name: nameA,
				Status: wire.OperationStatus(statusA), StepDetails: &wire.StepDetails{Attempt: attemptA, Result: &resultA}}
			if errTypeA != "" {
				op.StepDetails.Error = &wire.ErrorObject{ErrorType: errTypeA, ErrorMessage: "recorded"}
			}
			if statusA == string(wire.OperationStatusPending) {
				op.StepDetails.NextAttemptTimestamp = wire.At(time.UnixMilli(1767225600000).Add(time.Hour))
			}
			ops = append(ops, op)
		}
		if typW != "" {
			op := wire.Operation{Id: durable.WireID("2"), Type: wire.OperationType(typW), SubType: wire.SubTypeWait, Name: "w",
				Status: wire.OperationStatus(statusW)}
			if endW > 0 && endW < 1e15 {
				op.WaitDetails = &wire.WaitDetails{ScheduledEndTimestamp: wire.At(time.UnixMilli(endW))}
			}
			ops = append(ops, op)
		}
		if typB != "" {
			op := wire.Operation{Id: durable.WireID("3"), Type: wire.OperationType(typB), SubType: wire.SubTypeStep, Name: nameB,
				Status: wire.OperationStatus(statusB), StepDetails: &wire.StepDetails{Attempt: attemptB}}
			if errTypeB != "" {
				op.StepDetails.Error = &wire.ErrorObject{ErrorType: errTypeB}
			}
			ops = append(ops, op)
		}
		payload, err := json.Marshal(wire.InvocationInput{DurableExecutionArn: fuzzARN, CheckpointToken: "seed",
			InitialExecutionState: &wire.ExecutionState{Operations: ops}})
		if err != nil {
			t.Fatal(err)
		}
		fuzzInvoke(t, payload)
	})
}
