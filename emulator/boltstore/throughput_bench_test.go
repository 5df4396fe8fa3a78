package boltstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/boltstore"
	"github.com/acme/durable-lambda-go/internal/testwait"
)

// BenchmarkConcurrentExecutions starts 1,000 executions at once (three
// step checkpoints each, driven by Run on the real clock) and waits for
// all of them, in memory and on a bbolt store; compare the executions/s.
// cpu-µs/execution is the process's CPU time (all threads: the store's
// background fold too) over the loop per execution, which on a loaded
// machine leaves out the waits for a core.
func BenchmarkConcurrentExecutions(b *testing.B) {
	for _, store := range []string{"memory", "bbolt"} {
		b.Run(store, func(b *testing.B) {
			ctx, svc, stop := startService(b, emulator.Config{}, storeDir(b, store), func(svc *emulator.Service) error {
				return svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Invoker: stepFunction(svc)})
			})
			defer stop()
			const n = 1000
			round := 0
			cpu := bench.StartCPU()
			for b.Loop() {
				runBatch(b, ctx, svc, fmt.Sprintf("r%d", round), n)
				round++
			}
			b.ReportMetric(float64(n*round)/b.Elapsed().Seconds(), "executions/s")
			if ns, ok := cpu.Per(n * round); ok {
				b.ReportMetric(ns/1e3, "cpu-µs/execution")
			}
		})
	}
}

// runBatch starts n executions of "fn:1" at once, named prefix-i, with
// three steps each, and waits until all of them closed; someone must drive
// the service (Run). It fails b when one does not start or close.
func runBatch(b *testing.B, ctx context.Context, svc *emulator.Service, prefix string, n int) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			out, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn:1", ExecutionName: fmt.Sprintf("%s-%d", prefix, i),
				Payload: []byte(`{"steps":["a","b","c"]}`)})
			if err == nil {
				_, err = svc.WaitForExecution(ctx, out.ExecutionArn)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	testwait.Wait(b, fmt.Sprintf("the %d executions of batch %s close", n, prefix), wg.Wait)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// startService returns a service on cfg, in memory (dir "") or on a bbolt
// store in dir, with the functions register registers, driven by Run until
// stop, which also closes the store.
func startService(b *testing.B, cfg emulator.Config, dir string, register func(*emulator.Service) error) (context.Context, *emulator.Service, func()) {
	b.Helper()
	closeStore := func() {}
	if dir != "" {
		st, err := boltstore.Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Store, closeStore = st, func() { _ = st.Close() }
	}
	svc, err := emulator.New(cfg)
	if err == nil {
		err = register(svc)
	}
	if err != nil {
		closeStore()
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(ctx) }()
	return ctx, svc, func() {
		cancel()
		testwait.Recv(b, "Run returns after cancel", ran)
		closeStore()
	}
}

// storeDir is where a benchmark's store lives: a temporary directory for
// "bbolt", none ("") for "memory".
func storeDir(b *testing.B, store string) string {
	if store == "bbolt" {
		return b.TempDir()
	}
	return ""
}
