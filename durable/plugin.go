package durable

import (
	"context"
	"time"
)

// Plugin observes a durable execution: its invocations, its operations and
// their attempts. Every field is an optional hook; a nil hook costs nothing,
// and a handler without plugins builds no hook information at all.
// Register plugins with [WithPlugins].
//
// EXPERIMENTAL: the plugin API may change in later releases.
//
// # Concurrency
//
// Hooks are called on the goroutine of the code they observe: the handler's,
// a child context's, a [Map] item's or a step body's. Operations running on
// different goroutines (branches, items, futures) call hooks concurrently,
// so a plugin must be safe for concurrent use. The hooks of several plugins
// for one event are called one after another in registration order.
//
// OnOperationEnd, OnOperationChange and OnInvocationEnd run on a goroutine
// of the invocation's own, in the order the records arrived, so that
// checkpointing never waits for them. It is woken once per batch of
// checkpoint responses (64 events, or a millisecond after the first):
// unless earlier hooks are still running, a record reaches these hooks
// within about a millisecond of its response, and always before
// OnInvocationEnd.
//
// # Isolation
//
// A hook can never change the execution: its outcome, its checkpoints and
// the hooks of other plugins stay what they would be without it. A hook
// that panics is recovered, the panic is logged through the handler's log
// handler (see [WithLogHandler]) and the other plugins' hooks still run.
// Hooks run outside the SDK's locks, so a slow hook delays only the code it
// observes, never the checkpointing of other goroutines.
//
// # Wrap hooks
//
// WrapInvocation, WrapOperationAttemptFn and WrapChildContextFn receive the
// wrapped work as fn and should call it once, passing a context (ctx or one
// derived from it, carrying a trace span, say). The context passed to fn
// becomes the parent of what the user code sees: the handler's [Context],
// the step body's [StepContext], the child's [Context]. The user code keeps
// the SDK's cancellation and deadline whatever context the hook passes, and
// reads values from the hook's context first. The first plugin is the
// outermost wrapper.
//
// The SDK runs the wrapped work exactly once, and its outcome is the work's
// own: what the hook returns is ignored. A hook that returns without
// calling fn, or panics before calling it, has fn run by the SDK with ctx;
// calling fn again returns the first call's outcome without running the
// work again. A panic of the work itself propagates as it would without
// the hook.
//
// # Replay
//
// Every invocation runs the handler from the top, so operations recorded by
// earlier invocations are met again. OnOperationStart fires once per
// invocation for an operation that is live (IsReplay false) or that replays
// while still unfinished, such as a wait not yet elapsed or a step waiting
// for its retry (IsReplay true, Status its recorded status). An operation
// that finished in an earlier invocation fires no start and no end again.
// OnOperationEnd fires once per operation and execution, when it reaches a
// terminal status: in the invocation whose checkpoint ends it (a step, a
// child context) or, for an end the service makes (a wait that elapsed, a
// callback completed, a chained invoke finished), in the next invocation,
// with IsReplay true. The service lists such an operation among the next
// invocation's updated operations even when it ended while an invocation
// ran and that invocation saw it, so the running invocation leaves the end
// to the next one, unless none will replay the operation: when the
// execution ends, or an enclosing child context ends (the service leaves
// its children out of later invocations), the running invocation fires it.
type Plugin struct {
	// OnInvocationStart is called once per invocation, before the handler
	// runs.
	OnInvocationStart func(ctx context.Context, info InvocationHookInfo)

	// OnInvocationEnd is called once per invocation, after the handler has
	// returned and the outcome is checkpointed, just before the response
	// is sent: with a terminal status when the execution ended, PENDING
	// when it suspended, RETRYING when the invocation failed and the
	// service invokes the function again.
	OnInvocationEnd func(ctx context.Context, info InvocationEndHookInfo)

	// OnOperationStart is called when an operation starts (IsReplay false)
	// and, in later invocations, when an unfinished operation is replayed
	// (IsReplay true). See "Replay" above.
	OnOperationStart func(ctx context.Context, info OperationHookInfo)

	// OnOperationEnd is called once when an operation reaches a terminal
	// status (SUCCEEDED, FAILED, TIMED_OUT, STOPPED, CANCELLED), with its
	// recorded Result or Error. A step's retryable failure is not terminal.
	OnOperationEnd func(ctx context.Context, info OperationHookInfo)

	// OnOperationAttemptStart is called before each attempt of a step body
	// or a [WaitForCondition] check, on the goroutine that runs it.
	OnOperationAttemptStart func(ctx context.Context, info AttemptHookInfo)

	// OnOperationAttemptEnd is called after each attempt, on the same
	// goroutine, with its outcome.
	OnOperationAttemptEnd func(ctx context.Context, info AttemptEndHookInfo)

	// OnOperationChange is called when operation records change: at
	// invocation start for the operations the service changed since the
	// previous invocation (an elapsed wait, a completed callback), and
	// whenever a checkpoint response reports records of this invocation.
	OnOperationChange func(ctx context.Context, info OperationChangeHookInfo)

	// WrapInvocation wraps the handler: fn runs it. See "Wrap hooks".
	WrapInvocation func(ctx context.Context, info InvocationHookInfo, fn func(ctx context.Context) (any, error)) (any, error)

	// WrapOperationAttemptFn wraps each attempt of a step body or a
	// [WaitForCondition] check: fn runs it. See "Wrap hooks".
	WrapOperationAttemptFn func(ctx context.Context, info AttemptHookInfo, fn func(ctx context.Context) (any, error)) (any, error)

	// WrapChildContextFn wraps each run of a child context's function
	// ([RunInChildContext], [Go], [Map] items, [Parallel] branches and the
	// combinators): fn runs it. It is called again when a later invocation
	// re-runs the function to replay its children (IsReplayingChildren).
	// See "Wrap hooks".
	WrapChildContextFn func(ctx context.Context, info OperationHookInfo, fn func(ctx context.Context) (any, error)) (any, error)

	// EnrichLogContext returns fields added to every record written through
	// [Context.Logger] and [StepContext.Logger]; ctx is the record's
	// context (the one given to a *Context logging method, else the
	// logger's own). It is called per record, after replay suppression. A
	// field never replaces one of the SDK (requestId, executionArn,
	// operationId, ...) or one the user attached; of several plugins, a
	// later one's value wins.
	EnrichLogContext func(ctx context.Context) map[string]any
}

