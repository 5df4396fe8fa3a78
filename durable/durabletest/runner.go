package durabletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/lambdahistory"
	"github.com/acme/durable-lambda-go/internal/runnerhook"
	"github.com/acme/durable-lambda-go/wire"
)

// DefaultMaxInvocations caps the invocations of one RunUntilComplete.
const DefaultMaxInvocations = 100

// MaxInvokeDepth is the chained-invoke nesting limit of the runner.
const MaxInvokeDepth = 10

// FunctionName is the name under which the runner hosts its handler.
const FunctionName = "durabletest-function"

// RunnerOption configures one Run or RunUntilComplete.
type RunnerOption func(*runnerConfig)

type runnerConfig struct {
	maxInvocations int
	executionName  string
	maxOperations  int
	noReplayCheck  bool
}

// newRunnerConfig applies opts to the defaults.
func newRunnerConfig(opts []RunnerOption) runnerConfig {
	cfg := runnerConfig{maxInvocations: DefaultMaxInvocations}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithMaxInvocations caps the invocations of the run's execution; when
// the cap is reached the run stops with CapReached set.
func WithMaxInvocations(n int) RunnerOption {
	return func(c *runnerConfig) { c.maxInvocations = n }
}

// WithExecutionName names the execution the call starts, as the durable
// execution name of the Invoke API does. The runner's service keeps the
// name (until Reset): a later call that starts an execution with the same
// name and an event with the same JSON encoding gets that same execution
// back — a closed one is reported again without invoking the handler, a
// running one is driven on — and the same name with another event fails
// with the service's DurableExecutionAlreadyStartedException (a
// *durable.APIError). The name is not used by a call that continues the
// running execution. Names are 1 to 64 characters of [a-zA-Z0-9_-];
// without one, every started execution is a new one.
func WithExecutionName(name string) RunnerOption {
	return func(c *runnerConfig) { c.executionName = name }
}

// WithMaxOperations caps the operations the execution the call starts may
// record, in place of the service's limit (emulator.DefaultMaxOperations,
// 3,000, as protocol.md documents for the real service): a checkpoint that
// would exceed it fails the execution as the service does. Like
// WithExecutionName, it is not used by a call that continues the running
// execution; chained durable targets keep the service's limit.
func WithMaxOperations(n int) RunnerOption {
	return func(c *runnerConfig) { c.maxOperations = n }
}

// Function is a function a test registers so the handler can invoke it;
// build it with DurableFunction or PlainFunction.
type Function struct {
	durable bool
	invoker func(svc *emulator.Service) emulator.Invoker
}

// DurableFunction hosts a durable handler as a chained-invoke target: it
// gets its own durable execution on the runner's service. Invoke it with a
// qualified name ("name:1", "name:prod" or "name:$LATEST"), as Lambda
// requires for durable functions.
func DurableFunction[I, O any](handler durable.Handler[I, O], opts ...durable.HandlerOption) Function {
	return Function{durable: true, invoker: func(svc *emulator.Service) emulator.Invoker {
		return durableInvoker(handler, opts, func() *faultClient { return &faultClient{svc: svc, faults: newFaults()} }, nil)
	}}
}

// PlainFunction hosts an ordinary Lambda handler as a chained-invoke
// target: one invocation with the JSON payload. An error fails the
// chained invoke with the error's type name and message.
func PlainFunction[I, O any](handler func(context.Context, I) (O, error)) Function {
	return Function{invoker: func(*emulator.Service) emulator.Invoker {
		return emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
			var in I
			if len(req.Payload) > 0 {
				if err := json.Unmarshal(req.Payload, &in); err != nil {
					return nil, functionError(fmt.Errorf("decoding the event: %w", err))
				}
			}
			out, err := handler(ctx, in)
			if err != nil {
				return nil, functionError(err)
			}
			b, err := json.Marshal(out)
			if err != nil {
				return nil, functionError(fmt.Errorf("encoding the result: %w", err))
			}
			return b, nil
		})
	}}
}

