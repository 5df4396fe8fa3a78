package faults

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// These tests hold the SDK to protocol §3.2 and §3.5 for failures of
// CheckpointDurableExecution: throttling, 5xx, timeouts and a stale token
// fail the invocation (the service invokes the function again), a
// response without a token ends the invocation PENDING, the SDK sends no
// further checkpoint in that invocation, and the execution still ends
// SUCCEEDED with its result.

// tamper intercepts checkpoint call n (1-based, counted across the
// execution's invocations), made with the invocation's ctx. send forwards the request, as altered, to the
// service; the token "stale" is replaced by the previous call's token.
type tamper func(ctx context.Context, n int, in *wire.CheckpointInput, send func() (wire.CheckpointOutput, error)) (wire.CheckpointOutput, error)

// apiHost hosts a durable handler on an emulator with virtual time and
// lets a tamper function alter its checkpoint calls.
type apiHost struct {
	svc    *emulator.Service
	tamper tamper

	mu    sync.Mutex
	calls int
	// prevToken is the token of the previous checkpoint call.
	prevToken string
	invs      []hostedInvocation
}

// hostedInvocation is what one invocation returned and what it sent.
type hostedInvocation struct {
	out []byte
	err error
	// callsAfterFailure counts checkpoint calls made after a call of the
	// same invocation failed or came back without a token.
	callsAfterFailure int
}

// invocationClient is one invocation's ExecutionClient.
type invocationClient struct {
	h       *apiHost
	stopped bool // a call failed or returned no token
	after   int
}

func (c *invocationClient) Checkpoint(ctx context.Context, in wire.CheckpointInput) (wire.CheckpointOutput, error) {
	if c.stopped {
		c.after++
	}
	c.h.mu.Lock()
	c.h.calls++
	n, prev := c.h.calls, c.h.prevToken
	c.h.prevToken = in.CheckpointToken
	c.h.mu.Unlock()
	// send forwards the request as the tamper function left it; the token
	// "stale" stands for the token of the previous call.
	send := func() (wire.CheckpointOutput, error) {
		req := in
		if req.CheckpointToken == "stale" {
			req.CheckpointToken = prev
		}
		return c.h.svc.Checkpoint(ctx, req)
	}
	var out wire.CheckpointOutput
	var err error
	if c.h.tamper != nil {
		out, err = c.h.tamper(ctx, n, &in, send)
	} else {
		out, err = send()
	}
	if err != nil || out.CheckpointToken == "" {
		c.stopped = true
	}
	return out, err
}

func (c *invocationClient) GetExecutionState(ctx context.Context, in wire.GetStateInput) (wire.GetStateOutput, error) {
	return c.h.svc.GetExecutionState(ctx, in)
}

// newAPIHost registers handler as function "fn" on a fresh emulator.
func newAPIHost[I, O any](t *testing.T, handler durable.Handler[I, O], tp tamper) *apiHost {
	return newAPIHostWithTimeout(t, handler, tp, 0)
}

// newAPIHostWithTimeout is newAPIHost with the function's per-invocation
// timeout (0: the emulator's default).
func newAPIHostWithTimeout[I, O any](t *testing.T, handler durable.Handler[I, O], tp tamper, timeout time.Duration) *apiHost {
	t.Helper()
	svc, err := emulator.New(emulator.Config{Clock: emulator.NewVirtualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	h := &apiHost{svc: svc, tamper: tp}
	invoker := emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		c := &invocationClient{h: h}
		fn := durable.Wrap(handler, durable.WithExecutionClient(c), durable.WithLogHandler(slog.DiscardHandler))
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: req.RequestID, InvokedFunctionArn: req.FunctionArn})
		out, err := fn(ctx, req.Payload)
		h.mu.Lock()
		h.invs = append(h.invs, hostedInvocation{out: out, err: err, callsAfterFailure: c.after})
		h.mu.Unlock()
		return out, err
	})
	if err := svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Timeout: timeout, Invoker: invoker}); err != nil {
		t.Fatal(err)
	}
	return h
}

// run starts an execution with payload and drives it on virtual time
// until it closes.
func (h *apiHost) run(t *testing.T, payload string) wire.Execution {
	t.Helper()
	ctx := context.Background()
	start, err := h.svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn", Qualifier: "$LATEST", Payload: []byte(payload)})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if err := h.svc.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		ex, err := h.svc.GetExecution(ctx, start.ExecutionArn, true)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Status.Terminal() {
			return ex
		}
		timers := h.svc.Timers()
		if len(timers) == 0 {
			t.Fatalf("execution %s is stuck: no timer armed", ex.Status)
		}
		if err := h.svc.AdvanceTo(timers[0].At); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the execution did not close within 100 rounds")
	return wire.Execution{}
}

func (h *apiHost) invocations() []hostedInvocation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hostedInvocation(nil), h.invs...)
}

// orderFlow: reserve, a durable wait, charge; then a result, inflated
// beyond the response limit when the input says "large" so that the SDK
// checkpoints it as the EXECUTION update. Its checkpoint calls in a clean
// run: (1) reserve, (2) the wait; after the wait (3) charge, and for a
// large result (4) the EXECUTION update.
type orderFlow struct {
	reserves, charges atomic.Int32
}

