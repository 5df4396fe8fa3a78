package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// callCase is a workflow and the checkpoint calls the JavaScript SDK
// 2.4.0 makes for the same workflow.
type callCase struct {
	name string
	// js is the JavaScript SDK's count: ours must equal it, or, with
	// atMost, not exceed it.
	js     int
	atMost bool
	// min is the fewest calls allowed when atMost is set.
	min int
	// sdk runs one execution through the SDK alone (MemClient) and
	// runner one through durabletest.LocalRunner; each returns the
	// checkpoint calls made.
	sdk, runner func() (int, error)
}

func newCallCase[I, O any](name string, h durable.Handler[I, O], in I, js int) callCase {
	return callCase{
		name: name,
		js:   js,
		sdk: func() (int, error) {
			client := bench.NewMemClient(true)
			input, err := json.Marshal(in)
			if err != nil {
				return 0, err
			}
			out, _, err := bench.Drive(context.Background(), durable.Wrap(h, durable.WithExecutionClient(client), bench.Quiet()), client, input)
			if err != nil {
				return 0, err
			}
			if out.Status != "SUCCEEDED" {
				return 0, fmt.Errorf("status %s, error %+v", out.Status, out.Error)
			}
			return client.Calls(), nil
		},
		runner: func() (int, error) {
			r := durabletest.NewLocalRunner(h, bench.Quiet())
			res, err := r.RunUntilComplete(in)
			if err != nil {
				return 0, err
			}
			if res.Status != durabletest.StatusSucceeded {
				return 0, fmt.Errorf("status %s, error %+v", res.Status, res.Error)
			}
			return r.Checkpoints(), nil
		},
	}
}

// TestCheckpointCalls checks that every workflow makes exactly the
// checkpoint calls the JavaScript SDK makes (or, where step bodies block
// on I/O, at most as many): the queue sends by group commit, so the counts
// do not depend on timing or load. The JavaScript counts were measured on
// the anchor's SDK with its instrumented client (lib.mjs instrument()):
// seq-N and map-1000 are the anchor's recorded figures; the others come
// from the same workflows written for the anchor (bench/anchor-counts.mjs).
func TestCheckpointCalls(t *testing.T) {
	cases := []callCase{
		newCallCase("seq-10", bench.Seq, bench.SeqInput{N: 10}, 10),
		newCallCase("seq-100", bench.Seq, bench.SeqInput{N: 100}, 100),
		newCallCase("seq-1000", bench.Seq, bench.SeqInput{N: 1000}, 1000),
		newCallCase("map-10", bench.MapSteps, bench.SeqInput{N: 10}, 2),
		newCallCase("map-100", bench.MapSteps, bench.SeqInput{N: 100}, 3),
		newCallCase("map-1000", bench.MapSteps, bench.SeqInput{N: 1000}, 17),
		newCallCase("map-100-c10", mapLimited, 100, 11),
		newCallCase("parallel-10", parallelSteps, 10, 2),
		newCallCase("parallel-100", parallelSteps, 100, 3),
		newCallCase("child-1x3", childSteps, 3, 4),
		newCallCase("nested-3", nestedChildren, 3, 2),
		newCallCase("children-10x2", childrenInSequence, 10, 21),
		newCallCase("child-parallel", childThenParallel, struct{}{}, 4),
		newCallCase("map-parallel-nested", mapOfParallels, 5, 2),
	}
	// Step bodies that block on I/O: JavaScript sends each START while
	// the body waits (2 calls per step). Ours sends it when the body
	// stays parked for the queue's fallback ticks (about 15 ms), so a
	// short wait costs 1 call and a long one 2.
	for _, io := range []struct {
		name  string
		sleep time.Duration
	}{{"seq-io-1ms-10", time.Millisecond}, {"seq-io-50ms-3", 50 * time.Millisecond}} {
		n := 10
		if io.sleep > 10*time.Millisecond {
			n = 3
		}
		c := newCallCase(io.name, sleepingSteps(io.sleep), n, 2*n)
		c.atMost, c.min = true, n
		cases = append(cases, c)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, run := range []struct {
				how string
				fn  func() (int, error)
			}{{"SDK alone", c.sdk}, {"runner", c.runner}} {
				calls, err := run.fn()
				if err != nil {
					t.Fatalf("%s: %v", run.how, err)
				}
				if c.atMost {
					t.Logf("%s: %d checkpoint calls", run.how, calls)
				}
				switch {
				case c.atMost && (calls > c.js || calls < c.min):
					t.Errorf("%s: %d checkpoint calls, want %d to %d (JavaScript %d)", run.how, calls, c.min, c.js, c.js)
				case !c.atMost && calls != c.js:
					t.Errorf("%s: %d checkpoint calls, want %d as JavaScript", run.how, calls, c.js)
				}
			}
		})
	}
}

