package boltstore_test

import (
	"context"
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

// BenchmarkRetention runs batches of 1,000 executions (three steps each)
// that close and then expire (RetentionPeriodInDays 1, on a virtual
// clock), on a bbolt store. Each iteration is one batch; it reports the
// live heap and the database file size after the batch expired, which
// stay flat: run with -benchtime=10x for 10,000 executions.
func BenchmarkRetention(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	store, err := boltstore.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	clock := emulator.NewVirtualClock(t0)
	svc, err := emulator.New(emulator.Config{Clock: clock, Store: store})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Invoker: stepFunction(svc),
		DurableConfig: wire.DurableConfig{RetentionPeriodInDays: 1}}); err != nil {
		b.Fatal(err)
	}
	batch := 0
	for b.Loop() {
		for i := range 1000 {
			if _, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn:1", ExecutionName: fmt.Sprintf("b%d-%d", batch, i),
				Payload: []byte(`{"steps":["a","b","c"]}`)}); err != nil {
				b.Fatal(err)
			}
		}
		if err := svc.RunDue(ctx); err != nil {
			b.Fatal(err)
		}
		if err := svc.AdvanceTo(clock.Now().Add(25 * time.Hour)); err != nil {
			b.Fatal(err)
		}
		batch++
		if list, _ := svc.ListExecutions(ctx, emulator.ListInput{FunctionName: "fn"}); len(list.DurableExecutions) != 0 {
			b.Fatalf("%d executions left after their retention", len(list.DurableExecutions))
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fi, err := os.Stat(filepath.Join(dir, boltstore.DatabaseFile))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ms.HeapAlloc)/1024, "heap-KiB")
	b.ReportMetric(float64(fi.Size())/1024, "db-KiB")
	b.ReportMetric(float64(batch*1000), "executions")
}
