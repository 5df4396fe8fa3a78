package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// projection is what the completion-policy requirements return: a summary
// of a batch result. ExpectedResult compares the whole object, so each case
// returns exactly the fields its requirement names.
type projection map[string]any

// The field sets of the requirements' projections, space-separated.
const (
	allFields     = "completionReason status successCount failureCount totalCount"
	noStatus      = "completionReason successCount failureCount totalCount"
	minSuccessful = "completionReason successCount totalCount"
)

// project builds the named summary fields (space-separated) of a batch
// result.
func project[O any](res durable.BatchResult[O], fields string) projection {
	all := projection{
		"completionReason": res.Reason.String(),
		"status":           res.Status().String(),
		"successCount":     res.SuccessCount(),
		"failureCount":     res.FailureCount(),
		"totalCount":       res.TotalCount(),
	}
	out := projection{}
	for _, f := range strings.Fields(fields) {
		out[f] = all[f]
	}
	return out
}

// sequential is the option every deterministic batch requirement uses.
func sequential() durable.BatchOption { return durable.WithMaxConcurrency(1) }

// tolerate allows n failed items.
func tolerate(n int) durable.BatchOption {
	return durable.WithCompletion(durable.CompletionConfig{ToleratedFailureCount: &n})
}

// branchesOf builds unnamed branches from funcs.
func branchesOf[O any](fns ...func(durable.Context) (O, error)) []durable.Branch[O] {
	out := make([]durable.Branch[O], len(fns))
	for i, fn := range fns {
		out[i] = durable.Branch[O]{Func: fn}
	}
	return out
}

// ok returns a branch function that returns v.
func ok[O any](v O) func(durable.Context) (O, error) {
	return func(durable.Context) (O, error) { return v, nil }
}

// fails returns a branch function that fails.
func fails[O any](msg string) func(durable.Context) (O, error) {
	return func(durable.Context) (O, error) {
		var zero O
		return zero, errors.New(msg)
	}
}

// stepBranch returns a branch function that runs one step returning v.
func stepBranch(name, v string) func(durable.Context) (string, error) {
	return func(c durable.Context) (string, error) { return durable.Step(c, name, echoStep(v)) }
}

// keepBatch drops the *BatchError that Map and Parallel return beside the
// result when the failure tolerance was exceeded: the requirements read the
// verdict from the result ("the operation itself does not raise"). Any
// other error is returned.
func keepBatch(err error) error {
	var be *durable.BatchError
	if errors.As(err, &be) {
		return nil
	}
	return err
}

// wrappedSerdes writes a value v as {"wrapped": v}.
func wrappedSerdes() durable.Serdes {
	type envelope struct {
		Wrapped string `json:"wrapped"`
	}
	return durable.SerdesOf(
		func(s string) ([]byte, error) { return json.Marshal(envelope{Wrapped: s}) },
		func(data []byte) (string, error) {
			var e envelope
			return e.Wrapped, json.Unmarshal(data, &e)
		})
}

