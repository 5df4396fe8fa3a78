package emulator

import "github.com/acme/durable-lambda-go/wire"

// Limits are the service's size and count limits. A zero field takes its
// default, the value protocol.md §2.7 gives for the real service (or, where
// the real value is unconfirmed, the emulator's documented choice).
type Limits struct {
	// MaxOperations caps the operations one execution records, the
	// EXECUTION operation excluded; default 3,000.
	MaxOperations int
	// MaxOperationPayloadBytes caps one operation's result or error
	// (STEP, CONTEXT, CALLBACK, ...); default 256 KiB.
	MaxOperationPayloadBytes int
	// MaxExecutionResultBytes caps the payload of an EXECUTION SUCCEED
	// update, the way an SDK records a result too large for its response
	// (protocol.md §1.2); default 6 MiB, Lambda's response limit.
	MaxExecutionResultBytes int
	// MaxSyncInputBytes caps the input of a RequestResponse Invoke (and of
	// StartExecution); default 6 MiB.
	MaxSyncInputBytes int
	// MaxAsyncInputBytes caps the input of an Event Invoke; default 1 MiB.
	MaxAsyncInputBytes int
	// MaxCheckpointRequestBytes caps the body of one
	// CheckpointDurableExecution request. The default leaves room for an
	// EXECUTION update carrying a result of MaxExecutionResultBytes in the
	// worst JSON escaping (6 bytes per byte, "\u0000") plus 1 MiB of other
	// updates, so that an SDK's large-result checkpoint (protocol.md §1.2)
	// is never refused for its encoding.
	MaxCheckpointRequestBytes int
}

// Defaults of Limits.
const (
	DefaultMaxOperations            = 3000
	DefaultMaxOperationPayloadBytes = wire.MaxOperationPayloadBytes
	DefaultMaxExecutionResultBytes  = wire.MaxResponseBytes
	DefaultMaxSyncInputBytes        = wire.MaxResponseBytes
	DefaultMaxAsyncInputBytes       = 1024 * 1024
)

// withDefaults fills the zero fields of l.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxOperations, DefaultMaxOperations)
	def(&l.MaxOperationPayloadBytes, DefaultMaxOperationPayloadBytes)
	def(&l.MaxExecutionResultBytes, DefaultMaxExecutionResultBytes)
	def(&l.MaxSyncInputBytes, DefaultMaxSyncInputBytes)
	def(&l.MaxAsyncInputBytes, DefaultMaxAsyncInputBytes)
	def(&l.MaxCheckpointRequestBytes, 6*l.MaxExecutionResultBytes+1024*1024)
	return l
}

// Limits returns the limits the service enforces, defaults filled in.
func (s *Service) Limits() Limits { return s.cfg.Limits }
