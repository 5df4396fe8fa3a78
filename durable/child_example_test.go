package durable_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

func ExampleRunInChildContext() {
	handler := func(ctx durable.Context, order string) (string, error) {
		// The child is one operation of ctx; its steps are numbered below it.
		return durable.RunInChildContext(ctx, "fulfil", func(cc durable.Context) (string, error) {
			id, err := durable.Step(cc, "reserve", func(durable.StepContext) (string, error) { return "r-" + order, nil })
			if err != nil {
				return "", err
			}
			return durable.Step(cc, "ship", func(durable.StepContext) (string, error) { return id + "-shipped", nil })
		})
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`"o1"`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"r-o1-shipped\""}
}

func ExampleGo() {
	handler := func(ctx durable.Context, words []string) (string, error) {
		// Each Go takes its id here, in program order, and runs on its own
		// goroutine with its own Context.
		futures := make([]*durable.Future[string], len(words))
		for i, w := range words {
			futures[i] = durable.Go(ctx, "upper-"+w, func(cc durable.Context) (string, error) {
				return durable.Step(cc, "upper", func(durable.StepContext) (string, error) { return strings.ToUpper(w), nil })
			})
		}
		var out []string
		for _, f := range futures {
			v, err := f.Result(ctx)
			if err != nil {
				return "", err
			}
			out = append(out, v)
		}
		return strings.Join(out, " "), nil
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`["a","b","c"]`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"A B C\""}
}

func ExampleStepAsync() {
	handler := func(ctx durable.Context, _ any) (int, error) {
		// Lazy: the id is taken now, the step runs when awaited.
		price := durable.StepAsync(ctx, "price", func(durable.StepContext) (int, error) { return 40, nil })
		tax := durable.StepAsync(ctx, "tax", func(durable.StepContext) (int, error) { return 2, nil })
		unused := durable.StepAsync(ctx, "never-awaited", func(durable.StepContext) (int, error) { return 0, nil })
		_ = unused // records nothing
		p, err := price.Result(ctx)
		if err != nil {
			return 0, err
		}
		t, err := tax.Result(ctx)
		return p + t, err
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"42"}
}

func ExampleAll() {
	handler := func(ctx durable.Context, _ any) ([]int, error) {
		a := durable.StepAsync(ctx, "a", func(durable.StepContext) (int, error) { return 1, nil })
		b := durable.Go(ctx, "b", func(cc durable.Context) (int, error) {
			return durable.Step(cc, "inner", func(durable.StepContext) (int, error) { return 2, nil })
		})
		// One CONTEXT operation records the combined outcome.
		return durable.All(ctx, "both", []*durable.Future[int]{a, b})
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"[1,2]"}
}

func ExampleAny() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		primary := durable.StepAsync(ctx, "primary", func(durable.StepContext) (string, error) {
			return "", errors.New("primary down")
		}, durable.WithRetry(durable.NoRetry()))
		mirror := durable.StepAsync(ctx, "mirror", func(durable.StepContext) (string, error) { return "from mirror", nil })
		return durable.Any(ctx, "fetch", []*durable.Future[string]{primary, mirror})
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"from mirror\""}
}

func ExampleAllSettled() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		ok := durable.StepAsync(ctx, "ok", func(durable.StepContext) (string, error) { return "fine", nil })
		bad := durable.StepAsync(ctx, "bad", func(durable.StepContext) (string, error) {
			return "", errors.New("broken")
		}, durable.WithRetry(durable.NoRetry()))
		res, err := durable.AllSettled(ctx, "both", []*durable.Future[string]{ok, bad})
		if err != nil {
			return "", err
		}
		return res[0].Value + " / " + res[1].Err.Error(), nil
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"fine / broken\""}
}

func ExampleRace() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		timeout := durable.Go(ctx, "timeout", func(cc durable.Context) (string, error) {
			return "timed out", durable.Wait(cc, "deadline", time.Hour)
		})
		work := durable.Go(ctx, "work", func(cc durable.Context) (string, error) {
			return durable.Step(cc, "compute", func(durable.StepContext) (string, error) { return "done", nil })
		})
		return durable.Race(ctx, "first", []*durable.Future[string]{timeout, work})
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"done\""}
}

func ExampleWaitAsync() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		pause := durable.WaitAsync(ctx, "cool-off", time.Minute)
		// Awaiting starts the wait; with nothing else running the invocation
		// suspends (PENDING) until the service ends the wait.
		if _, err := pause.Result(ctx); err != nil {
			return "", err
		}
		return "after", nil
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))

	// The next invocation, after the minute, finds the wait finished.
	res, _ := durabletest.NewLocalRunner(handler).RunUntilComplete(nil)
	fmt.Println(res.Status, res.RawResult, "after", len(res.Invocations), "invocations")
	// Output:
	// {"Status":"PENDING"}
	// SUCCEEDED "after" after 2 invocations
}

func ExampleRunInChildContextAsync() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		// Eager: the child's start is recorded now, and it runs at once.
		audit := durable.RunInChildContextAsync(ctx, "audit", func(cc durable.Context) (string, error) {
			return durable.Step(cc, "write", func(durable.StepContext) (string, error) { return "audited", nil })
		})
		main, err := durable.Step(ctx, "main", func(durable.StepContext) (string, error) { return "done", nil })
		if err != nil {
			return "", err
		}
		a, err := audit.Result(ctx)
		return main + ", " + a, err
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"done, audited\""}
}

func ExampleSelect() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		winner, v, err := durable.Select(ctx, "fastest", []durable.Branch[string]{
			{Name: "cache", Func: func(cc durable.Context) (string, error) {
				return durable.Step(cc, "read", func(durable.StepContext) (string, error) { return "cached", nil })
			}},
			{Name: "slow-origin", Func: func(cc durable.Context) (string, error) {
				return "origin", durable.Wait(cc, "latency", time.Minute)
			}},
		})
		return winner + "=" + v, err
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"cache=cached\""}
}

func ExampleJoin() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		count := durable.StepAsync(ctx, "count", func(durable.StepContext) (int, error) { return 3, nil })
		pause := durable.WaitAsync(ctx, "pause", time.Second)
		// Join waits for futures of different types; here the wait makes
		// the invocation suspend.
		if err := durable.Join(ctx, "both", []durable.Awaitable{count, pause}); err != nil {
			return "", err
		}
		return "joined", nil
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))

	res, _ := durabletest.NewLocalRunner(handler).RunUntilComplete(nil)
	fmt.Println(res.Status, res.RawResult, "after", len(res.Invocations), "invocations")
	// Output:
	// {"Status":"PENDING"}
	// SUCCEEDED "joined" after 2 invocations
}
