package emulator

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// invokerFn starts a chained invoke of target and ends with its outcome.
func invokerFn(target string) script {
	return func(f *fake) (wire.InvocationOutput, error) {
		op, ok := f.op("i")
		if !ok {
			_, err := f.checkpoint(invokeStart("i", target, `{"x":1}`))
			return pending, err
		}
		switch op.Status {
		case wire.OperationStatusStarted:
			return pending, nil
		case wire.OperationStatusSucceeded:
			return wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: op.ChainedInvokeDetails.Result}, nil
		default:
			return wire.InvocationOutput{Status: wire.InvocationStatusFailed, Error: &wire.ErrorObject{
				ErrorType: string(op.Status), ErrorMessage: op.ChainedInvokeDetails.Error.ErrorType}}, nil
		}
	}
}

func TestChainedInvoke(t *testing.T) {
	ctx := context.Background()
	plain := func(out string, err error) Function {
		return Function{Name: "plain", Invoker: InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
			if string(req.Payload) != `{"x":1}` || req.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:plain:1" {
				return nil, errors.New("unexpected request " + string(req.Payload) + " " + req.FunctionArn)
			}
			return []byte(out), err
		})}
	}
	tests := []struct {
		name       string
		target     string
		setup      func(t *testing.T, svc *Service)
		resolve    *ChainedInvokeOutcome
		wantStatus wire.ExecutionStatus
		wantEvent  wire.EventType
		wantResult string
		wantMsg    string // ErrorMessage of the parent's failure
		wantChild  bool
		wantVer    string
	}{
		{
			name: "durable target", target: "child:prod",
			setup: func(t *testing.T, svc *Service) {
				host(t, svc, "child", func(f *fake) (wire.InvocationOutput, error) {
					ex := f.ops[f.order[0]]
					return succeeded(`{"echo":` + wire.Deref(ex.ExecutionDetails.InputPayload) + `}`), nil
				})
			},
			wantStatus: wire.ExecutionStatusSucceeded, wantEvent: wire.EventChainedInvokeSucceeded, wantResult: `{"echo":{"x":1}}`, wantChild: true, wantVer: "1",
		},
		{
			name: "durable target fails", target: "child:1",
			setup: func(t *testing.T, svc *Service) {
				host(t, svc, "child", func(f *fake) (wire.InvocationOutput, error) {
					return wire.InvocationOutput{Status: wire.InvocationStatusFailed, Error: &wire.ErrorObject{ErrorType: "Boom"}}, nil
				})
			},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventChainedInvokeFailed, wantMsg: "Boom", wantChild: true, wantVer: "1",
		},
		{
			name: "durable target unqualified", target: "child",
			setup: func(t *testing.T, svc *Service) {
				host(t, svc, "child", func(f *fake) (wire.InvocationOutput, error) { return succeeded("1"), nil })
			},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventChainedInvokeFailed, wantMsg: wire.ErrCodeInvalidParameterValue, wantVer: "1",
		},
		{
			name: "plain target", target: "plain",
			setup: func(t *testing.T, svc *Service) {
				if err := svc.RegisterFunction(plain(`"pong"`, nil)); err != nil {
					t.Fatal(err)
				}
			},
			wantStatus: wire.ExecutionStatusSucceeded, wantEvent: wire.EventChainedInvokeSucceeded, wantResult: `"pong"`, wantVer: "1",
		},
		{
			name: "plain target error", target: "arn:aws:lambda:us-east-1:123456789012:function:plain",
			setup: func(t *testing.T, svc *Service) {
				if err := svc.RegisterFunction(plain("", &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Handled"}})); err != nil {
					t.Fatal(err)
				}
			},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventChainedInvokeFailed, wantMsg: "Handled", wantVer: "1",
		},
		{
			name: "unregistered, resolved by the test", target: "elsewhere",
			resolve:    &ChainedInvokeOutcome{Status: wire.OperationStatusTimedOut, Error: &wire.ErrorObject{ErrorType: "Timeout"}},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventChainedInvokeTimedOut, wantMsg: "Timeout", wantVer: "$LATEST",
		},
		{
			name: "unregistered, stopped", target: "elsewhere",
			resolve:    &ChainedInvokeOutcome{Status: wire.OperationStatusStopped, Error: &wire.ErrorObject{ErrorType: "Stopped"}},
			wantStatus: wire.ExecutionStatusFailed, wantEvent: wire.EventChainedInvokeStopped, wantMsg: "Stopped", wantVer: "$LATEST",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, _ := newService(t, Config{})
			host(t, svc, "parent", invokerFn(tt.target))
			if tt.setup != nil {
				tt.setup(t, svc)
			}
			arn := start(t, svc, "parent", "{}")
			if err := svc.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.resolve != nil {
				if ex, _ := svc.GetExecution(ctx, arn, false); ex.Status != wire.ExecutionStatusRunning {
					t.Fatalf("execution with an unregistered target is %s, want RUNNING", ex.Status)
				}
				if err := svc.ResolveChainedInvoke(ctx, arn, "i", *tt.resolve); err != nil {
					t.Fatal(err)
				}
			}
			ex := drive(t, svc, arn)
			if ex.Status != tt.wantStatus {
				t.Fatalf("status = %s (%+v), want %s", ex.Status, ex.Error, tt.wantStatus)
			}
			if tt.wantResult != "" && wire.Deref(ex.Result) != tt.wantResult {
				t.Errorf("result = %q, want %q", wire.Deref(ex.Result), tt.wantResult)
			}
			if tt.wantMsg != "" && (ex.Error == nil || ex.Error.ErrorMessage != tt.wantMsg) {
				t.Errorf("error = %+v, want message %q", ex.Error, tt.wantMsg)
			}
			evs := history(t, svc, arn)
			types := eventTypes(evs)
			if !slices.Equal(types[:5], []string{"ExecutionStarted", "ChainedInvokeStarted", "InvocationCompleted", string(tt.wantEvent), "InvocationCompleted"}) &&
				!slices.Equal(types[:5], []string{"ExecutionStarted", "ChainedInvokeStarted", string(tt.wantEvent), "InvocationCompleted", "InvocationCompleted"}) {
				t.Errorf("events = %v", types)
			}
			d := evs[1].ChainedInvokeStartedDetails
			if d.FunctionName != tt.target || wire.Deref(d.Input.Payload) != `{"x":1}` || d.ExecutedVersion != tt.wantVer {
				t.Errorf("ChainedInvokeStarted = %+v", d)
			}
			if _, err := wire.ParseExecutionARN(d.DurableExecutionArn); err != nil {
				t.Errorf("DurableExecutionArn: %v", err)
			}
			child, err := svc.GetExecution(ctx, d.DurableExecutionArn, true)
			if (err == nil) != tt.wantChild {
				t.Fatalf("GetExecution(DurableExecutionArn) = %v, want a real child: %v", err, tt.wantChild)
			}
			if tt.wantChild {
				if !child.Status.Terminal() || wire.Deref(child.InputPayload) != `{"x":1}` || child.Version != "1" {
					t.Errorf("child = %+v", child)
				}
			}
		})
	}
}

