// Package bugs is the seeded-bug half of the measured corpus: every line
// marked "// bug: RULE" holds one bug the rule should report there.
package bugs

import (
	"sync"

	"example.com/corpus/lib"
	"github.com/acme/durable-lambda-go/durable"
	"golang.org/x/sync/errgroup"
)

type notifier struct{ who string }

func (n notifier) send(ctx durable.Context) { _ = lib.Notify(ctx, n.who) }

func sendAll(ctx durable.Context) { _ = lib.Record(ctx, "all") }

func goroutineBugs(ctx durable.Context, users []string) error {
	go func() { _ = durable.Wait(ctx, "w", 1) }() // bug: durablegoroutine

	start := func() { _, _ = durable.Step(ctx, "s", stepOK) }
	go start() // bug: durablegoroutine

	go sendAll(ctx) // bug: durablegoroutine

	n := notifier{who: "ops"}
	go n.send(ctx) // bug: durablegoroutine

	send := n.send
	go send(ctx) // bug: durablegoroutine

	var g errgroup.Group
	for _, u := range users {
		g.Go(func() error { return lib.Notify(ctx, u) }) // bug: durablegoroutine
	}
	g.TryGo(func() error { return lib.Record(ctx, "try") }) // bug: durablegoroutine

	var wg sync.WaitGroup
	wg.Go(func() { sendAll(ctx) }) // bug: durablegoroutine
	wg.Wait()

	done := make(chan struct{})
	go func() { // bug: durablegoroutine
		defer close(done)
		f := durable.StepAsync(ctx, "later", stepOK)
		_, _ = f.Result(ctx)
	}()
	<-done
	return g.Wait()
}

func stepOK(durable.StepContext) (int, error) { return 1, nil }