// LocalRunner runs a durable handler in process against the emulator, on
// virtual time. Its methods are safe for concurrent use, but a runner
// drives one execution at a time: most methods wait while Run or
// RunUntilComplete is driving it. Now and the callback methods
// (SendCallbackSuccess, SendCallbackFailure, SendCallbackHeartbeat,
// TimeoutCallback) do not, so the handler itself may call them — a
// WaitForCallback submitter can complete its own callback.
//
// Run and RunUntilComplete start an execution with the event. Until they
// have returned that execution's final result, calling them again
// continues it — after the test sent a callback result, completed a
// chained invoke or advanced time — and the event is not used; after a
// final result was returned, the next call starts a new execution.
type LocalRunner[I, O any] struct {
	handler durable.Handler[I, O]
	opts    []durable.HandlerOption

	// mu is held while a method drives or reads the runner's state,
	// including while Run and RunUntilComplete invoke the handler.
	// svcMu guards svc and clock for service and Now, which the handler
	// may call meanwhile; reset changes them holding both.
	mu        sync.Mutex
	svcMu     sync.Mutex
	svc       *emulator.Service
	clock     *emulator.VirtualClock
	faults    *faults
	functions map[string]Function
	panics    *panicLog // the handler's panics, for TestError.Unwrap
	arn       string
	// closed reports that a final result of arn was returned.
	closed bool
}

// NewLocalRunner returns a runner for handler; opts are passed to
// durable.Wrap on every invocation.
func NewLocalRunner[I, O any](handler durable.Handler[I, O], opts ...durable.HandlerOption) *LocalRunner[I, O] {
	r := &LocalRunner[I, O]{handler: handler, opts: opts, functions: map[string]Function{}}
	r.reset()
	return r
}

// reset builds a fresh service; must hold r.mu (or be unshared).
func (r *LocalRunner[I, O]) reset() {
	clock := emulator.NewVirtualClock(time.Now().UTC().Truncate(time.Millisecond))
	svc, err := emulator.New(emulator.Config{
		Clock:          clock,
		MaxInvokeDepth: MaxInvokeDepth,
		KeepClosed:     true, // time jumps far ahead; the result is read afterwards
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		panic(fmt.Sprintf("durabletest: creating the emulator: %v", err))
	}
	plan := newFaults()
	r.svcMu.Lock()
	r.svc, r.clock = svc, clock
	r.svcMu.Unlock()
	r.faults, r.panics, r.arn, r.closed = plan, newPanicLog(), "", false
	r.mustRegister(emulator.Function{Name: FunctionName, Durable: true,
		Invoker: durableInvoker(r.handler, r.opts, func() *faultClient { return &faultClient{svc: svc, faults: plan} }, r.panics)})
	for id, fn := range r.functions {
		r.registerLocked(id, fn)
	}
}

func (r *LocalRunner[I, O]) mustRegister(fn emulator.Function) {
	if err := r.svc.RegisterFunction(fn); err != nil {
		panic(fmt.Sprintf("durabletest: registering %s: %v", fn.Name, err))
	}
}

// Reset discards the execution, the service state and the planned faults
// and restarts the virtual clock; registered functions stay registered.
func (r *LocalRunner[I, O]) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reset()
}

func init() {
	runnerhook.Service = func(runner any) *emulator.Service {
		return runner.(interface{ service() *emulator.Service }).service()
	}
}

// service returns the emulator the runner drives. It is not exported: the
// package's API exposes no emulator type (see package runnerhook for the
// module's own tests).
func (r *LocalRunner[I, O]) service() *emulator.Service {
	r.svcMu.Lock()
	defer r.svcMu.Unlock()
	return r.svc
}

// RegisterFunction makes fn invocable by the handler as functionID: a
// function name, optionally with a qualifier ("name:prod"), which becomes
// an alias of the function's version 1.
func (r *LocalRunner[I, O]) RegisterFunction(functionID string, fn Function) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.functions[functionID] = fn
	r.registerLocked(functionID, fn)
}