func (f *orderFlow) handle(ctx durable.Context, in string) (string, error) {
	r, err := durable.Step(ctx, "reserve", func(durable.StepContext) (string, error) {
		f.reserves.Add(1)
		return "r-" + strings.TrimPrefix(in, "large-"), nil
	})
	if err != nil {
		return "", err
	}
	if err := durable.Wait(ctx, "cool-off", 5*time.Second); err != nil {
		return "", err
	}
	c, err := durable.Step(ctx, "charge", func(durable.StepContext) (string, error) {
		f.charges.Add(1)
		return "c-" + r, nil
	})
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(in, "large-") {
		return c + strings.Repeat(".", wire.MaxInlineResultBytes), nil
	}
	return c, nil
}

// faultCase is a checkpoint failure injected at call n of the run.
type faultCase struct {
	name  string
	input string
	n     int
}

// stepAndExecutionCases fault the charge checkpoint (the step's result)
// and the EXECUTION update (the execution's result).
var stepAndExecutionCases = []faultCase{
	{"charge checkpoint", "o-1", 3},
	{"EXECUTION checkpoint of a large result", "large-o-1", 4},
}

// wantRecovered checks that a run with one injected invocation-scoped
// checkpoint failure still produced the execution's result, that exactly
// one invocation failed with a *durable.CheckpointError of invocation
// scope (retryable as given) and that it checkpointed nothing after the
// failure.
func wantRecovered(t *testing.T, h *apiHost, f *orderFlow, ex wire.Execution, input string, retryable bool) {
	t.Helper()
	want := "c-r-" + strings.TrimPrefix(input, "large-")
	if strings.HasPrefix(input, "large-") {
		want += strings.Repeat(".", wire.MaxInlineResultBytes)
	}
	if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"`+want+`"` {
		t.Fatalf("execution %s, error %+v, result of %d bytes; want SUCCEEDED with the result", ex.Status, ex.Error, len(wire.Deref(ex.Result)))
	}
	if f.reserves.Load() != 1 {
		t.Errorf("reserve ran %d times, want 1: its checkpoint was acknowledged before the fault", f.reserves.Load())
	}
	failed := 0
	for i, inv := range h.invocations() {
		if inv.callsAfterFailure > 0 {
			t.Errorf("invocation %d sent %d checkpoints after one failed", i+1, inv.callsAfterFailure)
		}
		if inv.err == nil {
			continue
		}
		failed++
		var ce *durable.CheckpointError
		if !errors.As(inv.err, &ce) {
			t.Errorf("invocation %d failed with %T %v, want a *durable.CheckpointError", i+1, inv.err, inv.err)
			continue
		}
		if ce.Scope() != durable.ErrorScopeInvocation || ce.Retryable() != retryable {
			t.Errorf("invocation %d: scope %s retryable %v, want invocation scope, retryable %v", i+1, ce.Scope(), ce.Retryable(), retryable)
		}
	}
	if failed != 1 {
		t.Errorf("%d invocations failed, want the one that met the fault", failed)
	}
}

// testAPIFault injects err (before the request reaches the service, or
// after the service applied it when applied is set) at the case's call.
func testAPIFault(t *testing.T, err error, applied, retryable bool) {
	t.Helper()
	for _, tc := range stepAndExecutionCases {
		t.Run(tc.name, func(t *testing.T) {
			f := &orderFlow{}
			h := newAPIHost(t, f.handle, func(_ context.Context, n int, in *wire.CheckpointInput, send func() (wire.CheckpointOutput, error)) (wire.CheckpointOutput, error) {
				if n != tc.n {
					return send()
				}
				if applied {
					if _, serr := send(); serr != nil {
						return wire.CheckpointOutput{}, fmt.Errorf("the service rejected the faulted call itself: %w", serr)
					}
				}
				return wire.CheckpointOutput{}, err
			})
			ex := h.run(t, `"`+tc.input+`"`)
			wantRecovered(t, h, f, ex, tc.input, retryable)
		})
	}
}

func TestCheckpointThrottled(t *testing.T) {
	testAPIFault(t, wire.NewAPIError(wire.ErrCodeTooManyRequests, "Rate exceeded"), false, true)
}

func TestCheckpointServerError(t *testing.T) {
	t.Run("500 ServiceException", func(t *testing.T) {
		testAPIFault(t, wire.NewAPIError(wire.ErrCodeService, "internal failure"), false, true)
	})
	t.Run("503 ServiceUnavailable", func(t *testing.T) {
		testAPIFault(t, wire.NewAPIError(wire.ErrCodeServiceUnavailable, "try later"), false, true)
	})
	t.Run("502 without a known code", func(t *testing.T) {
		testAPIFault(t, &wire.APIError{Code: "BadGateway", StatusCode: 502, Message: "upstream"}, false, true)
	})
}

// timeoutError is a network timeout as net/http reports it.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestCheckpointTimeout(t *testing.T) {
	netTimeout := &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}
	t.Run("request never arrived", func(t *testing.T) {
		testAPIFault(t, fmt.Errorf("operation error Lambda: CheckpointDurableExecution: %w", context.DeadlineExceeded), false, true)
	})
	t.Run("applied, response timed out", func(t *testing.T) {
		testAPIFault(t, fmt.Errorf("operation error Lambda: CheckpointDurableExecution: %w", netTimeout), true, true)
	})
	// The call never answers: the invocation runs into its Lambda timeout,
	// which the service records and retries.
	t.Run("no answer before the invocation's deadline", func(t *testing.T) {
		f := &orderFlow{}
		h := newAPIHostWithTimeout(t, f.handle, func(ctx context.Context, n int, _ *wire.CheckpointInput, send func() (wire.CheckpointOutput, error)) (wire.CheckpointOutput, error) {
			if n != 3 {
				return send()
			}
			if _, err := testwait.Receive("the invocation's deadline ends the unanswered checkpoint call", ctx.Done()); err != nil {
				return wire.CheckpointOutput{}, err
			}
			return wire.CheckpointOutput{}, context.DeadlineExceeded
		}, 200*time.Millisecond)
		ex := h.run(t, `"o-3"`)
		if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"c-r-o-3"` {
			t.Fatalf("execution %s %q, error %+v", ex.Status, wire.Deref(ex.Result), ex.Error)
		}
		invs, err := h.svc.Invocations(ex.DurableExecutionArn)
		if err != nil {
			t.Fatal(err)
		}
		var failures []string
		for _, inv := range invs {
			if inv.Error != nil {
				failures = append(failures, inv.Error.ErrorType)
			}
		}
		if len(failures) != 1 || failures[0] != "Sandbox.Timedout" {
			t.Errorf("failed invocations %v, want one Sandbox.Timedout", failures)
		}
		if f.reserves.Load() != 1 {
			t.Errorf("reserve ran %d times, want 1", f.reserves.Load())
		}
	})
}

