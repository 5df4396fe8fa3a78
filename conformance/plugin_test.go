package conformance

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// pluginLog is where the recording plugins of suite plugin (10-x) write:
// one log record per hook event, as the requirements' plugins print one
// JSON object per line to stdout. Every record carries the plugin's name,
// the hook and the durableExecutionArn the invocation-start hook received.
// It writes to the run's LogRecorder, so hook records and the handler's own
// lines share one order.
type pluginLog struct {
	logger *slog.Logger
	mu     sync.Mutex
	arn    string
}

func newPluginLog(h slog.Handler) *pluginLog { return &pluginLog{logger: slog.New(h)} }

// emit writes one record; fields are slog key-value pairs.
func (l *pluginLog) emit(plugin, hook string, fields ...any) {
	l.mu.Lock()
	arn := l.arn
	l.mu.Unlock()
	l.logger.Info("", append([]any{"plugin", plugin, "hook", hook, "durableExecutionArn", arn}, fields...)...)
}

// capture records the execution ARN of an invocation-start hook.
func (l *pluginLog) capture(info durable.InvocationHookInfo) {
	l.mu.Lock()
	l.arn = info.ExecutionArn
	l.mu.Unlock()
}

// plugin returns a plugin whose invocation-start hook only captures the
// ARN; a case adds the hooks it records.
func (l *pluginLog) plugin() durable.Plugin {
	return durable.Plugin{OnInvocationStart: func(_ context.Context, info durable.InvocationHookInfo) { l.capture(info) }}
}

// The plugin names of the suite.
const (
	confPlugin   = "CONFPLUGIN"
	faultyPlugin = "CONFPLUGIN-FAULTY"
	healthyPlug  = "CONFPLUGIN-HEALTHY"
)

// errPlugin is what the faulty plugins fail with: a hook's panic, the Go
// form of the requirements' throwing hook.
var errPlugin = errors.New("plugin hook failure")

// orNone is s, or the literal NONE the requirements log for an absent value.
func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return s
}

// errOrNone is err's message, or NONE.
func errOrNone(err error) string {
	if err == nil {
		return "NONE"
	}
	return err.Error()
}

// terminal reports whether an invocation status ends the execution.
func terminal(s durable.PluginInvocationStatus) bool {
	return s == durable.PluginInvocationSucceeded || s == durable.PluginInvocationFailed
}

// stamp formats a timestamp as the canonical dumps do (ISO-8601).
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// dumpOperation is the canonical dump of an OperationHookInfo (10-20,
// 10-22, 10-23): every field under its camelCase name, unset strings,
// numbers, times and errors left out, booleans always present.
func dumpOperation(i durable.OperationHookInfo) []any {
	var out []any
	str := func(k, v string) {
		if v != "" {
			out = append(out, k, v)
		}
	}
	str("executionArn", i.ExecutionArn)
	str("id", i.ID)
	str("name", i.Name)
	str("type", i.Type)
	str("subType", i.SubType)
	str("parentId", i.ParentID)
	str("status", string(i.Status))
	str("result", i.Result)
	if i.Attempt > 0 {
		out = append(out, "attempt", i.Attempt)
	}
	if !i.StartTimestamp.IsZero() {
		out = append(out, "startTimestamp", stamp(i.StartTimestamp))
	}
	if !i.EndTimestamp.IsZero() {
		out = append(out, "endTimestamp", stamp(i.EndTimestamp))
	}
	if i.Error != nil {
		out = append(out, "error", i.Error.Error())
	}
	return append(out, "isReplay", i.IsReplay, "isReplayingChildren", i.IsReplayingChildren, "childrenOmitted", i.ChildrenOmitted)
}

// dumpInvocation is the canonical dump of an InvocationHookInfo (10-19).
func dumpInvocation(i durable.InvocationHookInfo) []any {
	out := []any{"isFirstInvocation", i.IsFirstInvocation, "operationsCount", len(i.Operations)}
	if i.RequestID != "" {
		out = append(out, "requestId", i.RequestID)
	}
	if i.UpdatedOperations != nil {
		out = append(out, "updatedOperationsCount", len(i.UpdatedOperations))
	}
	if !i.ExecutionStartTimestamp.IsZero() {
		out = append(out, "executionStartTimestamp", stamp(i.ExecutionStartTimestamp))
	}
	return out
}

