package conformance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// childCases are the handlers of suite child (3-x).
func childCases() map[string]caseFunc {
	return map[string]caseFunc{
		"3-1": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return durable.Step(c, "echo", echoStep(in))
				})
			})
		},
		"3-2": func(r *Requirement) (Execution, error) {
			type input struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			}
			return runLocal(r, func(ctx durable.Context, in input) (string, error) {
				return durable.RunInChildContext(ctx, in.Name, func(c durable.Context) (string, error) {
					return durable.Step(c, "echo", echoStep(in.Value))
				})
			})
		},
		"3-3": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					first, err := durable.Step(c, "first", echoStep(in))
					if err != nil {
						return "", err
					}
					return durable.Step(c, "second", echoStep(first))
				})
			})
		},
		"3-4": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.RunInChildContext(ctx, "child", failingChildStep)
			})
		},
		"3-5": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				_, err := durable.RunInChildContext(ctx, "child", failingChildStep)
				var ce *durable.ChildContextError
				if !errors.As(err, &ce) {
					return "", fmt.Errorf("want a ChildContextError, got %w", err)
				}
				return durable.Step(ctx, "recover", echoStep(in))
			})
		},
		"3-6": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "outer", func(outer durable.Context) (string, error) {
					if _, err := durable.Step(outer, "outer-step", echoStep(in)); err != nil {
						return "", err
					}
					return durable.RunInChildContext(outer, "inner", func(inner durable.Context) (string, error) {
						return durable.Step(inner, "inner-step", echoStep(in))
					})
				})
			})
		},
		"3-7": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return durable.Step(c, "flaky", func(sc durable.StepContext) (string, error) {
						if sc.Attempt() == 1 {
							return "", errors.New("first attempt fails")
						}
						return in, nil
					}, durable.WithRetry(oneSecondRetries(3)))
				})
			})
		},
		"3-8": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return durable.Step(c, "always_fail", func(sc durable.StepContext) (string, error) {
						return "", fmt.Errorf("attempt %d fails", sc.Attempt())
					}, durable.WithRetry(oneSecondRetries(2)))
				})
			})
		},
		"3-9": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				v, err := durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return durable.Step(c, "echo", echoStep(in))
				})
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "pause", time.Second)
			})
		},
		"3-10": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					v, err := durable.Step(c, "echo", echoStep(in))
					if err != nil {
						return "", err
					}
					return v, durable.Wait(c, "pause", time.Second)
				})
			})
		},
		"3-11": func(r *Requirement) (Execution, error) {
			// 300 000 bytes: beyond the 256 KiB a checkpointed result may hold.
			const largeSize = 300_000
			return runLocal(r, func(ctx durable.Context, in string) (int, error) {
				large, err := durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					c.Logger().Info("building a large result for " + in)
					small, err := durable.Step(c, "small", echoStep(in))
					if err != nil {
						return "", err
					}
					return strings.Repeat(small, largeSize/len(small)+1), nil
				})
				if err != nil {
					return 0, err
				}
				if !strings.HasPrefix(large, in) || len(large) < largeSize {
					return 0, fmt.Errorf("child result rebuilt wrongly: %d bytes", len(large))
				}
				return len(large), durable.Wait(ctx, "pause", time.Second)
			}, durable.WithReplayLogMode(durable.ReplayLogModeEmit))
		},
		"3-12": func(r *Requirement) (Execution, error) {
			// The crash happens once: the counter stands for the process
			// that dies and is replaced by a fresh one.
			crashed := false
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return durable.Step(c, "crashy", func(durable.StepContext) (string, error) {
						if !crashed {
							//durable:ignore closure -- test instrumentation: makes the first attempt crash once; the handler never reads it
							crashed = true
							durabletest.Exit(1) // a Lambda runtime crash
						}
						return in, nil
					})
				})
			})
		},
		"3-13": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				v, err := durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return in, durable.Wait(c, "pause", time.Second)
				})
				if err != nil {
					return "", err
				}
				return durable.Step(ctx, "after", echoStep(v))
			})
		},
		"3-14": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					return durable.Step(c, "echo", echoStep(in))
				}, durable.WithChildSerdes(uppercaseSerdes()))
			})
		},
		"3-15": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.RunInChildContext(ctx, "child", func(durable.Context) (string, error) {
					return "", errors.New("child failed without a step")
				})
			})
		},
		"3-16": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (any, error) {
				return durable.RunInChildContext(ctx, "child", func(durable.Context) (any, error) { return nil, nil })
			})
		},
		"3-17": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				v, err := durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					c.Logger().Info("child body ran for " + in)
					return in, nil
				})
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "pause", time.Second)
			}, durable.WithReplayLogMode(durable.ReplayLogModeEmit))
		},
		"3-18": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				v, err := durable.RunInChildContext(ctx, "child", func(c durable.Context) (string, error) {
					v, err := durable.Step(c, "inner", echoStep(in))
					if err != nil {
						return "", err
					}
					return v, durable.Wait(c, "inner-pause", time.Second)
				})
				if err != nil {
					return "", err
				}
				out, err := durable.Step(ctx, "outer", echoStep(v))
				if err != nil {
					return "", err
				}
				return out, durable.Wait(ctx, "outer-pause", time.Second)
			})
		},
	}
}

// failingChildStep runs a step that fails without retry.
func failingChildStep(c durable.Context) (string, error) {
	return durable.Step(c, "fail", func(durable.StepContext) (string, error) {
		return "", errors.New("step in child fails")
	}, durable.WithRetry(durable.NoRetry()))
}
