package bugs

import (
	"example.com/corpus/lib"
	"github.com/acme/durable-lambda-go/durable"
)

func audit(ctx durable.Context) error { return durable.Wait(ctx, "audit", 1) }

func reserve(sc durable.StepContext, ctx durable.Context) (string, error) {
	return "", lib.Record(ctx, "reserve") // bug: durablenestedop
}

func nestedBugs(ctx durable.Context, id string) error {
	_, _ = durable.Step(ctx, "outer", func(sc durable.StepContext) (int, error) {
		return durable.Step(ctx, "inner", stepOK) // bug: durablenestedop
	})
	_, _ = durable.Step(ctx, "helper", func(sc durable.StepContext) (int, error) {
		return 0, audit(ctx) // bug: durablenestedop
	})
	_, _ = durable.Step(ctx, "cross", func(sc durable.StepContext) (int, error) {
		return 0, lib.Notify(ctx, id) // bug: durablenestedop
	})
	_, _ = durable.Step(ctx, "named", func(sc durable.StepContext) (string, error) { return reserve(sc, ctx) }) // bug: durablenestedop
	_, _ = durable.WaitForCondition(ctx, "poll", func(sc durable.StepContext, n int) (int, error) {
		return n + 1, durable.Wait(ctx, "between", 1) // bug: durablenestedop
	}, durable.ConditionConfig[int]{})
	_, _ = durable.WaitForCallback[string](ctx, "approve", func(sc durable.StepContext, cb string) error {
		_, err := durable.Invoke[string](ctx, "ticket", "tickets:live", cb) // bug: durablenestedop
		return err
	})
	f := durable.StepAsync(ctx, "async", func(sc durable.StepContext) (int, error) {
		_, err := durable.CreateCallback[string](ctx, "cb") // bug: durablenestedop
		return 0, err
	})
	_, err := f.Result(ctx)
	return err
}