// isType reports whether info is of the operation type typ.
func isType(i durable.OperationHookInfo, typ durable.OperationType) bool {
	return i.Type == string(typ)
}

// greetLogged is the greeting step of 10-1: it logs before returning.
func greetLogged(name string) func(durable.StepContext) (string, error) {
	return func(sc durable.StepContext) (string, error) {
		sc.Logger().Info("Greeting step running for: " + name)
		return "Hello, " + name + "!", nil
	}
}

// failFirstAttempt fails attempt 1 and returns v from attempt 2 on.
func failFirstAttempt(v string) func(durable.StepContext) (string, error) {
	return func(sc durable.StepContext) (string, error) {
		if sc.Attempt() == 1 {
			return "", errors.New("attempt 1 fails")
		}
		return v, nil
	}
}

// greetHandler runs the greeting step (unnamed, as the histories record).
func greetHandler(ctx durable.Context, name string) (string, error) {
	return durable.Step(ctx, "", greet(name))
}

// waitTwoSeconds is the handler of the single-wait requirements.
func waitTwoSeconds(ctx durable.Context, _ any) (any, error) {
	return nil, durable.Wait(ctx, "", 2*time.Second)
}

// invocationRecorder records invocation-start {first} and invocation-end
// {status} under name (10-1, 10-6, 10-7).
func invocationRecorder(l *pluginLog, name string) durable.Plugin {
	return durable.Plugin{
		OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
			l.capture(i)
			l.emit(name, "invocation-start", "first", i.IsFirstInvocation)
		},
		OnInvocationEnd: func(_ context.Context, i durable.InvocationEndHookInfo) {
			l.emit(name, "invocation-end", "status", string(i.Status))
		},
	}
}

// faulty is the plugin of 10-4 and 10-17 whose every exercised hook logs
// and then panics; operation and attempt hooks record steps only.
func faulty(l *pluginLog) durable.Plugin {
	fail := func(hook string) {
		l.emit(faultyPlugin, hook)
		panic(errPlugin)
	}
	return durable.Plugin{
		OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
			l.capture(i)
			fail("invocation-start")
		},
		OnInvocationEnd: func(context.Context, durable.InvocationEndHookInfo) { fail("invocation-end") },
		OnOperationStart: func(_ context.Context, i durable.OperationHookInfo) {
			if isType(i, durable.OperationTypeStep) {
				fail("operation-start")
			}
		},
		OnOperationEnd: func(_ context.Context, i durable.OperationHookInfo) {
			if isType(i, durable.OperationTypeStep) {
				fail("operation-end")
			}
		},
		OnOperationAttemptStart: func(_ context.Context, i durable.AttemptHookInfo) {
			if isType(i.OperationHookInfo, durable.OperationTypeStep) {
				fail("attempt-start")
			}
		},
		OnOperationAttemptEnd: func(_ context.Context, i durable.AttemptEndHookInfo) {
			if isType(i.OperationHookInfo, durable.OperationTypeStep) {
				fail("attempt-end")
			}
		},
	}
}

// stepLifecycle records the step hooks of 10-17's healthy plugin under
// name: invocation start and end, operation start and end, attempts.
func stepLifecycle(l *pluginLog, name string) durable.Plugin {
	p := invocationRecorder(l, name)
	operationHooks(&p, l, name, durable.OperationTypeStep, opID, opStatus)
	attemptHooks(&p, l, name,
		func(i durable.AttemptHookInfo) []any { return []any{"op", i.ID} },
		func(i durable.AttemptEndHookInfo) []any { return []any{"op", i.ID, "outcome", string(i.Outcome)} })
	return p
}

// attemptRecorder records the step attempts as attempt-start {n, op} and
// attempt-end {n, outcome, op} (10-3, 10-15).
func attemptRecorder(l *pluginLog) durable.Plugin {
	p := l.plugin()
	attemptHooks(&p, l, confPlugin,
		func(i durable.AttemptHookInfo) []any { return []any{"n", i.Attempt, "op", i.ID} },
		func(i durable.AttemptEndHookInfo) []any {
			return []any{"n", i.Attempt, "outcome", string(i.Outcome), "op", i.ID}
		})
	return p
}

