package conformance

import (
	"errors"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// registerCallback is a submitter that only logs the callback id, the way
// a real one would hand it to an external system.
func registerCallback(sc durable.StepContext, callbackID string) error {
	sc.Logger().Info("callback registered", "callbackId", callbackID)
	return nil
}

// waitForCallbackCases are the handlers of suite wait_for_callback (7-x).
func waitForCallbackCases() map[string]caseFunc {
	named := func(opts ...durable.WaitForCallbackOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.WaitForCallback[string](ctx, name, registerCallback, opts...)
			})
		}
	}
	fixed := func(name string) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.WaitForCallback[string](ctx, name, registerCallback)
			})
		}
	}
	recovered := func(result string, opts ...durable.WaitForCallbackOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				v, err := durable.WaitForCallback[string](ctx, name, registerCallback, opts...)
				var ce *durable.CallbackError
				if errors.As(err, &ce) {
					return result, nil
				}
				return v, err
			})
		}
	}
	return map[string]caseFunc{
		"7-1": named(),
		"7-2": fixed("approval"),
		"7-3": fixed(""),
		"7-4": named(),
		"7-5": named(durable.WithCallbackTimeout(3 * time.Second)),
		"7-6": recovered("recovered"),
		"7-7": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.WaitForCallback[string](ctx, name, func(sc durable.StepContext, _ string) error {
					return fmt.Errorf("submitter attempt %d fails", sc.Attempt())
				}, durable.WithSubmitterRetry(oneSecondRetries(2)))
			})
		},
		"7-8": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.RunInChildContext(ctx, "wrapper", func(c durable.Context) (string, error) {
					return durable.WaitForCallback[string](c, name, registerCallback)
				})
			})
		},
		"7-9": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				if _, err := durable.WaitForCallback[string](ctx, "first", registerCallback); err != nil {
					return "", err
				}
				return durable.WaitForCallback[string](ctx, "second", registerCallback)
			})
		},
		"7-10": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				if err := durable.Wait(ctx, "pause", time.Second); err != nil {
					return "", err
				}
				if _, err := durable.Step(ctx, "fetch", echoStep(map[string]int{"items": 3})); err != nil {
					return "", err
				}
				return durable.WaitForCallback[string](ctx, name, registerCallback)
			})
		},
		"7-11": func(r *Requirement) (Execution, error) {
			type approval struct {
				Status string `json:"status"`
			}
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				v, err := durable.WaitForCallback[approval](ctx, name, registerCallback,
					durable.WithCallbackSerdes(durable.JSONSerdes{}))
				return v.Status, err
			})
		},
		"7-12": named(durable.WithCallbackHeartbeatTimeout(5 * time.Second)),
		"7-13": named(durable.WithCallbackHeartbeatTimeout(10 * time.Second)),
		"7-14": recovered("timed-out-handled", durable.WithCallbackTimeout(3*time.Second)),
		"7-15": named(),
	}
}