// mapLimited maps over n items, one step each, at most 10 at a time.
func mapLimited(ctx durable.Context, n int) (int, error) {
	br, err := durable.Map(ctx, "map", make([]int, n), func(c durable.Context, item, index int) (int, error) {
		return durable.Step(c, "process", func(durable.StepContext) (int, error) { return index, nil })
	}, durable.WithMaxConcurrency(10))
	return br.SuccessCount(), err
}

// parallelSteps runs n branches of one step each.
func parallelSteps(ctx durable.Context, n int) (int, error) {
	branches := make([]durable.Branch[int], n)
	for i := range branches {
		branches[i].Func = func(c durable.Context) (int, error) {
			return durable.Step(c, fmt.Sprintf("p%d", i), func(durable.StepContext) (int, error) { return i, nil })
		}
	}
	br, err := durable.Parallel(ctx, "par", branches)
	return br.SuccessCount(), err
}

// childSteps runs n sequential steps in one child context.
func childSteps(ctx durable.Context, n int) (int, error) {
	return durable.RunInChildContext(ctx, "child", func(c durable.Context) (int, error) {
		sum := 0
		for i := range n {
			v, err := durable.Step(c, fmt.Sprintf("s%d", i), func(durable.StepContext) (int, error) { return i, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
}

// nestedChildren nests depth child contexts around one step.
func nestedChildren(ctx durable.Context, depth int) (int, error) {
	if depth == 0 {
		return durable.Step(ctx, "s", func(durable.StepContext) (int, error) { return 1, nil })
	}
	return durable.RunInChildContext(ctx, fmt.Sprintf("c%d", depth), func(c durable.Context) (int, error) {
		return nestedChildren(c, depth-1)
	})
}

// childrenInSequence runs n child contexts one after the other, two steps
// each.
func childrenInSequence(ctx durable.Context, n int) (int, error) {
	sum := 0
	for k := range n {
		v, err := durable.RunInChildContext(ctx, fmt.Sprintf("c%d", k), func(c durable.Context) (int, error) {
			a, err := durable.Step(c, "a", func(durable.StepContext) (int, error) { return 1, nil })
			if err != nil {
				return 0, err
			}
			b, err := durable.Step(c, "b", func(durable.StepContext) (int, error) { return 1, nil })
			return a + b, err
		})
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// childThenParallel is the anchor's child-parallel workflow: a child of
// two steps, then three parallel branches of one step each.
func childThenParallel(ctx durable.Context, _ struct{}) (int, error) {
	a, err := childSteps(ctx, 2)
	if err != nil {
		return 0, err
	}
	b, err := parallelSteps(ctx, 3)
	return a + b, err
}

// mapOfParallels maps over n items, each a parallel of two steps.
func mapOfParallels(ctx durable.Context, n int) (int, error) {
	br, err := durable.Map(ctx, "m", make([]int, n), func(c durable.Context, _, _ int) (int, error) {
		return parallelSteps(c, 2)
	})
	return br.SuccessCount(), err
}

// sleepingSteps returns a workflow of n sequential steps whose bodies
// sleep for d.
func sleepingSteps(d time.Duration) durable.Handler[int, int] {
	return func(ctx durable.Context, n int) (int, error) {
		for i := range n {
			if _, err := durable.Step(ctx, fmt.Sprintf("s%d", i), func(durable.StepContext) (int, error) {
				time.Sleep(d)
				return i, nil
			}); err != nil {
				return 0, err
			}
		}
		return n, nil
	}
}
