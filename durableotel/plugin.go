package durableotel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/acme/durable-lambda-go/durable"
)

// ScopeName is the instrumentation scope of the plugin's spans.
const ScopeName = "github.com/acme/durable-lambda-go/durableotel"

// The attributes of the plugin's spans. Error types use the semantic
// conventions' error.type.
const (
	AttrExecutionArn      = attribute.Key("durable.execution.arn")
	AttrExecutionStatus   = attribute.Key("durable.execution.status")
	AttrInvocationFirst   = attribute.Key("durable.invocation.first")
	AttrInvocationStatus  = attribute.Key("durable.invocation.status")
	AttrRequestID         = attribute.Key("faas.invocation_id")
	AttrOperationID       = attribute.Key("durable.operation.id")
	AttrOperationName     = attribute.Key("durable.operation.name")
	AttrOperationType     = attribute.Key("durable.operation.type")
	AttrOperationSubType  = attribute.Key("durable.operation.subtype")
	AttrOperationParentID = attribute.Key("durable.operation.parent_id")
	AttrOperationStatus   = attribute.Key("durable.operation.status")
	AttrAttempt           = attribute.Key("durable.operation.attempt")
	AttrAttemptOutcome    = attribute.Key("durable.attempt.outcome")
	AttrErrorType         = attribute.Key("error.type")
)

// Option configures New.
type Option func(*tracer)

// WithResource sets the resource the spans describe (the service, the
// function); default none.
func WithResource(res *resource.Resource) Option {
	return func(t *tracer) { t.res = res }
}

// New returns the plugin. Its spans go to sp, normally a batch span
// processor over an exporter (sdktrace.NewBatchSpanProcessor); in tests, a
// simple one over the SDK's in-memory exporter. The plugin calls sp.OnEnd
// with each finished span (never OnStart: it builds spans when they end)
// and sp.ForceFlush at the end of every invocation, before the response is
// sent, because Lambda may freeze the process after that. Attempt spans
// reach sp.OnEnd in batches: with the next operation span, after 128 of
// them, or at the end of the invocation, before the flush. The caller
// shuts sp down.
//
// The contexts the plugin passes on carry the current span (the
// invocation's to the handler, an attempt's to a step body, an operation's
// to a child context), so spans that code starts through any
// OpenTelemetry tracer nest under them.
func New(sp sdktrace.SpanProcessor, opts ...Option) durable.Plugin {
	t := &tracer{sp: sp}
	for _, o := range opts {
		o(t)
	}
	return durable.Plugin{
		WrapInvocation:         t.wrapInvocation,
		OnInvocationEnd:        t.invocationEnd,
		OnOperationEnd:         t.operationEnd,
		WrapOperationAttemptFn: t.wrapAttempt,
		WrapChildContextFn:     t.wrapChild,
		EnrichLogContext:       enrichLog,
	}
}

type tracer struct {
	sp  sdktrace.SpanProcessor
	res *resource.Resource

	mu sync.Mutex
	// invocations holds each running invocation's unfinished span by
	// request id, from WrapInvocation to OnInvocationEnd; nil for an
	// invocation of an execution that had already ended.
	invocations map[string]*span
	// last holds the ids of the execution whose span came last.
	last atomic.Pointer[executionIDs]
	// link holds the links of the attempts run by the invocation whose
	// attempt came last (see linksTo).
	link atomic.Pointer[[]sdktrace.Link]

	// held holds finished attempt spans not yet handed to the processor
	// (see hold); spare is an emptied array for the next ones.
	heldMu      sync.Mutex
	held, spare []*span
}

// emit hands a finished span to the processor.
func (t *tracer) emit(s *span) {
	s.res = t.res
	t.sp.OnEnd(s)
}

// maxHeld is how many attempt spans hold keeps at most.
const maxHeld = 128

// hold keeps the finished attempt span s for emitHeld, which hands it to
// the processor with the other spans held: when its operation's span (or
// any other operation's) is emitted, on the SDK's hook goroutine, once
// maxHeld spans are held, and at the end of every invocation, before the
// flush. A batch span processor's goroutine then wakes once per batch of
// spans instead of once per attempt, on the goroutine that runs the
// step's body.
func (t *tracer) hold(s *span) {
	s.res = t.res
	t.heldMu.Lock()
	t.held = append(t.held, s)
	full := len(t.held) >= maxHeld
	t.heldMu.Unlock()
	if full {
		t.emitHeld()
	}
}

// emitHeld hands the held attempt spans to the processor.
func (t *tracer) emitHeld() {
	t.heldMu.Lock()
	batch := t.held
	if len(batch) == 0 {
		t.heldMu.Unlock()
		return
	}
	t.held, t.spare = t.spare, nil
	t.heldMu.Unlock()
	for _, s := range batch {
		t.sp.OnEnd(s)
	}
	clear(batch)
	t.heldMu.Lock()
	if t.spare == nil {
		t.spare = batch[:0]
	}
	t.heldMu.Unlock()
}

// executionIDs are the ids derived from an execution's ARN alone.
type executionIDs struct {
	arn   string
	trace trace.TraceID
	root  trace.SpanID
	key   spanKey
}