// operationHooks sets p's OnOperationStart and OnOperationEnd (those of
// start and end that are not nil) to record the operations of type typ
// under name, with the fields start and end return.
func operationHooks(p *durable.Plugin, l *pluginLog, name string, typ durable.OperationType, start, end func(durable.OperationHookInfo) []any) {
	if start != nil {
		p.OnOperationStart = func(_ context.Context, i durable.OperationHookInfo) {
			if isType(i, typ) {
				l.emit(name, "operation-start", start(i)...)
			}
		}
	}
	if end != nil {
		p.OnOperationEnd = func(_ context.Context, i durable.OperationHookInfo) {
			if isType(i, typ) {
				l.emit(name, "operation-end", end(i)...)
			}
		}
	}
}

// attemptHooks sets p's attempt hooks to record the attempts of steps
// under name, with the fields start and end return.
func attemptHooks(p *durable.Plugin, l *pluginLog, name string, start func(durable.AttemptHookInfo) []any, end func(durable.AttemptEndHookInfo) []any) {
	p.OnOperationAttemptStart = func(_ context.Context, i durable.AttemptHookInfo) {
		if isType(i.OperationHookInfo, durable.OperationTypeStep) {
			l.emit(name, "attempt-start", start(i)...)
		}
	}
	p.OnOperationAttemptEnd = func(_ context.Context, i durable.AttemptEndHookInfo) {
		if isType(i.OperationHookInfo, durable.OperationTypeStep) {
			l.emit(name, "attempt-end", end(i)...)
		}
	}
}

// opID and opStatus are the fields most operation records carry.
func opID(i durable.OperationHookInfo) []any { return []any{"op", i.ID} }

func opStatus(i durable.OperationHookInfo) []any {
	return []any{"op", i.ID, "status", string(i.Status)}
}

// one wraps a single plugin for runPlugins.
func one(build func(*pluginLog) durable.Plugin) func(*pluginLog) []durable.Plugin {
	return func(l *pluginLog) []durable.Plugin { return []durable.Plugin{build(l)} }
}

