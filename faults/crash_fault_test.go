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
	s.p.effect("store", sc.Attempt())
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
		p.effect(name, sc.Attempt())
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