// InvocationHookInfo describes an invocation, for OnInvocationStart and
// WrapInvocation.
type InvocationHookInfo struct {
	// ExecutionArn is the durable execution's ARN.
	ExecutionArn string
	// RequestID is the Lambda request id of this invocation.
	RequestID string
	// IsFirstInvocation is true for the execution's first invocation,
	// when nothing but the execution itself is recorded.
	IsFirstInvocation bool
	// ExecutionInput is the decoded event the handler receives (nil when
	// the input cannot be decoded).
	ExecutionInput any
	// ExecutionStartTimestamp is when the execution started, as recorded
	// by the service (zero when unknown).
	ExecutionStartTimestamp time.Time
	// Operations holds every operation recorded at invocation start, the
	// EXECUTION operation included, by operation id. It is nil unless a
	// plugin implements OnInvocationStart, OnInvocationEnd or
	// WrapInvocation. Hooks must not modify it.
	Operations map[string]OperationHookInfo
	// UpdatedOperations holds the operations the service changed since
	// the previous invocation (a subset of Operations), by operation id.
	UpdatedOperations map[string]OperationHookInfo
}

// InvocationEndHookInfo describes an ended invocation, for OnInvocationEnd:
// the invocation's [InvocationHookInfo] plus its outcome.
type InvocationEndHookInfo struct {
	InvocationHookInfo
	// Status is the invocation's outcome.
	Status PluginInvocationStatus
	// ExecutionResult is the handler's result when Status is SUCCEEDED.
	ExecutionResult any
	// ExecutionError is the handler's (or the SDK's) error when Status is
	// FAILED or RETRYING.
	ExecutionError error
}

// PluginInvocationStatus is how an invocation ended.
type PluginInvocationStatus string

// The statuses of an ended invocation. SUCCEEDED and FAILED end the
// execution; after PENDING and RETRYING another invocation follows.
const (
	// PluginInvocationSucceeded: the handler returned a result.
	PluginInvocationSucceeded PluginInvocationStatus = "SUCCEEDED"
	// PluginInvocationFailed: the execution failed.
	PluginInvocationFailed PluginInvocationStatus = "FAILED"
	// PluginInvocationPending: the invocation suspended (a wait, a retry
	// delay, a callback, an invoke) and resumes in a later invocation.
	PluginInvocationPending PluginInvocationStatus = "PENDING"
	// PluginInvocationRetrying: the invocation failed (a panic, an
	// invocation-scoped checkpoint failure) and the service invokes the
	// function again from the last checkpoint.
	PluginInvocationRetrying PluginInvocationStatus = "RETRYING"
)