// parallelCases are the handlers of suite parallel (8-x).
func parallelCases() map[string]caseFunc {
	summary := func(name string, fields string, branches []durable.Branch[string], opts ...durable.BatchOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (projection, error) {
				res, err := durable.Parallel(ctx, name, branches, append([]durable.BatchOption{sequential()}, opts...)...)
				if err := keepBatch(err); err != nil {
					return nil, err
				}
				return project(res, fields), nil
			})
		}
	}
	results := func(name string, branches []durable.Branch[string], opts ...durable.BatchOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Parallel(ctx, name, branches, opts...)
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		}
	}
	minOf := func(n int) durable.BatchOption {
		return durable.WithCompletion(durable.CompletionConfig{MinSuccessful: n})
	}
	return map[string]caseFunc{
		"8-1": results("parallel", branchesOf(stepBranch("task-1", "task-1"), stepBranch("task-2", "task-2")), sequential()),
		"8-2": results("", branchesOf(ok("alpha"), ok("beta")), sequential()),
		"8-3": results("named", []durable.Branch[string]{{Name: "first", Func: ok("one")}, {Name: "second", Func: ok("two")}}, sequential()),
		"8-4": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]any, error) {
				res, err := durable.Parallel(ctx, "hetero", branchesOf(ok[any]("hello"), ok[any](42), ok[any](map[string]string{"k": "v"})), sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"8-5": results("empty", nil),
		"8-6": summary("failfast", allFields, branchesOf(ok("ok"), fails[string]("branch 1 fails"), ok("never")), tolerate(0)),
		"8-7": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Parallel(ctx, "throwing", branchesOf(fails[string]("branch 0 fails"), ok("never")), sequential(), tolerate(0))
				if err := keepBatch(err); err != nil {
					return nil, err
				}
				return res.Results(), res.ThrowIfError()
			})
		},
		"8-8":  summary("min-successful", minSuccessful, branchesOf(ok("a"), ok("b"), ok("c"), ok("d")), minOf(2)),
		"8-9":  summary("tolerant", allFields, branchesOf(ok("a"), fails[string]("b fails"), ok("c")), tolerate(1)),
		"8-10": summary("tolerance-exceeded", noStatus, branchesOf(fails[string]("a fails"), fails[string]("b fails"), ok("c")), tolerate(1)),
		"8-11": results("concurrent", branchesOf(ok("r0"), ok("r1"), ok("r2")), durable.WithMaxConcurrency(2)),
		"8-12": results("flat", branchesOf(stepBranch("fa", "fa"), stepBranch("fb", "fb")), sequential(), durable.WithNesting(durable.NestingFlat)),
		"8-13": summary("percentage", noStatus, branchesOf(fails[string]("a fails"), fails[string]("b fails"), ok("c"), ok("d")), percent(25)),
		"8-14": results("suspending", branchesOf(stepBranch("b0", "b0"), func(c durable.Context) (string, error) {
			return "b1", durable.Wait(c, "pause", 2*time.Second)
		}), sequential()),
		"8-15": results("serdes", branchesOf(ok("x"), ok("y")), sequential(), durable.WithBatchSerdes(wrappedSerdes())),
		"8-16": summary("all-fail", allFields, branchesOf(fails[string]("a"), fails[string]("b"), fails[string]("c")), tolerate(3)),
		"8-17": summary("min-not-reached", allFields, branchesOf(ok("a"), fails[string]("b fails"), ok("c")), minOf(3)),
		"8-18": summary("combined", noStatus, branchesOf(fails[string]("a"), fails[string]("b"), ok("c"), ok("d")),
			durable.WithCompletion(durable.CompletionConfig{MinSuccessful: 3, ToleratedFailureCount: intPtr(1)})),
		"8-19": results("bad-concurrency", branchesOf(ok("a"), ok("b")), durable.WithMaxConcurrency(0)),
		"8-20": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (projection, error) {
				res, err := durable.Parallel(ctx, "accessors", branchesOf(ok("a"), fails[string]("b fails"), ok("c")), sequential(), tolerate(1))
				if err != nil {
					return nil, err
				}
				return projection{
					"hasFailure":   res.HasFailure(),
					"successCount": len(res.Succeeded()),
					"failureCount": len(res.Failed()),
					"errorCount":   len(res.Errors()),
				}, nil
			})
		},
		"8-21": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([][]string, error) {
				res, err := durable.Parallel(ctx, "outer", branchesOf(func(c durable.Context) ([]string, error) {
					inner, err := durable.Parallel(c, "inner", branchesOf(stepBranch("i1", "i1"), stepBranch("i2", "i2")), sequential())
					if err != nil {
						return nil, err
					}
					return inner.Results(), nil
				}), sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"8-22": summary("pct-boundary", allFields, branchesOf(fails[string]("a"), ok("b"), ok("c"), ok("d")), percent(25)),
	}
}

func intPtr(n int) *int { return &n }

// percent tolerates up to p percent of failed items.
func percent(p int) durable.BatchOption {
	return durable.WithCompletion(durable.CompletionConfig{ToleratedFailurePercentage: &p})
}