func (r *LocalRunner[I, O]) registerLocked(functionID string, fn Function) {
	name, qualifier, _ := strings.Cut(functionID, ":")
	aliases := map[string]string{"prod": "1"}
	if qualifier != "" && qualifier != "1" && qualifier != "$LATEST" {
		aliases[qualifier] = "1"
	}
	// Merge with aliases registered for the same name under another id.
	for _, f := range r.svc.Functions() {
		if f.Name == name {
			maps.Copy(aliases, f.Aliases)
		}
	}
	r.mustRegister(emulator.Function{Name: name, Durable: fn.durable, Aliases: aliases, Invoker: fn.invoker(r.svc)})
}

// FailCheckpoint makes the handler's nth checkpoint call (1-based,
// counted across the runner's executions) fail with err before reaching
// the service; a nil err is a 500 ServiceException.
func (r *LocalRunner[I, O]) FailCheckpoint(n int, err error) {
	if err == nil {
		err = wire.NewAPIError(wire.ErrCodeService, "injected failure of checkpoint %d", n)
	}
	r.planFault(n, func(f *fault) { f.fail = err })
}

// DropCheckpoint makes the service apply the handler's nth checkpoint but
// lose its response: the SDK sees a network error, as after a timeout.
func (r *LocalRunner[I, O]) DropCheckpoint(n int) {
	r.planFault(n, func(f *fault) { f.drop = true })
}

// CrashAfterCheckpoint makes the invocation crash right after the service
// applied the handler's nth checkpoint: the SDK's call fails, every later
// call from that invocation is rejected, and the invocation is recorded as
// failed with ErrorType "Runtime.ExitError". The service then re-invokes
// the function, which must replay.
func (r *LocalRunner[I, O]) CrashAfterCheckpoint(n int) {
	r.planFault(n, func(f *fault) { f.crash = true })
}

// OmitTokenOnCheckpoint removes the CheckpointToken from the response to
// the handler's nth checkpoint, as the service may do; the SDK must stop
// checkpointing and return PENDING.
func (r *LocalRunner[I, O]) OmitTokenOnCheckpoint(n int) {
	r.planFault(n, func(f *fault) { f.omitToken = true })
}

// planFault edits the current plan's fault for checkpoint call n.
func (r *LocalRunner[I, O]) planFault(n int, change func(*fault)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults.plan(n, change)
}

// Checkpoints returns how many checkpoint calls the handler made.
func (r *LocalRunner[I, O]) Checkpoints() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.faults.count()
}

// execution starts the execution for event under cfg's name (the
// service's choice when empty) and operation limit, or returns the current
// one while its final result has not been returned.
func (r *LocalRunner[I, O]) execution(ctx context.Context, event I, cfg runnerConfig) (string, error) {
	if r.arn != "" && !r.closed {
		return r.arn, nil
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return "", fmt.Errorf("durabletest: encoding the event: %w", err)
	}
	out, err := r.svc.StartExecution(ctx, emulator.StartInput{FunctionName: FunctionName, Qualifier: "$LATEST", ExecutionName: cfg.executionName, Payload: payload, MaxOperations: cfg.maxOperations})
	if err != nil {
		return "", fmt.Errorf("durabletest: starting the execution: %w", err)
	}
	r.arn, r.closed = out.ExecutionArn, false
	return r.arn, nil
}

// invocations counts the execution's finished invocations.
func (r *LocalRunner[I, O]) invocations(arn string) (int, error) {
	invs, err := r.svc.Invocations(arn)
	return len(invs), err
}

// Run starts the execution (or continues the running one) and performs
// exactly one invocation of the handler. Work that becomes due on the way
// (a chained-invoke target) runs too; virtual time does not move. Run
// takes no options, as documented; start a named execution with
// RunUntilComplete and WithExecutionName.
func (r *LocalRunner[I, O]) Run(event I) (*TestResult, error) {
	return r.run(event, nil, false)
}

// RunUntilComplete starts the execution (or continues the running one)
// and drives it until it closes. Virtual time is always skipped: when
// nothing is due, the clock jumps to the next wait, retry or backoff timer.
// When the execution only waits for what the test must provide — open
// callbacks or chained invokes of unregistered functions — it returns
// with Status PENDING and Waiting filled, without jumping to a callback
// or execution timeout; complete them and call again. The invocation cap
// (WithMaxInvocations, default DefaultMaxInvocations) stops a runaway run
// with CapReached.
//
// When the execution ends with SUCCEEDED or FAILED, RunUntilComplete
// replays the handler once against the full history and returns the
// result together with a *ReplayDivergenceError if the handler turns out
// not to be deterministic; WithoutReplayCheck turns that off.
func (r *LocalRunner[I, O]) RunUntilComplete(event I, opts ...RunnerOption) (*TestResult, error) {
	return r.run(event, opts, true)
}

