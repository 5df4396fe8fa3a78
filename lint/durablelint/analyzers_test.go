package durablelint_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/acme/durable-lambda-go/lint/durablelint"
)

// TestAnalyzers runs each rule over its fixture in testdata/src, whose
// "// want" comments list the findings expected; example.com/helpers is
// another package, so its findings arrive through facts.
func TestAnalyzers(t *testing.T) {
	tests := []struct {
		analyzer *analysis.Analyzer
		pkg      string
	}{
		{durablelint.Goroutine, "example.com/goroutine"},
		{durablelint.NestedOp, "example.com/nestedop"},
		{durablelint.Nondeterminism, "example.com/nondet"},
		{durablelint.ChildContext, "example.com/childctx"},
		{durablelint.Closure, "example.com/closure"},
		{durablelint.Nondeterminism, "example.com/suppress"},
		{durablelint.Goroutine, "example.com/suppressfile"},
	}
	for _, tc := range tests {
		t.Run(tc.analyzer.Name+"/"+tc.pkg, func(t *testing.T) {
			analysistest.Run(t, analysistest.TestData(), tc.analyzer, tc.pkg)
		})
	}
}

func TestAnalyzersValidate(t *testing.T) {
	if err := analysis.Validate(durablelint.Analyzers); err != nil {
		t.Fatal(err)
	}
	names := durablelint.RuleNames()
	for i, a := range durablelint.Analyzers {
		if a.Name != names[i] {
			t.Errorf("analyzer %d is %s, want %s", i, a.Name, names[i])
		}
	}
}
