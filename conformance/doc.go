// Package conformance holds the durable-execution conformance requirements
// to this module's SDK, emulator and local runner.
//
// The requirements are language-neutral YAML files, copied unchanged from the
// upstream conformance repository into testdata/requirements/<suite>/<id>.yaml
// (with its LICENSE and NOTICE; UPSTREAM.md there records the upstream commit
// and the content hash the tests check the copy against). Each
// one describes, in prose, a handler to write and the invocations it goes
// through, and gives the machine-checkable expectations: the execution's
// final status and result, the history events the service records, the log
// lines the handler emits and, for callbacks, what an external system sends
// back and when.
//
// This package is the harness's machinery, free of any dependency on the SDK:
//
//   - [LoadSuite] and [LoadFile] read requirement files into [Requirement]
//     values, resolving their Variables (${GEN_STR:N} becomes a fresh random
//     alphanumeric string) and substituting them into the input, the expected
//     result, the callback actions and the log expectations.
//   - [Matcher] applies the matching rules of the requirements' README:
//     expected history events are matched to actual ones by EventId, only the
//     expected keys are checked, {} means "don't care", '*' accepts anything,
//     ${NAME} binds on first use and must agree afterwards, ${/re/} matches a
//     regular expression, lists compare element by element with equal lengths,
//     and everything else must be equal.
//   - [Requirement.Check] turns an [Execution] (final status, result,
//     history, captured logs) into mismatches; [Requirement.CheckResult] and
//     [Requirement.CheckLogs] do one part each.
//   - [Requirement.CheckStrict] is this project's stricter check beside the
//     reference rules: where the expected history runs to the end of the
//     execution, no event may follow its last expected one but the closing
//     execution event; and on the service's virtual time, retries come
//     NextAttemptDelaySeconds after the failure, waits last their Duration,
//     callbacks time out at their Timeout or heartbeat deadline (heartbeats
//     delivered, [SentAction], move it) and executions at ExecutionTimeout.
//   - [Requirement.CheckLogs] counts the captured log lines matching each
//     ExpectedLogs entry (with the ${NAME} placeholders the history bound)
//     and checks its "after" ordering: every matching line must come after
//     a line matching each "after" entry.
//   - [LogRecorder] is a slog.Handler that captures log records so that
//     ExpectedLogs can be checked. The plugin suite's recording plugins
//     write their records into it too, so hook records and the handler's
//     lines share one order.
//   - [Outcome] and [Report] print one line per requirement
//     (PASS, FAIL or SKIP) and the closing count line.
//
// The Go handlers, one per requirement, and the driver that runs them on
// durabletest's local runner live in this package's tests; a requirement
// passes when both the reference matcher and the strict check pass:
//
//	go test ./conformance -run TestConformance -v
package conformance
