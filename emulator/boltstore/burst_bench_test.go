package boltstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// BenchmarkBurst measures whether running executions keep progressing
// while a burst of new executions arrives. 100 running executions of
// "loop" alternate a step and a 1-second wait, so each needs a
// re-invocation every second when its timer fires. Then 2,000 executions
// of "fn" (three steps) are started at once, as 2,000 Event Invokes would.
// Over the burst — from the first start until every new execution closed
// — it reports the running executions' steps per second against their
// rate in the second before the burst (running-rate-%), how many of the
// 100 progressed, the longest time one of them went without completing a
// step during the burst (running-max-stall-s; a second's wait is their
// rhythm), and the burst's duration. In memory and on bbolt, on the real
// clock, without a cap on concurrent invocations (0), with
// Config.MaxConcurrentInvocations 4 (serve's, its sandbox count) and 100.
func BenchmarkBurst(b *testing.B) {
	for _, store := range []string{"memory", "bbolt"} {
		for _, limit := range []int{0, 4, 100} {
			b.Run(fmt.Sprintf("%s/max-concurrent=%d", store, limit), func(b *testing.B) {
				for b.Loop() {
					runBurst(b, store, limit)
				}
			})
		}
	}
}

func runBurst(b *testing.B, store string, limit int) {
	const running, burst = 100, 2000
	var steps atomic.Int64
	progressed := make([]atomic.Int64, running)
	// During the burst, lastStep holds when each running execution last
	// completed a step (Unix ns), and maxStall the longest gap seen.
	var measuring atomic.Bool
	var maxStall atomic.Int64
	lastStep := make([]atomic.Int64, running)
	stalled := func(i int, now int64) {
		gap := now - lastStep[i].Swap(now)
		for m := maxStall.Load(); gap > m && !maxStall.CompareAndSwap(m, gap); m = maxStall.Load() {
		}
	}
	ctx, svc, stop := startService(b, emulator.Config{MaxConcurrentInvocations: limit}, storeDir(b, store), func(svc *emulator.Service) error {
		return errors.Join(
			svc.RegisterFunction(emulator.Function{Name: "loop", Durable: true, Invoker: loopFunction(svc, func(i int) {
				steps.Add(1)
				progressed[i].Add(1)
				if measuring.Load() {
					stalled(i, time.Now().UnixNano())
				}
			})}),
			svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Invoker: stepFunction(svc)}))
	})
	defer stop()
	for i := range running {
		if _, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "loop:1", ExecutionName: fmt.Sprint("loop-", i),
			Payload: []byte(fmt.Sprint(i))}); err != nil {
			b.Fatal(err)
		}
	}
	// Let every running execution get into its rhythm, then measure its
	// rate for a second.
	time.Sleep(2 * time.Second)
	before := steps.Load()
	time.Sleep(time.Second)
	baseline := float64(steps.Load() - before)

	at := make([]int64, running)
	for i := range progressed {
		at[i] = progressed[i].Load()
	}
	start, from := time.Now(), steps.Load()
	for i := range lastStep {
		lastStep[i].Store(start.UnixNano())
	}
	measuring.Store(true)
	runBatch(b, ctx, svc, "burst", burst)
	measuring.Store(false)
	end := time.Now()
	elapsed := end.Sub(start)
	for i := range lastStep {
		stalled(i, end.UnixNano())
	}
	during := float64(steps.Load()-from) / elapsed.Seconds()
	moved := 0
	for i := range progressed {
		if progressed[i].Load() > at[i] {
			moved++
		}
	}
	b.ReportMetric(baseline, "running-steps/s-before")
	b.ReportMetric(during, "running-steps/s-during")
	b.ReportMetric(100*during/baseline, "running-rate-%")
	b.ReportMetric(float64(moved), "running-progressed")
	b.ReportMetric(time.Duration(maxStall.Load()).Seconds(), "running-max-stall-s")
	b.ReportMetric(elapsed.Seconds(), "burst-s")
}

// loopFunction is a durable function that alternates a step and a
// 1-second wait, 1,000 times; its input is a number passed to onStep
// whenever it completes a step.
func loopFunction(svc *emulator.Service, onStep func(int)) emulator.Invoker {
	return emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		var in wire.InvocationInput
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, err
		}
		ops := in.InitialExecutionState.Operations
		var n int
		if err := json.Unmarshal([]byte(wire.Deref(ops[0].ExecutionDetails.InputPayload)), &n); err != nil {
			return nil, err
		}
		status := map[string]wire.OperationStatus{}
		for _, op := range ops {
			status[op.Id] = op.Status
		}
		token := in.CheckpointToken
		checkpoint := func(updates ...wire.OperationUpdate) error {
			out, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: in.DurableExecutionArn, CheckpointToken: token, Updates: updates})
			token = out.CheckpointToken
			return err
		}
		pending, _ := json.Marshal(wire.InvocationOutput{Status: wire.InvocationStatusPending})
		for i := range 1000 {
			step, wait := fmt.Sprint("s", i), fmt.Sprint("w", i)
			if status[step] != wire.OperationStatusSucceeded {
				if err := checkpoint(
					wire.OperationUpdate{Id: step, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionStart},
					wire.OperationUpdate{Id: step, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionSucceed, Payload: wire.String(`1`)},
				); err != nil {
					return nil, err
				}
				onStep(n)
			}
			switch status[wait] {
			case wire.OperationStatusSucceeded:
				continue
			case "":
				if err := checkpoint(wire.OperationUpdate{Id: wait, Type: wire.OperationTypeWait, SubType: wire.SubTypeWait, Action: wire.OperationActionStart,
					WaitOptions: &wire.WaitOptions{WaitSeconds: 1}}); err != nil {
					return nil, err
				}
			}
			return pending, nil
		}
		return json.Marshal(wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: wire.String("1")})
	})
}
