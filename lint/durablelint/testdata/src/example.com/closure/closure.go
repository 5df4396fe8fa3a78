package closure

import (
	"github.com/acme/durable-lambda-go/durable"
)

type totals struct{ n int }

var hits int

func handler(ctx durable.Context, items []string) (int, error) {
	count := 0
	seen := map[string]bool{}
	t := &totals{}
	var p *int = new(int)
	list := make([]string, len(items))
	_, _ = durable.Step(ctx, "a", func(durable.StepContext) (int, error) {
		count++           // want `step body writes captured variable count`
		count = 2         // want `writes captured variable count`
		seen["x"] = true  // want `captured variable seen through a map entry`
		t.n = 3           // want `captured variable t through a field`
		*p = 4            // want `captured variable p through a pointer`
		hits++            // want `package-level variable hits`
		delete(seen, "x") // want `captured variable seen`
		local := 0
		local++
		return local, nil
	})
	_, _ = durable.Map(ctx, "b", items, func(cc durable.Context, s string, i int) (int, error) {
		list[i] = s // want `child function writes captured variable list through an element`
		return 0, nil
	})
	_, _ = durable.RunInChildContext(ctx, "c", func(cc durable.Context) (int, error) {
		for _, count = range []int{1} { // want `child function writes captured variable count`
		}
		return durable.Step(cc, "d", func(durable.StepContext) (int, error) {
			count = 5 // want `step body writes captured variable count`
			return 0, nil
		})
	})
	// Fine: the result comes back from the step.
	n, err := durable.Step(ctx, "e", func(durable.StepContext) (int, error) { return len(items), nil })
	count += n
	return count, err
}
