// Package durable is an SDK for AWS Lambda durable functions: Go handlers
// whose progress survives across Lambda invocations.
//
// # The model
//
// A durable handler runs inside an ordinary Lambda function created with
// DurableConfig. Each invocation runs the handler again from the top.
// Operations ([Step], [Wait], ...) that finished in an earlier invocation
// return their recorded results at once, without running again (replay);
// the first unfinished one runs for real and its outcome is checkpointed
// with the durable-execution service. When the handler must wait (a
// [Wait], a step's retry delay, a callback, an invoked function) and no
// other code runs, the invocation ends with PENDING, and the service
// invokes the function again when the wait is over; no Lambda time is
// billed meanwhile.
//
//	func main() {
//		durable.Start(func(ctx durable.Context, in Order) (Receipt, error) {
//			id, err := durable.Step(ctx, "reserve", func(sc durable.StepContext) (string, error) {
//				return reserve(sc, in)
//			})
//			if err != nil {
//				return Receipt{}, err
//			}
//			if err := durable.Wait(ctx, "cool-off", 10*time.Minute); err != nil {
//				return Receipt{}, err
//			}
//			return durable.Step(ctx, "charge", func(sc durable.StepContext) (Receipt, error) {
//				return charge(sc, id)
//			}, durable.WithRetry(durable.ExponentialBackoff()))
//		})
//	}
//
// [Start] registers the handler with the Lambda runtime; [Wrap] returns
// the raw payload function (for tests, or to wrap it further).
//
// # Determinism and operation ids
//
// Because code outside operations runs again on every invocation, it must
// make the same operation calls in the same order each time: take time,
// random numbers and I/O inside steps (or use [ExecutionStartTime], which
// is recorded). Every operation takes the next positional id of its
// Context when it is called: "1", "2", ... at the top, "2-1", "2-2", ...
// inside the child context that is operation 2. The wire id is the first
// 16 hex characters of the MD5 of the positional id ([WireID]). A replayed
// position whose recorded type, subtype or name differs fails the
// execution with a [NonDeterministicExecutionError]. [Context.IsReplaying]
// reports whether a context is still re-running recorded code. The
// durablelint analyzers (cmd/durablelint) report non-deterministic code
// statically, and the durabletest runner replays every execution it
// finishes against its history to catch the rest in tests.
//
// # Operations
//
// [Step] runs a function once and records its result; a failed attempt is
// retried by its [RetryStrategy] (default [ExponentialBackoff]), with the
// invocation suspended between attempts. [WithSemantics] chooses at-least-
// or at-most-once execution per attempt:
//
//	charge, err := durable.Step(ctx, "charge", func(sc durable.StepContext) (Charge, error) {
//		return bank.Charge(sc, order) // use sc, never ctx, inside a step
//	}, durable.WithRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 4})))
//
// [Wait] pauses durably for at least one second (whole seconds):
//
//	err := durable.Wait(ctx, "cool-off", 10*time.Minute)
//
// [RunInChildContext] groups operations under one CONTEXT operation whose
// result is recorded, so a finished child replays as one value:
//
//	shipped, err := durable.RunInChildContext(ctx, "fulfil", func(cc durable.Context) (string, error) {
//		return durable.Step(cc, "ship", ship) // cc, not ctx, inside the child
//	})
//
// [Go] (also named [RunInChildContextAsync]) runs a child on its own
// goroutine and returns a [Future]; [StepAsync], [WaitAsync] and
// [InvokeAsync] return lazy futures that run only once awaited (a future
// nobody awaits records nothing):
//
//	a := durable.Go(ctx, "a", func(cc durable.Context) (int, error) { return durable.Step(cc, "fetch", fetchA) })
//	b := durable.StepAsync(ctx, "b", fetchB)
//	va, err := a.Result(ctx)
//
// [All], [AllSettled], [Any], [Race] and [Join] combine futures, and
// [Select] races branches; each records its outcome as one operation:
//
//	both, err := durable.All(ctx, "both", []*durable.Future[int]{a, b})
//	winner, v, err := durable.Select(ctx, "fastest", []durable.Branch[string]{
//		{Name: "cache", Func: readCache}, {Name: "origin", Func: readOrigin},
//	})
//
// [Map] and [Parallel] (and [ParallelMixed] for branches of different
// types, see [NewTypedBranch]) run items concurrently, up to
// [WithMaxConcurrency], under one CONTEXT operation, complete early by a
// [CompletionConfig] (fail-fast by default) and return a [BatchResult].
// Failed items do not make them fail; items still running when a batch
// completes are abandoned and never checkpoint again:
//
//	res, err := durable.Map(ctx, "notify", users, func(cc durable.Context, u User, i int) (string, error) {
//		return durable.Step(cc, "send", func(durable.StepContext) (string, error) { return send(u) })
//	}, durable.WithMaxConcurrency(10))
//	sent := res.Results()
//
// [CreateCallback] asks the service for a callback id that an external
// system completes (SendDurableExecutionCallbackSuccess, ...Failure,
// ...Heartbeat); [Callback.Result] suspends the execution until it does or
// a timeout ([WithCallbackTimeout], [WithCallbackHeartbeatTimeout]) fires.
// [WaitForCallback] creates the callback, runs a submitter step that hands
// the id over, and waits, all as one operation:
//
//	verdict, err := durable.WaitForCallback[Verdict](ctx, "review", func(sc durable.StepContext, callbackID string) error {
//		return tickets.Open(sc, doc, callbackID) // may run more than once: be idempotent
//	}, durable.WithCallbackTimeout(72*time.Hour))
//
// Callback results are text posted by someone else: by default
// ([CallbackResultSerdes]) a JSON document is decoded into the result
// type, and a string result also accepts plain text.
//
// [Invoke] calls another Lambda function (durable or not; a durable one by
// a qualified name) and suspends until it has finished:
//
//	price, err := durable.Invoke[Price](ctx, "get-price", "pricing:live", PriceQuery{SKU: sku})
//
// [WaitForCondition] polls durably: it runs a check, records the state it
// returns and, while a [WaitStrategy] says so, suspends for a delay and
// checks again from the recorded state:
//
//	job, err := durable.WaitForCondition(ctx, "await-job", pollJob, durable.ConditionConfig[Job]{
//		InitialState: Job{ID: id},
//		WaitStrategy: durable.MustNewWaitStrategy(durable.WaitConfig[Job]{ShouldContinue: func(j Job) bool { return !j.Done }}),
//	})
//
// # Goroutines
//
// A Context belongs to the goroutine that received it. Calling an
// operation from another goroutine returns [ErrWrongGoroutine]; calling one
// on an enclosing Context inside a step body or a child function returns
// [ErrWrongContext]. [Go] is the way to fan out: each Go takes its id at
// the call, in program order, so fan-outs stay deterministic however the
// goroutines interleave. The checks cost a few nanoseconds; build with
// -tags durablenocheck to remove them.
//
// A goroutine blocked on a future does not count as running: the
// invocation suspends when every goroutine waits on the service (directly
// or through futures), and while some code still runs, waiting operations
// are polled so they can resume in the same invocation.
//
// # Checkpoint calls
//
// Updates are sent by group commit, as the JavaScript SDK does: an
// update that some code waits for (a step's result, an at-most-once
// step's START, a wait) goes out as soon as no goroutine of the invocation
// runs user code, together with everything queued before it, in requests
// of at most 250 updates and 750 KB; a full request goes out at once. So
// a sequential step costs one call (its START travels with its result),
// and 1,000 items of a Map cost 17, the same counts as the JavaScript SDK.
// Code that keeps running outside the SDK delays that moment; a fallback
// then sends what is queued once the code has stayed parked (blocked on
// I/O, a timer or a channel) for about 15 ms, or after about a second of
// anything else. A step whose body blocks on I/O for longer than that
// costs two calls (its START is sent while the body waits, as in
// JavaScript, where such a step always costs two); a shorter one costs
// one. Nothing waits for an update before the service has acknowledged
// it.
//
// # Retrying a group of operations
//
// A step retries its own body; [Retry] retries a group of operations. It
// records one CONTEXT operation in which attempt n runs in a child context
// "<name>-attempt-<n>" and, while the [RetryStrategy] says so, a durable
// wait "<name>-backoff-<n>" separates it from the next, so the invocation
// suspends instead of sleeping. Replay returns finished attempts, backoffs
// and the Retry itself from their records, and consults the strategy only
// where no record decides. When the strategy gives up, Retry returns a
// [RetryError] carrying the last attempt's error.
//
// # Errors
//
// A non-nil error from an operation is one of three things:
//
//   - a terminal failure, matching one of the typed errors ([StepError],
//     [ChildContextError], [CallbackError], [InvokeError],
//     [WaitForConditionError], [BatchError], [NonDeterministicExecutionError],
//     [CheckpointError], ...) with errors.As; each of them also matches
//     *[OperationError];
//   - a plain argument error (a bad duration, a bad option), which records
//     nothing;
//   - the suspension signal, which matches no public type: the invocation
//     is ending and the handler must return the error unchanged.
//
// A handler's returned error fails the execution. Its ErrorObject's
// ErrorType is the SDK error type found in the chain (e.g. "StepError"),
// else "Error" for errors.New/fmt.Errorf values, else the Go type name
// without package. A step records its attempt's own error; the *StepError
// returned to the caller carries that ErrorType and message, with a
// stand-in Err rebuilt from the record (the same on the first run and on
// replay), so match on ErrorType rather than on your own error types.
// [WithErrorData] attaches machine-readable data to an error; sentinels
// such as [ErrCallbackTimedOut] and [ErrInvokeTimedOut] match with
// errors.Is.
//
// Failures of the durable-execution API are classified: a stale checkpoint
// token, throttling, 5xx and network failures fail the invocation (the
// service invokes the function again); other 4xx answers and KMS errors
// fail the execution. A serialization failure is permanent unless the
// [Serdes] wraps it with [RetryableSerdesError]. A panic anywhere in user
// code is recovered and reported as a [PanicError] invocation failure,
// recorded with a StackTrace that starts at the line that panicked.
//
// # Options
//
// [Wrap] and [Start] take [HandlerOption] values: [WithSerdes] (the
// default [Serdes] of the input, the result and every operation; default
// [JSONSerdes]), [WithCallbackDeserializer], [WithLogHandler],
// [WithReplayLogMode], [WithStackTraces] and [WithExecutionClient] (an
// emulator or a fake instead of the AWS client). Inside the handler,
// before its first operation, [ConfigureSerdes] and [ConfigureLogging]
// change the serialization and logging of the current invocation.
//
// Each operation has its own options, named after it: [StepOption]
// ([WithRetry], [WithSemantics], [WithStepSerdes], [WithStepSubType]),
// [ChildOption] ([WithChildSerdes], [WithChildErrorMapper],
// [WithChildSummary], [WithChildSubType], [WithChildVirtual]; also taken
// by [Go] and the combinators), [BatchOption] ([WithMaxConcurrency],
// [WithCompletion], [WithItemNamer], [WithNesting], [WithBatchSummary],
// [WithBatchSerdes], [WithBatchResultSerdes]), [CallbackOption]
// ([WithCallbackTimeout], [WithCallbackHeartbeatTimeout],
// [WithCallbackSerdes], [WithCallbackSubType]; each is also a
// [WaitForCallbackOption], like [WithSubmitterRetry]) and [InvokeOption]
// ([WithInvokePayloadSerdes], [WithInvokeResultSerdes], [WithTenantID]).
// Options must be the same on every invocation: they are part of what
// replay reads back.
//
// # Logging
//
// [Context.Logger] returns a log/slog logger that drops records while its
// context replays code an earlier invocation already ran, so each line is
// written once per execution ([WithReplayLogMode] keeps them, marked
// replay=true). StepContext.Logger adds the step's id, name and attempt.
// By default records are JSON lines on stderr with the field names shared
// by the durable SDKs of other languages (timestamp, level, message,
// requestId, executionArn, tenantId for a tenant-isolated function,
// operationId, operationName, attempt), at the level of
// AWS_LAMBDA_LOG_LEVEL; an error attribute expands to errorType,
// errorMessage and stackTrace (the error's own stack trace, or else the
// stack where it was logged). [WithLogHandler] installs any slog.Handler.
//
// # Plugins
//
// A [Plugin] (EXPERIMENTAL) observes an execution through optional hooks,
// registered with [WithPlugins]: tracing, metrics, audit logs.
//
//	durable.Start(handler, durable.WithPlugins(durable.Plugin{
//		OnOperationEnd: func(ctx context.Context, op durable.OperationHookInfo) {
//			metrics.Count(op.Type, string(op.Status))
//		},
//	}))
//
// OnInvocationStart and OnInvocationEnd bracket each invocation (with the
// first-invocation flag, the recorded operations and those the service
// changed since the previous invocation, and the outcome: SUCCEEDED,
// FAILED, PENDING or RETRYING). OnOperationStart fires when an operation
// starts, and again with IsReplay in a later invocation that replays it
// while it is unfinished (a wait not yet elapsed, a step waiting for its
// retry); an operation finished in an earlier invocation fires nothing
// again. OnOperationEnd fires once per operation with its terminal status,
// recorded result or error, and timestamps; OnOperationChange reports the
// records of each checkpoint response. The attempt hooks bracket every
// attempt of a step body or condition check. WrapInvocation,
// WrapOperationAttemptFn and WrapChildContextFn wrap the handler, attempts
// and child functions: the context a wrap hook passes on (carrying a span,
// say) is the parent of the one the user code gets. EnrichLogContext adds
// fields to the replay-aware loggers' records.
//
// Hooks run concurrently for concurrent code, so plugins must be safe for
// concurrent use. A hook cannot change the execution: a panic is contained
// and logged, what a wrap hook returns is ignored (the wrapped work's
// outcome stands), and operation ends and changes run on a goroutine of
// their own, woken once per batch of checkpoint responses, so
// checkpointing never waits for them.
// [WithPluginChildOperationsDepth] limits how deep in the tree of child
// contexts operations are reported. Without plugins the SDK builds no hook
// information at all.
//
// # Testing
//
// The durabletest package runs handlers in process against an emulator of
// the service, on virtual time:
//
//	r := durabletest.NewLocalRunner(handler)
//	res, err := r.RunUntilComplete(order)
//	out, err := durabletest.ResultAs[Receipt](res)
//
// Time: RunUntilComplete jumps the virtual clock over waits, step retries
// and WaitForCondition delays, so they cost nothing; callback and execution timeouts are
// reached only with AdvanceClock(d), and CompletePendingTimers fires the
// next wait or retry timer when a test drives invocations one by one with
// Run.
//
// Callbacks are completed by the test. A run waiting for one returns with
// Status PENDING; complete it, then call RunUntilComplete again to
// continue the same execution:
//
//	res, _ := r.RunUntilComplete(order) // PENDING: waits for a callback
//	cb := r.OpenCallbacks()[0]
//	_ = r.SendCallbackSuccess(cb.CallbackID, Approval{OK: true}) // or SendCallbackFailure, TimeoutCallback
//	res, _ = r.RunUntilComplete(order) // continues to the end
//
// Chained invokes reach functions the test registers, or wait for the
// test to resolve them:
//
//	r.RegisterFunction("pricing:live", durabletest.PlainFunction(priceFn)) // or DurableFunction(handler)
//	// without a registered target the run is PENDING until
//	_ = r.CompleteChainedInvoke("get-price", Price{Cents: 1250}) // or FailChainedInvoke, TimeoutChainedInvoke
package durable