// run is Run (one invocation, no time skipped) or, untilComplete,
// RunUntilComplete.
func (r *LocalRunner[I, O]) run(event I, opts []RunnerOption, untilComplete bool) (*TestResult, error) {
	cfg := newRunnerConfig(opts)
	limit := 1
	if untilComplete {
		limit = cfg.maxInvocations
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	arn, err := r.execution(ctx, event, cfg)
	if err != nil {
		return nil, err
	}
	limitReached, err := r.drive(ctx, arn, limit, untilComplete)
	if err != nil {
		return nil, err
	}
	res, err := r.result(ctx, arn, untilComplete && limitReached)
	if err != nil || res.Status == StatusPending {
		return res, err
	}
	r.closed = true // the final result is returned: the next call starts anew
	if untilComplete && !cfg.noReplayCheck {
		err = r.checkReplay(ctx, arn)
	}
	return res, err
}

// drive runs due work until limit more invocations of the execution have
// finished (reporting true) or nothing is due. With skipTime, when nothing
// is due and the execution is open, it first jumps the virtual clock to
// the next skippable timer and goes on.
func (r *LocalRunner[I, O]) drive(ctx context.Context, arn string, limit int, skipTime bool) (bool, error) {
	before, err := r.invocations(arn)
	if err != nil {
		return false, err
	}
	for {
		n, err := r.invocations(arn)
		if err != nil {
			return false, err
		}
		if n-before >= limit {
			return true, nil
		}
		ran, err := r.svc.RunNext(ctx)
		if err != nil {
			return false, err
		}
		if ran {
			continue
		}
		if !skipTime {
			return false, nil
		}
		ex, err := r.svc.GetExecution(ctx, arn, false)
		if err != nil {
			return false, err
		}
		if ex.Status.Terminal() {
			return false, nil
		}
		at, ok := r.nextSkippableTimer()
		if !ok {
			return false, nil
		}
		if err := r.svc.AdvanceTo(at); err != nil {
			return false, err
		}
	}
}

// skippable are the timers RunUntilComplete jumps to: work the functions
// scheduled themselves. Callback and execution timeouts are only reached
// through AdvanceClock or TimeoutCallback.
var skippable = map[emulator.TimerKind]bool{
	emulator.TimerWait:            true,
	emulator.TimerStepRetry:       true,
	emulator.TimerInvocationRetry: true,
}

func (r *LocalRunner[I, O]) nextSkippableTimer() (time.Time, bool) {
	for _, t := range r.svc.Timers() {
		if skippable[t.Kind] {
			return t.At, true
		}
	}
	return time.Time{}, false
}

// result assembles the TestResult of the execution.
func (r *LocalRunner[I, O]) result(ctx context.Context, arn string, capReached bool) (*TestResult, error) {
	ex, err := r.svc.GetExecution(ctx, arn, true)
	if err != nil {
		return nil, err
	}
	var ops []TestOperation
	if err := r.svc.ReadOperations(arn, func(all []*wire.Operation) { ops = testOperations(all) }); err != nil {
		return nil, err
	}
	var events []types.Event
	err = r.svc.ReadHistory(arn, func(n int, all iter.Seq[*wire.Event]) { events = lambdahistory.FromWireSeq(n, all) })
	if err != nil {
		return nil, err
	}
	invs, err := r.svc.Invocations(arn)
	if err != nil {
		return nil, err
	}
	res := &TestResult{ExecutionArn: arn, Status: ExecutionStatus(ex.Status), RawResult: wire.Deref(ex.Result),
		Error: testError(ex.Error), Events: events, Invocations: testInvocations(invs), CapReached: capReached,
		Operations: ops}
	r.attachPanics(res, ex.Error, invs)
	if ex.Status == wire.ExecutionStatusRunning {
		res.Status = StatusPending
	}
	if res.Status == StatusPending {
		ops, err := r.svc.Operations(arn)
		if err != nil {
			return nil, err
		}
		history, err := r.svc.History(arn)
		if err != nil {
			return nil, err
		}
		if res.Waiting, err = r.waiting(ctx, arn, ops, history); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// attachPanics lets the errors of invocations that panicked, and the
// execution's error when it is the last of them (the execution failed
// because its invocations kept panicking), unwrap to the
// *durable.PanicError.
func (r *LocalRunner[I, O]) attachPanics(res *TestResult, execErr *wire.ErrorObject, invs []emulator.Invocation) {
	for i, inv := range invs {
		pe := r.panics.of(inv.RequestID)
		if pe == nil {
			continue
		}
		res.Invocations[i].Error.err = pe
		if i == len(invs)-1 && res.Error != nil && reflect.DeepEqual(execErr, inv.Error) {
			res.Error.err = pe
		}
	}
}

// waiting lists what a running execution waits for from the test: its
// open callbacks and started chained invokes, and, for a chained invoke of
// a registered durable function, what that execution waits for in turn.
func (r *LocalRunner[I, O]) waiting(ctx context.Context, arn string, ops []wire.Operation, events []wire.Event) ([]Waiting, error) {
	started := map[string]*wire.ChainedInvokeStartedDetails{}
	for _, ev := range events {
		if d := ev.ChainedInvokeStartedDetails; d != nil {
			started[ev.Id] = d
		}
	}
	var out []Waiting
	for _, op := range ops {
		if op.Status != wire.OperationStatusStarted {
			continue
		}
		switch op.Type {
		case wire.OperationTypeCallback:
			out = append(out, Waiting{Kind: "callback", ExecutionArn: arn, OperationID: op.Id, Name: op.Name, CallbackID: op.CallbackDetails.CallbackId})
		case wire.OperationTypeChainedInvoke:
			d := started[op.Id]
			out = append(out, Waiting{Kind: "chained-invoke", ExecutionArn: arn, OperationID: op.Id, Name: op.Name, FunctionName: d.FunctionName})
			child, err := r.svc.GetExecution(ctx, d.DurableExecutionArn, false)
			if err != nil || child.Status.Terminal() {
				continue // a plain or unregistered target, or finished
			}
			childOps, err := r.svc.Operations(d.DurableExecutionArn)
			if err != nil {
				return nil, err
			}
			childEvents, err := r.svc.History(d.DurableExecutionArn)
			if err != nil {
				return nil, err
			}
			nested, err := r.waiting(ctx, d.DurableExecutionArn, childOps, childEvents)
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
		}
	}
	return out, nil
}

// CompletePendingTimers moves the virtual clock to the next armed wait,
// retry or backoff timer and fires it (and any other timer due by then),
// without running invocations. It reports whether there was one.
func (r *LocalRunner[I, O]) CompletePendingTimers() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.nextSkippableTimer()
	if !ok {
		return false
	}
	return r.svc.AdvanceTo(at) == nil
}

// AdvanceClock moves the virtual clock forward by d, firing every timer on
// the way — callback and execution timeouts included — and running the
// invocations that become due, in time order.
//
// It is deliberately not named AdvanceTime: the official SDK documents
// AdvanceTime as the older name of CompletePendingTimers, so code ported
// from it fails to compile here instead of silently moving the clock by a
// duration.
func (r *LocalRunner[I, O]) AdvanceClock(d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	target := r.clock.Now().Add(d)
	for {
		if err := r.svc.RunDue(ctx); err != nil {
			return err
		}
		timers := r.svc.Timers()
		if len(timers) == 0 || timers[0].At.After(target) {
			break
		}
		if err := r.svc.AdvanceTo(timers[0].At); err != nil {
			return err
		}
	}
	if err := r.svc.AdvanceTo(target); err != nil {
		return err
	}
	return r.svc.RunDue(ctx)
}

// Now returns the runner's virtual time.
func (r *LocalRunner[I, O]) Now() time.Time {
	r.svcMu.Lock()
	defer r.svcMu.Unlock()
	return r.clock.Now()
}

// OpenCallback is a callback waiting for the test.
type OpenCallback struct {
	CallbackID string
	Name       string
}

// OpenCallbacks lists the current execution's open callbacks in start
// order.
func (r *LocalRunner[I, O]) OpenCallbacks() []OpenCallback {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.arn == "" {
		return nil
	}
	open, err := r.svc.OpenCallbacks(r.arn)
	if err != nil {
		return nil
	}
	out := make([]OpenCallback, len(open))
	for i, c := range open {
		out[i] = OpenCallback{CallbackID: c.CallbackID, Name: c.Name}
	}
	return out
}

// SendCallbackSuccess completes a callback with payload encoded as JSON.
// Call RunUntilComplete again to let the execution observe it.
func (r *LocalRunner[I, O]) SendCallbackSuccess(callbackID string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("durabletest: encoding the callback result: %w", err)
	}
	return r.service().SendCallbackSuccess(context.Background(), callbackID, b)
}

// SendCallbackFailure fails a callback with the error.
func (r *LocalRunner[I, O]) SendCallbackFailure(callbackID, errorType, errorMessage string) error {
	return r.service().SendCallbackFailure(context.Background(), callbackID, wire.ErrorObject{ErrorType: errorType, ErrorMessage: errorMessage})
}

// SendCallbackHeartbeat restarts a callback's heartbeat timeout.
func (r *LocalRunner[I, O]) SendCallbackHeartbeat(callbackID string) error {
	return r.service().SendCallbackHeartbeat(context.Background(), callbackID)
}

// TimeoutCallback times a callback out now (ErrorType "Callback.Timeout").
func (r *LocalRunner[I, O]) TimeoutCallback(callbackID string) error {
	return r.service().ExpireCallback(context.Background(), callbackID)
}

// ErrNoChainedInvoke is returned when no started chained invoke matches.
var ErrNoChainedInvoke = errors.New("durabletest: no started chained invoke with that name")

// CompleteChainedInvoke completes a started chained invoke the current
// execution waits for (see TestResult.Waiting, which includes those of
// the durable executions it invoked), found by operation name or else by
// target function name, with payload encoded as JSON.
func (r *LocalRunner[I, O]) CompleteChainedInvoke(name string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("durabletest: encoding the invoke result: %w", err)
	}
	return r.resolveInvoke(name, emulator.ChainedInvokeOutcome{Status: wire.OperationStatusSucceeded, Result: wire.String(string(b))})
}

