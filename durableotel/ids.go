package durableotel

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	"github.com/dchest/siphash"
	"go.opentelemetry.io/otel/trace"
)

// Span kinds in the id derivation: each names a different span of the
// same execution, so that an invocation, an operation and its attempts
// never share an id.
const (
	idExecution  = 'e'
	idInvocation = 'i'
	idOperation  = 'o'
	idAttempt    = 'a'
)

// TraceID returns the trace id of the execution executionArn: the first 16
// bytes of the SHA-256 of the ARN. Every invocation of the execution, in
// any process, derives the same id, so its spans form one trace.
func TraceID(executionArn string) trace.TraceID {
	sum := arnSum("durable-trace\x00", executionArn)
	var tid trace.TraceID
	copy(tid[:], sum[:])
	if !tid.IsValid() {
		tid[15] = 1
	}
	return tid
}

// spanKey is the part of the span ids that depends on the execution
// alone: the SHA-256 of its ARN, computed once per execution (see
// tracer.executionIDs). A span id is the SipHash-2-4 of the kind of span,
// the operation or request id and the attempt number, keyed with the
// first 16 bytes of the span key: a keyed hash of a few dozen bytes
// instead of a SHA-256 block per span.
type spanKey [sha256.Size]byte

// spanKeyOf returns the span key of the execution executionArn.
func spanKeyOf(executionArn string) spanKey {
	return arnSum("durable-span\x00", executionArn)
}

// arnSum returns the SHA-256 of prefix followed by executionArn.
func arnSum(prefix, executionArn string) [sha256.Size]byte {
	var buf [256]byte
	b := append(buf[:0], prefix...)
	b = append(b, executionArn...)
	return sha256.Sum256(b)
}

// spanID derives a span id from the execution's key, the kind of span, and
// the operation id or request id (and the attempt number) it stands for.
func (k *spanKey) spanID(kind byte, id string, attempt int) trace.SpanID {
	var buf [64]byte
	b := append(buf[:0], kind)
	b = append(b, id...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(attempt), 10)
	var sid trace.SpanID
	binary.LittleEndian.PutUint64(sid[:], siphash.Hash(binary.LittleEndian.Uint64(k[0:8]), binary.LittleEndian.Uint64(k[8:16]), b))
	if !sid.IsValid() {
		sid[7] = 1
	}
	return sid
}

// ExecutionSpanID returns the span id of the execution's root span;
// OperationSpanID, AttemptSpanID and InvocationSpanID those of its
// operations, attempts and invocations. Code outside the plugin (a test, a
// viewer) uses them to find a span.
func ExecutionSpanID(executionArn string) trace.SpanID {
	k := spanKeyOf(executionArn)
	return k.spanID(idExecution, "", 0)
}

// OperationSpanID returns the span id of operation id (its wire id) of the
// execution executionArn. See ExecutionSpanID.
func OperationSpanID(executionArn, id string) trace.SpanID {
	k := spanKeyOf(executionArn)
	return k.spanID(idOperation, id, 0)
}

// AttemptSpanID returns the span id of attempt n of operation id. See
// ExecutionSpanID.
func AttemptSpanID(executionArn, id string, n int) trace.SpanID {
	k := spanKeyOf(executionArn)
	return k.spanID(idAttempt, id, n)
}

// InvocationSpanID returns the span id of the invocation with Lambda
// request id requestID. See ExecutionSpanID.
func InvocationSpanID(executionArn, requestID string) trace.SpanID {
	k := spanKeyOf(executionArn)
	return k.spanID(idInvocation, requestID, 0)
}

// spanContext is the sampled span context of a span the plugin derives
// (the span's own, or its parent's, whether that was exported by this
// invocation, an earlier one or not yet).
func spanContext(tid trace.TraceID, sid trace.SpanID) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
}
