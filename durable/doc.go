// Package durable is an SDK for AWS Lambda durable functions: Go handlers
// whose progress survives across Lambda invocations.
//
// A durable handler runs inside an ordinary Lambda function created with
// DurableConfig. Each invocation replays the handler from the top:
// operations that already finished ([Step], [Wait]) return their recorded
// results at once, and the first unfinished one runs for real and is
// checkpointed with the durable-execution service. When the handler must
// wait (a [Wait], a step's retry delay) and nothing else runs, the
// invocation ends with PENDING and the service invokes the function again
// when the wait is over; no Lambda time is billed meanwhile.
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
// # Determinism
//
// Code outside operations runs again on every invocation, so it must make
// the same operation calls in the same order each time: take time, random
// numbers and I/O inside steps (or use [ExecutionStartTime]). Operations are
// identified by their position ("1", "2", "2-1" inside a child context, sent
// as the first 16 hex characters of its MD5, see [WireID]); a replayed
// position whose recorded type, subtype or name differs fails the execution
// with a [NonDeterministicExecutionError].
//
// # Goroutines
//
// A Context belongs to the goroutine that received it. Calling an
// operation from another goroutine returns [ErrWrongGoroutine]; calling one
// on an enclosing Context inside a step body returns [ErrWrongContext]. The
// checks cost a few nanoseconds; build with -tags durablenocheck to remove
// them.
//
// # Child contexts, futures and batches
//
// [RunInChildContext] groups operations under one CONTEXT operation whose
// result is recorded, so a finished child replays as a single value. [Go]
// (or [RunInChildContextAsync]) runs a child on its own goroutine and
// returns a [Future]; each Go takes its id at the call, so fan-outs stay
// deterministic. [StepAsync] and [WaitAsync] return lazy futures that run
// only when awaited. [All], [AllSettled], [Any], [Race] and [Join] combine
// futures, and [Select] races branches; each records its outcome as one
// operation. [Map] and
// [Parallel] run items concurrently (up to [WithMaxConcurrency]) under one
// CONTEXT operation, complete early by a [CompletionConfig] (fail-fast by
// default) and return a [BatchResult]; items still running when a batch
// completes are abandoned and never checkpoint again.
//
// A goroutine blocked on a future does not count as running: the
// invocation suspends when every goroutine waits on the service (directly
// or through futures), and while some code still runs, waiting operations
// are polled so they can resume in the same invocation.
//
// # Callbacks, chained invokes and polling
//
// [CreateCallback] asks the service for a callback id that an external
// system completes (SendDurableExecutionCallbackSuccess, ...Failure,
// ...Heartbeat); [Callback.Result] suspends the execution until it does or
// a timeout ([WithCallbackTimeout], [WithCallbackHeartbeatTimeout]) fires.
// [WaitForCallback] does both in one operation and runs a submitter step
// that hands the id over. Callback results are text posted by someone
// else: by default ([CallbackResultSerdes]) a JSON document is decoded into
// the result type, and a string result also accepts plain text.
//
// [Invoke] calls another Lambda function (durable or not) and suspends
// until it has finished; [InvokeAsync] returns a lazy [Future].
// [WaitForCondition] polls: it runs a check, records the state it returns
// and, while a [WaitStrategy] says so, suspends for a delay and checks
// again from the recorded state.
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
//     [NonDeterministicExecutionError], [CheckpointError], ...) with
//     errors.As; each of them also matches *[OperationError];
//   - a plain argument error (a bad duration, a bad option);
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
//
// Failures of the durable-execution API are classified: a stale checkpoint
// token, throttling, 5xx and network failures fail the invocation (the
// service invokes the function again); other 4xx answers and KMS errors
// fail the execution. A panic anywhere in user code is recovered and
// reported as a [PanicError] invocation failure.
//
// # Logging
//
// [Context.Logger] returns a log/slog logger that drops records while its
// context replays code an earlier invocation already ran, so each line is
// written once per execution ([WithReplayLogMode] keeps them, marked
// replay=true). StepContext.Logger adds the step's id, name and attempt.
// By default records are JSON lines on stderr with the field names shared
// by the durable SDKs of other languages (timestamp, level, message,
// requestId, executionArn, operationId, operationName, attempt), at the
// level of AWS_LAMBDA_LOG_LEVEL; [WithLogHandler] installs any slog.Handler.
//
// # Testing
//
// [WithExecutionClient] replaces the AWS client; the durabletest package
// runs handlers against a local emulator of the service with virtual time.
// Waits and retries are skipped over; callbacks and invoke targets are
// what the test provides:
//
//	r := durabletest.NewLocalRunner(handler)
//	r.RegisterFunction("pricing:live", durabletest.PlainFunction(priceFn)) // an Invoke target
//	res, _ := r.RunUntilComplete(order) // PENDING: waits for a callback
//	cb := r.OpenCallbacks()[0]
//	_ = r.SendCallbackSuccess(cb.CallbackID, approval{OK: true})
//	res, _ = r.RunUntilComplete(order) // continues to the end
//
// and AdvanceTime moves the virtual clock over callback timeouts.
package durable
