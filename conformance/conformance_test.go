package conformance

import (
	"fmt"
	"os"
	"testing"
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
		"child":              {reason: "RunInChildContext has not landed"},
		"callback":           {reason: "CreateCallback has not landed"},
		"invoke":             {reason: "Invoke has not landed"},
		"wait_for_condition": {reason: "WaitForCondition has not landed"},
		"wait_for_callback":  {reason: "WaitForCallback has not landed"},
		"parallel":           {reason: "Parallel has not landed"},
		"map":                {reason: "Map has not landed"},
		"plugin":             {reason: "plugin hooks are an optional extension this SDK does not implement"},
	}
}

// TestConformance runs every requirement of every covered suite and prints
// one line per requirement and the closing count. It fails when any
// requirement of a covered suite fails.
func TestConformance(t *testing.T) {
	dir, err := FindRequirementsDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var report Report
	all := plans()
	for _, s := range AllSuites() {
		reqs, err := LoadSuite(dir, s.Name)
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
			report.Add(runRequirement(r, plan, cases))
		}
	}
	if err := report.Write(os.Stdout); err != nil {
		t.Fatal(err)
	}
	if _, failed, _ := report.Counts(); failed > 0 {
		t.Errorf("%d requirements failed", failed)
	}
}

// runRequirement gives one requirement its verdict.
func runRequirement(r *Requirement, plan suitePlan, cases map[string]caseFunc) Outcome {
	o := Outcome{ID: r.ID, Description: r.Description}
	if plan.cases == nil {
		o.Verdict, o.Reason = Skip, "suite not covered yet: "+plan.reason
		return o
	}
	run, ok := cases[r.ID]
	if !ok {
		o.Verdict, o.Mismatches = Fail, []string{"no Go handler for this requirement"}
		return o
	}
	ex, err := run(r)
	if err != nil {
		o.Verdict, o.Mismatches = Fail, []string{fmt.Sprintf("run: %v", err)}
		return o
	}
	if errs := r.Check(ex); len(errs) > 0 {
		o.Verdict, o.Mismatches = Fail, errs
		return o
	}
	o.Verdict = Pass
	return o
}
