package durableotel_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel"
)

// BenchmarkPlugin measures what the plugin adds per step: each case of
// bench.Cases (the SDK alone, an in-memory client, as BenchmarkSDK in
// package durable) runs without a plugin ("none") and with the plugin over
// the benchmarks' batch span processor (newBenchProcessor: as FromEnv sets
// it up, over a no-op exporter; the seq cases check that no span was
// dropped) ("otel"). The difference of their ns/step (or cpu-ns/step) is
// the plugin's cost: two spans per fresh step (the operation and its
// attempt), none per replayed step. Both modes use a client that answers
// checkpoints with the changed records, as the service does (operation
// ends are reported from them). See BENCHMARKS.md.
func BenchmarkPlugin(b *testing.B) {
	ctx := context.Background()
	for _, c := range bench.Cases() {
		switch c.Name {
		case "seq-100", "seq-1000", "replay-1000", "map-100", "retry":
		default:
			continue
		}
		for _, mode := range []string{"none", "otel"} {
			b.Run(c.Name+"/"+mode, func(b *testing.B) {
				opts := []durable.HandlerOption{bench.Quiet()}
				var exp *countingExporter
				if mode == "otel" {
					var sp sdktrace.SpanProcessor
					sp, exp = newBenchProcessor()
					b.Cleanup(func() { _ = sp.Shutdown(ctx) })
					opts = append(opts, durable.WithPlugins(durableotel.New(sp)))
				}
				// The client answers each checkpoint with the changed
				// records, as the service does: they drive OnOperationEnd.
				client := bench.NewMemClient(true)
				fn := c.Wrap(append(opts, durable.WithExecutionClient(client))...)
				var payload []byte
				if c.ReplaySteps > 0 {
					var err error
					if payload, err = bench.ReplayPayload(ctx, c.ReplaySteps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				var result string
				var err error
				cpu := bench.StartCPU()
				for b.Loop() {
					if result, err = c.Execute(ctx, fn, client, payload); err != nil {
						b.Fatal(err)
					}
				}
				if err := c.Check(result); err != nil {
					b.Fatal(err)
				}
				if exp != nil && c.ReplaySteps == 0 && strings.HasPrefix(c.Name, "seq-") {
					checkExported(b, exp, b.N, c.Steps)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.Steps), "ns/step")
				if ns, ok := cpu.Per(b.N * c.Steps); ok {
					b.ReportMetric(ns, "cpu-ns/step")
				}
			})
		}
	}
}

// newBenchProcessor is the span processor of the benchmarks: the batch
// processor FromEnv sets up (not blocking: a full queue drops spans) over
// a no-op exporter that counts the spans it gets. Its queue holds more
// spans than an invocation of the benchmarks' cases emits, and every
// invocation ends with a flush, so no span is dropped: the benchmarks
// check that with exported.
func newBenchProcessor() (sdktrace.SpanProcessor, *countingExporter) {
	exp := &countingExporter{}
	return sdktrace.NewBatchSpanProcessor(exp, sdktrace.WithMaxQueueSize(1<<14)), exp
}

// checkExported fails b unless exp got every span of runs fresh
// executions of steps sequential steps in one invocation each: an
// operation span and an attempt span per step, the invocation's and the
// execution's.
func checkExported(b *testing.B, exp *countingExporter, runs, steps int) {
	b.Helper()
	if got, want := exp.exported(), int64(runs*(2*steps+2)); got != want {
		b.Fatalf("%d spans exported, want %d: the processor dropped spans", got, want)
	}
}

// countingExporter is a no-op exporter that counts the spans exported.
type countingExporter struct{ spans atomic.Int64 }

// ExportSpans counts spans.
func (e *countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.spans.Add(int64(len(spans)))
	return nil
}

// Shutdown does nothing.
func (e *countingExporter) Shutdown(context.Context) error { return nil }

// exported returns how many spans were exported.
func (e *countingExporter) exported() int64 { return e.spans.Load() }

// BenchmarkSDKSpans is the OpenTelemetry SDK's own floor for what the
// plugin emits per fresh step, the two spans of sdkStep started and ended
// through an sdktrace TracerProvider over the same processor. It reports
// ns and allocations per step.
func BenchmarkSDKSpans(b *testing.B) {
	ctx := context.Background()
	sp, _ := newBenchProcessor()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp))
	b.Cleanup(func() { _ = tp.Shutdown(ctx) })
	tr := tp.Tracer(durableotel.ScopeName)
	b.ReportAllocs()
	cpu := bench.StartCPU()
	for b.Loop() {
		sdkStep(ctx, tr)
	}
	if ns, ok := cpu.Per(b.N); ok {
		b.ReportMetric(ns, "cpu-ns/step")
	}
}