// pluginCases are the handlers of suite plugin (10-x). Each runs the
// requirement's workflow with a recording plugin that writes what the
// requirement's plugin prints.
func pluginCases() map[string]caseFunc {
	return map[string]caseFunc{
		"10-1": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "", greetLogged(name))
			}, one(func(l *pluginLog) durable.Plugin { return invocationRecorder(l, confPlugin) }))
		},
		"10-2": func(r *Requirement) (Execution, error) {
			return runPlugins(r, greetHandler, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				operationHooks(&p, l, confPlugin, durable.OperationTypeStep, opID, opStatus)
				return p
			}))
		},
		"10-3": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "", failFirstAttempt("Operation succeeded"), durable.WithRetry(oneSecondRetries(3)))
			}, one(attemptRecorder))
		},
		"10-4": func(r *Requirement) (Execution, error) {
			return runPlugins(r, greetHandler, one(faulty))
		},
		"10-5": func(r *Requirement) (Execution, error) {
			return runPlugins(r, greetHandler, func(l *pluginLog) []durable.Plugin {
				return []durable.Plugin{invocationRecorder(l, "CONFPLUGIN-A"), invocationRecorder(l, "CONFPLUGIN-B")}
			})
		},
		"10-6": func(r *Requirement) (Execution, error) {
			return runPlugins(r, waitTwoSeconds, one(func(l *pluginLog) durable.Plugin { return invocationRecorder(l, confPlugin) }))
		},
		"10-7": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "", func(durable.StepContext) (string, error) { return "", errors.New("always fails") },
					durable.WithRetry(oneSecondRetries(1)))
			}, one(func(l *pluginLog) durable.Plugin { return invocationRecorder(l, confPlugin) }))
		},
		"10-8": func(r *Requirement) (Execution, error) {
			return runPlugins(r, greetHandler, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				p.OnOperationChange = func(_ context.Context, i durable.OperationChangeHookInfo) {
					for id, op := range i.UpdatedOperations {
						if isType(op, durable.OperationTypeStep) {
							_, inFull := i.Operations[id]
							l.emit(confPlugin, "operation-change", "op", id, "status", string(op.Status), "in_full_map", inFull)
						}
					}
				}
				return p
			}))
		},
		"10-9": func(r *Requirement) (Execution, error) {
			return runPlugins(r, waitTwoSeconds, one(func(l *pluginLog) durable.Plugin {
				return durable.Plugin{OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
					l.capture(i)
					for id, op := range i.UpdatedOperations {
						if isType(op, durable.OperationTypeWait) {
							l.emit(confPlugin, "updated-on-invoke", "op", id, "status", string(op.Status), "first", i.IsFirstInvocation)
						}
					}
				}}
			}))
		},
		"10-10": func(r *Requirement) (Execution, error) {
			return runPlugins(r, waitTwoSeconds, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				operationHooks(&p, l, confPlugin, durable.OperationTypeWait,
					func(i durable.OperationHookInfo) []any { return []any{"op", i.ID, "type", i.Type} },
					func(i durable.OperationHookInfo) []any {
						return []any{"op", i.ID, "type", i.Type, "status", string(i.Status)}
					})
				return p
			}))
		},
		"10-11": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, name string) (string, error) {
				return durable.RunInChildContext(ctx, "", func(cc durable.Context) (string, error) {
					return durable.Step(cc, "", greet(name))
				})
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				p.OnOperationEnd = func(_ context.Context, i durable.OperationHookInfo) {
					l.emit(confPlugin, "operation-end", "op", i.ID, "parent", orNone(i.ParentID), "status", string(i.Status))
				}
				return p
			}))
		},
		"10-12": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Parallel(ctx, "parallel", branchesOf(ok("task-1"), ok("task-2")), sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				p.WrapChildContextFn = func(ctx context.Context, i durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
					if i.SubType != "ParallelBranch" {
						return fn(ctx)
					}
					l.emit(confPlugin, "fn-start", "op", i.ID, "parent", orNone(i.ParentID))
					v, err := fn(ctx)
					outcome := durable.PluginAttemptSucceeded
					if err != nil {
						outcome = durable.PluginAttemptFailed
					}
					l.emit(confPlugin, "fn-end", "op", i.ID, "parent", orNone(i.ParentID), "outcome", string(outcome))
					return v, err
				}
				return p
			}))
		},
		"10-13": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				if _, err := durable.Step(ctx, "", echoStep("a")); err != nil {
					return "", err
				}
				return durable.Step(ctx, "", failFirstAttempt("Operation succeeded"), durable.WithRetry(oneSecondRetries(3)))
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				operationHooks(&p, l, confPlugin, durable.OperationTypeStep,
					func(i durable.OperationHookInfo) []any { return []any{"op", i.ID, "replay", i.IsReplay} }, opStatus)
				return p
			}))
		},
		"10-14": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				if _, err := durable.Step(ctx, "", echoStep("task-a")); err != nil {
					return "", err
				}
				return durable.Step(ctx, "", func(durable.StepContext) (string, error) { return "", errors.New("boom") },
					durable.WithRetry(oneSecondRetries(1)))
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				operationHooks(&p, l, confPlugin, durable.OperationTypeStep, nil, func(i durable.OperationHookInfo) []any {
					return []any{"op", i.ID, "status", string(i.Status), "result", orNone(i.Result), "error", errOrNone(i.Error)}
				})
				return p
			}))
		},
		"10-15": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "", func(durable.StepContext) (string, error) { return "", errors.New("always fails") },
					durable.WithRetry(oneSecondRetries(2)))
			}, one(func(l *pluginLog) durable.Plugin {
				p := attemptRecorder(l)
				operationHooks(&p, l, confPlugin, durable.OperationTypeStep, nil, opStatus)
				return p
			}))
		},
		"10-16": func(r *Requirement) (Execution, error) {
			return runPlugins(r, waitTwoSeconds, one(func(l *pluginLog) durable.Plugin {
				return durable.Plugin{
					OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
						l.capture(i)
						l.emit(confPlugin, "invocation-start", "first", i.IsFirstInvocation)
					},
					OnInvocationEnd: func(_ context.Context, i durable.InvocationEndHookInfo) {
						l.emit(confPlugin, "invocation-end", "first", i.IsFirstInvocation, "terminal", terminal(i.Status), "status", string(i.Status))
					},
				}
			}))
		},
		"10-17": func(r *Requirement) (Execution, error) {
			return runPlugins(r, greetHandler, func(l *pluginLog) []durable.Plugin {
				return []durable.Plugin{faulty(l), stepLifecycle(l, healthyPlug)}
			})
		},
		"10-18": func(r *Requirement) (Execution, error) {
			wait := func(name string, d time.Duration, result string) func(durable.Context) (string, error) {
				return func(ctx durable.Context) (string, error) {
					return result, durable.Wait(ctx, name, d)
				}
			}
			return runPlugins(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Parallel(ctx, "waits", branchesOf(wait("short", 2*time.Second, "short-done"), wait("long", 8*time.Second, "long-done")),
					durable.WithMaxConcurrency(2))
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				operationHooks(&p, l, confPlugin, durable.OperationTypeWait, func(i durable.OperationHookInfo) []any {
					pending := i.Status != durable.PluginOperationSucceeded && i.Status != durable.PluginOperationFailed &&
						i.Status != durable.PluginOperationTimedOut && i.Status != durable.PluginOperationStopped &&
						i.Status != durable.PluginOperationCancelled
					return []any{"type", i.Type, "name", i.Name, "replay", i.IsReplay, "pending", pending}
				}, func(i durable.OperationHookInfo) []any {
					return []any{"type", i.Type, "name", i.Name, "status", string(i.Status)}
				})
				return p
			}))
		},
		"10-19": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, in string) (string, error) {
				return "done-" + in, durable.Wait(ctx, "", 2*time.Second)
			}, one(func(l *pluginLog) durable.Plugin {
				return durable.Plugin{
					OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
						l.capture(i)
						l.emit(confPlugin, "invocation-start", dumpInvocation(i)...)
					},
					OnInvocationEnd: func(_ context.Context, i durable.InvocationEndHookInfo) {
						fields := append(dumpInvocation(i.InvocationHookInfo), "status", string(i.Status), "terminal", terminal(i.Status))
						if i.ExecutionError != nil {
							fields = append(fields, "executionError", i.ExecutionError.Error())
						}
						l.emit(confPlugin, "invocation-end", fields...)
					},
				}
			}))
		},
		"10-20": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "greet", echoStep("task-a"))
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				operationHooks(&p, l, confPlugin, durable.OperationTypeStep, dumpOperation, dumpOperation)
				return p
			}))
		},
		"10-21": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "flaky", failFirstAttempt("ok"), durable.WithRetry(oneSecondRetries(3)))
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				attemptHooks(&p, l, confPlugin, func(i durable.AttemptHookInfo) []any {
					return append(dumpOperation(i.OperationHookInfo), "attempt", i.Attempt)
				}, func(i durable.AttemptEndHookInfo) []any {
					fields := append(dumpOperation(i.OperationHookInfo), "attempt", i.Attempt, "outcome", string(i.Outcome))
					if i.Error != nil {
						fields = append(fields, "error", i.Error.Error())
					}
					return fields
				})
				return p
			}))
		},
		"10-22": func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "greet", echoStep("task-a"))
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				p.OnOperationChange = func(_ context.Context, i durable.OperationChangeHookInfo) {
					for id, op := range i.UpdatedOperations {
						if !isType(op, durable.OperationTypeStep) {
							continue
						}
						_, inFull := i.Operations[id]
						fields := append(dumpOperation(op), "executionArn", i.ExecutionArn, "updatedOperationsCount", len(i.UpdatedOperations),
							"operationsCount", len(i.Operations), "inFullMap", inFull)
						l.emit(confPlugin, "operation-change", fields...)
					}
				}
				return p
			}))
		},
		"10-23": func(r *Requirement) (Execution, error) {
			branches := []durable.Branch[string]{
				{Name: "branch-a", Func: func(ctx durable.Context) (string, error) {
					if _, err := durable.Step(ctx, "inner", echoStep("x")); err != nil {
						return "", err
					}
					return "a-done", durable.Wait(ctx, "", 2*time.Second)
				}},
				{Name: "branch-b", Func: ok("b-done")},
			}
			return runPlugins(r, func(ctx durable.Context, _ any) ([]string, error) {
				res, err := durable.Parallel(ctx, "ctx", branches, sequential())
				if err != nil {
					return nil, err
				}
				return res.Results(), nil
			}, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				p.OnOperationStart = func(_ context.Context, i durable.OperationHookInfo) {
					if isType(i, durable.OperationTypeContext) {
						l.emit(confPlugin, "operation-start", dumpOperation(i)...)
					}
				}
				p.WrapChildContextFn = func(ctx context.Context, i durable.OperationHookInfo, fn func(context.Context) (any, error)) (any, error) {
					if isType(i, durable.OperationTypeContext) {
						l.emit(confPlugin, "fn-start", dumpOperation(i)...)
					}
					return fn(ctx)
				}
				return p
			}))
		},
	}
}
