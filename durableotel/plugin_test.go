package durableotel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/durableotel"
)

// workflow has a step that fails its first attempt, a one-hour wait, a map
// of two items with a step each, and a callback: four invocations (the
// retry, the wait and the callback each suspend the execution).
func workflow(ctx durable.Context, in string) (string, error) {
	flaky, err := durable.Step(ctx, "flaky", func(sc durable.StepContext) (string, error) {
		if sc.Attempt() == 1 {
			return "", errors.New("first attempt fails")
		}
		return "ok", nil
	}, durable.WithRetry(durable.MustNewRetryStrategy(durable.RetryConfig{MaxAttempts: 2, InitialDelay: time.Second, Jitter: durable.JitterNone})))
	if err != nil {
		return "", err
	}
	if err := durable.Wait(ctx, "cool-off", time.Hour); err != nil {
		return "", err
	}
	sent, err := durable.Map(ctx, "notify", []string{"a", "b"}, func(cc durable.Context, user string, _ int) (string, error) {
		return durable.Step(cc, "send", func(durable.StepContext) (string, error) { return "sent " + user, nil })
	})
	if err != nil {
		return "", err
	}
	verdict, err := durable.WaitForCallback[string](ctx, "approve", func(durable.StepContext, string) error { return nil })
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s %v %s", in, flaky, sent.Results(), verdict), nil
}

// runTraced runs workflow to its end through the local runner with the
// plugin, completing the callback, and returns the result and the spans.
func runTraced(t *testing.T) (*durabletest.TestResult, tracetest.SpanStubs) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	sp := sdktrace.NewSimpleSpanProcessor(exp)
	t.Cleanup(func() { _ = sp.Shutdown(context.Background()) })
	r := durabletest.NewLocalRunner(workflow,
		durable.WithPlugins(durableotel.New(sp)),
		durable.WithLogHandler(slog.NewTextHandler(io.Discard, nil)))
	res, err := r.RunUntilComplete("hi")
	if err != nil {
		t.Fatal(err)
	}
	cbs := r.OpenCallbacks()
	if res.Status != durabletest.StatusPending || len(cbs) != 1 {
		t.Fatalf("first run: status %s, open callbacks %v; want PENDING on one callback", res.Status, cbs)
	}
	if err := r.SendCallbackSuccess(cbs[0].CallbackID, "approved"); err != nil {
		t.Fatal(err)
	}
	if res, err = r.RunUntilComplete("hi"); err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s (%v), want SUCCEEDED", res.Status, res.Error)
	}
	return res, exp.GetSpans()
}

