package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// Target functions of the invoke suite, registered on the runner.
const (
	echoFunction   = "echo:1"
	failFunction   = "fail:1"
	sizeFunction   = "size:1"
	secondFunction = "second:1"
)

// invokeTargets registers the chained-invoke targets the invoke suite uses:
// an echo, one that always fails, one that measures its input.
func invokeTargets(reg func(functionID string, fn durabletest.Function)) {
	echo := durabletest.PlainFunction(func(_ context.Context, in json.RawMessage) (json.RawMessage, error) {
		return in, nil
	})
	reg(echoFunction, echo)
	reg(secondFunction, echo)
	reg(failFunction, durabletest.PlainFunction(func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return nil, errors.New("target function failed")
	}))
	reg(sizeFunction, durabletest.PlainFunction(func(_ context.Context, in string) (int, error) {
		return len(in), nil
	}))
}

// runInvoke is runLocal with the invoke suite's targets registered.
func runInvoke[I, O any](r *Requirement, handler durable.Handler[I, O]) (Execution, error) {
	return runOn(r, handler, invokeTargets)
}

// upperPayloadSerdes upper-cases the JSON text of an invoke payload.
func upperPayloadSerdes() durable.Serdes {
	return durable.SerdesOf(
		func(v map[string]string) ([]byte, error) {
			data, err := json.Marshal(v)
			return []byte(strings.ToUpper(string(data))), err
		},
		func(data []byte) (map[string]string, error) {
			var v map[string]string
			return v, json.Unmarshal(data, &v)
		})
}

// upperResultSerdes reads an invoke result upper-cased, as raw text.
func upperResultSerdes() durable.Serdes {
	return durable.SerdesOf(
		func(s string) ([]byte, error) { return []byte(s), nil },
		func(data []byte) (string, error) { return strings.ToUpper(string(data)), nil })
}

// invokeCases are the handlers of suite invoke (5-x).
func invokeCases() map[string]caseFunc {
	echoOf := func(r *Requirement) (Execution, error) {
		return runInvoke(r, func(ctx durable.Context, in any) (any, error) {
			return durable.Invoke[any](ctx, "echo", echoFunction, in)
		})
	}
	return map[string]caseFunc{
		"5-1": echoOf,
		"5-2": func(r *Requirement) (Execution, error) {
			type input struct {
				Name    string `json:"name"`
				Payload string `json:"payload"`
			}
			return runInvoke(r, func(ctx durable.Context, in input) (string, error) {
				return durable.Invoke[string](ctx, in.Name, echoFunction, in.Payload)
			})
		},
		"5-3": echoOf,
		"5-4": echoOf,
		"5-5": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in any) (any, error) {
				return durable.Invoke[any](ctx, "fail", failFunction, in)
			})
		},
		"5-6": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in any) (string, error) {
				_, err := durable.Invoke[any](ctx, "fail", failFunction, in)
				var ie *durable.InvokeError
				if !errors.As(err, &ie) {
					return "", fmt.Errorf("want an InvokeError, got %w", err)
				}
				return "fallback", nil
			})
		},
		"5-7": func(r *Requirement) (Execution, error) {
			// Close to the 1 MiB limit on a chained invoke's input.
			const size = 1_000_000
			return runInvoke(r, func(ctx durable.Context, _ any) (int, error) {
				n, err := durable.Invoke[int](ctx, "large", sizeFunction, strings.Repeat("x", size))
				if err == nil && n != size {
					err = fmt.Errorf("target saw %d bytes, want %d", n, size)
				}
				return n, err
			})
		},
		"5-8": func(r *Requirement) (Execution, error) {
			type input struct {
				TenantID string `json:"tenantId"`
				Payload  string `json:"payload"`
			}
			return runInvoke(r, func(ctx durable.Context, in input) (string, error) {
				return durable.Invoke[string](ctx, "tenant", echoFunction, in.Payload, durable.WithTenantID(in.TenantID))
			})
		},
		"5-9": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in any) (any, error) {
				v, err := durable.Invoke[any](ctx, "echo", echoFunction, in)
				if err != nil {
					return nil, err
				}
				return v, durable.Wait(ctx, "pause", time.Second)
			})
		},
		"5-10": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in any) (string, error) {
				_, err := durable.Invoke[any](ctx, "fail", failFunction, in)
				var ie *durable.InvokeError
				if !errors.As(err, &ie) {
					return "", fmt.Errorf("want an InvokeError, got %w", err)
				}
				return "caught", durable.Wait(ctx, "pause", time.Second)
			})
		},
		"5-11": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, _ any) (string, error) {
				v, err := durable.Step(ctx, "prepare", echoStep("prepared"))
				if err != nil {
					return "", err
				}
				return durable.Invoke[string](ctx, "echo", echoFunction, v)
			})
		},
		"5-12": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, _ any) (string, error) {
				v, err := durable.Invoke[string](ctx, "echo", echoFunction, "invoked")
				if err != nil {
					return "", err
				}
				return durable.Step(ctx, "process", echoStep(v+"-processed"))
			})
		},
		"5-13": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in any) (any, error) {
				return durable.RunInChildContext(ctx, "child", func(c durable.Context) (any, error) {
					return durable.Invoke[any](c, "echo", echoFunction, in)
				})
			})
		},
		"5-14": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, _ any) ([]string, error) {
				a, err := durable.Invoke[string](ctx, "first", echoFunction, "one")
				if err != nil {
					return nil, err
				}
				b, err := durable.Invoke[string](ctx, "second", secondFunction, "two")
				return []string{a, b}, err
			})
		},
		"5-15": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in map[string]string) (map[string]string, error) {
				return durable.Invoke[map[string]string](ctx, "echo", echoFunction, in,
					durable.WithInvokePayloadSerdes(upperPayloadSerdes()))
			})
		},
		"5-16": func(r *Requirement) (Execution, error) {
			return runInvoke(r, func(ctx durable.Context, in string) (string, error) {
				return durable.Invoke[string](ctx, "echo", echoFunction, in,
					durable.WithInvokeResultSerdes(upperResultSerdes()))
			})
		},
	}
}
