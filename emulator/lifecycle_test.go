package emulator

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

func TestLargeResultThroughExecutionUpdate(t *testing.T) {
	for _, action := range []wire.OperationAction{wire.OperationActionSucceed, wire.OperationActionFail} {
		t.Run(string(action), func(t *testing.T) {
			svc, _ := newService(t, Config{})
			big := strings.Repeat("r", wire.MaxOperationPayloadBytes*2)
			var resp wire.CheckpointOutput
			var after error
			host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
				u := wire.OperationUpdate{Id: "anything", Type: wire.OperationTypeExecution, Action: action}
				if action == wire.OperationActionSucceed {
					u.Payload = wire.String(big)
				} else {
					u.Error = &wire.ErrorObject{ErrorType: "Huge"}
				}
				var err error
				resp, err = f.checkpoint(stepSucceed("s", "1"), u)
				if err != nil {
					return pending, err
				}
				_, after = f.svc.Checkpoint(context.Background(), wire.CheckpointInput{DurableExecutionArn: f.arn, CheckpointToken: "whatever"})
				// The envelope is ignored after an EXECUTION update.
				return wire.InvocationOutput{Status: "BOGUS"}, nil
			})
			arn := start(t, svc, "fn", "{}")
			ex := drive(t, svc, arn)
			if resp.CheckpointToken != "" {
				t.Errorf("token after EXECUTION update = %q, want none", resp.CheckpointToken)
			}
			var apiErr *wire.APIError
			if !errors.As(after, &apiErr) || !apiErr.IsInvalidCheckpointToken() {
				t.Errorf("checkpoint after EXECUTION update: %v", after)
			}
			types := eventTypes(history(t, svc, arn))
			wantLast := "ExecutionSucceeded"
			if action == wire.OperationActionFail {
				wantLast = "ExecutionFailed"
			}
			if !slices.Equal(types, []string{"ExecutionStarted", "StepSucceeded", "InvocationCompleted", wantLast}) {
				t.Errorf("events = %v", types)
			}
			if action == wire.OperationActionSucceed && (ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != big) {
				t.Errorf("execution = %s with %d result bytes", ex.Status, len(wire.Deref(ex.Result)))
			}
			if action == wire.OperationActionFail && (ex.Status != wire.ExecutionStatusFailed || ex.Error.ErrorType != "Huge") {
				t.Errorf("execution = %s %+v", ex.Status, ex.Error)
			}
			ops, _ := svc.Operations(arn)
			parsed, _ := wire.ParseExecutionARN(arn)
			if ops[0].Type != wire.OperationTypeExecution || ops[0].Id != parsed.ID || ops[0].Status != wire.OperationStatus(ex.Status) {
				t.Errorf("EXECUTION operation = %+v, want id %s status %s", ops[0], parsed.ID, ex.Status)
			}
		})
	}
}

func TestReplayChildrenFilteringAndPaging(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, Config{})
	var visible [][]string
	var paged []string
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		ids := func() []string {
			var out []string
			for _, op := range f.in.InitialExecutionState.Operations {
				out = append(out, op.Id)
			}
			return out
		}
		visible = append(visible, ids())
		if f.n == 1 {
			_, err := f.checkpoint(
				ctxStart("hide", ""), ctxStart("inner", "hide"), stepSucceed("a", "1"),
				wire.OperationUpdate{Id: "b", ParentId: "inner", Type: wire.OperationTypeStep, Action: wire.OperationActionSucceed, Payload: wire.String("2")},
				ctxSucceed("inner", "hide", "x", false), ctxSucceed("hide", "", "x", false),
				ctxStart("keep", ""), wire.OperationUpdate{Id: "c", ParentId: "keep", Type: wire.OperationTypeStep, Action: wire.OperationActionSucceed, Payload: wire.String("3")},
				ctxSucceed("keep", "", "", true),
				ctxStart("run", ""), wire.OperationUpdate{Id: "d", ParentId: "run", Type: wire.OperationTypeStep, Action: wire.OperationActionStart},
				waitStart("w", 1))
			return pending, err
		}
		for marker := ""; ; {
			page, err := svc.GetExecutionState(ctx, wire.GetStateInput{DurableExecutionArn: f.arn, CheckpointToken: f.token, Marker: marker, MaxItems: 2})
			if err != nil {
				return pending, err
			}
			for _, op := range page.Operations {
				paged = append(paged, op.Id)
			}
			if marker = page.NextMarker; marker == "" {
				break
			}
		}
		return succeeded("1"), nil
	})
	arn := start(t, svc, "fn", "{}")
	drive(t, svc, arn)
	exID := arn[strings.LastIndex(arn, "/")+1:]
	want := []string{exID, "hide", "a", "keep", "c", "run", "d", "w"}
	if len(visible) != 2 || !slices.Equal(visible[1], want) {
		t.Errorf("InitialExecutionState ids = %v, want %v", visible, want)
	}
	// "a" has no parent, so it stays visible; "inner" and "b" vanish with "hide".
	if !slices.Equal(paged, want) {
		t.Errorf("paged GetExecutionState ids = %v, want %v", paged, want)
	}
	ops, _ := svc.Operations(arn)
	if len(ops) != 10 {
		t.Errorf("Operations() = %d, want the unfiltered 10", len(ops))
	}
}

