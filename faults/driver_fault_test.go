package faults

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/runnerhook"
	"github.com/acme/durable-lambda-go/wire"
)

// scenario is a workflow the driver crashes everywhere.
type scenario[I, O any] struct {
	name  string
	event I
	// handler builds the workflow for one run. Step bodies report their
	// side effects to the probe, directly (probe.effect) or by logging
	// through their StepContext logger.
	handler func(p *probe) durable.Handler[I, O]
	// atMostOnce names the steps that use AtMostOncePerRetry.
	atMostOnce []string
	// register adds the functions the workflow invokes; may be nil.
	register func(r *durabletest.LocalRunner[I, O])
	// resolve completes what a PENDING run waits for (a callback); nil
	// when the workflow never waits for the test.
	resolve func(r *durabletest.LocalRunner[I, O], res *durabletest.TestResult) error
}

// faultKind is where a fault strikes.
type faultKind int

const (
	noFault faultKind = iota
	// crashAfterCheckpoint: checkpoint k is applied, then the invocation
	// dies (durabletest's CrashAfterCheckpoint).
	crashAfterCheckpoint
	// lostCheckpoint: checkpoint k never reaches the service; the
	// invocation fails on a connection error.
	lostCheckpoint
	// droppedResponse: checkpoint k is applied but its response is lost.
	droppedResponse
	// crashAfterEffect: the invocation dies (a panic, which the SDK
	// reports as a crash with ErrorType PanicError) right after the jth side effect of a step body,
	// before the step's outcome is checkpointed.
	crashAfterEffect
)

var faultNames = map[faultKind]string{
	noFault:              "none",
	crashAfterCheckpoint: "crash after checkpoint",
	lostCheckpoint:       "checkpoint lost",
	droppedResponse:      "checkpoint response dropped",
	crashAfterEffect:     "crash after side effect",
}

// fault is one fault point: a kind and the 1-based checkpoint call or
// side effect it strikes.
type fault struct {
	kind faultKind
	n    int
}

func (f fault) String() string { return fmt.Sprintf("%s %d", faultNames[f.kind], f.n) }

// errConnectionReset is the failure of a checkpoint that never arrived.
var errConnectionReset = errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: connection reset by peer (injected)")

// crashValue is the panic that kills an invocation after a side effect.
type crashValue struct{ effect int }

// outcome is what the driver compares between runs.
type outcome struct {
	status    durabletest.ExecutionStatus
	result    string
	errorType string
	errorMsg  string
}

func (o outcome) String() string {
	if o.errorType != "" {
		return fmt.Sprintf("%s %s: %s", o.status, o.errorType, o.errorMsg)
	}
	return fmt.Sprintf("%s %.200q", o.status, o.result)
}

// runReport is the record of one run.
type runReport struct {
	res         *durabletest.TestResult
	out         outcome
	checkpoints int
	effects     int
	crashed     bool // the effect crash fired
	violations  []string
}

// failedInvocations counts the invocations that ended in an error.
func (r runReport) failedInvocations() int {
	n := 0
	for _, inv := range r.res.Invocations {
		if inv.Error != nil {
			n++
		}
	}
	return n
}

// run runs the scenario to completion with fault f injected.
func (sc scenario[I, O]) run(t *testing.T, f fault) runReport {
	t.Helper()
	p := newProbe(sc.atMostOnce)
	if f.kind == crashAfterEffect {
		p.crashAt = f.n
	}
	inner := sc.handler(p)
	handler := func(ctx durable.Context, in I) (O, error) {
		p.setARN(ctx.ExecutionArn())
		return inner(ctx, in)
	}
	r := durabletest.NewLocalRunner(handler, durable.WithLogHandler(p.logHandler()), durable.WithStackTraces(false))
	p.svc = runnerhook.Service(r)
	if sc.register != nil {
		sc.register(r)
	}
	switch f.kind {
	case crashAfterCheckpoint:
		r.CrashAfterCheckpoint(f.n)
	case lostCheckpoint:
		r.FailCheckpoint(f.n, errConnectionReset)
	case droppedResponse:
		r.DropCheckpoint(f.n)
	}
	res, err := r.RunUntilComplete(sc.event)
	for i := 0; err == nil && res.Status == durabletest.StatusPending && !res.CapReached && sc.resolve != nil && i < 10; i++ {
		if err = sc.resolve(r, res); err == nil {
			res, err = r.RunUntilComplete(sc.event)
		}
	}
	if err != nil {
		t.Fatalf("%s: run: %v", f, err)
	}
	rep := runReport{res: res, checkpoints: r.Checkpoints()}
	rep.out = outcome{status: res.Status, result: strings.ReplaceAll(res.RawResult, res.ExecutionArn, "<arn>")}
	if res.Error != nil {
		rep.out.errorType = res.Error.ErrorType
		rep.out.errorMsg = strings.ReplaceAll(res.Error.ErrorMessage, res.ExecutionArn, "<arn>")
	}
	p.mu.Lock()
	rep.effects, rep.crashed, rep.violations = p.effects, p.crashed, p.violations
	p.mu.Unlock()
	return rep
}

