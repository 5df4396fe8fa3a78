package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// caseFunc runs a requirement's Go handler to the end and returns what the
// requirement is checked against. An error means the run itself could not be
// carried out; it fails the requirement.
type caseFunc func(r *Requirement) (Execution, error)

// suitePlan says how a suite is covered: by its cases, or not yet (reason).
type suitePlan struct {
	cases  func() map[string]caseFunc
	reason string
}

// plans maps each suite to its coverage.
func plans() map[string]suitePlan {
	return map[string]suitePlan{
		"step":               {cases: stepCases},
		"wait":               {cases: waitCases},
		"child":              {cases: childCases},
		"callback":           {cases: callbackCases},
		"invoke":             {cases: invokeCases},
		"wait_for_condition": {cases: waitForConditionCases},
		"wait_for_callback":  {cases: waitForCallbackCases},
		"parallel":           {cases: parallelCases},
		"map":                {cases: mapCases},
		"plugin":             {cases: pluginCases},
	}
}

// TestConformance runs every requirement of every covered suite and prints
// one line per requirement and the closing count. It fails when any
// requirement of a covered suite fails.
func TestConformance(t *testing.T) {
	var report Report
	trailing, timed, gaps := 0, 0, 0
	all := plans()
	for _, s := range AllSuites() {
		reqs, err := LoadSuite(requirementsDir, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		plan, ok := all[s.Name]
		if !ok {
			t.Fatalf("suite %s has no plan", s.Name)
		}
		var cases map[string]caseFunc
		if plan.cases != nil {
			cases = plan.cases()
		}
		for _, r := range reqs {
			o, strict := runRequirement(r, plan, cases)
			report.Add(o)
			if strict.Trailing {
				trailing++
			}
			if strict.Timings > 0 {
				timed++
				gaps += strict.Timings
			}
		}
	}
	if err := report.Write(os.Stdout); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("strict: trailing events checked on %d requirements, %d virtual-time gaps on %d\n", trailing, gaps, timed)
	if _, failed, _ := report.Counts(); failed > 0 {
		t.Errorf("%d requirements failed", failed)
	}
}

// runRequirement gives one requirement its verdict: it fails when the
// reference matcher or the strict check (see [Requirement.CheckStrict])
// finds a mismatch. It also returns what the strict check covered.
func runRequirement(r *Requirement, plan suitePlan, cases map[string]caseFunc) (Outcome, StrictReport) {
	o := Outcome{ID: r.ID, Description: r.Description}
	if plan.cases == nil {
		o.Verdict, o.Reason = Skip, "suite not covered yet: "+plan.reason
		return o, StrictReport{}
	}
	run, ok := cases[r.ID]
	if !ok {
		o.Verdict, o.Mismatches = Fail, []string{"no Go handler for this requirement"}
		return o, StrictReport{}
	}
	ex, err := run(r)
	if err != nil {
		o.Verdict, o.Mismatches = Fail, []string{fmt.Sprintf("run: %v", err)}
		return o, StrictReport{}
	}
	strict := r.CheckStrict(ex)
	if errs := append(r.Check(ex), strict.Mismatches...); len(errs) > 0 {
		o.Verdict, o.Mismatches = Fail, errs
		return o, strict
	}
	o.Verdict = Pass
	return o, strict
}

// TestHarnessCatchesWrongHandlers runs deliberately wrong handlers for real
// requirements: each must FAIL with the mismatch that gives it away.
func TestHarnessCatchesWrongHandlers(t *testing.T) {
	load := func(suite, id string) *Requirement {
		t.Helper()
		reqs, err := LoadFile(filepath.Join(requirementsDir, suite, id+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return reqs[0]
	}
	tests := []struct {
		name, suite, id string
		run             caseFunc
		want            string
	}{
		{"wrong result", "step", "1-1", func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "greet", echoStep("Goodbye, "+name))
			})
		}, `result: expected "Hello, World!"`},
		{"missing wait", "step", "1-8", func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				return durable.Step(ctx, "compute", echoStep("computed"))
			})
		}, "event 4.EventType"},
		{"wrong wait duration", "wait", "2-1", func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (any, error) {
				return nil, durable.Wait(ctx, "", 3*time.Second)
			})
		}, "WaitStartedDetails.Duration: expected 2, got 3"},
		{"wrong final status", "step", "1-19", func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, _ any) (string, error) {
				_, err := durable.Step(ctx, "failing", func(durable.StepContext) (string, error) {
					return "", errors.New("fails")
				}, durable.WithRetry(durable.NoRetry()))
				if err != nil {
					return "swallowed", nil
				}
				return "", nil
			})
		}, "status: expected FAILED, got SUCCEEDED"},
		{"logs a line too often", "step", "1-7", func(r *Requirement) (Execution, error) {
			return runLocal(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "greet", func(sc durable.StepContext) (string, error) {
					for range 2 {
						sc.Logger().Info("Greeting step started for: " + name)
					}
					sc.Logger().Info("Greeting step completed with: Hello, " + name + "!")
					return "Hello, " + name + "!", nil
				})
			})
		}, "expected 1 lines, got 2"},
		{"plugin logs another operation id", "plugin", "10-2", func(r *Requirement) (Execution, error) {
			return runPlugins(r, greetHandler, one(func(l *pluginLog) durable.Plugin {
				p := l.plugin()
				p.OnOperationStart = func(context.Context, durable.OperationHookInfo) {
					l.emit(confPlugin, "operation-start", "op", "0000000000000000")
				}
				return p
			}))
		}, "{hook=operation-start op=${ID1} plugin=CONFPLUGIN}: expected 1 lines, got 0"},
		{"plugin hook out of order", "plugin", "10-1", func(r *Requirement) (Execution, error) {
			return runPlugins(r, func(ctx durable.Context, name string) (string, error) {
				return durable.Step(ctx, "", greetLogged(name))
			}, one(func(l *pluginLog) durable.Plugin {
				return durable.Plugin{OnInvocationStart: func(_ context.Context, i durable.InvocationHookInfo) {
					l.capture(i)
					l.emit(confPlugin, "invocation-start", "first", i.IsFirstInvocation)
					l.emit(confPlugin, "invocation-end", "status", "SUCCEEDED") // before the handler ran
				}}
			}))
		}, "does not come after a line {message=/Greeting step running for:"},
		{"no handler", "step", "1-1", nil, "no Go handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := load(tt.suite, tt.id)
			cases := map[string]caseFunc{}
			if tt.run != nil {
				cases[r.ID] = tt.run
			}
			o, _ := runRequirement(r, suitePlan{cases: func() map[string]caseFunc { return cases }}, cases)
			if o.Verdict != Fail || !strings.Contains(strings.Join(o.Mismatches, "\n"), tt.want) {
				t.Fatalf("got %s, want a FAIL mentioning %q", o.Line(), tt.want)
			}
		})
	}
}