func TestStartExecutionNamesAndARNs(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, Config{})
	host(t, svc, "orders", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
	var apiErr *wire.APIError
	tests := []struct {
		name     string
		in       StartInput
		wantCode string
		wantMsg  string
		wantARN  string // prefix
		existing bool
	}{
		{name: "unqualified", in: StartInput{FunctionName: "orders"}, wantCode: wire.ErrCodeInvalidParameterValue, wantMsg: "You cannot invoke a durable function using an unqualified ARN."},
		{name: "unqualified ARN", in: StartInput{FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:orders"}, wantCode: wire.ErrCodeInvalidParameterValue},
		{name: "unknown function", in: StartInput{FunctionName: "nope:1"}, wantCode: wire.ErrCodeResourceNotFound},
		{name: "unknown alias", in: StartInput{FunctionName: "orders", Qualifier: "dev"}, wantCode: wire.ErrCodeResourceNotFound},
		{name: "qualifier mismatch", in: StartInput{FunctionName: "orders:1", Qualifier: "prod"}, wantCode: wire.ErrCodeInvalidParameterValue},
		{name: "bad name", in: StartInput{FunctionName: "orders:1", ExecutionName: "a/b"}, wantCode: wire.ErrCodeInvalidParameterValue},
		{name: "alias resolves to version", in: StartInput{FunctionName: "orders:prod", ExecutionName: "order-42", Payload: []byte(`{"id":42}`)},
			wantARN: "arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/order-42/"},
		{name: "same name same payload", in: StartInput{FunctionName: "123456789012:function:orders:1", ExecutionName: "order-42", Payload: []byte(`{"id":42}`)},
			wantARN: "arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/order-42/", existing: true},
		{name: "same name other payload", in: StartInput{FunctionName: "orders", Qualifier: "1", ExecutionName: "order-42", Payload: []byte(`{"id":43}`)},
			wantCode: wire.ErrCodeAlreadyStarted},
		{name: "latest", in: StartInput{FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST"},
			wantARN: "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/"},
	}
	var first string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := svc.StartExecution(ctx, tt.in)
			if tt.wantCode != "" {
				if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode || !strings.Contains(apiErr.Message, tt.wantMsg) {
					t.Fatalf("err = %v, want %s %q", err, tt.wantCode, tt.wantMsg)
				}
				if tt.wantCode == wire.ErrCodeAlreadyStarted && apiErr.StatusCode != 409 {
					t.Errorf("status = %d, want 409", apiErr.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.ExecutionArn, tt.wantARN) || out.Existing != tt.existing {
				t.Fatalf("out = %+v, want ARN prefix %s existing %v", out, tt.wantARN, tt.existing)
			}
			parsed, err := wire.ParseExecutionARN(out.ExecutionArn)
			if err != nil {
				t.Fatal(err)
			}
			ops, _ := svc.Operations(out.ExecutionArn)
			if ops[0].Id != parsed.ID || ops[0].Type != wire.OperationTypeExecution {
				t.Errorf("EXECUTION operation id %q, ARN id %q", ops[0].Id, parsed.ID)
			}
			if tt.existing && out.ExecutionArn != first {
				t.Errorf("reuse gave %s, want %s", out.ExecutionArn, first)
			}
			if first == "" {
				first = out.ExecutionArn
			}
		})
	}
	// A closed execution is returned again for the same payload.
	drive(t, svc, first)
	out, err := svc.StartExecution(ctx, StartInput{FunctionName: "orders:1", ExecutionName: "order-42", Payload: []byte(`{"id":42}`)})
	if err != nil || out.ExecutionArn != first || !out.Existing {
		t.Errorf("reuse after close = %+v, %v", out, err)
	}
}

func TestExecutionTimeoutAndStop(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, Config{})
	waitForever := func(f *fake) (wire.InvocationOutput, error) {
		if _, ok := f.op("w"); !ok {
			_, err := f.checkpoint(waitStart("w", 1000))
			return pending, err
		}
		return pending, nil
	}
	host(t, svc, "long", waitForever)
	if err := svc.RegisterFunction(Function{Name: "short", Durable: true, DurableConfig: wire.DurableConfig{ExecutionTimeout: 10},
		Invoker: svc.functions["long"].Invoker}); err != nil {
		t.Fatal(err)
	}
	timedOut := start(t, svc, "short", "{}")
	stopped := start(t, svc, "long", "{}")
	if err := svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	stop, err := svc.StopExecution(ctx, stopped, &wire.ErrorObject{ErrorMessage: "enough"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.StopExecution(ctx, stopped, nil)
	if err != nil || !again.StopTimestamp.Equal(stop.StopTimestamp.Time) {
		t.Errorf("second stop = %+v, %v; want the original time", again, err)
	}
	ex := drive(t, svc, timedOut)
	if ex.Status != wire.ExecutionStatusTimedOut || ex.Error.ErrorMessage != "Execution timed out after 10 seconds." ||
		!ex.EndTimestamp.Equal(t0.Add(10*time.Second)) {
		t.Errorf("timed out execution = %+v %+v", ex, ex.Error)
	}
	if got := eventTypes(history(t, svc, timedOut)); got[len(got)-1] != "ExecutionTimedOut" {
		t.Errorf("events = %v", got)
	}
	stoppedEx, _ := svc.GetExecution(ctx, stopped, false)
	if stoppedEx.Status != wire.ExecutionStatusStopped || stoppedEx.Error != nil || stoppedEx.ExecutionDataIncluded || stoppedEx.InputPayload != nil {
		t.Errorf("stopped execution without data = %+v", stoppedEx)
	}
	ops, _ := svc.Operations(stopped)
	if ops[1].Status != wire.OperationStatusStarted {
		t.Errorf("wait of a stopped execution = %s, want STARTED", ops[1].Status)
	}
	if len(svc.Timers()) != 0 {
		t.Errorf("timers left: %+v", svc.Timers())
	}
	changes, _ := svc.StatusChanges(stopped)
	if len(changes) != 2 || changes[1].Detail.Status != wire.ExecutionStatusStopped {
		t.Errorf("status changes = %+v", changes)
	}

	// Read APIs.
	list, err := svc.ListExecutions(ctx, ListInput{FunctionName: "long"})
	if err != nil || len(list.DurableExecutions) != 1 || list.DurableExecutions[0].DurableExecutionArn != stopped {
		t.Errorf("list long = %+v, %v", list, err)
	}
	list, err = svc.ListExecutions(ctx, ListInput{FunctionName: "short", Statuses: []wire.ExecutionStatus{wire.ExecutionStatusRunning}})
	if err != nil || len(list.DurableExecutions) != 0 {
		t.Errorf("running short = %+v, %v", list, err)
	}
	h, err := svc.GetExecutionHistory(ctx, HistoryInput{ExecutionArn: stopped, MaxItems: 2, ReverseOrder: true})
	if err != nil || len(h.Events) != 2 || h.Events[0].EventType != wire.EventExecutionStopped || h.NextMarker == "" {
		t.Fatalf("history page = %+v, %v", h, err)
	}
	h2, err := svc.GetExecutionHistory(ctx, HistoryInput{ExecutionArn: stopped, MaxItems: 2, ReverseOrder: true, Marker: h.NextMarker})
	if err != nil || len(h2.Events) != 2 || h2.Events[1].EventType != wire.EventExecutionStarted || h2.NextMarker != "" {
		t.Errorf("second history page = %v, %v", eventTypes(h2.Events), err)
	}
	noData, _ := svc.GetExecutionHistory(ctx, HistoryInput{ExecutionArn: stopped})
	if noData.Events[0].ExecutionStartedDetails.Input.Payload != nil || noData.Events[len(noData.Events)-1].ExecutionStoppedDetails.Error.Payload != nil {
		t.Errorf("history without data still has payloads: %+v", noData.Events[0].ExecutionStartedDetails)
	}
	full, _ := svc.GetExecutionHistory(ctx, HistoryInput{ExecutionArn: stopped, IncludeExecutionData: true})
	if wire.Deref(full.Events[0].ExecutionStartedDetails.Input.Payload) != "{}" {
		t.Error("IncludeExecutionData dropped the input")
	}
	if _, err := svc.GetExecutionHistory(ctx, HistoryInput{ExecutionArn: stopped, MaxItems: 1001}); err == nil {
		t.Error("MaxItems 1001 accepted")
	}
}

// TestInitialStatePagedBySize: a log larger than an invocation payload
// arrives partly in the envelope and the rest through GetExecutionState.
func TestInitialStatePagedBySize(t *testing.T) {
	svc, _ := newService(t, Config{})
	payload := strings.Repeat("p", wire.MaxOperationPayloadBytes-100)
	const steps = 30 // 30 × ~256 KiB > 6 MiB
	var marker string
	var seen int
	host(t, svc, "fn", func(f *fake) (wire.InvocationOutput, error) {
		if f.n == 1 {
			for i := range steps {
				if _, err := f.checkpoint(stepSucceed("s"+strconv.Itoa(i), payload)); err != nil {
					return pending, err
				}
			}
			_, err := f.checkpoint(waitStart("w", 1))
			return pending, err
		}
		marker = f.in.InitialExecutionState.NextMarker
		seen = len(f.ops)
		return succeeded("1"), nil
	})
	ex := drive(t, svc, start(t, svc, "fn", "{}"))
	if ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("status = %s %+v", ex.Status, ex.Error)
	}
	if marker == "" || seen != steps+2 {
		t.Errorf("NextMarker = %q, operations after paging = %d, want a marker and %d", marker, seen, steps+2)
	}
}
