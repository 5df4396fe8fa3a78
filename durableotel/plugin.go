package durableotel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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

// New returns the plugin, tracing through tp. For span ids that stay the
// same across invocations, tp must be an OpenTelemetry SDK provider built
// with IDGenerator (NewTracerProvider does that). When tp has a
// ForceFlush method (the SDK's provider does), the plugin calls it at the
// end of every invocation, before the response is sent: Lambda may freeze
// the process after that.
func New(tp trace.TracerProvider) durable.Plugin {
	t := &tracer{tr: tp.Tracer(ScopeName)}
	if f, ok := tp.(interface{ ForceFlush(context.Context) error }); ok {
		t.flush = f.ForceFlush
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
	tr    trace.Tracer
	flush func(context.Context) error

	mu          sync.Mutex
	invocations map[string]trace.Span // by request id, from WrapInvocation to OnInvocationEnd
}

// start starts a span with the derived ids sid under parent.
func (t *tracer) start(ctx context.Context, parent trace.SpanContext, sid trace.SpanID, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	ctx = context.WithValue(ctx, idsKey{}, wantIDs{tid: parent.TraceID(), sid: sid})
	return t.tr.Start(ctx, name, opts...)
}

// parentOf returns the span context of the operation parentID, or of the
// execution's root span for a top-level operation.
func parentOf(tid trace.TraceID, executionArn, parentID string) trace.SpanContext {
	if parentID == "" {
		return spanContext(tid, ExecutionSpanID(executionArn))
	}
	return spanContext(tid, OperationSpanID(executionArn, parentID))
}

func (t *tracer) wrapInvocation(ctx context.Context, info durable.InvocationHookInfo, fn func(context.Context) (any, error)) (any, error) {
	tid := TraceID(info.ExecutionArn)
	ctx, span := t.start(ctx, spanContext(tid, ExecutionSpanID(info.ExecutionArn)),
		InvocationSpanID(info.ExecutionArn, info.RequestID), "invocation",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			AttrExecutionArn.String(info.ExecutionArn),
			AttrRequestID.String(info.RequestID),
			AttrInvocationFirst.Bool(info.IsFirstInvocation),
		))
	t.mu.Lock()
	if t.invocations == nil {
		t.invocations = map[string]trace.Span{}
	}
	t.invocations[info.RequestID] = span
	t.mu.Unlock()
	return fn(ctx)
}

func (t *tracer) invocationEnd(ctx context.Context, info durable.InvocationEndHookInfo) {
	t.mu.Lock()
	span := t.invocations[info.RequestID]
	delete(t.invocations, info.RequestID)
	t.mu.Unlock()
	if span != nil {
		span.SetAttributes(AttrInvocationStatus.String(string(info.Status)))
		setError(span, info.ExecutionError)
		span.End()
	}
	switch info.Status {
	case durable.PluginInvocationSucceeded, durable.PluginInvocationFailed:
		t.executionEnd(ctx, info)
	}
	if t.flush != nil {
		// A failed flush is the exporter's to report (otel.Handle); the
		// execution goes on without these spans.
		_ = t.flush(ctx)
	}
}

// executionEnd emits the execution's root span, from the execution's start
// to now, from the invocation that ended it.
func (t *tracer) executionEnd(ctx context.Context, info durable.InvocationEndHookInfo) {
	start := info.ExecutionStartTimestamp
	if start.IsZero() {
		start = time.Now()
	}
	tid := TraceID(info.ExecutionArn)
	ctx = context.WithValue(ctx, idsKey{}, wantIDs{tid: tid, sid: ExecutionSpanID(info.ExecutionArn)})
	_, span := t.tr.Start(ctx, "execution", trace.WithNewRoot(), trace.WithTimestamp(start),
		trace.WithAttributes(
			AttrExecutionArn.String(info.ExecutionArn),
			AttrExecutionStatus.String(string(info.Status)),
		))
	setError(span, info.ExecutionError)
	span.End()
}

// operationName is the span name of an operation: its subtype and name.
func operationName(info *durable.OperationHookInfo) string {
	kind := info.SubType
	if kind == "" {
		kind = info.Type
	}
	if info.Name == "" {
		return kind
	}
	return kind + " " + info.Name
}

