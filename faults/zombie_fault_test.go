package faults

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/runnerhook"
)

// TestNoStepBodyStartsAfterItsInvocationEnded: once an invocation has
// ended (here: a branch crashed), no step body of that invocation may
// start. Otherwise a body of a dead invocation runs beside the next one
// (on Lambda: when the frozen sandbox thaws), re-running a step the next
// invocation already completed, or running an at-most-once attempt that
// the next invocation already recorded as interrupted. The window is a
// race between the crash and the other branches, so the test repeats the
// run; a violation it reports is certain (the body's invocation is among
// the service's finished invocations when the body starts).
func TestNoStepBodyStartsAfterItsInvocationEnded(t *testing.T) {
	for i := range 3000 {
		if v := zombieRun(t); v != "" {
			t.Fatalf("run %d: %s", i+1, v)
		}
	}
}

// zombieRun runs a parallel batch whose first branch crashes in the first
// invocation while two at-most-once branches start their steps, and
// returns the first violation seen.
func zombieRun(t *testing.T) string {
	t.Helper()
	var svc *emulator.Service
	var crashed atomic.Bool
	var mu sync.Mutex
	violation := ""
	body := func(ctx durable.Context, name string) func(durable.StepContext) (string, error) {
		return func(sc durable.StepContext) (string, error) {
			invs, err := svc.Invocations(ctx.ExecutionArn())
			if err != nil {
				return "", err
			}
			for _, inv := range invs {
				if inv.RequestID == ctx.RequestID() {
					mu.Lock()
					if violation == "" {
						//durable:ignore closure -- the test records a violation seen inside a step body; the handler never reads it
						violation = fmt.Sprintf("step %q attempt %d started in invocation %s after the service had recorded that invocation's end (%d invocations finished)",
							name, sc.Attempt(), inv.RequestID, len(invs))
					}
					mu.Unlock()
				}
			}
			return name, nil
		}
	}
	branch := func(name string) durable.Branch[string] {
		return durable.Branch[string]{Name: name, Func: func(c durable.Context) (string, error) {
			return durable.Step(c, name, body(c, name), durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(fixedRetry(3, 1)))
		}}
	}
	r := durabletest.NewLocalRunner(func(ctx durable.Context, _ string) (string, error) {
		res, err := durable.Parallel(ctx, "batch", []durable.Branch[string]{
			{Name: "crash", Func: func(c durable.Context) (string, error) {
				return durable.Step(c, "crash", func(durable.StepContext) (string, error) {
					if crashed.CompareAndSwap(false, true) {
						panic("crash (injected)")
					}
					return "recovered", nil
				})
			}},
			branch("x"),
			branch("y"),
		})
		if err != nil {
			return "", err
		}
		return describeBatch(res), nil
	}, durable.WithStackTraces(false))
	svc = runnerhook.Service(r)
	res, err := r.RunUntilComplete("in")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s, error %v\n%s", res.Status, res.Error, res.FormatTree())
	}
	mu.Lock()
	defer mu.Unlock()
	return violation
}
