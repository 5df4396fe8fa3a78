package bugs

import (
	"github.com/acme/durable-lambda-go/durable"
)

type summary struct {
	total int
	names []string
}

var processed int

func closureBugs(ctx durable.Context, items []string) (int, error) {
	count := 0
	sum := &summary{}
	byName := map[string]int{}
	results := make([]string, len(items))
	var last *string = new(string)
	_, _ = durable.Step(ctx, "count", func(durable.StepContext) (int, error) {
		count++ // bug: durableclosure
		return count, nil
	})
	_, _ = durable.Step(ctx, "sum", func(durable.StepContext) (int, error) {
		sum.total += 10 // bug: durableclosure
		return 0, nil
	})
	_, _ = durable.Step(ctx, "index", func(durable.StepContext) (int, error) {
		byName["x"] = 1 // bug: durableclosure
		return 0, nil
	})
	_, _ = durable.Map(ctx, "collect", items, func(cc durable.Context, it string, i int) (int, error) {
		results[i] = it // bug: durableclosure
		return 0, nil
	})
	_, _ = durable.RunInChildContext(ctx, "last", func(cc durable.Context) (int, error) {
		*last = "done" // bug: durableclosure
		return 0, nil
	})
	_, _ = durable.WaitForCondition(ctx, "poll", func(sc durable.StepContext, n int) (int, error) {
		processed = n // bug: durableclosure
		return n, nil
	}, durable.ConditionConfig[int]{})
	_, _ = durable.Step(ctx, "names", func(durable.StepContext) (int, error) {
		sum.names = append(sum.names, "x") // bug: durableclosure
		return 0, nil
	})
	_, _ = durable.Step(ctx, "alias", func(durable.StepContext) (int, error) {
		s := sum
		s.total = 0 // bug: durableclosure miss: a write through a local alias of a captured pointer
		return 0, nil
	})
	return count + sum.total + len(byName) + len(results), nil
}