func operationAttrs(info *durable.OperationHookInfo, extra int) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 6+extra)
	attrs = append(attrs,
		AttrExecutionArn.String(info.ExecutionArn),
		AttrOperationID.String(info.ID),
		AttrOperationType.String(info.Type),
		AttrOperationSubType.String(info.SubType),
	)
	if info.Name != "" {
		attrs = append(attrs, AttrOperationName.String(info.Name))
	}
	if info.ParentID != "" {
		attrs = append(attrs, AttrOperationParentID.String(info.ParentID))
	}
	return attrs
}

// operationEnd emits an operation's span when it reaches its terminal
// status, from its recorded start to its recorded end: the invocation that
// sees the end emits the span of an operation that other invocations
// started (a wait, a callback, a retried step).
func (t *tracer) operationEnd(ctx context.Context, info durable.OperationHookInfo) {
	if info.Type == "EXECUTION" {
		return
	}
	start, end := info.StartTimestamp, info.EndTimestamp
	if end.IsZero() {
		end = time.Now()
	}
	if start.IsZero() {
		start = end
	}
	attrs := append(operationAttrs(&info, 2), AttrOperationStatus.String(string(info.Status)))
	if info.Attempt > 0 {
		attrs = append(attrs, AttrAttempt.Int(info.Attempt))
	}
	tid := TraceID(info.ExecutionArn)
	_, span := t.start(ctx, parentOf(tid, info.ExecutionArn, info.ParentID), OperationSpanID(info.ExecutionArn, info.ID),
		operationName(&info), trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	if info.Status != durable.PluginOperationSucceeded {
		span.SetStatus(codes.Error, string(info.Status))
		if info.Error != nil {
			setError(span, info.Error)
		}
	}
	span.End(trace.WithTimestamp(end))
}

// wrapAttempt runs one attempt of a step (or condition check) in a span
// under its operation's span, linked to the invocation that ran it. The
// step body's context carries the span, so spans the body starts (an HTTP
// client's) nest under the attempt.
func (t *tracer) wrapAttempt(ctx context.Context, info durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
	start := info.StartTimestamp
	if start.IsZero() {
		start = time.Now()
	}
	opts := []trace.SpanStartOption{
		trace.WithTimestamp(start),
		trace.WithAttributes(append(operationAttrs(&info.OperationHookInfo, 1), AttrAttempt.Int(info.Attempt))...),
	}
	if inv := trace.SpanContextFromContext(ctx); inv.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: inv}))
	}
	tid := TraceID(info.ExecutionArn)
	ctx, span := t.start(ctx, spanContext(tid, OperationSpanID(info.ExecutionArn, info.ID)),
		AttemptSpanID(info.ExecutionArn, info.ID, info.Attempt), "attempt "+strconv.Itoa(info.Attempt), opts...)
	defer span.End()
	v, err := fn(ctx)
	if err != nil {
		span.SetAttributes(AttrAttemptOutcome.String(string(durable.PluginAttemptFailed)))
		setError(span, err)
	} else {
		span.SetAttributes(AttrAttemptOutcome.String(string(durable.PluginAttemptSucceeded)))
	}
	return v, err
}

// wrapChild runs a child context's function with its operation's span as
// the current span, so spans started in it nest under the operation.
func (t *tracer) wrapChild(ctx context.Context, info durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
	tid := TraceID(info.ExecutionArn)
	return fn(trace.ContextWithRemoteSpanContext(ctx, spanContext(tid, OperationSpanID(info.ExecutionArn, info.ID))))
}

// enrichLog adds the current trace and span ids to the SDK's log records.
func enrichLog(ctx context.Context) map[string]any {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return map[string]any{"traceId": sc.TraceID().String(), "spanId": sc.SpanID().String()}
}

// setError marks span as failed by err, with err's type: the recorded
// ErrorType of a durable error, else the Go type.
func setError(span trace.Span, err error) {
	if err == nil {
		return
	}
	span.SetStatus(codes.Error, err.Error())
	span.SetAttributes(AttrErrorType.String(errorType(err)))
}

func errorType(err error) string {
	var oe *durable.OperationError
	if errors.As(err, &oe) && oe.ErrorType != "" {
		return oe.ErrorType
	}
	return fmt.Sprintf("%T", err)
}
