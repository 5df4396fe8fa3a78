package conformance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// increment is a check function that adds one to an integer state.
func increment(_ durable.StepContext, n int) (int, error) { return n + 1, nil }

// untilAtLeast continues polling every delay while the state is below limit.
func untilAtLeast(limit int, delay time.Duration) func(int, int) durable.WaitDecision {
	return func(n, _ int) durable.WaitDecision {
		return durable.WaitDecision{Continue: n < limit, Delay: delay}
	}
}

// countTo polls an incrementing counter from start until it reaches limit.
func countTo(ctx durable.Context, name string, start, limit int, delay time.Duration) (int, error) {
	return durable.WaitForCondition(ctx, name, increment, durable.ConditionConfig[int]{
		InitialState: start,
		WaitStrategy: untilAtLeast(limit, delay),
	})
}

// waitForConditionCases are the handlers of suite wait_for_condition (6-x).
func waitForConditionCases() map[string]caseFunc {
	counter := func(name string, start int, delay time.Duration) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, limit int) (int, error) {
				return countTo(ctx, name, start, limit, delay)
			})
		}
	}
	failingCheck := func(ctx durable.Context) (int, error) {
		return durable.WaitForCondition(ctx, "poll", func(durable.StepContext, int) (int, error) {
			return 0, errors.New("check failed")
		}, durable.ConditionConfig[int]{WaitStrategy: untilAtLeast(1, time.Second)})
	}
	return map[string]caseFunc{
		"6-1": counter("poll", 0, time.Second),
		"6-2": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, limit int) (int, error) {
				return durable.WaitForCondition(ctx, "poll", func(_ durable.StepContext, n int) (int, error) {
					return n, nil
				}, durable.ConditionConfig[int]{InitialState: 5, WaitStrategy: untilAtLeast(limit, time.Second)})
			})
		},
		"6-3": counter("poll-status", 0, time.Second),
		"6-4": counter("poll", 5, time.Second),
		"6-5": counter("poll", 0, 2*time.Second),
		"6-6": func(r *Requirement) (Execution, error) {
			const maxAttempts = 3
			return runLocal(r, func(ctx durable.Context, _ int) (int, error) {
				return durable.WaitForCondition(ctx, "poll", increment, durable.ConditionConfig[int]{
					WaitStrategy: func(_ int, attempt int) durable.WaitDecision {
						if attempt >= maxAttempts {
							return durable.WaitDecision{Err: fmt.Errorf("condition not met after %d attempts", attempt)}
						}
						return durable.WaitDecision{Continue: true, Delay: time.Second}
					},
				})
			})
		},
		"6-7": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (int, error) { return failingCheck(ctx) })
		},
		"6-8": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				_, err := failingCheck(ctx)
				var oe *durable.OperationError
				if !errors.As(err, &oe) {
					return "", fmt.Errorf("want a recorded failure, got %w", err)
				}
				return "recovered", nil
			})
		},
		"6-9": func(r *Requirement) (Execution, error) {
			type state struct {
				Status   string `json:"status"`
				Attempts int    `json:"attempts"`
			}
			return runLocal(r, func(ctx durable.Context, _ any) (state, error) {
				return durable.WaitForCondition(ctx, "poll", func(_ durable.StepContext, s state) (state, error) {
					s.Attempts++
					if s.Attempts >= 2 {
						s.Status = "DONE"
					}
					return s, nil
				}, durable.ConditionConfig[state]{
					InitialState: state{Status: "PENDING"},
					WaitStrategy: func(s state, _ int) durable.WaitDecision {
						return durable.WaitDecision{Continue: s.Status == "PENDING", Delay: time.Second}
					},
				})
			})
		},
		"6-10": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (*int, error) {
				return durable.WaitForCondition(ctx, "poll", func(durable.StepContext, *int) (*int, error) {
					return nil, nil
				}, durable.ConditionConfig[*int]{WaitStrategy: func(*int, int) durable.WaitDecision {
					return durable.WaitDecision{}
				}})
			})
		},
		"6-11": func(r *Requirement) (Execution, error) {
			// The state travels as "state:<value>".
			serdes := durable.SerdesOf(
				func(s string) ([]byte, error) { return []byte("state:" + s), nil },
				func(data []byte) (string, error) {
					s, ok := strings.CutPrefix(string(data), "state:")
					if !ok {
						return "", fmt.Errorf("not an encoded state: %q", data)
					}
					return s, nil
				})
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.WaitForCondition(ctx, "poll", func(_ durable.StepContext, s string) (string, error) {
					return s + "x", nil
				}, durable.ConditionConfig[string]{
					WaitStrategy: func(s string, _ int) durable.WaitDecision {
						return durable.WaitDecision{Continue: len(s) < 2, Delay: time.Second}
					},
					Serdes: serdes,
				})
			})
		},
		"6-12": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, limit int) (int, error) {
				n, err := countTo(ctx, "poll", 0, limit, time.Second)
				if err != nil {
					return 0, err
				}
				return durable.Step(ctx, "multiply", echoStep(n*10))
			})
		},
		"6-13": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (int, error) {
				n, err := countTo(ctx, "first", 0, 2, time.Second)
				if err != nil {
					return 0, err
				}
				return countTo(ctx, "second", n, 4, time.Second)
			})
		},
	}
}
