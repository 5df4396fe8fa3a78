package childctx

import (
	"example.com/helpers"
	"github.com/acme/durable-lambda-go/durable"
)

type server struct {
	ctx  durable.Context // want `struct field of type durable.Context`
	name string
}

var current durable.Context // want `package-level variable of type durable.Context`

func handler(ctx durable.Context, items []string) (string, error) {
	_, _ = durable.RunInChildContext(ctx, "a", func(cc durable.Context) (int, error) {
		return durable.Step(ctx, "x", func(durable.StepContext) (int, error) { return 1, nil }) // want `durable.Step is given the outer Context ctx inside a child function`
	})
	_ = durable.Go(ctx, "b", func(cc durable.Context) (int, error) {
		return 0, helpers.Save(ctx, "x") // want `helpers.Save → durable.Step is given the outer Context ctx`
	})
	_, _ = durable.Map(ctx, "c", items, func(cc durable.Context, s string, i int) (int, error) {
		return 0, durable.Wait(ctx, s, 0) // want `durable.Wait is given the outer Context ctx`
	})
	_, _ = durable.Retry(ctx, "d", func(rc durable.Context, attempt int) (int, error) {
		return 0, durable.Wait(ctx, "w", 0) // want `outer Context ctx`
	}, nil)
	branch := func(bc durable.Context) (int, error) {
		return 0, durable.Wait(ctx, "w", 0) // want `outer Context ctx`
	}
	_, _ = durable.Parallel(ctx, "e", []durable.Branch[int]{{Name: "one", Func: branch}})
	_, _, _ = durable.Select(ctx, "f", []durable.Branch[int]{{"two", func(sc durable.Context) (int, error) {
		return 0, durable.Wait(ctx, "w", 0) // want `outer Context ctx`
	}}})
	_ = durable.NewTypedBranch("g", func(tc durable.Context) (string, error) {
		return durable.Invoke[string](ctx, "i", "fn", "in") // want `outer Context ctx`
	})
	fut := durable.StepAsync(ctx, "h", func(durable.StepContext) (int, error) { return 1, nil })
	_, _ = durable.RunInChildContext(ctx, "i", func(cc durable.Context) (int, error) {
		return fut.Result(ctx) // want `\(\*durable.Future\).Result is given the outer Context ctx`
	})

	// Fine: the child's own Context, and non-operations on the outer one.
	return durable.RunInChildContext(ctx, "ok", func(cc durable.Context) (string, error) {
		ctx.Logger().Info("in child")
		_ = durable.ExecutionStartTime(ctx)
		return "", helpers.Save(cc, "x")
	})
}