func TestChainedInvokeDepthLimit(t *testing.T) {
	svc, _ := newService(t, Config{MaxInvokeDepth: 2})
	// fn invokes itself; the third level exceeds the limit and fails,
	// which fails every level above it.
	host(t, svc, "self", invokerFn("self:1"))
	arn := start(t, svc, "self", "{}")
	ex := drive(t, svc, arn)
	if ex.Status != wire.ExecutionStatusFailed || ex.Error.ErrorType != "FAILED" {
		t.Fatalf("root = %s %+v", ex.Status, ex.Error)
	}
	list, err := svc.ListExecutions(context.Background(), ListInput{FunctionName: "self"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DurableExecutions) != 3 {
		t.Fatalf("executions = %d, want 3 (root + 2 levels)", len(list.DurableExecutions))
	}
	deepest := list.DurableExecutions[0] // newest first
	evs := history(t, svc, deepest.DurableExecutionArn)
	var failed *wire.Event
	for i := range evs {
		if evs[i].EventType == wire.EventChainedInvokeFailed {
			failed = &evs[i]
		}
	}
	if failed == nil || failed.ChainedInvokeFailedDetails.Error.Payload.ErrorMessage != "Chained invoke depth exceeds the maximum of 2" {
		t.Errorf("deepest history = %v", eventTypes(evs))
	}
}
