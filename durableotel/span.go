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
	attrs      []attribute.KeyValue
	links      []sdktrace.Link
	status     sdktrace.Status
	res        *resource.Resource
}

// attemptSpan and operationSpan hold a span with room for its attributes,
// so that each is one allocation sized for it.
type attemptSpan struct {
	span
	// Span is nil: it only supplies trace.Span's unexported method; the
	// attempt is also the current span of the body's context (see the
	// trace.Span methods below).
	embedded.Span
	// attrBuf holds the three attributes of an attempt; a failed one's
	// error.type, a fourth, moves them to a larger array.
	attrBuf [3]attribute.KeyValue
}

type operationSpan struct {
	span
	// attrBuf holds up to eight attributes: all of a succeeded operation's
	// (a failed one's error.type may be a ninth, on a larger array), so
	// that the span fits the 896-byte size class.
	attrBuf [8]attribute.KeyValue
	// nameBuf holds the span's name when it fits (see operationName).
	nameBuf [48]byte
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
func (s *span) Attributes() []attribute.KeyValue            { return s.attrs }
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