// executionIDs returns the ids of the execution executionArn: those of
// the last execution asked for, if it is the same (the spans of one
// execution come one after another), else derived anew.
func (t *tracer) executionIDs(executionArn string) *executionIDs {
	if ids := t.last.Load(); ids != nil && ids.arn == executionArn {
		return ids
	}
	ids := newExecutionIDs(executionArn)
	t.last.Store(ids)
	return ids
}

// newExecutionIDs derives the ids of the execution executionArn.
func newExecutionIDs(executionArn string) *executionIDs {
	ids := &executionIDs{arn: executionArn, trace: TraceID(executionArn), key: spanKeyOf(executionArn)}
	ids.root = ids.key.spanID(idExecution, "", 0)
	return ids
}

// parentOf returns the span id of the operation parentID, or of the
// execution's root span for a top-level operation.
func (ids *executionIDs) parentOf(parentID string) trace.SpanID {
	if parentID == "" {
		return ids.root
	}
	return ids.key.spanID(idOperation, parentID, 0)
}

// wrapInvocation runs an invocation with its span, under the execution's
// root span, as the current span. An invocation of an execution that has
// already ended (the durabletest runner's replay check replays the closed
// history once more) adds nothing to the trace: its operations all
// finished before.
func (t *tracer) wrapInvocation(ctx context.Context, info durable.InvocationHookInfo, fn func(context.Context) (any, error)) (any, error) {
	var s *span
	if !executionEnded(info.Operations) {
		ids := t.executionIDs(info.ExecutionArn)
		s = &span{
			name:   "invocation",
			ids:    ids,
			id:     ids.key.spanID(idInvocation, info.RequestID, 0),
			parent: ids.root,
			kind:   trace.SpanKindServer,
			start:  time.Now(),
		}
		s.attrs = append(make([]attribute.KeyValue, 0, 4),
			AttrExecutionArn.String(info.ExecutionArn),
			AttrRequestID.String(info.RequestID),
			AttrInvocationFirst.Bool(info.IsFirstInvocation),
		)
		ctx = trace.ContextWithSpanContext(ctx, s.SpanContext())
	}
	t.mu.Lock()
	if t.invocations == nil {
		t.invocations = map[string]*span{}
	}
	t.invocations[info.RequestID] = s
	t.mu.Unlock()
	return fn(ctx)
}

func (t *tracer) invocationEnd(ctx context.Context, info durable.InvocationEndHookInfo) {
	t.mu.Lock()
	s, wrapped := t.invocations[info.RequestID]
	delete(t.invocations, info.RequestID)
	t.mu.Unlock()
	t.emitHeld()
	if wrapped && s == nil {
		return // the execution had ended before this invocation
	}
	if s != nil {
		s.end = time.Now()
		s.attrs = append(s.attrs, AttrInvocationStatus.String(string(info.Status)))
		s.setError(info.ExecutionError)
		t.emit(s)
	}
	switch info.Status {
	case durable.PluginInvocationSucceeded, durable.PluginInvocationFailed:
		t.executionEnd(info)
	}
	// A failed flush is the exporter's to report (otel.Handle); the
	// execution goes on without these spans.
	_ = t.sp.ForceFlush(ctx)
}

// executionEnded reports whether the EXECUTION operation among ops has a
// terminal status.
func executionEnded(ops map[string]durable.OperationHookInfo) bool {
	for _, op := range ops {
		if op.Type == "EXECUTION" {
			switch op.Status {
			case durable.PluginOperationStarted, durable.PluginOperationPending, durable.PluginOperationReady, "":
				return false
			}
			return true
		}
	}
	return false
}

// executionEnd emits the execution's root span, from the invocation that
// ended it: from the execution's recorded start to now or, if later, the
// last recorded end of its operations (the service's clock, which records
// them, need not agree with the function's to the millisecond).
func (t *tracer) executionEnd(info durable.InvocationEndHookInfo) {
	now := time.Now()
	for _, op := range info.Operations {
		if op.EndTimestamp.After(now) {
			now = op.EndTimestamp
		}
	}
	start := info.ExecutionStartTimestamp
	if start.IsZero() {
		start = now
	}
	ids := t.executionIDs(info.ExecutionArn)
	s := executionSpan(ids, string(info.Status), start, now)
	s.setError(info.ExecutionError)
	t.emit(s)
}

// executionSpan is the root span of the execution ids, which ended with
// status.
func executionSpan(ids *executionIDs, status string, start, end time.Time) *span {
	s := &span{name: "execution", ids: ids, id: ids.root, kind: trace.SpanKindInternal, start: start, end: end}
	s.attrs = append(make([]attribute.KeyValue, 0, 2), AttrExecutionArn.String(ids.arn), AttrExecutionStatus.String(status))
	return s
}

// operationName is the span name of an operation: its subtype and name.
// It is built in buf when it fits (buf is part of the span, immutable once
// the span is emitted), saving an allocation per span.
func operationName(info *durable.OperationHookInfo, buf []byte) string {
	kind := info.SubType
	if kind == "" {
		kind = info.Type
	}
	if info.Name == "" {
		return kind
	}
	n := len(kind) + 1 + len(info.Name)
	if n > len(buf) {
		return kind + " " + info.Name
	}
	b := append(append(append(buf[:0], kind...), ' '), info.Name...)
	return unsafe.String(&b[0], n)
}