// OperationHookInfo describes an operation, for the operation hooks.
type OperationHookInfo struct {
	// ExecutionArn is the durable execution's ARN.
	ExecutionArn string
	// ID is the operation's wire id, as in the execution history.
	ID string
	// Name is the operation's name ("" when unnamed).
	Name string
	// Type is the operation's type: STEP, WAIT, CALLBACK, CHAINED_INVOKE,
	// CONTEXT or EXECUTION.
	Type string
	// SubType is the operation's subtype (Step, Wait, Map, ParallelBranch,
	// WaitForCondition, ...).
	SubType string
	// Status is the operation's status: STARTED for a live start, its
	// recorded status on a replayed one, the terminal status on
	// OnOperationEnd.
	Status PluginOperationStatus
	// Attempt is the step's or condition check's current attempt
	// (1-based; 0 for operations without attempts or before the first).
	Attempt int
	// IsReplay reports that the operation was recorded by an earlier
	// invocation.
	IsReplay bool
	// IsReplayingChildren is set on WrapChildContextFn's info when the
	// child's function re-runs so that children recorded by an earlier
	// invocation replay.
	IsReplayingChildren bool
	// ParentID is the wire id of the enclosing CONTEXT operation ("" at
	// the top level). Every reported operation's parent is reported too.
	ParentID string
	// ChildrenOmitted is set on an operation at the depth limit of
	// [WithPluginChildOperationsDepth]: the operations inside it are not
	// reported, which does not mean it has none.
	ChildrenOmitted bool
	// StartTimestamp is when the operation started (zero before its start
	// is recorded).
	StartTimestamp time.Time
	// EndTimestamp is when the operation ended (zero until it has).
	EndTimestamp time.Time
	// Result is the operation's recorded (serialized) result, on
	// OnOperationEnd of a succeeded operation.
	Result string
	// Error is the operation's recorded error (an [*OperationError] built
	// from the record), on OnOperationEnd of a failed operation and on a
	// step waiting to retry.
	Error error
}

// PluginOperationStatus is an operation's status as plugins see it.
type PluginOperationStatus string

// The operation statuses.
const (
	PluginOperationStarted   PluginOperationStatus = "STARTED"
	PluginOperationReady     PluginOperationStatus = "READY"
	PluginOperationPending   PluginOperationStatus = "PENDING"
	PluginOperationSucceeded PluginOperationStatus = "SUCCEEDED"
	PluginOperationFailed    PluginOperationStatus = "FAILED"
	PluginOperationTimedOut  PluginOperationStatus = "TIMED_OUT"
	PluginOperationStopped   PluginOperationStatus = "STOPPED"
	PluginOperationCancelled PluginOperationStatus = "CANCELLED"
)

// AttemptHookInfo describes one attempt, for OnOperationAttemptStart and
// WrapOperationAttemptFn. Its StartTimestamp is the attempt's start.
type AttemptHookInfo struct {
	OperationHookInfo
	// Attempt is the attempt number, starting at 1.
	Attempt int
}

// AttemptEndHookInfo describes a finished attempt, for
// OnOperationAttemptEnd. Its StartTimestamp and EndTimestamp bound the
// attempt.
type AttemptEndHookInfo struct {
	OperationHookInfo
	// Attempt is the attempt number, starting at 1.
	Attempt int
	// Outcome says whether the attempt succeeded.
	Outcome PluginAttemptOutcome
	// Error is the attempt's error (nil when it succeeded).
	Error error
}

// PluginAttemptOutcome is how an attempt ended.
type PluginAttemptOutcome string

// The attempt outcomes.
const (
	PluginAttemptSucceeded PluginAttemptOutcome = "SUCCEEDED"
	PluginAttemptFailed    PluginAttemptOutcome = "FAILED"
)

// OperationChangeHookInfo describes changed operation records, for
// OnOperationChange.
type OperationChangeHookInfo struct {
	// ExecutionArn is the durable execution's ARN.
	ExecutionArn string
	// UpdatedOperations holds the changed operations, by operation id.
	UpdatedOperations map[string]OperationHookInfo
	// Operations holds every operation known after the change (a superset
	// of UpdatedOperations), by operation id. Hooks must not modify it.
	Operations map[string]OperationHookInfo
}

// WithPlugins registers plugins with the handler; their hooks are called in
// registration order. Options given several times add up.
//
// EXPERIMENTAL: the plugin API may change in later releases.
func WithPlugins(plugins ...Plugin) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.plugins = append(o.plugins, plugins...) })
}

// WithPluginChildOperationsDepth limits how deep in the operation tree
// operations are reported to plugins. An operation of the handler's
// [Context] has depth 0; one inside a child context, map item or parallel
// branch has that context's depth plus one (a map item or branch is itself
// one level below its batch). Operations deeper than depth fire no
// operation, attempt or wrap hooks (the work runs unwrapped) and are left
// out of the operation maps; the operations at depth carry
// ChildrenOmitted. Only reporting changes: the operations run and
// checkpoint as ever.
//
// The default reports every depth. A negative depth makes [Wrap] and
// [Start] panic.
//
// EXPERIMENTAL: the plugin API may change in later releases.
func WithPluginChildOperationsDepth(depth int) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.pluginDepth = depth })
}
