package nestedop

import (
	"example.com/helpers"
	"github.com/acme/durable-lambda-go/durable"
)

func charge(sc durable.StepContext, ctx durable.Context) (int, error) {
	return 0, durable.Wait(ctx, "inner", 0) // want `durable operation durable.Wait inside a step body`
}

func handler(ctx durable.Context, in string) (string, error) {
	_, _ = durable.Step(ctx, "a", func(sc durable.StepContext) (int, error) {
		_, err := durable.Step(ctx, "b", func(durable.StepContext) (int, error) { return 1, nil }) // want `durable operation durable.Step inside a step body`
		return 0, err
	})
	_, _ = durable.Step(ctx, "c", func(sc durable.StepContext) (int, error) {
		return 0, helpers.Save(ctx, "x") // want `helpers.Save → durable.Step inside a step body`
	})
	_, _ = durable.WaitForCondition(ctx, "d", func(sc durable.StepContext, s int) (int, error) {
		return s, durable.Wait(ctx, "x", 0) // want `durable.Wait inside a step body`
	}, durable.ConditionConfig[int]{})
	_, _ = durable.WaitForCallback[string](ctx, "e", func(sc durable.StepContext, id string) error {
		_, err := durable.Invoke[string](ctx, "x", "fn", id) // want `durable.Invoke inside a step body`
		return err
	})
	// Fine: a step body that does work only.
	v, err := durable.Step(ctx, "f", func(sc durable.StepContext) (string, error) { return helpers.Pure(in), nil })
	if err != nil {
		return "", err
	}
	return v, helpers.Save(ctx, v)
}
