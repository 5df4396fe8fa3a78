package otlphttp

import (
	"encoding/binary"
	"math"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Field numbers of opentelemetry-proto's trace messages
// (opentelemetry/proto/collector/trace/v1/trace_service.proto,
// opentelemetry/proto/trace/v1/trace.proto,
// opentelemetry/proto/common/v1/common.proto,
// opentelemetry/proto/resource/v1/resource.proto).
const (
	requestResourceSpans = 1 // ExportTraceServiceRequest.resource_spans

	resourceSpansResource   = 1 // ResourceSpans.resource
	resourceSpansScopeSpans = 2 // ResourceSpans.scope_spans
	resourceSpansSchemaURL  = 3 // ResourceSpans.schema_url
	resourceAttributes      = 1 // Resource.attributes

	scopeSpansScope     = 1 // ScopeSpans.scope
	scopeSpansSpans     = 2 // ScopeSpans.spans
	scopeSpansSchemaURL = 3 // ScopeSpans.schema_url
	scopeName           = 1 // InstrumentationScope.name
	scopeVersion        = 2 // InstrumentationScope.version
	scopeAttributes     = 3 // InstrumentationScope.attributes

	spanTraceID           = 1
	spanSpanID            = 2
	spanTraceState        = 3
	spanParentSpanID      = 4
	spanName              = 5
	spanKind              = 6
	spanStartTime         = 7 // fixed64
	spanEndTime           = 8 // fixed64
	spanAttributes        = 9
	spanDroppedAttributes = 10
	spanEvents            = 11
	spanDroppedEvents     = 12
	spanLinks             = 13
	spanDroppedLinks      = 14
	spanStatus            = 15
	spanFlags             = 16 // fixed32

	eventTime              = 1 // fixed64
	eventName              = 2
	eventAttributes        = 3
	eventDroppedAttributes = 4

	linkTraceID           = 1
	linkSpanID            = 2
	linkTraceState        = 3
	linkAttributes        = 4
	linkDroppedAttributes = 5
	linkFlags             = 6 // fixed32

	statusMessage = 2
	statusCode    = 3

	keyValueKey   = 1
	keyValueValue = 2

	anyString = 1
	anyBool   = 2
	anyInt    = 3
	anyDouble = 4 // fixed64
	anyArray  = 5
	anyKVList = 6
	anyBytes  = 7

	arrayValues  = 1 // ArrayValue.values
	kvListValues = 1 // KeyValueList.values
)

// fieldNum is a protobuf field number.
type fieldNum uint32

// Protobuf wire types (the low three bits of a field's tag).
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// Span flags (SpanFlags in trace.proto): the low byte holds the W3C trace
// flags; bit 8 says whether bit 9 (the parent is remote) is known.
const (
	flagsHasIsRemote = 0x100
	flagsIsRemote    = 0x200
)

// OTLP status codes (Status.StatusCode), which differ from codes.Code.
const (
	otlpStatusOK    = 1
	otlpStatusError = 2
)

// scopeKey identifies a resource and instrumentation scope pair.
type scopeKey struct {
	res                   *resource.Resource
	name, version, schema string
	attrs                 attribute.Distinct
}

func keyOf(res *resource.Resource, sc instrumentation.Scope) scopeKey {
	return scopeKey{res: res, name: sc.Name, version: sc.Version, schema: sc.SchemaURL, attrs: sc.Attributes.Equivalent()}
}

// appendRequest appends spans as an ExportTraceServiceRequest, grouped by
// resource and instrumentation scope, in the order they first appear.
func appendRequest(b []byte, spans []sdktrace.ReadOnlySpan) []byte {
	var resources []*resource.Resource
	scopes := map[*resource.Resource][]instrumentation.Scope{}
	groups := map[scopeKey][]sdktrace.ReadOnlySpan{}
	var attrs []attribute.KeyValue // reused by appendSpan
	for _, s := range spans {
		res, sc := s.Resource(), s.InstrumentationScope()
		k := keyOf(res, sc)
		if _, ok := scopes[res]; !ok {
			resources = append(resources, res)
		}
		if _, ok := groups[k]; !ok {
			scopes[res] = append(scopes[res], sc)
		}
		groups[k] = append(groups[k], s)
	}
	for _, res := range resources {
		b = appendEmbedded(b, requestResourceSpans, func(b []byte) []byte {
			b = appendEmbedded(b, resourceSpansResource, func(b []byte) []byte {
				return appendAttributes(b, resourceAttributes, res.Attributes())
			})
			for _, sc := range scopes[res] {
				b = appendEmbedded(b, resourceSpansScopeSpans, func(b []byte) []byte {
					b = appendEmbedded(b, scopeSpansScope, func(b []byte) []byte {
						b = appendString(b, scopeName, sc.Name)
						b = appendString(b, scopeVersion, sc.Version)
						return appendAttributes(b, scopeAttributes, sc.Attributes.ToSlice())
					})
					for _, s := range groups[keyOf(res, sc)] {
						b = appendEmbedded(b, scopeSpansSpans, func(b []byte) []byte { return appendSpan(b, s, &attrs) })
					}
					return appendString(b, scopeSpansSchemaURL, sc.SchemaURL)
				})
			}
			return appendString(b, resourceSpansSchemaURL, res.SchemaURL())
		})
	}
	return b
}

// attributeAppender is a span that appends its attributes to a slice, as
// the durableotel plugin's spans do: they make their attributes when asked,
// and the encoder reuses one slice for all of them instead of the slice
// Attributes would make per span.
type attributeAppender interface {
	AppendAttributes(dst []attribute.KeyValue) []attribute.KeyValue
}

// appendSpan appends s; scratch is reused for the attributes of an
// attributeAppender.
func appendSpan(b []byte, s sdktrace.ReadOnlySpan, scratch *[]attribute.KeyValue) []byte {
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	b = appendLen(b, spanTraceID, tid[:])
	b = appendLen(b, spanSpanID, sid[:])
	b = appendString(b, spanTraceState, sc.TraceState().String())
	p := s.Parent()
	if p.IsValid() {
		psid := p.SpanID()
		b = appendLen(b, spanParentSpanID, psid[:])
	}
	b = appendString(b, spanName, s.Name())
	if k := s.SpanKind(); k != trace.SpanKindUnspecified {
		b = appendVarint(b, spanKind, uint64(k)) // the Go and OTLP enums agree
	}
	b = appendTime(b, spanStartTime, s.StartTime().UnixNano())
	b = appendTime(b, spanEndTime, s.EndTime().UnixNano())
	if a, ok := s.(attributeAppender); ok {
		*scratch = a.AppendAttributes((*scratch)[:0])
		b = appendAttributes(b, spanAttributes, *scratch)
		clear(*scratch) // drop the references to the span's strings
	} else {
		b = appendAttributes(b, spanAttributes, s.Attributes())
	}
	b = appendCount(b, spanDroppedAttributes, s.DroppedAttributes())
	for _, ev := range s.Events() {
		b = appendEmbedded(b, spanEvents, func(b []byte) []byte {
			b = appendTime(b, eventTime, ev.Time.UnixNano())
			b = appendString(b, eventName, ev.Name)
			b = appendAttributes(b, eventAttributes, ev.Attributes)
			return appendCount(b, eventDroppedAttributes, ev.DroppedAttributeCount)
		})
	}
	b = appendCount(b, spanDroppedEvents, s.DroppedEvents())
	for _, l := range s.Links() {
		b = appendEmbedded(b, spanLinks, func(b []byte) []byte {
			ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
			b = appendLen(b, linkTraceID, ltid[:])
			b = appendLen(b, linkSpanID, lsid[:])
			b = appendString(b, linkTraceState, l.SpanContext.TraceState().String())
			b = appendAttributes(b, linkAttributes, l.Attributes)
			b = appendCount(b, linkDroppedAttributes, l.DroppedAttributeCount)
			return appendFixed32(b, linkFlags, spanFlagsOf(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()))
		})
	}
	b = appendCount(b, spanDroppedLinks, s.DroppedLinks())
	if st := s.Status(); st.Code != codes.Unset {
		b = appendEmbedded(b, spanStatus, func(b []byte) []byte {
			b = appendString(b, statusMessage, st.Description)
			code := uint64(otlpStatusOK)
			if st.Code == codes.Error {
				code = otlpStatusError
			}
			return appendVarint(b, statusCode, code)
		})
	}
	// A span's remote bit is its parent's.
	return appendFixed32(b, spanFlags, spanFlagsOf(sc.TraceFlags(), p.IsValid() && p.IsRemote()))
}

// spanFlagsOf is the SpanFlags field of a span or link: its W3C trace
// flags, and whether the parent (or the linked span) is remote.
func spanFlagsOf(tf trace.TraceFlags, remote bool) uint32 {
	flags := uint32(tf) | flagsHasIsRemote
	if remote {
		flags |= flagsIsRemote
	}
	return flags
}

func appendAttributes(b []byte, num fieldNum, kvs []attribute.KeyValue) []byte {
	for _, kv := range kvs {
		b = appendEmbedded(b, num, func(b []byte) []byte {
			b = appendString(b, keyValueKey, string(kv.Key))
			return appendEmbedded(b, keyValueValue, func(b []byte) []byte { return appendValue(b, kv.Value) })
		})
	}
	return b
}

// appendValue appends the fields of an AnyValue.
func appendValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		return appendVarint(b, anyBool, boolVarint(v.AsBool()))
	case attribute.INT64:
		return appendVarint(b, anyInt, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		b = appendTag(b, anyDouble, wireFixed64)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.AsFloat64()))
	case attribute.STRING:
		return appendLen(b, anyString, v.AsString())
	case attribute.BYTESLICE:
		return appendLen(b, anyBytes, v.AsByteSlice())
	case attribute.BOOLSLICE:
		s := v.AsBoolSlice()
		return appendArray(b, len(s), func(i int) attribute.Value { return attribute.BoolValue(s[i]) })
	case attribute.INT64SLICE:
		s := v.AsInt64Slice()
		return appendArray(b, len(s), func(i int) attribute.Value { return attribute.Int64Value(s[i]) })
	case attribute.FLOAT64SLICE:
		s := v.AsFloat64Slice()
		return appendArray(b, len(s), func(i int) attribute.Value { return attribute.Float64Value(s[i]) })
	case attribute.STRINGSLICE:
		s := v.AsStringSlice()
		return appendArray(b, len(s), func(i int) attribute.Value { return attribute.StringValue(s[i]) })
	case attribute.SLICE:
		s := v.AsSlice()
		return appendArray(b, len(s), func(i int) attribute.Value { return s[i] })
	case attribute.MAP:
		return appendEmbedded(b, anyKVList, func(b []byte) []byte {
			return appendAttributes(b, kvListValues, v.AsMap())
		})
	default: // EMPTY: an AnyValue with no field set
		return b
	}
}