// operationEnd emits an operation's span when it reaches its terminal
// status, from its recorded start to its recorded end: the invocation that
// sees the end emits the span of an operation that other invocations
// started (a wait, a callback, a retried step).
func (t *tracer) operationEnd(_ context.Context, info durable.OperationHookInfo) {
	if info.Type == "EXECUTION" {
		return
	}
	end := info.EndTimestamp
	if end.IsZero() {
		end = time.Now()
	}
	start := info.StartTimestamp
	if start.IsZero() {
		start = end
	}
	ids := t.executionIDs(info.ExecutionArn)
	o := &operationSpan{span: span{
		ids:    ids,
		id:     ids.key.spanID(idOperation, info.ID, 0),
		parent: ids.parentOf(info.ParentID),
		kind:   trace.SpanKindInternal,
		start:  start,
		end:    end,
	}}
	o.opID, o.name, o.typ, o.subType, o.parentID = info.ID, info.Name, info.Type, info.SubType, info.ParentID
	o.status, o.attempt = info.Status, info.Attempt
	s := &o.span
	s.fields = o
	s.name = operationName(&info, o.nameBuf[:])
	if info.Status != durable.PluginOperationSucceeded {
		s.status = sdktrace.Status{Code: codes.Error, Description: string(info.Status)}
		s.setError(info.Error)
	}
	t.emitHeld()
	t.emit(s)
}

// wrapAttempt runs one attempt of a step (or condition check) with its
// span, under its operation's span and linked to the invocation that runs
// it, as the current span: spans the body starts (an HTTP client's) nest
// under the attempt. The operation's identity is on the operation's span;
// an attempt carries what tells it apart.
func (t *tracer) wrapAttempt(ctx context.Context, info durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
	ids := t.executionIDs(info.ExecutionArn)
	a := &attemptSpan{span: span{
		name:   attemptName(info.Attempt),
		ids:    ids,
		id:     ids.key.spanID(idAttempt, info.ID, info.Attempt),
		parent: ids.key.spanID(idOperation, info.ID, 0),
		kind:   trace.SpanKindInternal,
		start:  info.StartTimestamp,
	}}
	s := &a.span
	s.fields = a
	a.opID, a.attempt = info.ID, info.Attempt
	if inv := trace.SpanContextFromContext(ctx); inv.IsValid() {
		s.links = t.linksTo(inv)
	}
	v, err := fn(trace.ContextWithSpan(ctx, a))
	// The start plus the time elapsed on the monotonic clock, as the
	// OpenTelemetry SDK ends its spans: one clock reading instead of
	// time.Now's two.
	s.end = s.start.Add(time.Since(s.start))
	if err != nil {
		a.outcome = durable.PluginAttemptFailed
		s.setError(err)
	} else {
		a.outcome = durable.PluginAttemptSucceeded
	}
	t.hold(s)
	return v, err
}

// linksTo returns the links of an attempt run by the invocation inv: one
// link to inv, shared by the attempts of that invocation (spans never
// modify their links) instead of one per attempt.
func (t *tracer) linksTo(inv trace.SpanContext) []sdktrace.Link {
	if l := t.link.Load(); l != nil && (*l)[0].SpanContext.Equal(inv) {
		return *l
	}
	l := []sdktrace.Link{{SpanContext: inv}}
	t.link.Store(&l)
	return l
}

// attemptNames are the span names of the first attempts, made once.
var attemptNames = [...]string{"attempt 0", "attempt 1", "attempt 2", "attempt 3", "attempt 4", "attempt 5", "attempt 6", "attempt 7", "attempt 8", "attempt 9"}

func attemptName(n int) string {
	if n >= 0 && n < len(attemptNames) {
		return attemptNames[n]
	}
	return "attempt " + strconv.Itoa(n)
}

// wrapChild runs a child context's function with its operation's span as
// the current span, so spans started in it nest under the operation.
func (t *tracer) wrapChild(ctx context.Context, info durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
	ids := t.executionIDs(info.ExecutionArn)
	return fn(trace.ContextWithSpanContext(ctx, spanContext(ids.trace, ids.key.spanID(idOperation, info.ID, 0))))
}

// enrichLog adds the current trace and span ids to the SDK's log records.
func enrichLog(ctx context.Context) map[string]any {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return map[string]any{"traceId": sc.TraceID().String(), "spanId": sc.SpanID().String()}
}

// setError marks the span as failed by err, with err's type: the recorded
// ErrorType of a durable error, else the Go type.
func (s *span) setError(err error) {
	if err == nil {
		return
	}
	s.status = sdktrace.Status{Code: codes.Error, Description: err.Error()}
	s.errType = errorType(err)
}

func errorType(err error) string {
	var oe *durable.OperationError
	if errors.As(err, &oe) && oe.ErrorType != "" {
		return oe.ErrorType
	}
	return fmt.Sprintf("%T", err)
}