// benchArn is the execution ARN of the floor benchmarks' spans.
const benchArn = "arn:aws:lambda:us-east-1:123456789012:function:bench:$LATEST/durable-execution/bench/0b8e9a41-5b7e-4a53-9d9f-3c7d1a2f4e11"

// sdkStep starts and ends through tr the two spans the plugin emits for a
// fresh step, with its attributes: the operation's and its attempt's, the
// attempt a child of the operation with a link.
func sdkStep(ctx context.Context, tr trace.Tracer) {
	octx, op := tr.Start(ctx, "Step step-1", trace.WithAttributes(
		durableotel.AttrExecutionArn.String(benchArn),
		durableotel.AttrOperationID.String("c4ca4238a0b92382"),
		durableotel.AttrOperationType.String("STEP"),
		durableotel.AttrOperationSubType.String("Step"),
		durableotel.AttrOperationName.String("step-1"),
	))
	_, at := tr.Start(octx, "attempt 1", trace.WithAttributes(
		durableotel.AttrOperationID.String("c4ca4238a0b92382"),
		durableotel.AttrAttempt.Int(1),
	), trace.WithLinks(trace.Link{SpanContext: op.SpanContext()}))
	at.SetAttributes(durableotel.AttrAttemptOutcome.String("SUCCEEDED"))
	at.End()
	op.SetAttributes(durableotel.AttrOperationStatus.String("SUCCEEDED"), durableotel.AttrAttempt.Int(1))
	op.End()
}

// BenchmarkPluginOverhead puts the plugin's cost per fresh step next to the
// OpenTelemetry SDK's own and to its parts, measured in the same loop so
// that the machine's load weighs on every figure alike. Each iteration
// runs six phases, in an order that rotates from one iteration to the
// next, each ending with a flush of its span processor (as every
// invocation of the plugin does):
//
//   - none: one seq-1000 execution without a plugin (as BenchmarkPlugin);
//   - otel: the same with the plugin over the benchmarks' batch processor
//     and no-op exporter;
//   - hooks: the same with a plugin whose OnOperationEnd does nothing and
//     whose WrapOperationAttemptFn only calls fn: what the SDK's dispatch
//     of the two hooks the plugin uses per step costs;
//   - spans: the plugin's own hooks called directly, 1,000 times a step's
//     WrapOperationAttemptFn and OnOperationEnd, over such a processor:
//     what the plugin's spans cost without the SDK;
//   - sdk: 1,000 times sdkStep's two spans through an sdktrace tracer over
//     such a processor (BenchmarkSDKSpans): what the spans of 1,000 steps
//     cost through the OpenTelemetry SDK's API;
//   - processor: 2,000 finished spans (built once) handed to such a
//     processor: its queue, its goroutine and the export alone, which any
//     plugin handing spans to an OpenTelemetry span processor pays.
//
// It reports for each phase ns, CPU ns and allocations per step, and
// extra-* (otel minus none: what the plugin adds to a step), own-*
// (extra minus processor: what the plugin and the SDK's hook dispatch add
// above the span processor's cost) and dispatch-cpu (hooks minus none).
func BenchmarkPluginOverhead(b *testing.B) {
	ctx := context.Background()
	var c bench.Case
	for _, bc := range bench.Cases() {
		if bc.Name == "seq-1000" {
			c = bc
		}
	}
	steps := c.Steps
	newProcessor := func() (sdktrace.SpanProcessor, *countingExporter) {
		sp, exp := newBenchProcessor()
		b.Cleanup(func() { _ = sp.Shutdown(ctx) })
		return sp, exp
	}
	execute := func(plugins ...durable.Plugin) func() {
		client := bench.NewMemClient(true)
		fn := c.Wrap(bench.Quiet(), durable.WithExecutionClient(client), durable.WithPlugins(plugins...))
		return func() {
			result, err := c.Execute(ctx, fn, client, nil)
			if err == nil {
				err = c.Check(result)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	otelSP, otelExp := newProcessor()
	sdkSP, _ := newProcessor()
	tr := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdkSP)).Tracer(durableotel.ScopeName)
	procSP, _ := newProcessor()
	spans := floorSpans()
	nopHooks := durable.Plugin{
		OnOperationEnd: func(context.Context, durable.OperationHookInfo) {},
		WrapOperationAttemptFn: func(ctx context.Context, _ durable.AttemptHookInfo, fn func(context.Context) (any, error)) (any, error) {
			return fn(ctx)
		},
	}
	spansSP, _ := newProcessor()
	direct := durableotel.New(spansSP)
	invocation := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: durableotel.TraceID(benchArn), SpanID: durableotel.InvocationSpanID(benchArn, "request-1"), TraceFlags: trace.FlagsSampled,
	}))
	body := func(context.Context) (any, error) { return nil, nil }
	opIDs := make([]string, steps)
	for i := range opIDs {
		opIDs[i] = fmt.Sprintf("%016x", i)
	}
	phases := []struct {
		name string
		run  func()
	}{
		{"none", execute()},
		{"otel", execute(durableotel.New(otelSP))},
		{"hooks", execute(nopHooks)},
		{"spans", func() {
			for _, id := range opIDs {
				info := durable.OperationHookInfo{ExecutionArn: benchArn, ID: id, Name: "step", Type: "STEP", SubType: "Step",
					Status: durable.PluginOperationStarted, Attempt: 1, StartTimestamp: time.Now()}
				_, _ = direct.WrapOperationAttemptFn(invocation, durable.AttemptHookInfo{OperationHookInfo: info, Attempt: 1}, body)
				info.Status, info.EndTimestamp = durable.PluginOperationSucceeded, time.Now()
				direct.OnOperationEnd(ctx, info)
			}
			_ = spansSP.ForceFlush(ctx)
		}},
		{"sdk", func() {
			for range steps {
				sdkStep(ctx, tr)
			}
			_ = sdkSP.ForceFlush(ctx)
		}},
		{"processor", func() {
			for range steps {
				for _, s := range spans {
					procSP.OnEnd(s)
				}
			}
			_ = procSP.ForceFlush(ctx)
		}},
	}
	type totals struct {
		wall, cpu time.Duration
		allocs    uint64
	}
	sum := make([]totals, len(phases))
	var ms runtime.MemStats
	for i := range phases {
		phases[i].run() // warm up: the clients' logs, the processors' goroutines
	}
	iter := 0
	for b.Loop() {
		for k := range phases {
			p := (iter + k) % len(phases)
			runtime.ReadMemStats(&ms)
			mallocs := ms.Mallocs
			cpu0, _ := bench.CPUTime()
			t0 := time.Now()
			phases[p].run()
			sum[p].wall += time.Since(t0)
			cpu1, _ := bench.CPUTime()
			sum[p].cpu += cpu1 - cpu0
			runtime.ReadMemStats(&ms)
			sum[p].allocs += ms.Mallocs - mallocs
		}
		iter++
	}
	checkExported(b, otelExp, b.N+1, steps) // with the warm-up
	n := float64(b.N * steps)
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / n }
	for i, p := range phases {
		b.ReportMetric(per(sum[i].wall), p.name+"-ns/step")
		b.ReportMetric(per(sum[i].cpu), p.name+"-cpu-ns/step")
		b.ReportMetric(float64(sum[i].allocs)/n, p.name+"-allocs/step")
	}
	none, otel, hooks, proc := sum[0], sum[1], sum[2], sum[5]
	b.ReportMetric(per(hooks.cpu-none.cpu), "dispatch-cpu-ns/step")
	b.ReportMetric(per(otel.wall-none.wall), "extra-ns/step")
	b.ReportMetric(per(otel.cpu-none.cpu), "extra-cpu-ns/step")
	b.ReportMetric(per(otel.wall-none.wall-proc.wall), "own-ns/step")
	b.ReportMetric(per(otel.cpu-none.cpu-proc.cpu), "own-cpu-ns/step")
}

