package conformance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// TransientError is the custom error type of requirements 1-15 and 1-16; its
// ErrorType ends in "TransientError".
type TransientError struct{ Msg string }

func (e *TransientError) Error() string { return e.Msg }

// retryOnlyTransient retries a *TransientError after one second and nothing else.
func retryOnlyTransient(a durable.RetryAttempt) durable.RetryDecision {
	var te *TransientError
	if errors.As(a.Err, &te) {
		return durable.RetryDecision{Retry: true, Delay: time.Second}
	}
	return durable.RetryDecision{}
}

// retryAllButTransient retries anything except a *TransientError.
func retryAllButTransient(a durable.RetryAttempt) durable.RetryDecision {
	var te *TransientError
	if errors.As(a.Err, &te) {
		return durable.RetryDecision{}
	}
	return durable.RetryDecision{Retry: true, Delay: time.Second}
}

// uppercaseSerdes writes strings upper-cased (requirements 1-6, 3-14).
func uppercaseSerdes() durable.Serdes {
	return durable.SerdesOf(
		func(s string) ([]byte, error) { return []byte(strings.ToUpper(s)), nil },
		func(b []byte) (string, error) { return string(b), nil },
	)
}

// oneSecondRetries retries up to maxAttempts attempts in all, one second apart.
func oneSecondRetries(maxAttempts int) durable.RetryStrategy {
	return durable.MustNewRetryStrategy(durable.RetryConfig{
		MaxAttempts:  maxAttempts,
		InitialDelay: time.Second,
		MaxDelay:     time.Second,
		BackoffRate:  1,
		Jitter:       durable.JitterNone,
	})
}

// echoStep is a step body that returns v.
func echoStep[T any](v T) func(durable.StepContext) (T, error) {
	return func(durable.StepContext) (T, error) { return v, nil }
}

// greet is the step body of the greeting requirements.
func greet(name string) func(durable.StepContext) (string, error) {
	return func(durable.StepContext) (string, error) { return "Hello, " + name + "!", nil }
}

