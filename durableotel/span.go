package durableotel

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/acme/durable-lambda-go/durable"
)

// span is a finished span the plugin hands to the span processor. The
// plugin knows each span's ids, times and attributes only when it ends
// (an operation's span is emitted by whichever invocation sees it end), so
// it builds the read-only span directly instead of starting and ending one
// through a tracer: one allocation instead of the SDK's dozen.
type span struct {
	// ReadOnlySpan is nil: it only supplies the interface's unexported
	// method (as the SDK's tracetest snapshots do); every method is
	// implemented below.
	sdktrace.ReadOnlySpan

	name string
	// ids holds the trace id; id is the span's id, parent its parent's
	// (zero for the execution's root span). SpanContext and Parent build
	// the span contexts from them, which keeps the span 100 bytes smaller
	// than two trace.SpanContext fields would.
	ids        *executionIDs
	id, parent trace.SpanID
	kind       trace.SpanKind
	start, end time.Time
	// attrs are the attributes of an invocation's or the execution's span;
	// fields, when set, makes those of an operation or attempt span from
	// the few strings they are made of, when an exporter asks (see
	// AppendAttributes); errType, when set, is the last one (error.type).
	attrs   []attribute.KeyValue
	fields  attrFields
	errType string
	links   []sdktrace.Link
	status  sdktrace.Status
	res     *resource.Resource
}

// attrFields makes the attributes of an operation or attempt span.
type attrFields interface {
	appendAttrs(dst []attribute.KeyValue) []attribute.KeyValue
}

// attemptSpan and operationSpan are spans with what their attributes are
// made of, each one allocation. Their attributes are made when an exporter
// asks for them: a step's two spans carry ten attribute.KeyValue of 64
// bytes, made of strings the hook infos already hold, and making them when
// each attempt and operation ended put 768 + 416 bytes on the heap per
// step instead of 384 + 288, which the garbage collector then paid for.
// An exporter that appends them (package otlphttp, see AppendAttributes)
// makes no slice for them at all.
type attemptSpan struct {
	span
	// Span is nil: it only supplies trace.Span's unexported method; the
	// attempt is also the current span of the body's context (see the
	// trace.Span methods below).
	embedded.Span
	opID    string
	attempt int
	outcome durable.PluginAttemptOutcome
}

// appendAttrs appends the attempt's attributes but error.type.
func (a *attemptSpan) appendAttrs(dst []attribute.KeyValue) []attribute.KeyValue {
	return append(dst, AttrOperationID.String(a.opID), AttrAttempt.Int(a.attempt), AttrAttemptOutcome.String(string(a.outcome)))
}

type operationSpan struct {
	span
	opID, name, typ, subType, parentID string
	status                             durable.PluginOperationStatus
	attempt                            int
	// nameBuf holds the span's name when it fits (see operationName).
	nameBuf [48]byte
}

// appendAttrs appends the operation's attributes but error.type.
func (o *operationSpan) appendAttrs(dst []attribute.KeyValue) []attribute.KeyValue {
	dst = append(dst,
		AttrExecutionArn.String(o.ids.arn),
		AttrOperationID.String(o.opID),
		AttrOperationType.String(o.typ),
		AttrOperationSubType.String(o.subType),
		AttrOperationStatus.String(string(o.status)),
	)
	if o.name != "" {
		dst = append(dst, AttrOperationName.String(o.name))
	}
	if o.parentID != "" {
		dst = append(dst, AttrOperationParentID.String(o.parentID))
	}
	if o.attempt > 0 {
		dst = append(dst, AttrAttempt.Int(o.attempt))
	}
	return dst
}

// AppendAttributes appends the span's attributes to dst, as Attributes
// returns them, and returns the extended slice: an exporter that reuses
// dst from one span to the next (package otlphttp) makes no slice per span.
func (s *span) AppendAttributes(dst []attribute.KeyValue) []attribute.KeyValue {
	dst = append(dst, s.attrs...)
	if s.fields != nil {
		dst = s.fields.appendAttrs(dst)
	}
	if s.errType != "" {
		dst = append(dst, AttrErrorType.String(s.errType))
	}
	return dst
}

// Attributes returns the span's attributes, made anew on each call for an
// operation or attempt span (see AppendAttributes).
func (s *span) Attributes() []attribute.KeyValue {
	if s.fields == nil && s.errType == "" {
		return s.attrs
	}
	return s.AppendAttributes(make([]attribute.KeyValue, 0, len(s.attrs)+9))
}

// The trace.Span methods of an attempt: as the current span of the body's
// context (trace.ContextWithSpan) it is what trace.ContextWithSpanContext
// makes, a non-recording span whose context spans the body starts get
// their parent from, but held in the plugin's span instead of allocated on
// its own. They do nothing: the plugin records the attempt itself.

// End does nothing.
func (a *attemptSpan) End(...trace.SpanEndOption) {}

// AddEvent does nothing.
func (a *attemptSpan) AddEvent(string, ...trace.EventOption) {}

// AddLink does nothing.
func (a *attemptSpan) AddLink(trace.Link) {}

// IsRecording reports false.
func (a *attemptSpan) IsRecording() bool { return false }

// RecordError does nothing.
func (a *attemptSpan) RecordError(error, ...trace.EventOption) {}

// SetStatus does nothing.
func (a *attemptSpan) SetStatus(codes.Code, string) {}

// SetName does nothing.
func (a *attemptSpan) SetName(string) {}

// SetAttributes does nothing.
func (a *attemptSpan) SetAttributes(...attribute.KeyValue) {}

// TracerProvider returns a no-op provider, as a non-recording span does.
func (a *attemptSpan) TracerProvider() trace.TracerProvider { return noop.NewTracerProvider() }

var scope = instrumentation.Scope{Name: ScopeName}

func (s *span) Name() string                                { return s.name }
func (s *span) SpanContext() trace.SpanContext              { return spanContext(s.ids.trace, s.id) }
func (s *span) SpanKind() trace.SpanKind                    { return s.kind }
func (s *span) StartTime() time.Time                        { return s.start }
func (s *span) EndTime() time.Time                          { return s.end }
func (s *span) Links() []sdktrace.Link                      { return s.links }
func (s *span) Events() []sdktrace.Event                    { return nil }
func (s *span) Status() sdktrace.Status                     { return s.status }
func (s *span) Resource() *resource.Resource                { return s.res }
func (s *span) DroppedAttributes() int                      { return 0 }
func (s *span) DroppedLinks() int                           { return 0 }
func (s *span) DroppedEvents() int                          { return 0 }
func (s *span) ChildSpanCount() int                         { return 0 }
func (s *span) InstrumentationScope() instrumentation.Scope { return scope }

// InstrumentationLibrary is the deprecated form of InstrumentationScope,
// still part of ReadOnlySpan.
//
//nolint:staticcheck // required by the interface
func (s *span) InstrumentationLibrary() instrumentation.Library { return scope }

// Parent returns the parent's span context, invalid for the root span.
func (s *span) Parent() trace.SpanContext {
	if !s.parent.IsValid() {
		return trace.SpanContext{}
	}
	return spanContext(s.ids.trace, s.parent)
}
