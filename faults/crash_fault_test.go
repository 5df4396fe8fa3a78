package faults

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/lambda/workflow"
	"github.com/acme/durable-lambda-go/wire"
)

// TestCrashAnywhere crashes every scenario at every fault point and prints
// the number of fault points exercised.
func TestCrashAnywhere(t *testing.T) {
	total := 0
	count := func(n int) { total += n }
	t.Run("seed", func(t *testing.T) { count(crashAnywhere(t, seedScenario("seed", 0))) })
	t.Run("seed-transient-store", func(t *testing.T) { count(crashAnywhere(t, seedScenario("seed-transient-store", 2))) })
	t.Run("step-retries", func(t *testing.T) { count(crashAnywhere(t, retriesScenario())) })
	t.Run("step-fails", func(t *testing.T) { count(crashAnywhere(t, failingScenario())) })
	t.Run("wait", func(t *testing.T) { count(crashAnywhere(t, waitScenario())) })
	t.Run("large-result", func(t *testing.T) { count(crashAnywhere(t, largeResultScenario())) })
	t.Run("child-context", func(t *testing.T) { count(crashAnywhere(t, childScenario())) })
	t.Run("map", func(t *testing.T) { count(crashAnywhere(t, mapScenario())) })
	t.Run("parallel", func(t *testing.T) { count(crashAnywhere(t, parallelScenario())) })
	t.Run("callback", func(t *testing.T) { count(crashAnywhere(t, callbackScenario())) })
	t.Run("condition-invoke", func(t *testing.T) { count(crashAnywhere(t, conditionInvokeScenario())) })
	t.Logf("SUMMARY crash-anywhere: %d fault points exercised", total)
}

// probeStore is the seed workflow's Store: a side effect reported to the
// probe after each Put. The first failures attempts of the store step fail
// with a TransientError, which the workflow retries.
type probeStore struct {
	p        *probe
	failures int
}

func (s probeStore) Put(ctx context.Context, key, value string) error {
	sc, ok := ctx.(durable.StepContext)
	if !ok {
		return errors.New("probeStore: Put outside a step")
	}
	s.p.effect(requestID(sc), "store", sc.Attempt())
	if sc.Attempt() <= s.failures {
		return &workflow.TransientError{Err: fmt.Errorf("HTTP 503 on attempt %d", sc.Attempt())}
	}
	return nil
}

// seedScenario is the deployed workflow (validate, transform, store) with
// a store that fails transiently on its first failures attempts.
func seedScenario(name string, failures int) scenario[json.RawMessage, workflow.Output] {
	return scenario[json.RawMessage, workflow.Output]{
		name:  name,
		event: json.RawMessage(`{"message":"  crash   me anywhere ","execution_name":"order-7"}`),
		handler: func(p *probe) durable.Handler[json.RawMessage, workflow.Output] {
			w, err := workflow.New(workflow.Config{
				Store: probeStore{p: p, failures: failures},
				Now:   func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
			})
			if err != nil {
				panic(err)
			}
			return w.Handle
		},
	}
}

// stepFn is a step body that reports its side effect, then fails while
// sc.Attempt() < succeedOn.
func stepFn(p *probe, name string, succeedOn int, result string) func(durable.StepContext) (string, error) {
	return func(sc durable.StepContext) (string, error) {
		p.effect(requestID(sc), name, sc.Attempt())
		if sc.Attempt() < succeedOn {
			return "", fmt.Errorf("%s: attempt %d failed", name, sc.Attempt())
		}
		return result, nil
	}
}

func fixedRetry(attempts int, delay time.Duration) durable.RetryStrategy {
	return func(a durable.RetryAttempt) durable.RetryDecision {
		return durable.RetryDecision{Retry: a.Attempt < attempts, Delay: delay}
	}
}

// retriesScenario: an at-least-once step that succeeds on its third
// attempt, an at-most-once step with retries (an interrupted attempt is
// retried, not re-run), and a step whose retries run out (its StepError
// is handled by the workflow).
func retriesScenario() scenario[string, string] {
	return scenario[string, string]{
		name:       "step-retries",
		event:      "order-1",
		atMostOnce: []string{"charge"},
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				flaky, err := durable.Step(ctx, "flaky", stepFn(p, "flaky", 3, "reserved "+in), durable.WithRetry(fixedRetry(4, 2*time.Second)))
				if err != nil {
					return "", err
				}
				charge, err := durable.Step(ctx, "charge", stepFn(p, "charge", 1, "charged"),
					durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(fixedRetry(3, time.Second)))
				if err != nil {
					return "", err
				}
				_, err = durable.Step(ctx, "exhausted", stepFn(p, "exhausted", 99, ""), durable.WithRetry(fixedRetry(2, 3*time.Second)))
				var se *durable.StepError
				if !errors.As(err, &se) {
					return "", fmt.Errorf("step exhausted: got %v, want a *durable.StepError", err)
				}
				return fmt.Sprintf("%s; %s; gave up after %d attempts: %s", flaky, charge, se.Attempts, se.Message), nil
			}
		},
	}
}