// mapCases are the handlers of suite map (9-x).
func mapCases() map[string]caseFunc {
	constants := func(vs ...string) []string { return vs }
	item := func(fail ...int) func(durable.Context, string, int) (string, error) {
		return func(_ durable.Context, v string, i int) (string, error) {
			for _, f := range fail {
				if f == i {
					return "", fmt.Errorf("item %d fails", i)
				}
			}
			return v, nil
		}
	}
	summary := func(fields string, items []string, fn func(durable.Context, string, int) (string, error), opts ...durable.BatchOption) caseFunc {
		return func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (projection, error) {
				res, err := durable.Map(ctx, "map", items, fn, append([]durable.BatchOption{sequential()}, opts...)...)
				if err := keepBatch(err); err != nil {
					return nil, err
				}
				return project(res, fields), nil
			})
		}
	}
	upper := func(_ durable.Context, v string, _ int) (string, error) { return strings.ToUpper(v), nil }
	opSerdes := durable.SerdesOf(
		func(res durable.BatchResult[string]) ([]byte, error) {
			return []byte("OPSERDE:" + strings.Join(res.Results(), ",")), nil
		},
		func(data []byte) (durable.BatchResult[string], error) {
			s, ok := strings.CutPrefix(string(data), "OPSERDE:")
			if !ok {
				return durable.BatchResult[string]{}, fmt.Errorf("not an OPSERDE payload: %q", data)
			}
			var res durable.BatchResult[string]
			for i, v := range strings.Split(s, ",") {
				res.Items = append(res.Items, durable.BatchItem[string]{Index: i, Status: durable.BatchItemSucceeded, Result: v})
			}
			return res, nil
		})
	return map[string]caseFunc{
		"9-1": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, names []string) ([]string, error) {
				res, err := durable.Map(ctx, "map", names, func(c durable.Context, name string, _ int) (string, error) {
					return durable.Step(c, "greet", greet(name))
				}, sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-2": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, items []int) ([]int, error) {
				res, err := durable.Map(ctx, "", items, func(_ durable.Context, n, _ int) (int, error) { return 2 * n, nil }, sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-3": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, items []int) ([]int, error) {
				res, err := durable.Map(ctx, "indexed", items, func(_ durable.Context, n, i int) (int, error) { return n + i, nil }, sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-4": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, items []string) ([]string, error) {
				res, err := durable.Map(ctx, "empty", items, item())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-5": summary(allFields, constants("ok", "b", "never"), item(1), tolerate(0)),
		"9-6": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "throwing", constants("a", "b"), item(0), sequential(), tolerate(0))
				if err := keepBatch(err); err != nil {
					return nil, err
				}
				return res.Results(), res.ThrowIfError()
			})
		},
		"9-7":  summary(minSuccessful, constants("a", "b", "c", "d"), item(), durable.WithCompletion(durable.CompletionConfig{MinSuccessful: 2})),
		"9-8":  summary(allFields, constants("a", "b", "c"), item(1), tolerate(1)),
		"9-9":  summary(noStatus, constants("a", "b", "c"), item(0, 1), tolerate(1)),
		"9-10": summary(noStatus, constants("a", "b", "c", "d"), item(0, 1), percent(25)),
		"9-11": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "concurrent", constants("r0", "r1", "r2"), item(), durable.WithMaxConcurrency(2))
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-12": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "flat", constants("fa", "fb"), func(c durable.Context, v string, _ int) (string, error) {
					return durable.Step(c, v, echoStep(v))
				}, sequential(), durable.WithNesting(durable.NestingFlat))
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-13": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, items []int) ([]int, error) {
				res, err := durable.Map(ctx, "named-items", items, func(_ durable.Context, n, _ int) (int, error) { return n * 10, nil },
					sequential(), durable.WithItemNamer(func(i int) string { return fmt.Sprintf("item-%d", items[i]) }))
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-14": func(r *Requirement) (Execution, error) {
			serdes := durable.SerdesOf(
				func(s string) ([]byte, error) { return []byte("wrapped:" + s), nil },
				func(data []byte) (string, error) {
					s, ok := strings.CutPrefix(string(data), "wrapped:")
					if !ok {
						return "", fmt.Errorf("not a wrapped item: %q", data)
					}
					return s, nil
				})
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "item-serdes", constants("x", "y"), upper, sequential(), durable.WithBatchSerdes(serdes))
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-15": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "suspending", constants("r0", "r1"), func(c durable.Context, v string, i int) (string, error) {
					if i == 1 {
						if err := durable.Wait(c, "pause", time.Second); err != nil {
							return "", err
						}
					}
					return durable.Step(c, v, echoStep(v))
				}, sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-16": func(r *Requirement) (Execution, error) {
			// About 70 KB per item: four of them exceed 256 KiB together.
			const itemSize = 70_000
			return runLocal(r, func(ctx durable.Context, _ any) (projection, error) {
				res, err := durable.Map(ctx, "large", constants("a", "b", "c", "d"), func(_ durable.Context, v string, _ int) (string, error) {
					return strings.Repeat(v, itemSize), nil
				}, sequential())
				if err != nil {
					return nil, err
				}
				for _, s := range res.Results() {
					if len(s) != itemSize {
						return nil, fmt.Errorf("item result rebuilt with %d bytes, want %d", len(s), itemSize)
					}
				}
				return project(res, "successCount totalCount"), nil
			})
		},
		"9-17": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "upper", constants("a", "b"), upper, sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), durable.Wait(ctx, "pause", time.Second)
			})
		},
		"9-18": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (projection, error) {
				res, err := durable.Map(ctx, "tolerant", constants("ok", "b"), item(1), sequential(), tolerate(1))
				if err != nil {
					return nil, err
				}
				return project(res, allFields), durable.Wait(ctx, "pause", time.Second)
			})
		},
		"9-19": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "op-serdes", constants("x", "y"), upper, sequential(), durable.WithBatchResultSerdes(opSerdes))
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			})
		},
		"9-20": func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Map(ctx, "op-serdes", constants("x", "y"), upper, sequential(), durable.WithBatchResultSerdes(opSerdes))
				if err != nil {
					return nil, err
				}
				return res.Results(), durable.Wait(ctx, "pause", time.Second)
			})
		},
	}
}