func appendArray(b []byte, n int, at func(int) attribute.Value) []byte {
	return appendEmbedded(b, anyArray, func(b []byte) []byte {
		for i := range n {
			b = appendEmbedded(b, arrayValues, func(b []byte) []byte { return appendValue(b, at(i)) })
		}
		return b
	})
}

// appendEmbedded appends field num holding the message that body appends.
func appendEmbedded(b []byte, num fieldNum, body func([]byte) []byte) []byte {
	return appendLen(b, num, body(nil))
}

// appendString appends a string field, leaving out the empty string (the
// proto3 default).
func appendString(b []byte, num fieldNum, s string) []byte {
	if s == "" {
		return b
	}
	return appendLen(b, num, s)
}

// appendLen appends a length-delimited field: a string, bytes or an
// embedded message.
func appendLen[T string | []byte](b []byte, num fieldNum, v T) []byte {
	b = appendTag(b, num, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendTime(b []byte, num fieldNum, unixNano int64) []byte {
	b = appendTag(b, num, wireFixed64)
	return binary.LittleEndian.AppendUint64(b, uint64(unixNano))
}

func appendFixed32(b []byte, num fieldNum, v uint32) []byte {
	b = appendTag(b, num, wireFixed32)
	return binary.LittleEndian.AppendUint32(b, v)
}

// appendCount appends a uint32 count field, leaving out zero.
func appendCount(b []byte, num fieldNum, n int) []byte {
	if n <= 0 {
		return b
	}
	return appendVarint(b, num, uint64(n))
}

func appendVarint(b []byte, num fieldNum, v uint64) []byte {
	b = appendTag(b, num, wireVarint)
	return binary.AppendUvarint(b, v)
}

// appendTag appends a field's tag: its number and wire type.
func appendTag(b []byte, num fieldNum, wireType uint64) []byte {
	return binary.AppendUvarint(b, uint64(num)<<3|wireType)
}

// boolVarint is a bool's varint value.
func boolVarint(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}