// failingScenario ends FAILED: its second step fails without retries and
// the handler returns the error.
func failingScenario() scenario[string, string] {
	return scenario[string, string]{
		name:  "step-fails",
		event: "order-2",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				if _, err := durable.Step(ctx, "ok", stepFn(p, "ok", 1, in)); err != nil {
					return "", err
				}
				_, err := durable.Step(ctx, "declined", stepFn(p, "declined", 99, ""), durable.WithRetry(durable.NoRetry()))
				return "", err
			}
		},
	}
}

// waitScenario interleaves steps and durable waits.
func waitScenario() scenario[string, string] {
	return scenario[string, string]{
		name:  "wait",
		event: "order-3",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				var parts []string
				for i, d := range []time.Duration{10 * time.Second, 3 * time.Second, 0} {
					name := fmt.Sprintf("work-%d", i)
					out, err := durable.Step(ctx, name, stepFn(p, name, 1, name+" "+in))
					if err != nil {
						return "", err
					}
					parts = append(parts, out)
					if d == 0 {
						break
					}
					if err := durable.Wait(ctx, fmt.Sprintf("pause-%d", i), d); err != nil {
						return "", err
					}
				}
				return strings.Join(parts, ", "), nil
			}
		},
	}
}

// largeResultScenario returns a result over the 6 MB response limit, which
// the SDK checkpoints as the EXECUTION update: losing that checkpoint or
// its response must not lose the result.
func largeResultScenario() scenario[string, string] {
	return scenario[string, string]{
		name:  "large-result",
		event: "x",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				seed, err := durable.Step(ctx, "seed", stepFn(p, "seed", 1, in))
				if err != nil {
					return "", err
				}
				return strings.Repeat(seed, wire.MaxInlineResultBytes), nil
			}
		},
	}
}

// describeBatch renders a batch result deterministically: each item's
// name, status and result or error.
func describeBatch[O any](res durable.BatchResult[O]) string {
	parts := []string{fmt.Sprint(res.Reason)}
	for _, it := range res.Items {
		if it.Err != nil {
			parts = append(parts, fmt.Sprintf("%s=%s(%v)", it.Name, it.Status, it.Err))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%s(%v)", it.Name, it.Status, it.Result))
	}
	return strings.Join(parts, " ")
}

// childScenario runs steps and a wait inside a child context, then a step
// after it.
func childScenario() scenario[string, string] {
	return scenario[string, string]{
		name:  "child-context",
		event: "order-4",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				inner, err := durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					a, err := durable.Step(c, "child-a", stepFn(p, "child-a", 2, "a"), durable.WithRetry(fixedRetry(3, time.Second)))
					if err != nil {
						return "", err
					}
					if err := durable.Wait(c, "child-wait", 2*time.Second); err != nil {
						return "", err
					}
					b, err := durable.Step(c, "child-b", stepFn(p, "child-b", 1, "b"), durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(fixedRetry(3, time.Second)))
					return a + b, err
				})
				if err != nil {
					return "", err
				}
				after, err := durable.Step(ctx, "after", stepFn(p, "after", 1, in))
				return inner + " " + after, err
			}
		},
		atMostOnce: []string{"child-b"},
	}
}

// mapScenario maps four items two at a time: one item's step succeeds on
// its second attempt, one fails for good (a tolerated failure).
func mapScenario() scenario[string, string] {
	tolerated := 1
	return scenario[string, string]{
		name:  "map",
		event: "m",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				res, err := durable.Map(ctx, "map", []int{10, 20, 30, 40}, func(c durable.Context, item, i int) (string, error) {
					name := fmt.Sprintf("item-step-%d", i)
					succeedOn := 1
					switch i {
					case 1:
						succeedOn = 2
					case 2:
						succeedOn = 99
					}
					return durable.Step(c, name, stepFn(p, name, succeedOn, fmt.Sprintf("%s%d", in, item*2)), durable.WithRetry(fixedRetry(2, time.Second)))
				}, durable.WithMaxConcurrency(2), durable.WithCompletion(durable.CompletionConfig{ToleratedFailureCount: &tolerated}))
				if err != nil {
					return "", err
				}
				return describeBatch(res), nil
			}
		},
	}
}

