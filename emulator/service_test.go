package emulator

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

func TestStepRetryHistory(t *testing.T) {
	var mu sync.Mutex
	var published []wire.StatusChangeEvent
	svc, _ := newService(t, Config{OnStatusChange: func(ev wire.StatusChangeEvent) {
		mu.Lock()
		defer mu.Unlock()
		published = append(published, ev)
	}})
	var second wire.InvocationInput
	var retryState wire.Operation
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		switch f.n {
		case 1:
			out, err := f.checkpoint(stepStart("s1"), stepRetry("s1", 3, "Error"))
			if err != nil {
				return wire.InvocationOutput{}, err
			}
			retryState = out.NewExecutionState.Operations[0]
			return pending, nil
		default:
			second = f.in
			if _, err := f.checkpoint(stepStart("s1"), stepSucceed("s1", `"ok"`)); err != nil {
				return wire.InvocationOutput{}, err
			}
			return succeeded(`"done"`), nil
		}
	})
	arn := start(t, svc, "fn", `{"a":1}`)
	ex := drive(t, svc, arn)
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"done"` {
		t.Fatalf("execution = %s %q, want SUCCEEDED \"done\"", ex.Status, wire.Deref(ex.Result))
	}
	if retryState.Status != wire.OperationStatusPending || retryState.StepDetails.Attempt != 1 ||
		!wire.TimeOf(retryState.StepDetails.NextAttemptTimestamp).Equal(t0.Add(3*time.Second)) {
		t.Errorf("state after RETRY = %+v %+v, want PENDING attempt 1 next at +3s", retryState, retryState.StepDetails)
	}
	if !slices.Equal(second.UpdatedOperationIds, []string{"s1"}) {
		t.Errorf("UpdatedOperationIds = %v, want [s1]", second.UpdatedOperationIds)
	}
	var s1 wire.Operation
	for _, op := range second.InitialExecutionState.Operations {
		if op.Id == "s1" {
			s1 = op
		}
	}
	if s1.Status != wire.OperationStatusReady || s1.StepDetails.NextAttemptTimestamp != nil {
		t.Errorf("s1 in second invocation = %s next=%v, want READY without NextAttemptTimestamp", s1.Status, s1.StepDetails.NextAttemptTimestamp)
	}
	evs := history(t, svc, arn)
	want := []string{"ExecutionStarted", "StepStarted", "StepFailed", "InvocationCompleted", "StepStarted", "StepSucceeded", "InvocationCompleted", "ExecutionSucceeded"}
	if got := eventTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for i, ev := range evs {
		if ev.EventId != i+1 {
			t.Errorf("event %d has EventId %d", i, ev.EventId)
		}
	}
	if d := evs[2].StepFailedDetails; d.RetryDetails.CurrentAttempt != 1 || d.RetryDetails.NextAttemptDelaySeconds == nil ||
		*d.RetryDetails.NextAttemptDelaySeconds != 3 || d.Error.Payload.ErrorType != "Error" || d.Error.Truncated {
		t.Errorf("StepFailed details = %+v", d)
	}
	if d := evs[5].StepSucceededDetails; d.RetryDetails.CurrentAttempt != 2 || d.RetryDetails.NextAttemptDelaySeconds != nil || wire.Deref(d.Result.Payload) != `"ok"` {
		t.Errorf("StepSucceeded details = %+v", d)
	}
	if evs[3].InvocationCompletedDetails.Error != nil || evs[3].Id != "" {
		t.Errorf("InvocationCompleted = %+v, want no Error and no Id", evs[3])
	}
	if d := evs[0].ExecutionStartedDetails; wire.Deref(d.Input.Payload) != `{"a":1}` || d.ExecutionTimeout != DefaultExecutionTimeout {
		t.Errorf("ExecutionStarted details = %+v", d)
	}
	changes, err := svc.StatusChanges(arn)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(changes, published) || len(changes) != 2 ||
		changes[0].Detail.Status != wire.ExecutionStatusRunning || changes[1].Detail.Status != wire.ExecutionStatusSucceeded ||
		changes[0].Detail.EndTimestamp != "" || changes[1].Detail.EndTimestamp != "2026-01-01T00:00:03.000Z" ||
		changes[1].Source != "aws.lambda" || changes[1].DetailType != "Durable Execution Status Change" ||
		changes[1].Detail.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST" {
		t.Errorf("status changes = %+v, published %+v", changes, published)
	}
}

func TestWaitAndRetryPayloadOnlyEvents(t *testing.T) {
	svc, _ := newService(t, Config{})
	var waitState wire.Operation
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		switch f.n {
		case 1:
			out, err := f.checkpoint(waitStart("w1", 2))
			if err != nil {
				return wire.InvocationOutput{}, err
			}
			waitState = out.NewExecutionState.Operations[0]
			return pending, nil
		case 2:
			if op, _ := f.op("w1"); op.Status != wire.OperationStatusSucceeded {
				t.Errorf("w1 = %s in invocation 2, want SUCCEEDED", op.Status)
			}
			u := wire.OperationUpdate{Id: "c1", Type: wire.OperationTypeStep, SubType: wire.SubTypeWaitForCondition,
				Action: wire.OperationActionRetry, Payload: wire.String("1"), StepOptions: &wire.StepOptions{NextAttemptDelaySeconds: 1}}
			_, err := f.checkpoint(wire.OperationUpdate{Id: "c1", Type: wire.OperationTypeStep, SubType: wire.SubTypeWaitForCondition, Action: wire.OperationActionStart}, u)
			return pending, err
		default:
			if op, _ := f.op("c1"); wire.Deref(op.StepDetails.Result) != "1" {
				t.Errorf("condition state = %q, want 1", wire.Deref(op.StepDetails.Result))
			}
			return succeeded("null"), nil
		}
	})
	arn := start(t, svc, "fn", "")
	drive(t, svc, arn)
	if got := wire.TimeOf(waitState.WaitDetails.ScheduledEndTimestamp); !got.Equal(t0.Add(2 * time.Second)) {
		t.Errorf("ScheduledEndTimestamp = %v, want t0+2s", got)
	}
	evs := history(t, svc, arn)
	want := []string{"ExecutionStarted", "WaitStarted", "InvocationCompleted", "WaitSucceeded", "StepStarted", "StepSucceeded", "InvocationCompleted", "InvocationCompleted", "ExecutionSucceeded"}
	if got := eventTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	if d := evs[1].WaitStartedDetails; d.Duration != 2 || !wire.TimeOf(d.ScheduledEndTimestamp).Equal(t0.Add(2*time.Second)) {
		t.Errorf("WaitStarted = %+v", d)
	}
	if d := evs[3].WaitSucceededDetails; d.Duration != 2 {
		t.Errorf("WaitSucceeded = %+v", d)
	}
	if d := evs[5].StepSucceededDetails; wire.Deref(d.Result.Payload) != "1" || d.RetryDetails.CurrentAttempt != 1 || *d.RetryDetails.NextAttemptDelaySeconds != 1 {
		t.Errorf("payload-only RETRY event = %+v", d)
	}
	if ex, _ := svc.GetExecution(context.Background(), arn, true); wire.Deref(ex.InputPayload) != "{}" {
		t.Errorf("empty input stored as %q, want {}", wire.Deref(ex.InputPayload))
	}
}

func TestInvocationFailuresRetryThenFail(t *testing.T) {
	tests := []struct {
		name      string
		sc        script
		wantType  string
		wantMsg   string
		wantFinal wire.ExecutionStatus
	}{
		{
			name: "crash is retried and recorded",
			sc: func(f *fake) (wire.InvocationOutput, error) {
				if f.n == 1 {
					return wire.InvocationOutput{}, &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Runtime.ExitError", ErrorMessage: "exit status 2"}}
				}
				return succeeded(`1`), nil
			},
			wantType: "Runtime.ExitError", wantMsg: "exit status 2", wantFinal: wire.ExecutionStatusSucceeded,
		},
		{
			name: "PENDING with nothing pending fails after the attempts",
			sc: func(f *fake) (wire.InvocationOutput, error) {
				return pending, nil
			},
			wantType: wire.ErrCodeInvalidParameterValue, wantMsg: "Cannot return PENDING status with no pending operations.", wantFinal: wire.ExecutionStatusFailed,
		},
		{
			name: "plain error is Runtime.Unknown",
			sc: func(f *fake) (wire.InvocationOutput, error) {
				return wire.InvocationOutput{}, errors.New("socket closed")
			},
			wantType: "Runtime.Unknown", wantMsg: "socket closed", wantFinal: wire.ExecutionStatusFailed,
		},
		{
			name: "SUCCEEDED with an Error is invalid",
			sc: func(f *fake) (wire.InvocationOutput, error) {
				return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Error: &wire.ErrorObject{}}, nil
			},
			wantType: wire.ErrCodeInvalidParameterValue, wantMsg: "A SUCCEEDED response must not carry an Error.", wantFinal: wire.ExecutionStatusFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newService(t, Config{MaxInvocationAttempts: 3, InvocationRetryDelay: time.Second})
			calls := host(t, svc, "fn", tt.sc)
			arn := start(t, svc, "fn", "{}")
			ex := drive(t, svc, arn)
			if ex.Status != tt.wantFinal {
				t.Fatalf("status = %s, want %s", ex.Status, tt.wantFinal)
			}
			evs := history(t, svc, arn)
			first := evs[1].InvocationCompletedDetails
			if first == nil || first.Error == nil || first.Error.Payload.ErrorType != tt.wantType || first.Error.Payload.ErrorMessage != tt.wantMsg {
				t.Fatalf("first InvocationCompleted = %+v, want error %s %q", evs[1], tt.wantType, tt.wantMsg)
			}
			invs, _ := svc.Invocations(arn)
			if tt.wantFinal == wire.ExecutionStatusFailed {
				if calls.get() != 3 || len(invs) != 3 {
					t.Errorf("invocations = %d (%d recorded), want 3", calls.get(), len(invs))
				}
				if ex.Error == nil || ex.Error.ErrorMessage != tt.wantMsg {
					t.Errorf("execution error = %+v, want %q", ex.Error, tt.wantMsg)
				}
				last := evs[len(evs)-1]
				if last.EventType != wire.EventExecutionFailed || evs[len(evs)-2].EventType != wire.EventInvocationCompleted {
					t.Errorf("last events = %v", eventTypes(evs[len(evs)-2:]))
				}
				// Backoff doubles: failures at t0, t0+1s, t0+3s.
				if !invs[2].Start.Equal(t0.Add(3 * time.Second)) {
					t.Errorf("third invocation at %v, want t0+3s", invs[2].Start)
				}
				return
			}
			if len(invs) != 2 || invs[0].Error == nil || invs[0].Status != "" || invs[1].Status != wire.InvocationStatusSucceeded {
				t.Errorf("invocations = %+v", invs)
			}
		})
	}
}

func TestCheckpointValidation(t *testing.T) {
	big := strings.Repeat("x", wire.MaxOperationPayloadBytes+1)
	tests := []struct {
		name    string
		setup   []wire.OperationUpdate // accepted first, in an earlier checkpoint
		updates []wire.OperationUpdate
		wantMsg string  // substring; "" = accepted
		limits  *Limits // nil: MaxOperations 3, the other defaults
	}{
		{name: "step start+succeed", updates: []wire.OperationUpdate{stepStart("a"), stepSucceed("a", "1")}},
		{name: "step created by SUCCEED", updates: []wire.OperationUpdate{stepSucceed("a", "1")}},
		{name: "missing id", updates: []wire.OperationUpdate{{Type: wire.OperationTypeStep, Action: wire.OperationActionStart}}, wantMsg: "has no Id"},
		{name: "bad id", updates: []wire.OperationUpdate{stepStart("a b")}, wantMsg: "Invalid operation Id"},
		{name: "execution not last", updates: []wire.OperationUpdate{{Id: "x", Type: wire.OperationTypeExecution, Action: wire.OperationActionSucceed}, stepStart("a")}, wantMsg: "must be the last update"},
		{name: "two executions", updates: []wire.OperationUpdate{{Id: "x", Type: wire.OperationTypeExecution, Action: wire.OperationActionSucceed}, {Id: "x", Type: wire.OperationTypeExecution, Action: wire.OperationActionFail}}, wantMsg: "must be the last update"},
		{name: "duplicate start", updates: []wire.OperationUpdate{stepStart("a"), stepStart("a")}, wantMsg: "appears more than once"},
		{name: "triple", updates: []wire.OperationUpdate{stepStart("a"), stepRetry("a", 1, "E"), stepSucceed("a", "1")}, wantMsg: "appears more than once"},
		{name: "wait twice", updates: []wire.OperationUpdate{waitStart("w", 1), {Id: "w", Type: wire.OperationTypeWait, Action: wire.OperationActionCancel}}, wantMsg: "appears more than once"},
		{name: "unknown parent", updates: []wire.OperationUpdate{{Id: "a", ParentId: "p", Type: wire.OperationTypeStep, Action: wire.OperationActionStart}}, wantMsg: "is not a CONTEXT"},
		{name: "parent started earlier in batch", updates: []wire.OperationUpdate{ctxStart("p", ""), {Id: "a", ParentId: "p", Type: wire.OperationTypeStep, Action: wire.OperationActionStart}}},
		{name: "parent is a step", setup: []wire.OperationUpdate{stepStart("p")}, updates: []wire.OperationUpdate{{Id: "a", ParentId: "p", Type: wire.OperationTypeStep, Action: wire.OperationActionStart}}, wantMsg: "is not a CONTEXT"},
		{name: "action not valid for type", updates: []wire.OperationUpdate{{Id: "w", Type: wire.OperationTypeWait, Action: wire.OperationActionSucceed}}, wantMsg: `Action "SUCCEED" is not valid for operation type WAIT`},
		{name: "execution start", updates: []wire.OperationUpdate{{Id: "x", Type: wire.OperationTypeExecution, Action: wire.OperationActionStart}}, wantMsg: "is not valid for operation type EXECUTION"},
		{name: "succeed a succeeded step", setup: []wire.OperationUpdate{stepSucceed("a", "1")}, updates: []wire.OperationUpdate{stepSucceed("a", "2")}, wantMsg: "Cannot SUCCEED STEP operation a: it is SUCCEEDED"},
		{name: "start a started step", setup: []wire.OperationUpdate{stepStart("a")}, updates: []wire.OperationUpdate{stepStart("a")}, wantMsg: "it is STARTED"},
		{name: "start a pending step", setup: []wire.OperationUpdate{stepRetry("a", 5, "E")}, updates: []wire.OperationUpdate{stepStart("a")}, wantMsg: "it is PENDING"},
		{name: "context restart", setup: []wire.OperationUpdate{ctxStart("c", "")}, updates: []wire.OperationUpdate{ctxStart("c", "")}, wantMsg: "it is STARTED"},
		{name: "cancel missing wait", updates: []wire.OperationUpdate{{Id: "w", Type: wire.OperationTypeWait, Action: wire.OperationActionCancel}}, wantMsg: "it is not started"},
		{name: "type mismatch", setup: []wire.OperationUpdate{stepStart("a")}, updates: []wire.OperationUpdate{ctxSucceed("a", "", "1", false)}, wantMsg: "has type STEP, not CONTEXT"},
		{name: "fail with payload", updates: []wire.OperationUpdate{{Id: "a", Type: wire.OperationTypeStep, Action: wire.OperationActionFail, Payload: wire.String("1")}}, wantMsg: "must not carry a Payload"},
		{name: "execution fail with payload", updates: []wire.OperationUpdate{{Id: "x", Type: wire.OperationTypeExecution, Action: wire.OperationActionFail, Payload: wire.String("1")}}, wantMsg: "must not carry a Payload"},
		{name: "succeed with error", updates: []wire.OperationUpdate{{Id: "a", Type: wire.OperationTypeStep, Action: wire.OperationActionSucceed, Error: &wire.ErrorObject{}}}, wantMsg: "must not carry an Error"},
		{name: "retry without options", updates: []wire.OperationUpdate{{Id: "a", Type: wire.OperationTypeStep, Action: wire.OperationActionRetry}}, wantMsg: "requires StepOptions"},
		{name: "retry with both", updates: []wire.OperationUpdate{{Id: "a", Type: wire.OperationTypeStep, Action: wire.OperationActionRetry, Payload: wire.String("1"), Error: &wire.ErrorObject{}, StepOptions: &wire.StepOptions{NextAttemptDelaySeconds: 1}}}, wantMsg: "both a Payload and an Error"},
		{name: "retry delay 0", updates: []wire.OperationUpdate{stepRetry("a", 0, "E")}, wantMsg: "NextAttemptDelaySeconds must be between 1 and 31622400"},
		{name: "wait 0", updates: []wire.OperationUpdate{waitStart("w", 0)}, wantMsg: "WaitSeconds must be between 1 and 31622400"},
		{name: "wait too long", updates: []wire.OperationUpdate{waitStart("w", wire.MaxDurationSeconds+1)}, wantMsg: "WaitSeconds must be between 1 and 31622400"},
		{name: "wait max", updates: []wire.OperationUpdate{waitStart("w", wire.MaxDurationSeconds)}},
		{name: "step result too large", updates: []wire.OperationUpdate{stepSucceed("a", big)}, wantMsg: "STEP output payload size must be less than or equal to 262144 bytes"},
		{name: "step result at limit", updates: []wire.OperationUpdate{stepSucceed("a", big[1:])}},
		{name: "step error too large", updates: []wire.OperationUpdate{{Id: "a", Type: wire.OperationTypeStep, Action: wire.OperationActionFail, Error: &wire.ErrorObject{ErrorMessage: big}}}, wantMsg: "STEP error payload size must be less than or equal to 262144 bytes"},
		{name: "invoke input too large", updates: []wire.OperationUpdate{invokeStart("i", "other", strings.Repeat("x", wire.MaxInvokeInputBytes+1))}, wantMsg: "CHAINED_INVOKE input payload size must be less than or equal to 1048576 bytes"},
		{name: "invoke without function", updates: []wire.OperationUpdate{{Id: "i", Type: wire.OperationTypeChainedInvoke, Action: wire.OperationActionStart}}, wantMsg: "requires ChainedInvokeOptions.FunctionName"},
		{name: "callback timeout negative", updates: []wire.OperationUpdate{callbackStart("cb", -1, 0)}, wantMsg: "TimeoutSeconds must be between 0 and 99999999"},
		{name: "too many operations", setup: []wire.OperationUpdate{stepStart("a"), stepStart("b")}, updates: []wire.OperationUpdate{stepStart("c"), stepStart("d")}, wantMsg: "maximum of 3 operations"},
		{name: "step result over a configured limit", limits: &Limits{MaxOperationPayloadBytes: 4}, updates: []wire.OperationUpdate{stepSucceed("a", "12345")}, wantMsg: "STEP output payload size must be less than or equal to 4 bytes"},
		{name: "operations within a configured limit", limits: &Limits{MaxOperations: 4}, setup: []wire.OperationUpdate{stepStart("a"), stepStart("b")}, updates: []wire.OperationUpdate{stepStart("c"), stepStart("d")}},
		{name: "execution result over a configured limit", limits: &Limits{MaxExecutionResultBytes: 4}, updates: []wire.OperationUpdate{{Id: "x", Type: wire.OperationTypeExecution, Action: wire.OperationActionSucceed, Payload: wire.String("12345")}}, wantMsg: "EXECUTION output payload size must be less than or equal to 4 bytes"},
		{name: "name not printable", updates: []wire.OperationUpdate{{Id: "a", Name: "tab\there", Type: wire.OperationTypeStep, Action: wire.OperationActionStart}}, wantMsg: "Invalid operation Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limits := Limits{MaxOperations: 3}
			if tt.limits != nil {
				limits = *tt.limits
			}
			svc, _ := newService(t, Config{Limits: limits})
			var setupErr, gotErr error
			var before int
			host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
				if len(tt.setup) > 0 {
					_, setupErr = f.checkpoint(tt.setup...)
				}
				ops, _ := svc.Operations(f.arn)
				before = len(ops)
				_, gotErr = f.checkpoint(tt.updates...)
				return succeeded("1"), nil
			})
			arn := start(t, svc, "fn", "{}")
			if err := svc.RunDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			if setupErr != nil {
				t.Fatalf("setup checkpoint: %v", setupErr)
			}
			if tt.wantMsg == "" {
				if gotErr != nil {
					t.Fatalf("checkpoint rejected: %v", gotErr)
				}
				return
			}
			var apiErr *wire.APIError
			if !errors.As(gotErr, &apiErr) || apiErr.Code != wire.ErrCodeInvalidParameterValue || apiErr.StatusCode != 400 ||
				!strings.Contains(apiErr.Message, tt.wantMsg) {
				t.Fatalf("error = %v, want InvalidParameterValueException containing %q", gotErr, tt.wantMsg)
			}
			ops, _ := svc.Operations(arn)
			if len(ops) != before {
				t.Errorf("a rejected batch changed the log: %d operations, had %d", len(ops), before)
			}
		})
	}
}

func TestCheckpointTokens(t *testing.T) {
	svc, _ := newService(t, Config{})
	ctx := context.Background()
	var firstSeed, consumed string
	var errs []error
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		in := func(token string, ups ...wire.OperationUpdate) wire.CheckpointInput {
			return wire.CheckpointInput{DurableExecutionArn: f.arn, CheckpointToken: token, Updates: ups}
		}
		if f.n == 1 {
			firstSeed = f.token
			consumed = f.token
			if _, err := f.checkpoint(waitStart("w", 1)); err != nil {
				return pending, err
			}
			// A consumed token is rejected.
			_, err := svc.Checkpoint(ctx, in(consumed))
			errs = append(errs, err)
			// GetExecutionState takes the current token and does not consume it.
			_, err = svc.GetExecutionState(ctx, wire.GetStateInput{DurableExecutionArn: f.arn, CheckpointToken: f.token})
			errs = append(errs, err)
			_, err = svc.GetExecutionState(ctx, wire.GetStateInput{DurableExecutionArn: f.arn, CheckpointToken: consumed})
			errs = append(errs, err)
			// ClientToken replays the response without re-validating the token.
			first, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: f.arn, CheckpointToken: f.token, ClientToken: "ct"})
			errs = append(errs, err)
			again, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: f.arn, CheckpointToken: f.token, ClientToken: "ct"})
			errs = append(errs, err)
			if first.CheckpointToken == "" || first.CheckpointToken != again.CheckpointToken {
				t.Errorf("ClientToken replay = %q, first %q", again.CheckpointToken, first.CheckpointToken)
			}
			return pending, nil
		}
		// The first invocation's tokens are superseded.
		_, err := svc.Checkpoint(ctx, in(firstSeed))
		errs = append(errs, err)
		return succeeded("1"), nil
	})
	arn := start(t, svc, "fn", "{}")
	drive(t, svc, arn)
	wantInvalid := []bool{true, false, true, false, false, true}
	if len(errs) != len(wantInvalid) {
		t.Fatalf("got %d results, want %d", len(errs), len(wantInvalid))
	}
	for i, err := range errs {
		var apiErr *wire.APIError
		isInvalid := errors.As(err, &apiErr) && apiErr.IsInvalidCheckpointToken() && apiErr.Message == "Invalid checkpoint token"
		if isInvalid != wantInvalid[i] || (!wantInvalid[i] && err != nil) {
			t.Errorf("call %d: err = %v, want invalid token = %v", i, err, wantInvalid[i])
		}
	}
	// After the execution closed, every checkpoint is rejected.
	if _, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: arn, CheckpointToken: "x"}); err == nil {
		t.Error("checkpoint after close accepted")
	}
	var apiErr *wire.APIError
	if _, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: arn + "x", CheckpointToken: "x"}); !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeResourceNotFound {
		t.Errorf("unknown ARN: %v", err)
	}
}