func attr(s tracetest.SpanStub, k attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == k {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// formatTree prints the spans as a tree under their parents, siblings in
// start order (then by name), each with the attributes that tell them
// apart.
func formatTree(spans tracetest.SpanStubs) string {
	children := map[trace.SpanID][]tracetest.SpanStub{}
	var roots []tracetest.SpanStub
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID()] = true
	}
	for _, s := range spans {
		if p := s.Parent.SpanID(); s.Parent.IsValid() && ids[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(list []tracetest.SpanStub, depth int)
	walk = func(list []tracetest.SpanStub, depth int) {
		slices.SortStableFunc(list, func(a, b tracetest.SpanStub) int {
			if c := strings.Compare(kindOrder(a), kindOrder(b)); c != 0 {
				return c
			}
			if c := a.StartTime.Compare(b.StartTime); c != 0 {
				return c
			}
			return strings.Compare(a.Name, b.Name)
		})
		for _, s := range list {
			fmt.Fprintf(&b, "%s%s", strings.Repeat("  ", depth), s.Name)
			for _, k := range []attribute.Key{
				durableotel.AttrOperationType, durableotel.AttrOperationStatus, durableotel.AttrAttempt,
				durableotel.AttrAttemptOutcome, durableotel.AttrInvocationFirst, durableotel.AttrInvocationStatus,
				durableotel.AttrExecutionStatus, durableotel.AttrErrorType,
			} {
				if v, ok := attr(s, k); ok {
					fmt.Fprintf(&b, " %s=%s", k[strings.LastIndex(string(k), ".")+1:], v.Emit())
				}
			}
			if s.Status.Code != 0 {
				fmt.Fprintf(&b, " [%s]", s.Status.Code)
			}
			if n := len(s.Links); n > 0 {
				fmt.Fprintf(&b, " links=%d", n)
			}
			b.WriteByte('\n')
			walk(children[s.SpanContext.SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return b.String()
}

// kindOrder puts operations before invocations among siblings, so that
// the order does not depend on how real time (invocations) and the
// service's virtual time (operations) interleave.
func kindOrder(s tracetest.SpanStub) string {
	if s.Name == "invocation" {
		return "1"
	}
	return "0"
}

func TestSpanTree(t *testing.T) {
	res, spans := runTraced(t)
	const want = `execution status=SUCCEEDED
  Step flaky type=STEP status=SUCCEEDED attempt=2
    attempt 1 attempt=1 outcome=FAILED type=*errors.errorString [Error] links=1
    attempt 2 attempt=2 outcome=SUCCEEDED links=1
  Wait cool-off type=WAIT status=SUCCEEDED
  Map notify type=CONTEXT status=SUCCEEDED
    MapIteration map-item-0 type=CONTEXT status=SUCCEEDED
      Step send type=STEP status=SUCCEEDED attempt=1
        attempt 1 attempt=1 outcome=SUCCEEDED links=1
    MapIteration map-item-1 type=CONTEXT status=SUCCEEDED
      Step send type=STEP status=SUCCEEDED attempt=1
        attempt 1 attempt=1 outcome=SUCCEEDED links=1
  WaitForCallback approve type=CONTEXT status=SUCCEEDED
    Callback type=CALLBACK status=SUCCEEDED
    Step type=STEP status=SUCCEEDED attempt=1
      attempt 1 attempt=1 outcome=SUCCEEDED links=1
  invocation first=true status=PENDING
  invocation first=false status=PENDING
  invocation first=false status=PENDING
  invocation first=false status=SUCCEEDED
`
	if got := formatTree(spans); got != want {
		t.Errorf("span tree:\n%s\nwant:\n%s", got, want)
	}

	tid := durableotel.TraceID(res.ExecutionArn)
	seen := map[trace.SpanID]string{}
	for _, s := range spans {
		if s.SpanContext.TraceID() != tid {
			t.Errorf("span %q in trace %s, want %s (derived from the ARN)", s.Name, s.SpanContext.TraceID(), tid)
		}
		if prev, dup := seen[s.SpanContext.SpanID()]; dup {
			t.Errorf("span id %s used by %q and %q: a replayed operation became a second span", s.SpanContext.SpanID(), prev, s.Name)
		}
		seen[s.SpanContext.SpanID()] = s.Name
		// Attempts carry their operation's id; the rest of the identity is
		// on the operation's span, their parent.
		if v, ok := attr(s, durableotel.AttrExecutionArn); !strings.HasPrefix(s.Name, "attempt ") && (!ok || v.AsString() != res.ExecutionArn) {
			t.Errorf("span %q: %s = %v, want %s", s.Name, durableotel.AttrExecutionArn, v.Emit(), res.ExecutionArn)
		}
		if s.Parent.IsValid() {
			if _, ok := seen[s.Parent.SpanID()]; !ok && !slices.ContainsFunc(spans, func(p tracetest.SpanStub) bool { return p.SpanContext.SpanID() == s.Parent.SpanID() }) {
				t.Errorf("span %q: parent %s is not a span of the execution", s.Name, s.Parent.SpanID())
			}
		}
	}

	// Every operation's span has the id derived from its ARN and wire id,
	// under the span of its ParentId.
	for _, op := range res.Operations {
		i := slices.IndexFunc(spans, func(s tracetest.SpanStub) bool {
			v, ok := attr(s, durableotel.AttrOperationID)
			_, isAttempt := attr(s, durableotel.AttrAttemptOutcome)
			return ok && v.AsString() == op.ID && !isAttempt
		})
		if i < 0 {
			if op.Type == "CONTEXT" || op.Type == "STEP" || op.Type == "WAIT" {
				t.Errorf("operation %s %q (%s): no span", op.Type, op.Name, op.ID)
			}
			continue
		}
		s := spans[i]
		if got, want := s.SpanContext.SpanID(), durableotel.OperationSpanID(res.ExecutionArn, op.ID); got != want {
			t.Errorf("operation %q: span id %s, want %s", op.Name, got, want)
		}
		wantParent := durableotel.ExecutionSpanID(res.ExecutionArn)
		if op.ParentID != "" {
			wantParent = durableotel.OperationSpanID(res.ExecutionArn, op.ParentID)
		}
		if s.Parent.SpanID() != wantParent {
			t.Errorf("operation %q: parent span %s, want %s (ParentId %q)", op.Name, s.Parent.SpanID(), wantParent, op.ParentID)
		}
		if !s.StartTime.Equal(op.StartTime) || !s.EndTime.Equal(op.EndTime) {
			t.Errorf("operation %q: span %s–%s, want the recorded %s–%s", op.Name, s.StartTime, s.EndTime, op.StartTime, op.EndTime)
		}
	}

	// The retried step's attempts ran in different invocations: each is
	// linked to its own invocation's span, and both sit under the step.
	flaky := res.Operation("flaky")
	var links []trace.SpanID
	for _, s := range spans {
		if v, _ := attr(s, durableotel.AttrOperationID); v.AsString() == flaky.ID && strings.HasPrefix(s.Name, "attempt") {
			if len(s.Links) != 1 {
				t.Fatalf("%s of flaky: %d links, want 1 (its invocation)", s.Name, len(s.Links))
			}
			links = append(links, s.Links[0].SpanContext.SpanID())
		}
	}
	if len(links) != 2 || links[0] == links[1] {
		t.Errorf("flaky's attempts link to invocations %v, want two different ones", links)
	}
	for _, l := range links {
		if name := seen[l]; name != "invocation" {
			t.Errorf("attempt links to span %s (%q), want an invocation span", l, name)
		}
	}
}

// TestBodySpanUnderAttempt: a span the step body starts through any
// OpenTelemetry tracer, from the StepContext, nests under the attempt's
// span, in the execution's trace; the attempt as the body's current span
// is non-recording.
func TestBodySpanUnderAttempt(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	sp := sdktrace.NewSimpleSpanProcessor(exp)
	t.Cleanup(func() { _ = sp.Shutdown(context.Background()) })
	tr := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp)).Tracer("user")
	var current trace.Span
	r := durabletest.NewLocalRunner(func(ctx durable.Context, _ string) (string, error) {
		return durable.Step(ctx, "call", func(sc durable.StepContext) (string, error) {
			//durable:ignore closure -- the test records the body's current span to check it; the handler never reads it
			current = trace.SpanFromContext(sc)
			_, s := tr.Start(sc, "http")
			s.End()
			return "ok", nil
		})
	}, durable.WithPlugins(durableotel.New(sp)), durable.WithLogHandler(slog.NewTextHandler(io.Discard, nil)))
	res, err := r.RunUntilComplete("")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s (%v), want SUCCEEDED", res.Status, res.Error)
	}
	spans := exp.GetSpans()
	var body, attempt tracetest.SpanStub
	for _, s := range spans {
		switch s.Name {
		case "http":
			body = s
		case "attempt 1":
			attempt = s
		}
	}
	if !attempt.SpanContext.IsValid() || !body.SpanContext.IsValid() {
		t.Fatalf("spans %v: want an attempt span and the body's", formatTree(spans))
	}
	if body.Parent.SpanID() != attempt.SpanContext.SpanID() || body.SpanContext.TraceID() != durableotel.TraceID(res.ExecutionArn) {
		t.Errorf("body span: trace %s parent %s, want trace %s parent %s (the attempt)",
			body.SpanContext.TraceID(), body.Parent.SpanID(), durableotel.TraceID(res.ExecutionArn), attempt.SpanContext.SpanID())
	}
	if current.IsRecording() || !current.SpanContext().Equal(attempt.SpanContext) {
		t.Errorf("the body's current span: recording %v, context %v; want non-recording with the attempt's %v",
			current.IsRecording(), current.SpanContext(), attempt.SpanContext)
	}
}