// crashAnywhere runs the scenario fault-free, then once per fault point,
// and returns the number of fault points exercised.
func crashAnywhere[I, O any](t *testing.T, sc scenario[I, O]) int {
	t.Helper()
	clean := sc.run(t, fault{})
	if clean.res.Status == durabletest.StatusPending {
		t.Fatalf("the fault-free run did not finish: %s\n%s", clean.out, clean.res.FormatTree())
	}
	if len(clean.violations) > 0 || clean.failedInvocations() != 0 {
		t.Fatalf("the fault-free run broke an invariant or failed an invocation: %v\n%s", clean.violations, clean.res.FormatTree())
	}
	var points []fault
	for _, kind := range []faultKind{crashAfterCheckpoint, lostCheckpoint, droppedResponse} {
		for k := 1; k <= clean.checkpoints; k++ {
			points = append(points, fault{kind, k})
		}
	}
	for j := 1; j <= clean.effects; j++ {
		points = append(points, fault{crashAfterEffect, j})
	}
	exercised := 0
	for _, f := range points {
		rep := sc.run(t, f)
		if check(t, f, clean, rep) {
			exercised++
		}
	}
	t.Logf("%s: fault-free run %s with %d checkpoints and %d side effects; %d of %d fault points exercised",
		sc.name, clean.out, clean.checkpoints, clean.effects, exercised, len(points))
	if exercised == 0 {
		t.Errorf("%s: no fault point was reached", sc.name)
	}
	return exercised
}

// check compares a faulted run with the fault-free one and reports
// whether the fault struck. A fault point the run never reached (its
// checkpoints can be batched differently) must leave the run unharmed.
func check(t *testing.T, f fault, clean, rep runReport) bool {
	t.Helper()
	if rep.out != clean.out {
		t.Errorf("%s: outcome %s, want %s as without faults\n%s", f, rep.out, clean.out, rep.res.FormatTree())
	}
	for _, v := range rep.violations {
		t.Errorf("%s: %s", f, v)
	}
	struck := rep.crashed
	if f.kind != crashAfterEffect {
		struck = rep.checkpoints >= f.n
	}
	failed := rep.failedInvocations()
	switch {
	case struck && failed != 1:
		t.Errorf("%s: %d failed invocations, want exactly the one the fault killed\n%s", f, failed, rep.res.FormatTree())
	case !struck && failed != 0:
		t.Errorf("%s: the fault was not reached, yet %d invocations failed", f, failed)
	}
	// A crash injected by the runner is the Lambda runtime's
	// Runtime.ExitError; a panic is reported as the SDK's PanicError.
	crashType := map[faultKind]string{crashAfterCheckpoint: "Runtime.ExitError", crashAfterEffect: "PanicError"}[f.kind]
	if struck && crashType != "" {
		for _, inv := range rep.res.Invocations {
			if inv.Error != nil && inv.Error.ErrorType != crashType {
				t.Errorf("%s: the crashed invocation was recorded as %s, want %s", f, inv.Error.ErrorType, crashType)
			}
		}
	}
	return struck
}

// probe watches the step bodies of one run. Each reported side effect is
// checked against the service's record of its step: a body must not run
// once the step's outcome is recorded, and an at-most-once body must run
// only once per attempt, after its START was acknowledged. The probe also
// crashes the invocation at a chosen side effect.
type probe struct {
	svc        *emulator.Service
	atMostOnce map[string]bool
	crashAt    int

	mu         sync.Mutex
	arn        string
	effects    int
	crashed    bool
	runs       map[string]int // by "name#attempt"
	violations []string
}

