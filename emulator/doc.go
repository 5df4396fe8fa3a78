// Package emulator is a local model of the Lambda durable-execution
// service: the part of Lambda that starts durable executions, hands each
// invocation its envelope, accepts checkpoints, runs timers, routes
// callbacks and chained invokes, and records the execution history.
//
// A Service hosts Functions through an Invoker — an in-process Go function
// (see package durabletest) or a real bootstrap binary behind the Runtime
// API emulator. Its Checkpoint and GetExecutionState methods have the
// signatures of the SDK's ExecutionClient, so an in-process function can
// talk to it directly.
//
// A Function without Durable is a plain Lambda function: it has no
// durable executions. Invoke runs it directly, with the raw event, as
// Lambda's Invoke does (synchronously, or queued with Async for the
// service's driver to run), and a durable function's chained invoke
// reaches it with the same raw payload.
//
// # Driving the service
//
// StartExecution only schedules invocation #1. Nothing runs until the
// service is driven:
//
//   - RunDue runs every invocation that is due now, synchronously and one
//     at a time: deterministic, for tests. RunNext runs just one, for
//     callers that count invocations.
//   - Timers lists the armed timers; AdvanceTo moves a *VirtualClock
//     forward and fires them in timestamp order: time is skipped, never
//     waited for.
//   - Run drives everything on the service's clock in the background, for
//     the HTTP endpoint and the CLI.
//
// A typical test loop is: StartExecution, RunDue, then while the execution
// runs and a timer is armed, AdvanceTo(first timer) and RunDue again.
//
// # Semantics
//
// The service follows protocol.md §3 and §6: single-use checkpoint tokens
// superseded by each new invocation, batch validation with the service's
// error messages, NewExecutionState carrying every operation changed since
// the previous response (including those just written), children of
// completed contexts hidden unless ReplayChildren, at most one invocation
// in flight per execution and a re-invocation for every change the
// function has not observed, invocation failures retried with exponential
// backoff until MaxInvocationAttempts, and history events numbered from 1
// in the order the service records them. Every error returned to an API
// caller is a *wire.APIError.
//
// # Inspection and persistence
//
// Operations, History, Invocations, StatusChanges (the EventBridge
// events, also published through Config.OnStatusChange), OpenCallbacks
// and Subscribe expose an execution's state to tests and tools. With a
// Config.Store (package boltstore keeps one in a data directory) every
// locked section that changed executions ends with one commit of just
// what changed, before anything is acknowledged; a failed commit is undone
// and answered as a ServiceException, which SDKs retry. A new Service on
// the same store resumes: due timers fire and interrupted invocations run
// again. Stored records that cannot be loaded are reported as a
// *BadRecordError, or moved aside with Config.QuarantineBad.
package emulator
