// Package ok is the correct-but-tricky half of the measured corpus: every
// handle* function is a handler the rules must not report.
package ok

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"example.com/corpus/lib"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/google/uuid"
)

// Time and randomness inside steps.
func handleTimeInStep(ctx durable.Context, in string) (string, error) {
	return durable.Step(ctx, "stamp", func(durable.StepContext) (string, error) {
		return time.Now().Format(time.RFC3339) + fmt.Sprint(rand.Intn(10)) + uuid.NewString(), nil
	})
}

// The recorded start time instead of time.Now.
func handleExecutionStartTime(ctx durable.Context, in string) (string, error) {
	deadline := durable.ExecutionStartTime(ctx).Add(24 * time.Hour)
	if err := durable.Wait(ctx, "cool-off", time.Minute); err != nil {
		return "", err
	}
	return deadline.Format(time.RFC3339), nil
}

// Map iteration over sorted keys.
func handleSortedKeys(ctx durable.Context, prices map[string]int) (int, error) {
	total := 0
	for _, k := range slices.Sorted(maps.Keys(prices)) {
		v, err := durable.Step(ctx, "price-"+k, func(durable.StepContext) (int, error) { return prices[k], nil })
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

// Map iteration that records no operation (summing is order-free).
func handleMapWithoutOps(ctx durable.Context, prices map[string]int) (int, error) {
	total := 0
	for _, v := range prices {
		total += v
	}
	return durable.Step(ctx, "charge", func(durable.StepContext) (int, error) { return total, nil })
}

// Keys sorted with sort.Strings.
func handleSortStrings(ctx durable.Context, m map[string]bool) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := lib.Record(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Fan-out with durable.Go and each child's own Context.
func handleFanOut(ctx durable.Context, users []string) ([]bool, error) {
	var futures []*durable.Future[bool]
	for _, u := range users {
		futures = append(futures, durable.Go(ctx, "notify-"+u, func(cc durable.Context) (bool, error) {
			return true, lib.Notify(cc, u)
		}))
	}
	return durable.All(ctx, "all", futures)
}

// Helpers that take durable.Context and only call operations.
func handleHelpers(ctx durable.Context, in string) (string, error) {
	if err := lib.Notify(ctx, in); err != nil {
		return "", err
	}
	t, err := lib.Stamped(ctx)
	return lib.Format(in, t.Second()), err
}

// Map with results returned, not written to a captured slice.
func handleMapResults(ctx durable.Context, items []string) ([]string, error) {
	res, err := durable.Map(ctx, "upper", items, func(cc durable.Context, it string, i int) (string, error) {
		return durable.Step(cc, "upper", func(durable.StepContext) (string, error) { return strings.ToUpper(it), nil })
	})
	return res.Results(), err
}

// Parallel branches on their own Contexts.
func handleParallel(ctx durable.Context, in string) ([]int, error) {
	res, err := durable.Parallel(ctx, "both", []durable.Branch[int]{
		{Name: "a", Func: func(bc durable.Context) (int, error) { return durable.Step(bc, "a", one) }},
		{Name: "b", Func: func(bc durable.Context) (int, error) { return durable.Step(bc, "b", one) }},
	})
	return res.Results(), err
}

// Select and Retry with their own Contexts.
func handleSelectRetry(ctx durable.Context, in string) (int, error) {
	_, _, err := durable.Select(ctx, "fastest", []durable.Branch[int]{
		{"cache", func(bc durable.Context) (int, error) { return durable.Step(bc, "cache", one) }},
		{"origin", func(bc durable.Context) (int, error) { return durable.Step(bc, "origin", one) }},
	})
	if err != nil {
		return 0, err
	}
	return durable.Retry(ctx, "again", func(rc durable.Context, attempt int) (int, error) {
		return durable.Step(rc, "try", one)
	}, nil)
}

// A goroutine inside a step body that does plain work.
func handleGoroutineInStep(ctx durable.Context, urls []string) (int, error) {
	return durable.Step(ctx, "fetch", func(sc durable.StepContext) (int, error) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		n := 0
		for _, u := range urls {
			wg.Go(func() {
				mu.Lock()
				n += len(u)
				mu.Unlock()
			})
		}
		wg.Wait()
		return n, nil
	})
}

// Locals declared inside step bodies may be written freely.
func handleLocalsInStep(ctx durable.Context, in []int) (map[int]int, error) {
	return durable.Step(ctx, "histogram", func(durable.StepContext) (map[int]int, error) {
		h := map[int]int{}
		for _, v := range in {
			h[v]++
		}
		return h, nil
	})
}

// Handler code may write its own locals after a step returns.
func handleWriteAfterStep(ctx durable.Context, items []string) (int, error) {
	count := 0
	for _, it := range items {
		n, err := durable.Step(ctx, "len-"+it, func(durable.StepContext) (int, error) { return len(it), nil })
		if err != nil {
			return 0, err
		}
		count += n
	}
	return count, nil
}

// The outer Context for non-operations inside a child.
func handleOuterLoggerInChild(ctx durable.Context, in string) (string, error) {
	return durable.RunInChildContext(ctx, "child", func(cc durable.Context) (string, error) {
		ctx.Logger().Info("child started", "in", in)
		return durable.Step(cc, "work", func(durable.StepContext) (string, error) { return in, nil })
	})
}

// Environment read inside a step, result recorded.
func handleEnvInStep(ctx durable.Context, in string) (string, error) {
	table, err := durable.Step(ctx, "config", func(durable.StepContext) (string, error) { return os.Getenv("TABLE"), nil })
	if err != nil {
		return "", err
	}
	return durable.Step(ctx, "store", func(durable.StepContext) (string, error) { return table + "/" + in, nil })
}

// A select with one channel and a default never races.
func handleSingleSelect(ctx durable.Context, ch chan string) (string, error) {
	select {
	case v := <-ch:
		return v, nil
	default:
	}
	return durable.Step(ctx, "fallback", func(durable.StepContext) (string, error) { return "none", nil })
}

// A seeded generator created and used inside a step.
func handleSeededInStep(ctx durable.Context, seed int64) (int, error) {
	return durable.Step(ctx, "draw", func(durable.StepContext) (int, error) {
		r := rand.New(rand.NewSource(seed))
		return lib.Token(r), nil
	})
}

// A helper that reads the clock, called only inside steps.
func handleTaintedHelperInStep(ctx durable.Context, in string) (string, error) {
	return durable.Step(ctx, "when", func(durable.StepContext) (string, error) {
		return lib.Clock().String() + lib.Region(), nil
	})
}

// WaitForCallback with a submitter that does I/O only.
func handleCallback(ctx durable.Context, doc string) (string, error) {
	return durable.WaitForCallback[string](ctx, "review", func(sc durable.StepContext, id string) error {
		return submit(sc, doc, id)
	})
}

// WaitForCondition whose check reads the clock (it is a step body).
func handleCondition(ctx durable.Context, in string) (int, error) {
	return durable.WaitForCondition(ctx, "ready", func(sc durable.StepContext, n int) (int, error) {
		if time.Now().Unix()%2 == 0 {
			return n + 1, nil
		}
		return n, nil
	}, durable.ConditionConfig[int]{})
}

// Futures awaited on the Context that created them.
func handleAsync(ctx durable.Context, in string) (int, error) {
	a := durable.StepAsync(ctx, "a", one)
	b := durable.StepAsync(ctx, "b", one)
	va, err := a.Result(ctx)
	if err != nil {
		return 0, err
	}
	vb, err := b.Result(ctx)
	return va + vb, err
}

// Nested children, each using its own Context.
func handleNestedChildren(ctx durable.Context, in string) (int, error) {
	return durable.RunInChildContext(ctx, "outer", func(oc durable.Context) (int, error) {
		return durable.RunInChildContext(oc, "inner", func(ic durable.Context) (int, error) {
			return durable.Step(ic, "leaf", one)
		})
	})
}

// Errors compared and wrapped deterministically.
func handleErrors(ctx durable.Context, in string) (string, error) {
	v, err := durable.Step(ctx, "maybe", func(durable.StepContext) (string, error) { return "", errors.New("boom") })
	var se interface{ Unwrap() error }
	if errors.As(err, &se) {
		return "", fmt.Errorf("step failed: %w", err)
	}
	return v, nil
}

// A step body passed by name.
func handleNamedStepBody(ctx durable.Context, in string) (int, error) {
	return durable.Step(ctx, "named", one)
}

// Durations and time arithmetic without reading the clock.
func handleDurations(ctx durable.Context, minutes int) error {
	d := time.Duration(minutes) * time.Minute
	if d > time.Hour {
		d = time.Hour
	}
	return durable.Wait(ctx, "pause", d.Round(time.Second))
}

func one(durable.StepContext) (int, error) { return 1, nil }

func submit(ctx context.Context, doc, id string) error { return ctx.Err() }
