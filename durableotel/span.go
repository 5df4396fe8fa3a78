package durableotel

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
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

	name       string
	sc, parent trace.SpanContext
	kind       trace.SpanKind
	start, end time.Time
	attrs      []attribute.KeyValue
	links      []sdktrace.Link
	status     sdktrace.Status
	res        *resource.Resource
}

// attemptSpan and operationSpan hold a span with room for its attributes
// (and an attempt's link), so that each is one allocation sized for it.
type attemptSpan struct {
	span
	attrBuf [4]attribute.KeyValue
	linkBuf [1]sdktrace.Link
	// current is the attempt as the current span of the body's context.
	current currentSpan
}

type operationSpan struct {
	span
	attrBuf [9]attribute.KeyValue
	// nameBuf holds the span's name when it fits (see operationName).
	nameBuf [48]byte
}

// currentSpan is a span context as the current span of a context
// (trace.ContextWithSpan), what trace.ContextWithSpanContext makes, but
// held in the plugin's span instead of allocated on its own: non-recording,
// so spans that code starts under it get their parent from it and nothing
// else.
type currentSpan struct {
	noop.Span
	sc trace.SpanContext
}

// SpanContext returns the span's context.
func (s *currentSpan) SpanContext() trace.SpanContext { return s.sc }

var scope = instrumentation.Scope{Name: ScopeName}

func (s *span) Name() string                                { return s.name }
func (s *span) SpanContext() trace.SpanContext              { return s.sc }
func (s *span) Parent() trace.SpanContext                   { return s.parent }
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