// FailChainedInvoke fails the chained invoke named name with the error.
func (r *LocalRunner[I, O]) FailChainedInvoke(name, errorType, errorMessage string) error {
	return r.resolveInvoke(name, emulator.ChainedInvokeOutcome{Status: wire.OperationStatusFailed,
		Error: &wire.ErrorObject{ErrorType: errorType, ErrorMessage: errorMessage}})
}

// TimeoutChainedInvoke times the chained invoke named name out.
func (r *LocalRunner[I, O]) TimeoutChainedInvoke(name string) error {
	return r.resolveInvoke(name, emulator.ChainedInvokeOutcome{Status: wire.OperationStatusTimedOut,
		Error: &wire.ErrorObject{ErrorType: "TimeoutError", ErrorMessage: "The chained invoke timed out"}})
}

func (r *LocalRunner[I, O]) resolveInvoke(name string, out emulator.ChainedInvokeOutcome) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	if r.arn == "" {
		return ErrNoChainedInvoke
	}
	res, err := r.result(ctx, r.arn, false)
	if err != nil {
		return err
	}
	for _, w := range res.Waiting {
		if w.Kind == "chained-invoke" && w.Name == name {
			return r.svc.ResolveChainedInvoke(ctx, w.ExecutionArn, w.OperationID, out)
		}
	}
	for _, w := range res.Waiting {
		if w.Kind == "chained-invoke" && w.FunctionName == name {
			return r.svc.ResolveChainedInvoke(ctx, w.ExecutionArn, w.OperationID, out)
		}
	}
	return fmt.Errorf("%w: %q", ErrNoChainedInvoke, name)
}
