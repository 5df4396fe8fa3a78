package durableotel

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Span kinds in the id derivation: each names a different span of the
// same execution, so that an invocation, an operation and its attempts
// never share an id.
const (
	idExecution  = "execution"
	idInvocation = "invocation"
	idOperation  = "operation"
	idAttempt    = "attempt"
)

// TraceID returns the trace id of the execution executionArn: the first 16
// bytes of the SHA-256 of the ARN. Every invocation of the execution, in
// any process, derives the same id, so its spans form one trace.
func TraceID(executionArn string) trace.TraceID {
	var tid trace.TraceID
	sum := sha256.Sum256([]byte("durable-trace\x00" + executionArn))
	copy(tid[:], sum[:])
	if !tid.IsValid() {
		tid[15] = 1
	}
	return tid
}

// spanID derives a span id from the execution ARN, the kind of span, and
// the operation id or request id (and the attempt number) it stands for.
func spanID(executionArn, kind, id string, attempt int) trace.SpanID {
	var buf [256]byte
	b := append(buf[:0], executionArn...)
	b = append(b, 0)
	b = append(b, kind...)
	b = append(b, 0)
	b = append(b, id...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(attempt), 10)
	sum := sha256.Sum256(b)
	var sid trace.SpanID
	copy(sid[:], sum[:])
	if !sid.IsValid() {
		sid[7] = 1
	}
	return sid
}

// ExecutionSpanID, OperationSpanID and AttemptSpanID return the span ids
// the plugin gives an execution's root span, an operation's span and an
// attempt's span. Code outside the plugin (a test, a viewer) uses them to
// find a span; the plugin's spans take them through IDGenerator.
func ExecutionSpanID(executionArn string) trace.SpanID {
	return spanID(executionArn, idExecution, "", 0)
}

// OperationSpanID returns the span id of operation id (its wire id) of the
// execution executionArn. See ExecutionSpanID.
func OperationSpanID(executionArn, id string) trace.SpanID {
	return spanID(executionArn, idOperation, id, 0)
}

// AttemptSpanID returns the span id of attempt n of operation id. See
// ExecutionSpanID.
func AttemptSpanID(executionArn, id string, n int) trace.SpanID {
	return spanID(executionArn, idAttempt, id, n)
}

// InvocationSpanID returns the span id of the invocation with Lambda
// request id requestID. See ExecutionSpanID.
func InvocationSpanID(executionArn, requestID string) trace.SpanID {
	return spanID(executionArn, idInvocation, requestID, 0)
}

// spanContext is the sampled, remote span context of a span the plugin
// derives: the parent of a span it starts, whether that span was exported
// by this invocation, an earlier one or not yet.
func spanContext(tid trace.TraceID, sid trace.SpanID) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true,
	})
}

// idsKey carries the ids the plugin wants for the span it starts next.
type idsKey struct{}

type wantIDs struct {
	tid trace.TraceID
	sid trace.SpanID
}

// IDGenerator returns the OpenTelemetry SDK id generator the plugin's
// tracer provider must use: for the spans the plugin starts it returns the
// derived ids, so that an operation met again by a later invocation, or by
// a retried one, keeps its span id; for every other span it returns random
// ids, like the SDK's default generator.
//
//	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(durableotel.IDGenerator()), ...)
func IDGenerator() sdktrace.IDGenerator { return idGenerator{} }

type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if w, ok := ctx.Value(idsKey{}).(wantIDs); ok {
		return w.tid, w.sid
	}
	return randomTraceID(), randomSpanID()
}

func (idGenerator) NewSpanID(ctx context.Context, tid trace.TraceID) trace.SpanID {
	if w, ok := ctx.Value(idsKey{}).(wantIDs); ok && w.tid == tid {
		return w.sid
	}
	return randomSpanID()
}

// randomTraceID and randomSpanID make ids the way the SDK's default
// generator does (math/rand/v2, never all zero).
func randomTraceID() trace.TraceID {
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.NativeEndian.PutUint64(tid[:8], rand.Uint64())
		binary.NativeEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid
}

func randomSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.NativeEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}
