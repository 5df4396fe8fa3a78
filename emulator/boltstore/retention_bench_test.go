package boltstore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/boltstore"
	"github.com/acme/durable-lambda-go/wire"
)

// BenchmarkRetention runs batches of 1,000 executions (three steps each,
// started at once and driven by Run) that close and then expire
// (RetentionPeriodInDays 1, on a virtual clock), on a bbolt store. Each
// iteration is one batch; it logs the live heap (after garbage
// collection) and the database file size after each batch expired, and reports those of the last one: they
// stay flat. Run with -benchtime=10x for 10,000 executions.
func BenchmarkRetention(b *testing.B) {
	dir := b.TempDir()
	clock := emulator.NewVirtualClock(t0)
	ctx, svc, stop := startService(b, emulator.Config{Clock: clock}, dir, func(svc *emulator.Service) error {
		return svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Invoker: stepFunction(svc),
			DurableConfig: wire.DurableConfig{RetentionPeriodInDays: 1}})
	})
	defer stop()
	batch := 0
	var heap, db, log float64
	for b.Loop() {
		runBatch(b, ctx, svc, fmt.Sprintf("b%d", batch), 1000)
		if err := svc.AdvanceTo(clock.Now().Add(25 * time.Hour)); err != nil {
			b.Fatal(err)
		}
		batch++
		if list, _ := svc.ListExecutions(ctx, emulator.ListInput{FunctionName: "fn"}); len(list.DurableExecutions) != 0 {
			b.Fatalf("%d executions left after their retention", len(list.DurableExecutions))
		}
		// Twice: the first moves sync.Pool caches (bbolt's page buffers)
		// to their victim cache, the second frees them.
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fi, err := os.Stat(filepath.Join(dir, boltstore.DatabaseFile))
		if err != nil {
			b.Fatal(err)
		}
		logs, err := filepath.Glob(filepath.Join(dir, "log-*.wal"))
		if err != nil {
			b.Fatal(err)
		}
		logBytes := int64(0)
		for _, l := range logs {
			if fi, err := os.Stat(l); err == nil {
				logBytes += fi.Size()
			}
		}
		heap, db, log = float64(ms.HeapAlloc)/1024, float64(fi.Size())/1024, float64(logBytes)/1024
		b.Logf("after %5d executions: heap %6.0f KiB, database %6.0f KiB, log %6.0f KiB", batch*1000, heap, db, log)
	}
	b.ReportMetric(heap, "heap-KiB")
	b.ReportMetric(db, "db-KiB")
	b.ReportMetric(log, "log-KiB")
	b.ReportMetric(float64(batch*1000), "executions")
}
