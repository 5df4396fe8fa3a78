package goroutine

import (
	"sync"

	"example.com/helpers"
	"github.com/acme/durable-lambda-go/durable"
	"golang.org/x/sync/errgroup"
)

type worker struct{}

func (w worker) run(ctx durable.Context) { _ = durable.Wait(ctx, "w", 0) }

func work(ctx durable.Context) { _ = helpers.Save(ctx, "x") }

func handler(ctx durable.Context, in string) (string, error) {
	go func() { // want `durable operation durable.Step on a goroutine started by go`
		_, _ = durable.Step(ctx, "a", func(durable.StepContext) (int, error) { return 1, nil })
	}()

	f := func() { _ = durable.Wait(ctx, "w", 0) }
	go f() // want `durable operation durable.Wait on a goroutine`

	go work(ctx) // want `goroutine.work → helpers.Save → durable.Step`

	w := worker{}
	go w.run(ctx) // want `\(goroutine.worker\).run → durable.Wait`
	m := w.run
	go m(ctx) // want `durable.Wait on a goroutine`

	var g errgroup.Group
	g.Go(func() error { return helpers.Save(ctx, "y") }) // want `helpers.Save → durable.Step on a goroutine started by \(\*errgroup.Group\).Go`
	g.TryGo(func() error { return nil })
	var wg sync.WaitGroup
	wg.Go(func() { work(ctx) }) // want `started by \(\*sync.WaitGroup\).Go`

	// Not operations: fine on a goroutine.
	go func() { _ = helpers.Pure("x") }()
	// The SDK's own fan-out.
	fut := durable.Go(ctx, "child", func(cc durable.Context) (int, error) { return 1, nil })
	return in, fut.Await(ctx)
}
