package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// awaitCallback creates a callback and blocks on its result.
func awaitCallback(ctx durable.Context, name string, opts ...durable.CallbackOption) (string, error) {
	cb, err := durable.CreateCallback[string](ctx, name, opts...)
	if err != nil {
		return "", err
	}
	return cb.Result(ctx)
}

// callbackCases are the handlers of suite callback (4-x).
func callbackCases() map[string]caseFunc {
	simple := func(opts ...durable.CallbackOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return awaitCallback(ctx, name, opts...)
			})
		}
	}
	withStep := func(opts ...durable.CallbackOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				cb, err := durable.CreateCallback[string](ctx, name, opts...)
				if err != nil {
					return "", err
				}
				if _, err := durable.Step(ctx, "work", echoStep("done")); err != nil {
					return "", err
				}
				return cb.Result(ctx)
			})
		}
	}
	withWait := func(d time.Duration, opts ...durable.CallbackOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				cb, err := durable.CreateCallback[string](ctx, name, opts...)
				if err != nil {
					return "", err
				}
				if err := durable.Wait(ctx, "pause", d); err != nil {
					return "", err
				}
				return cb.Result(ctx)
			})
		}
	}
	caughtThenWait := func(opts ...durable.CallbackOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				msg, err := awaitCallback(ctx, name, opts...)
				var ce *durable.CallbackError
				if errors.As(err, &ce) {
					msg = "callback failed: " + ce.Error()
				} else if err != nil {
					return "", err
				}
				return msg, durable.Wait(ctx, "pause", 2*time.Second)
			})
		}
	}
	two := func(awaitBFirst bool) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, names []string) ([]string, error) {
				if len(names) != 2 {
					return nil, fmt.Errorf("want two callback names, got %d", len(names))
				}
				a, err := durable.CreateCallback[string](ctx, names[0])
				if err != nil {
					return nil, err
				}
				b, err := durable.CreateCallback[string](ctx, names[1])
				if err != nil {
					return nil, err
				}
				first, second := a, b
				if awaitBFirst {
					first, second = b, a
				}
				r1, err := first.Result(ctx)
				if err != nil {
					return nil, err
				}
				r2, err := second.Result(ctx)
				if err != nil {
					return nil, err
				}
				if awaitBFirst {
					return []string{r2, r1}, nil
				}
				return []string{r1, r2}, nil
			})
		}
	}
	return map[string]caseFunc{
		"4-1": simple(),
		"4-2": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return awaitCallback(ctx, "approval")
			})
		},
		"4-3":  simple(durable.WithCallbackTimeout(5 * time.Second)),
		"4-4":  simple(durable.WithCallbackHeartbeatTimeout(5 * time.Second)),
		"4-5":  simple(durable.WithCallbackHeartbeatTimeout(10 * time.Second)),
		"4-6":  simple(),
		"4-7":  withStep(),
		"4-8":  withStep(durable.WithCallbackTimeout(5 * time.Second)),
		"4-9":  withWait(5 * time.Second),
		"4-10": withWait(5 * time.Second),
		"4-11": withWait(6*time.Second, durable.WithCallbackTimeout(3*time.Second)),
		"4-12": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				v, err := awaitCallback(ctx, name)
				if err != nil {
					return "", err
				}
				return v, durable.Wait(ctx, "pause", 2*time.Second)
			})
		},
		"4-13": caughtThenWait(),
		"4-14": caughtThenWait(durable.WithCallbackTimeout(3 * time.Second)),
		"4-15": func(r *Requirement) (Execution, error) {
			type received struct {
				ID        string `json:"id"`
				Message   string `json:"message"`
				Timestamp int64  `json:"timestamp"`
			}
			type output struct {
				Received received `json:"received"`
			}
			serdes := durable.SerdesOf(
				func(v received) ([]byte, error) { return json.Marshal(v) },
				func(data []byte) (received, error) {
					var raw struct {
						ID        string `json:"id"`
						Message   string `json:"message"`
						Timestamp string `json:"timestamp"`
					}
					if err := json.Unmarshal(data, &raw); err != nil {
						return received{}, err
					}
					ts, err := time.Parse(time.RFC3339Nano, raw.Timestamp)
					if err != nil {
						return received{}, err
					}
					return received{ID: raw.ID, Message: raw.Message, Timestamp: ts.Unix()}, nil
				})
			return runLocal(r, func(ctx durable.Context, name string) (output, error) {
				cb, err := durable.CreateCallback[received](ctx, name, durable.WithCallbackSerdes(serdes))
				if err != nil {
					return output{}, err
				}
				v, err := cb.Result(ctx)
				return output{Received: v}, err
			})
		},
		"4-16": func(r *Requirement) (Execution, error) {
			type output struct {
				Count   int `json:"count"`
				Doubled int `json:"doubled"`
			}
			serdes := durable.SerdesOf(
				func(n int) ([]byte, error) { return []byte(strconv.Itoa(n)), nil },
				func(data []byte) (int, error) { return strconv.Atoi(string(data)) })
			return runLocal(r, func(ctx durable.Context, name string) (output, error) {
				cb, err := durable.CreateCallback[int](ctx, name, durable.WithCallbackSerdes(serdes))
				if err != nil {
					return output{}, err
				}
				n, err := cb.Result(ctx)
				return output{Count: n, Doubled: 2 * n}, err
			})
		},
		"4-17": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, names []string) ([]string, error) {
				out := make([]string, 0, len(names))
				for _, name := range names {
					v, err := awaitCallback(ctx, name)
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				}
				return out, nil
			})
		},
		"4-18": two(false),
		"4-19": two(true),
	}
}
