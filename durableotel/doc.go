// Package durableotel traces durable executions with OpenTelemetry: a
// durable.Plugin that makes each execution one trace across all its
// invocations.
//
// The trace id is derived from the execution ARN (TraceID), so every
// invocation, in any sandbox, adds to the same trace. The root span is the
// execution; under it are a span per invocation and a span per operation,
// nested by the operations' ParentId; each attempt of a step is a span under
// its operation, linked to the invocation that ran it. Span ids are derived
// from the ARN and the operation id (and attempt number), so an operation
// that replays in a later invocation keeps its span id and never becomes a
// second span, and a retry run by another invocation is still grouped under
// its step.
//
// An operation's span is emitted once, when the operation ends, with its
// recorded start and end, by the invocation that reports the end: a wait
// started in one invocation and seen finished in the next is one span. The
// root span is emitted by the invocation that ends the execution; for an
// execution stopped or timed out, which no invocation sees end,
// ExecutionEnded emits it from the execution's EventBridge status-change
// event.
//
// In a Lambda function, FromEnv configures the plugin from the standard
// OTEL_* variables (OTLP over HTTP, package otlphttp) and does nothing when
// they do not ask for tracing:
//
//	var opts []durable.HandlerOption
//	switch tracing, ok, err := durableotel.FromEnv(ctx, os.Getenv); {
//	case err != nil:
//		slog.Warn("tracing is off", "error", err)
//	case ok:
//		opts = append(opts, durable.WithPlugins(tracing))
//	}
//	durable.Start(handler, opts...)
//
// Elsewhere, New takes any OpenTelemetry SDK span processor. See
// docs/tracing.md in the repository for the span model, the attributes and
// the OTLP setup on AWS.
package durableotel
