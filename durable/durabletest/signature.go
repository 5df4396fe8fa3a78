package durabletest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// OperationSignature is the shape of one operation, without ids, times
// or payloads: what a golden test pins down.
type OperationSignature struct {
	Type    string
	SubType string
	Name    string
	Status  string
	// Depth is the nesting level under child contexts (0 at the top).
	Depth int
}

// String renders the signature as one golden-file line:
// two spaces per depth level, then TYPE/SubType "name" STATUS.
func (s OperationSignature) String() string {
	t := s.Type
	if s.SubType != "" {
		t += "/" + s.SubType
	}
	return fmt.Sprintf("%s%s %q %s", strings.Repeat("  ", s.Depth), t, s.Name, s.Status)
}

// matches reports whether s has every non-empty string field of want.
func (s OperationSignature) matches(want OperationSignature) bool {
	return (want.Type == "" || want.Type == s.Type) && (want.SubType == "" || want.SubType == s.SubType) &&
		(want.Name == "" || want.Name == s.Name) && (want.Status == "" || want.Status == s.Status)
}

// EventSignature returns the signature of every operation of r in start
// order.
func EventSignature(r *TestResult) []OperationSignature {
	byID := map[string]*TestOperation{}
	for i := range r.Operations {
		byID[r.Operations[i].ID] = &r.Operations[i]
	}
	depth := func(op *TestOperation) int {
		d := 0
		for p := byID[op.ParentID]; p != nil && d < len(r.Operations); p = byID[p.ParentID] {
			d++
		}
		return d
	}
	out := make([]OperationSignature, len(r.Operations))
	for i := range r.Operations {
		op := &r.Operations[i]
		out[i] = OperationSignature{Type: op.Type, SubType: op.SubType, Name: op.Name, Status: op.Status, Depth: depth(op)}
	}
	return out
}

// UpdateGoldenEnv names the environment variable that, set to 1, makes the
// golden assertions rewrite their files instead of comparing.
const UpdateGoldenEnv = "UPDATE_GOLDEN"

func signatureLines(r *TestResult) []string {
	sigs := EventSignature(r)
	lines := make([]string, len(sigs))
	for i, s := range sigs {
		lines[i] = s.String()
	}
	return lines
}

// AssertGoldenSignature compares r's signature, line by line and in order,
// with the golden file at goldenPath. With UPDATE_GOLDEN=1 it writes the
// file instead.
func AssertGoldenSignature(tb testing.TB, r *TestResult, goldenPath string) {
	tb.Helper()
	assertGolden(tb, signatureLines(r), goldenPath, false)
}

// AssertGoldenSignatureUnordered is AssertGoldenSignature ignoring the
// order of lines, for workflows whose concurrent branches start in any
// order.
func AssertGoldenSignatureUnordered(tb testing.TB, r *TestResult, goldenPath string) {
	tb.Helper()
	assertGolden(tb, signatureLines(r), goldenPath, true)
}

func assertGolden(tb testing.TB, got []string, path string, unordered bool) {
	tb.Helper()
	content := strings.Join(got, "\n") + "\n"
	if os.Getenv(UpdateGoldenEnv) == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatalf("durabletest: creating the golden directory: %v", err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			tb.Fatalf("durabletest: writing the golden file: %v", err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("durabletest: reading the golden file (run with %s=1 to create it): %v", UpdateGoldenEnv, err)
	}
	want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if string(b) == "" {
		want = nil
	}
	if unordered {
		got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	}
	if !slices.Equal(got, want) {
		tb.Errorf("durabletest: signature differs from %s (run with %s=1 to update)\n--- want\n%s\n--- got\n%s",
			path, UpdateGoldenEnv, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// AssertSignatureContains checks that, for each of want, some operation
// of r matches it. Empty string fields of want match anything; Depth is
// not compared.
func AssertSignatureContains(tb testing.TB, r *TestResult, want ...OperationSignature) {
	tb.Helper()
	sigs := EventSignature(r)
	for _, w := range want {
		if !slices.ContainsFunc(sigs, func(s OperationSignature) bool { return s.matches(w) }) {
			tb.Errorf("durabletest: no operation matches %s", w)
		}
	}
}

// AssertSignatureExcludes checks that no operation of r matches any of
// unwanted, with AssertSignatureContains's matching.
func AssertSignatureExcludes(tb testing.TB, r *TestResult, unwanted ...OperationSignature) {
	tb.Helper()
	for _, s := range EventSignature(r) {
		for _, u := range unwanted {
			if s.matches(u) {
				tb.Errorf("durabletest: operation %s matches the excluded %s", s, u)
			}
		}
	}
}