// stepCases are the handlers of suite step (1-x).
func stepCases() map[string]caseFunc {
	return map[string]caseFunc{
		"1-1": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "", greet(name))
			})
		},
		"1-2": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "custom_step_name", greet(name))
			})
		},
		"1-3": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				first, err := durable.Step(ctx, "step_one", func(durable.StepContext) (string, error) { return "first", nil })
				if err != nil {
					return "", err
				}
				return durable.Step(ctx, "step_two", func(durable.StepContext) (string, error) { return first + "_second", nil })
			})
		},
		"1-4": func(r *Requirement) (Execution, error) {
			type user struct {
				Name string   `json:"name"`
				Tags []string `json:"tags"`
			}
			type response struct {
				User  user `json:"user"`
				Count int  `json:"count"`
			}
			return runLocal(r, func(ctx durable.Context, in user) (response, error) {
				return durable.Step(ctx, "build_response", func(durable.StepContext) (response, error) {
					return response{User: in, Count: len(in.Tags)}, nil
				})
			})
		},
		"1-5": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (any, error) {
				return durable.Step(ctx, "do_nothing", func(durable.StepContext) (any, error) { return nil, nil })
			})
		},
		"1-6": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.Step(ctx, "return_input", func(durable.StepContext) (string, error) { return in, nil },
					durable.WithStepSerdes(uppercaseSerdes()))
			})
		},
		"1-7": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "greet", func(sc durable.StepContext) (string, error) {
					sc.Logger().Info("Greeting step started for: " + name)
					out := "Hello, " + name + "!"
					sc.Logger().Info("Greeting step completed with: " + out)
					return out, nil
				})
			})
		},
		"1-8": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				v, err := durable.Step(ctx, "compute", func(durable.StepContext) (string, error) { return "computed", nil })
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "pause", 2*time.Second)
			})
		},
		"1-9": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				v, err := durable.Step(ctx, "cache", func(sc durable.StepContext) (string, error) {
					sc.Logger().Info("step executed")
					return "cached_value", nil
				})
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "pause", time.Second)
			})
		},
		"1-10": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				_, err := durable.Step(ctx, "fail", func(sc durable.StepContext) (string, error) {
					sc.Logger().Info("step executed")
					return "", errors.New("permanent failure")
				}, durable.WithRetry(durable.NoRetry()))
				var se *durable.StepError
				if !errors.As(err, &se) {
					return "", fmt.Errorf("want a StepError, got %w", err)
				}
				return "caught " + se.ErrorType, durable.Wait(ctx, "pause", time.Second)
			})
		},
		"1-11": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "unreliable", func(sc durable.StepContext) (string, error) {
					if sc.Attempt() == 1 {
						return "", errors.New("first attempt fails")
					}
					return "Operation succeeded", nil
				}, durable.WithRetry(oneSecondRetries(3)))
			})
		},
		"1-12": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "always_fail", func(sc durable.StepContext) (string, error) {
					return "", fmt.Errorf("attempt %d fails", sc.Attempt())
				}, durable.WithRetry(oneSecondRetries(4)))
			})
		},
		"1-13": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "unreliable", func(sc durable.StepContext) (string, error) {
					if sc.Attempt() < 3 {
						return "", fmt.Errorf("attempt %d fails", sc.Attempt())
					}
					return "Operation succeeded", nil
				})
			})
		},
		"1-14": func(r *Requirement) (Execution, error) {
			strategy := durable.MustNewRetryStrategy(durable.RetryConfig{
				MaxAttempts:  5,
				InitialDelay: 2 * time.Second,
				BackoffRate:  3,
				Jitter:       durable.JitterNone,
			})
			// The requirement tracks attempts in a table outside the
			// function; a counter outside the handler plays that part.
			calls := 0
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "flaky", func(durable.StepContext) (string, error) {
					//durable:ignore closure -- stands for the requirement's attempt table outside the function; only the step body reads it
					calls++
					if calls < 3 {
						return "", fmt.Errorf("call %d fails", calls)
					}
					return "Operation succeeded", nil
				}, durable.WithRetry(strategy))
			})
		},
		"1-15": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "transient", func(sc durable.StepContext) (string, error) {
					if sc.Attempt() == 1 {
						return "", &TransientError{Msg: "temporarily unavailable"}
					}
					return "Operation succeeded", nil
				}, durable.WithRetry(retryOnlyTransient))
			})
		},
		"1-16": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "transient", func(durable.StepContext) (string, error) {
					return "", &TransientError{Msg: "temporarily unavailable"}
				}, durable.WithRetry(retryAllButTransient))
			})
		},
		"1-17": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.Step(ctx, "at_most_once_flaky_step", func(sc durable.StepContext) (string, error) {
					sc.Logger().Info("processing " + in)
					durabletest.Exit(1) // a Lambda runtime crash; Exit does not return
					return "", nil
				}, durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(durable.NoRetry()))
			})
		},
		"1-18": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, in string) (string, error) {
				return durable.Step(ctx, "at_most_once_flaky_step", func(sc durable.StepContext) (string, error) {
					sc.Logger().Info("processing " + in)
					if sc.Attempt() == 1 {
						durabletest.Exit(1) // a Lambda runtime crash
					}
					return "succeeded on second attempt", nil
				}, durable.WithSemantics(durable.AtMostOncePerRetry), durable.WithRetry(oneSecondRetries(3)))
			})
		},
		"1-19": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "failing", func(durable.StepContext) (string, error) {
					return "", errors.New("step always fails")
				}, durable.WithRetry(durable.NoRetry()))
			})
		},
		"1-20": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				_, err := durable.Step(ctx, "failing", func(durable.StepContext) (string, error) {
					return "", errors.New("step always fails")
				}, durable.WithRetry(durable.NoRetry()))
				var se *durable.StepError
				if !errors.As(err, &se) {
					return "", fmt.Errorf("want a StepError, got %w", err)
				}
				return durable.Step(ctx, "after_failure", func(durable.StepContext) (string, error) { return "fallback_result", nil })
			})
		},
	}
}

// waitCases are the handlers of suite wait (2-x).
func waitCases() map[string]caseFunc {
	waitFor := func(name string, d time.Duration) func(*Requirement) (Execution, error) {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (any, error) {
				return nil, durable.Wait(ctx, name, d)
			})
		}
	}
	return map[string]caseFunc{
		"2-1": waitFor("", 2*time.Second),
		"2-2": waitFor("custom_wait_name", 2*time.Second),
		"2-3": func(r *Requirement) (Execution, error) {
			type out struct {
				CompletedWaits int `json:"completedWaits"`
			}
			return runLocal(r, func(ctx durable.Context, _ any) (out, error) {
				for i, name := range []string{"wait-1", "wait-2"} {
					if err := durable.Wait(ctx, name, 2*time.Second); err != nil {
						return out{CompletedWaits: i}, err
					}
				}
				return out{CompletedWaits: 2}, nil
			})
		},
		"2-4": waitFor("", time.Minute),
		"2-5": waitFor("", time.Hour),
	}
}