// TestCheckpointStaleToken sends, at the faulted call, the token of the
// previous call, which the service has consumed: the emulator answers
// "Invalid checkpoint token" (no injected error), and the SDK fails the
// invocation without calling it retryable in-process.
func TestCheckpointStaleToken(t *testing.T) {
	for _, tc := range stepAndExecutionCases {
		t.Run(tc.name, func(t *testing.T) {
			f := &orderFlow{}
			var rejected error
			h := newAPIHost(t, f.handle, func(_ context.Context, n int, in *wire.CheckpointInput, send func() (wire.CheckpointOutput, error)) (wire.CheckpointOutput, error) {
				if n == tc.n {
					in.CheckpointToken = "stale"
				}
				out, err := send()
				if n == tc.n {
					rejected = err
				}
				return out, err
			})
			ex := h.run(t, `"`+tc.input+`"`)
			var apiErr *wire.APIError
			if !errors.As(rejected, &apiErr) || !apiErr.IsInvalidCheckpointToken() {
				t.Fatalf("the service answered the stale token with %v, want Invalid checkpoint token", rejected)
			}
			wantRecovered(t, h, f, ex, tc.input, false)
		})
	}
}

// TestCheckpointResponseWithoutToken removes the token from the response
// to a checkpoint that the service applied: the SDK must stop
// checkpointing and end the invocation PENDING; nothing is lost.
func TestCheckpointResponseWithoutToken(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("call %d", n), func(t *testing.T) {
			f := &orderFlow{}
			h := newAPIHost(t, f.handle, func(_ context.Context, k int, in *wire.CheckpointInput, send func() (wire.CheckpointOutput, error)) (wire.CheckpointOutput, error) {
				out, err := send()
				if k == n {
					out.CheckpointToken = ""
				}
				return out, err
			})
			ex := h.run(t, `"o-2"`)
			if ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != `"c-r-o-2"` {
				t.Fatalf("execution %s %q, error %+v", ex.Status, wire.Deref(ex.Result), ex.Error)
			}
			if f.reserves.Load() != 1 || f.charges.Load() != 1 {
				t.Errorf("reserve ran %d times, charge %d; want once each (every checkpoint was applied)", f.reserves.Load(), f.charges.Load())
			}
			pending := 0
			for i, inv := range h.invocations() {
				if inv.err != nil {
					t.Errorf("invocation %d failed: %v", i+1, inv.err)
				}
				if inv.callsAfterFailure > 0 {
					t.Errorf("invocation %d sent %d checkpoints after a response without a token", i+1, inv.callsAfterFailure)
				}
				if strings.Contains(string(inv.out), `"PENDING"`) {
					pending++
				}
			}
			// The wait makes one invocation PENDING in a clean run; the
			// token-less response adds one, except when it answered the
			// wait's own START (call 2), whose invocation suspends anyway.
			want := 2
			if n == 2 {
				want = 1
			}
			if pending != want {
				t.Errorf("%d invocations ended PENDING, want %d", pending, want)
			}
		})
	}
}