func newProbe(atMostOnce []string) *probe {
	p := &probe{atMostOnce: map[string]bool{}, runs: map[string]int{}}
	for _, n := range atMostOnce {
		p.atMostOnce[n] = true
	}
	return p
}

func (p *probe) setARN(arn string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.arn = arn
}

func (p *probe) violate(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.violations = append(p.violations, fmt.Sprintf(format, args...))
}

// requestID is the Lambda request id of the invocation a step body runs
// in.
func requestID(sc durable.StepContext) string {
	if lc, ok := lambdacontext.FromContext(sc); ok {
		return lc.AwsRequestID
	}
	return ""
}

// effect records a side effect of attempt of the step named name, made by
// the invocation requestID, checks it and crashes the invocation when it
// is the chosen one. Step names must be unique within a scenario.
func (p *probe) effect(requestID, name string, attempt int) {
	p.mu.Lock()
	p.effects++
	n := p.effects
	key := fmt.Sprintf("%s#%d", name, attempt)
	p.runs[key]++
	runs := p.runs[key]
	arn := p.arn
	crash := n == p.crashAt
	if crash {
		p.crashed = true
	}
	p.mu.Unlock()

	rec, err := p.stepRecord(arn, name)
	if err != nil {
		p.violate("step %q: reading the service's record: %v", name, err)
	}
	invs, err := p.svc.Invocations(arn)
	if err != nil {
		p.violate("step %q: reading the invocations: %v", name, err)
	}
	for _, inv := range invs {
		if inv.RequestID == requestID {
			p.violate("step %q attempt %d ran in invocation %s after that invocation had ended", name, attempt, requestID)
		}
	}
	if rec != nil && rec.Status.Terminal() {
		p.violate("step %q ran again (attempt %d) after the service recorded it %s", name, attempt, rec.Status)
	}
	if p.atMostOnce[name] {
		if runs > 1 {
			p.violate("at-most-once step %q: attempt %d ran %d times", name, attempt, runs)
		}
		if rec == nil || rec.Status != wire.OperationStatusStarted || finished(rec) != attempt-1 {
			p.violate("at-most-once step %q: attempt %d ran before its START was acknowledged (record %s)", name, attempt, describe(rec))
		}
	}
	if crash {
		panic(crashValue{effect: n})
	}
}

// stepRecord returns the service's record of the STEP named name, or,
// for "<context>/<step>", of the step so named (possibly unnamed) whose
// parent is the CONTEXT named <context>.
func (p *probe) stepRecord(arn, name string) (*wire.Operation, error) {
	ops, err := p.svc.Operations(arn)
	if err != nil {
		return nil, err
	}
	parent := "" // "": any parent
	if ctxName, stepName, ok := strings.Cut(name, "/"); ok {
		name = stepName
		for _, op := range ops {
			if op.Type == wire.OperationTypeContext && op.Name == ctxName {
				parent = op.Id
			}
		}
		if parent == "" {
			return nil, nil
		}
	}
	for i := range ops {
		if ops[i].Type == wire.OperationTypeStep && ops[i].Name == name && (parent == "" || ops[i].ParentId == parent) {
			return &ops[i], nil
		}
	}
	return nil, nil
}

func finished(op *wire.Operation) int {
	if op.StepDetails == nil {
		return 0
	}
	return op.StepDetails.Attempt
}

func describe(op *wire.Operation) string {
	if op == nil {
		return "absent"
	}
	return fmt.Sprintf("%s after %d attempts", op.Status, finished(op))
}

// logHandler returns a slog.Handler that reports every record logged by a
// step body (it carries the step's operationName and attempt) as a side
// effect of that step. Other records are dropped.
func (p *probe) logHandler() slog.Handler { return &probeLog{p: p} }

type probeLog struct {
	p         *probe
	requestID string
	name      string
	attempt   int
	inStep    bool
}

func (h *probeLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *probeLog) Handle(_ context.Context, _ slog.Record) error {
	if h.inStep {
		h.p.effect(h.requestID, h.name, h.attempt)
	}
	return nil
}

func (h *probeLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	for _, a := range attrs {
		switch a.Key {
		case "requestId":
			c.requestID = a.Value.String()
		case "operationName":
			c.name = a.Value.String()
		case "attempt":
			c.attempt, c.inStep = int(a.Value.Int64()), true
		}
	}
	return &c
}

func (h *probeLog) WithGroup(string) slog.Handler { return h }
