package durablelint_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/acme/durable-lambda-go/lint/durablelint"
)

// TestAnalyzers runs each rule over its fixtures in testdata/src, whose
// "// want" comments list the findings expected; example.com/helpers is
// another package, so its findings arrive through facts. A rule's
// fixtures load together: each load type-checks their standard-library
// dependencies from source, so the rules run in parallel.
func TestAnalyzers(t *testing.T) {
	tests := []struct {
		analyzer *analysis.Analyzer
		pkgs     []string
	}{
		{durablelint.Goroutine, []string{"example.com/goroutine", "example.com/suppressfile"}},
		{durablelint.NestedOp, []string{"example.com/nestedop"}},
		{durablelint.Nondeterminism, []string{"example.com/nondet", "example.com/suppress"}},
		{durablelint.ChildContext, []string{"example.com/childctx"}},
		{durablelint.Closure, []string{"example.com/closure"}},
	}
	for _, tc := range tests {
		t.Run(tc.analyzer.Name, func(t *testing.T) {
			t.Parallel()
			analysistest.Run(t, analysistest.TestData(), tc.analyzer, tc.pkgs...)
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
