// Package durabletest runs durable handlers in process against the
// emulator of the durable-execution service, on virtual time, so workflows
// with waits, retries, callbacks and chained invokes are tested in
// milliseconds without AWS.
//
// # Running a handler
//
//	r := durabletest.NewLocalRunner(handler)
//	res, err := r.RunUntilComplete(event)
//	out, err := durabletest.ResultAs[Output](res)
//
// RunUntilComplete drives the execution to its end: every invocation the
// service would make runs, and when nothing is due the virtual clock jumps
// to the next wait, step retry or invocation backoff. Run performs exactly
// one invocation instead. The TestResult carries the status, the result or
// error, the operations (look them up with Operation, OperationByIndex,
// OperationByID, OperationsByType), the history events as the service
// records them, the invocations, and FormatTree for a readable timeline.
//
// WithExecutionName names the execution a call starts, as the Invoke API
// does: starting again with the same name and an equal event returns the
// same execution instead of a second one, and the same name with another
// event is the service's conflict error.
//
//	res, _ := r.RunUntilComplete(event, durabletest.WithExecutionName("order-42"))
//	again, _ := r.RunUntilComplete(event, durabletest.WithExecutionName("order-42")) // same ExecutionArn, no new invocation
//
// # Callbacks and chained invokes
//
// A run never hangs on something only the test can provide. When the
// execution waits for an open callback or a chained invoke of a function
// that is not registered, RunUntilComplete returns with Status PENDING and
// Waiting saying what it waits for. Provide it, then call RunUntilComplete
// again — until a call has returned the execution's final result, the
// runner continues the same execution:
//
//	res, _ := r.RunUntilComplete(event)            // PENDING, waiting for a callback
//	cb := r.OpenCallbacks()[0]
//	_ = r.SendCallbackSuccess(cb.CallbackID, approval)
//	res, _ = r.RunUntilComplete(event)             // continues to the end
//
// SendCallbackFailure, SendCallbackHeartbeat and TimeoutCallback complete
// callbacks the other ways. These four and Now may also be called
// from the handler while the runner invokes it, so a WaitForCallback
// submitter can complete its own callback within one run.
// CompleteChainedInvoke, FailChainedInvoke and TimeoutChainedInvoke
// resolve chained invokes. RegisterFunction with DurableFunction or
// PlainFunction hosts a target instead, so the invoke runs for real
// (durable targets must be invoked with a qualified name).
//
// # Time
//
// Virtual time only moves when the runner moves it. Callback and
// execution timeouts are not jumped to by RunUntilComplete; AdvanceClock
// moves the clock by a duration, firing every timer on the way, and
// CompletePendingTimers fires the next wait or retry timer.
//
// # Fault injection
//
// FailCheckpoint, DropCheckpoint and CrashAfterCheckpoint make the
// handler's nth checkpoint call fail before reaching the service, reach it
// but lose the response, or be applied and then crash the invocation.
// The service re-invokes the function, so a test proves that replay
// reaches the same result without re-running completed steps.
// OmitTokenOnCheckpoint simulates a response without a checkpoint token.
// Which updates the nth call carries follows the SDK's group commit: a
// sequential step's START and result share one call, unless the step body
// sits idle long enough (blocked in I/O, such as a log write to a full
// stdout pipe) for the SDK's fallback to send the START alone. Tests that
// number checkpoints should keep step bodies off real I/O — for instance
// durable.WithLogHandler with a handler writing to memory or io.Discard.
// Exit, called in the handler, stands for its process dying there: the
// invocation is recorded as a Runtime.ExitError and the service invokes
// the function again.
//
// # Panics
//
// A panic in the handler (a step body, a child context, a map item) fails
// the invocation as it does on Lambda: it is recorded with ErrorType
// "PanicError" and a StackTrace that starts at the line that panicked.
// The TestError of that invocation, and of the execution when the panics
// failed it, unwraps to the *durable.PanicError:
//
//	var pe *durable.PanicError
//	if errors.As(res.Error, &pe) {
//		t.Fatalf("the handler panicked: %v\n%s", pe.Value, pe.Stack)
//	}
//
// # Replay check
//
// Code outside steps must make the same operation calls on every replay.
// After an execution ends with SUCCEEDED or FAILED, RunUntilComplete runs
// the handler once more against the full recorded history and returns,
// with the result, a *ReplayDivergenceError when the replay calls an
// operation of another type, subtype or name at some position, calls one
// the history lacks, or ends with another status, error or result. The
// error names the operation's positional id ("2-1"), its wire id and
// the field that differs:
//
//	durabletest: the handler is not deterministic: replaying the full history diverged at
//	operation 2 (STEP/Step "at-2026-12-07T08:31:49.35Z", id c81e728d9d4c2f63):
//	Name recorded "at-2026-12-07T08:31:49.35Z", replayed "at-2026-12-07T08:31:49.41Z"
//
// It catches time.Now, rand and map order used outside steps in the code
// the test exercises; the durablelint analyzers (cmd/durablelint) catch
// the same mistakes statically, also on paths no test runs. Step bodies
// and finished child contexts are not re-run by a replay, so differences
// inside them are not seen. The replay's log records are dropped, as in
// any replay. WithoutReplayCheck turns the check off for one call.
//
// # Golden signatures
//
// EventSignature reduces a result to its operations' type, subtype, name,
// status and nesting; AssertGoldenSignature compares it with a file
// (UPDATE_GOLDEN=1 rewrites it), AssertSignatureContains and
// AssertSignatureExcludes check single operations.
//
// # Deployed functions
//
// CloudRunner runs a deployed function through the Lambda API (or the
// local endpoint of package emulator/httpapi) and returns the same
// TestResult, rebuilt from GetDurableExecution and the history.
package durabletest
