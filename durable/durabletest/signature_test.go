package durabletest

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.errors = append(r.errors, format)
	r.fatal = true
}

func TestSignatures(t *testing.T) {
	var a, b atomic.Int32
	res, err := NewLocalRunner(workflow(&a, &b)).RunUntilComplete(order{ID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`STEP/Step "reserve" SUCCEEDED`, `WAIT/Wait "cool-off" SUCCEEDED`, `STEP/Step "charge" SUCCEEDED`}
	var got []string
	for _, s := range EventSignature(res) {
		got = append(got, s.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("signature = %q, want %q", got, want)
	}

	golden := filepath.Join(t.TempDir(), "testdata", "workflow.golden")
	missing := &recorder{TB: t}
	AssertGoldenSignature(missing, res, golden)
	if !missing.fatal {
		t.Error("a missing golden file did not fail")
	}
	t.Setenv(UpdateGoldenEnv, "1")
	AssertGoldenSignature(t, res, golden)
	t.Setenv(UpdateGoldenEnv, "")
	AssertGoldenSignature(t, res, golden)

	reordered := strings.Join([]string{want[2], want[0], want[1]}, "\n") + "\n"
	if err := os.WriteFile(golden, []byte(reordered), 0o644); err != nil {
		t.Fatal(err)
	}
	ordered := &recorder{TB: t}
	AssertGoldenSignature(ordered, res, golden)
	if len(ordered.errors) != 1 {
		t.Errorf("a reordered golden file gave %d errors in ordered mode, want 1", len(ordered.errors))
	}
	AssertGoldenSignatureUnordered(t, res, golden)

	AssertSignatureContains(t, res, OperationSignature{Type: "WAIT"}, OperationSignature{Name: "charge", Status: "SUCCEEDED"})
	AssertSignatureExcludes(t, res, OperationSignature{Status: "FAILED"}, OperationSignature{Type: "CALLBACK"})
	contains := &recorder{TB: t}
	AssertSignatureContains(contains, res, OperationSignature{Name: "refund"})
	excludes := &recorder{TB: t}
	AssertSignatureExcludes(excludes, res, OperationSignature{Type: "STEP"})
	if len(contains.errors) != 1 || len(excludes.errors) != 2 {
		t.Errorf("contains/excludes errors = %d/%d, want 1/2", len(contains.errors), len(excludes.errors))
	}
}
