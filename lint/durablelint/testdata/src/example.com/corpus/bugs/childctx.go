package bugs

import (
	"example.com/corpus/lib"
	"github.com/acme/durable-lambda-go/durable"
)

type job struct {
	ctx  durable.Context // bug: durablechildctx
	name string
}

var lastCtx durable.Context // bug: durablechildctx

func childBugs(ctx durable.Context, items []string) error {
	_, _ = durable.RunInChildContext(ctx, "c1", func(cc durable.Context) (int, error) {
		return durable.Step(ctx, "s", stepOK) // bug: durablechildctx
	})
	fut := durable.Go(ctx, "c2", func(cc durable.Context) (int, error) {
		return 0, lib.Notify(ctx, "x") // bug: durablechildctx
	})
	_, _ = durable.Map(ctx, "c3", items, func(cc durable.Context, it string, i int) (int, error) {
		return 0, durable.Wait(ctx, it, 1) // bug: durablechildctx
	})
	_, _ = durable.Retry(ctx, "c4", func(rc durable.Context, attempt int) (int, error) {
		return durable.Step(ctx, "try", stepOK) // bug: durablechildctx
	}, nil)
	_, _ = durable.Parallel(ctx, "c5", []durable.Branch[int]{
		{Name: "a", Func: func(bc durable.Context) (int, error) {
			return durable.Step(ctx, "a", stepOK) // bug: durablechildctx
		}},
	})
	_, _, _ = durable.Select(ctx, "c6", []durable.Branch[int]{
		{Name: "b", Func: func(bc durable.Context) (int, error) {
			return fut.Result(ctx) // bug: durablechildctx
		}},
	})
	return nil
}