// parallelScenario runs three branches: steps, a wait, and an at-most-once
// step, then a step after the batch.
func parallelScenario() scenario[string, string] {
	return scenario[string, string]{
		name:       "parallel",
		event:      "p",
		atMostOnce: []string{"branch-c"},
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				res, err := durable.Parallel(ctx, "parallel", []durable.Branch[string]{
					{Name: "steps", Func: func(c durable.Context) (string, error) {
						a, err := durable.Step(c, "branch-a1", stepFn(p, "branch-a1", 1, "a1"))
						if err != nil {
							return "", err
						}
						b, err := durable.Step(c, "branch-a2", stepFn(p, "branch-a2", 2, "a2"), durable.WithRetry(fixedRetry(3, time.Second)))
						return a + b, err
					}},
					{Name: "waits", Func: func(c durable.Context) (string, error) {
						if err := durable.Wait(c, "branch-wait", 3*time.Second); err != nil {
							return "", err
						}
						return durable.Step(c, "branch-b", stepFn(p, "branch-b", 1, "b"))
					}},
					{Name: "once", Func: func(c durable.Context) (string, error) {
						return durable.Step(c, "branch-c", stepFn(p, "branch-c", 1, "c"), durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(fixedRetry(3, time.Second)))
					}},
				})
				if err != nil {
					return "", err
				}
				after, err := durable.Step(ctx, "after", stepFn(p, "after", 1, in))
				return describeBatch(res) + " " + after, err
			}
		},
	}
}

// callbackScenario creates a callback, notifies in a step, waits for the
// result, then runs WaitForCallback, whose submitter is a step. The test
// completes every open callback with "ok-<name>".
func callbackScenario() scenario[string, string] {
	return scenario[string, string]{
		name:  "callback",
		event: "cb",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				cb, err := durable.CreateCallback[string](ctx, "approval")
				if err != nil {
					return "", err
				}
				if _, err := durable.Step(ctx, "notify", stepFn(p, "notify", 1, cb.ID())); err != nil {
					return "", err
				}
				approved, err := cb.Result(ctx)
				if err != nil {
					return "", err
				}
				confirmed, err := durable.WaitForCallback[string](ctx, "confirm", func(sc durable.StepContext, id string) error {
					p.effect(requestID(sc), "confirm/", sc.Attempt())
					if sc.Attempt() < 2 {
						return errors.New("mail server busy")
					}
					return nil
				}, durable.WithSubmitterRetry(fixedRetry(3, time.Second)))
				if err != nil {
					return "", err
				}
				return approved + " " + confirmed, nil
			}
		},
		resolve: func(r *durabletest.LocalRunner[string, string], _ *durabletest.TestResult) error {
			for _, cb := range r.OpenCallbacks() {
				if err := r.SendCallbackSuccess(cb.CallbackID, "ok-"+cb.Name); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// conditionInvokeScenario polls a condition durably (three checks, two
// durable delays), then invokes a plain function with the final state.
func conditionInvokeScenario() scenario[string, string] {
	return scenario[string, string]{
		name:  "condition-invoke",
		event: "ci",
		handler: func(p *probe) durable.Handler[string, string] {
			return func(ctx durable.Context, in string) (string, error) {
				n, err := durable.WaitForCondition(ctx, "poll", func(sc durable.StepContext, s int) (int, error) {
					p.effect(requestID(sc), "poll", sc.Attempt())
					return s + 1, nil
				}, durable.ConditionConfig[int]{WaitStrategy: func(s int, _ int) durable.WaitDecision {
					return durable.WaitDecision{Continue: s < 3, Delay: 2 * time.Second}
				}})
				if err != nil {
					return "", err
				}
				quote, err := durable.Invoke[string](ctx, "price", "pricer", n)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s %d %s", in, n, quote), nil
			}
		},
		register: func(r *durabletest.LocalRunner[string, string]) {
			r.RegisterFunction("pricer", durabletest.PlainFunction(func(_ context.Context, n int) (string, error) {
				return fmt.Sprintf("price-%d", n*10), nil
			}))
		},
	}
}