// floorSpans returns the two finished spans of a fresh step, as the plugin
// hands them to its span processor, built once.
func floorSpans() []sdktrace.ReadOnlySpan {
	tid := durableotel.TraceID(benchArn)
	sc := func(sid trace.SpanID) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	}
	const id = "c4ca4238a0b92382"
	op := sc(durableotel.OperationSpanID(benchArn, id))
	now := time.Now()
	return tracetest.SpanStubs{
		{
			Name: "attempt 1", SpanContext: sc(durableotel.AttemptSpanID(benchArn, id, 1)), Parent: op,
			SpanKind: trace.SpanKindInternal, StartTime: now, EndTime: now,
			Attributes: []attribute.KeyValue{durableotel.AttrOperationID.String(id), durableotel.AttrAttempt.Int(1),
				durableotel.AttrAttemptOutcome.String("SUCCEEDED")},
			Links: []sdktrace.Link{{SpanContext: sc(durableotel.InvocationSpanID(benchArn, "request-1"))}},
		},
		{
			Name: "Step step-1", SpanContext: op, Parent: sc(durableotel.ExecutionSpanID(benchArn)),
			SpanKind: trace.SpanKindInternal, StartTime: now, EndTime: now,
			Attributes: []attribute.KeyValue{durableotel.AttrExecutionArn.String(benchArn), durableotel.AttrOperationID.String(id),
				durableotel.AttrOperationType.String("STEP"), durableotel.AttrOperationSubType.String("Step"),
				durableotel.AttrOperationStatus.String("SUCCEEDED"), durableotel.AttrOperationName.String("step-1"),
				durableotel.AttrAttempt.Int(1)},
		},
	}.Snapshots()
}
