package durableotel_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// TestExecutionEnded runs a traced function on the emulator until it
// waits, ends the execution from outside (stopped, timed out), and feeds
// the execution's last status-change event to ExecutionEnded: the trace
// gets its root span, under which the spans of the invocation and of the
// finished step already hang. A status the invocations report themselves
// adds no span.
func TestExecutionEnded(t *testing.T) {
	handler := func(ctx durable.Context, _ string) (string, error) {
		if _, err := durable.Step(ctx, "prepare", func(durable.StepContext) (string, error) { return "ok", nil }); err != nil {
			return "", err
		}
		return "done", durable.Wait(ctx, "approval window", 24*time.Hour)
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		end  func(ctx context.Context, svc *emulator.Service, clock *emulator.VirtualClock, arn string) error
		want string
	}{
		{name: "stopped", end: func(ctx context.Context, svc *emulator.Service, clock *emulator.VirtualClock, arn string) error {
			if err := svc.AdvanceTo(clock.Now().Add(time.Minute)); err != nil {
				return err
			}
			_, err := svc.StopExecution(ctx, arn, nil)
			return err
		}, want: `execution status=STOPPED type=STOPPED [Error]
  Step prepare type=STEP status=SUCCEEDED attempt=1
    attempt 1 attempt=1 outcome=SUCCEEDED links=1
  invocation first=true status=PENDING
`},
		{name: "timed out", end: func(ctx context.Context, svc *emulator.Service, clock *emulator.VirtualClock, arn string) error {
			return svc.AdvanceTo(clock.Now().Add(2 * time.Hour)) // the execution timeout is one hour
		}, want: `execution status=TIMED_OUT type=TIMED_OUT [Error]
  Step prepare type=STEP status=SUCCEEDED attempt=1
    attempt 1 attempt=1 outcome=SUCCEEDED links=1
  invocation first=true status=PENDING
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			exp := tracetest.NewInMemoryExporter()
			sp := sdktrace.NewSimpleSpanProcessor(exp)
			t.Cleanup(func() { _ = sp.Shutdown(ctx) })
			clock := emulator.NewVirtualClock(t0)
			svc, err := emulator.New(emulator.Config{Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			fn := durable.Wrap(handler, durable.WithExecutionClient(svc), durable.WithPlugins(durableotel.New(sp)),
				durable.WithLogHandler(slog.DiscardHandler))
			if err := svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true,
				DurableConfig: wire.DurableConfig{ExecutionTimeout: 3600},
				Invoker: emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
					return fn(ctx, req.Payload)
				})}); err != nil {
				t.Fatal(err)
			}
			out, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn:1", Payload: []byte(`"in"`)})
			if err != nil {
				t.Fatal(err)
			}
			if ran, err := svc.RunNext(ctx); !ran || err != nil {
				t.Fatalf("first invocation: ran %v, %v", ran, err)
			}
			if err := tt.end(ctx, svc, clock, out.ExecutionArn); err != nil {
				t.Fatal(err)
			}
			changes, err := svc.StatusChanges(out.ExecutionArn)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range changes[:len(changes)-1] {
				if emitted, err := durableotel.ExecutionEnded(ctx, sp, ev); emitted || err != nil {
					t.Errorf("status change %s: emitted %v, %v; want nothing", ev.Detail.Status, emitted, err)
				}
			}
			last := changes[len(changes)-1]
			if emitted, err := durableotel.ExecutionEnded(ctx, sp, last); !emitted || err != nil {
				t.Fatalf("status change %s: emitted %v, %v; want the root span", last.Detail.Status, emitted, err)
			}
			spans := exp.GetSpans()
			if got := formatTree(spans); got != tt.want {
				t.Errorf("span tree:\n%s\nwant:\n%s", got, tt.want)
			}
			root := spans[len(spans)-1]
			wantEnd, _ := time.Parse(time.RFC3339Nano, last.Detail.EndTimestamp)
			if root.SpanContext.TraceID() != durableotel.TraceID(out.ExecutionArn) ||
				root.SpanContext.SpanID() != durableotel.ExecutionSpanID(out.ExecutionArn) ||
				!root.StartTime.Equal(t0) || !root.EndTime.Equal(wantEnd) || !wantEnd.After(t0) {
				t.Errorf("root span %s/%s from %v to %v; want the execution's ids, from %v to %v",
					root.SpanContext.TraceID(), root.SpanContext.SpanID(), root.StartTime, root.EndTime, t0, wantEnd)
			}
		})
	}
}
