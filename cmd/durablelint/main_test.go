package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/acme/durable-lambda-go/internal/hostbuild"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/lint/durablelint"
)

// TestCommand builds durablelint and runs it the three ways the README
// gives — standalone, with -json, and as go vet's tool — over the
// analyzers' corpus (a GOPATH tree in lint/durablelint/testdata),
// checking the exit codes and that -json carries every rule. The runs
// are independent and each loads the corpus, so they run in parallel.
func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and loads packages")
	}
	bin := filepath.Join(t.TempDir(), "durablelint")
	if err := hostbuild.Build(testwait.Context(t), ".", bin); err != nil {
		t.Fatal(err)
	}
	gopath, err := filepath.Abs("../../lint/durablelint/testdata")
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOPATH="+gopath, "GO111MODULE=off", "GOWORK=off", "GOFLAGS=")
	run := func(t *testing.T, name string, args ...string) ([]byte, int) {
		t.Helper()
		cmd := exec.CommandContext(testwait.Context(t), name, args...)
		cmd.Env, cmd.Dir = env, filepath.Join(gopath, "src", "example.com", "corpus")
		out, err := cmd.Output()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return out, ee.ExitCode()
		case err != nil:
			t.Fatalf("%s %v: %v", name, args, err)
		}
		return out, 0
	}
	const bugs, ok = "example.com/corpus/bugs", "example.com/corpus/ok"

	tests := []struct {
		name string
		cmd  []string
		want int
	}{
		{"standalone with findings", []string{bin, bugs}, 3},
		{"standalone without findings", []string{bin, ok}, 0},
		{"go vet with findings", []string{"go", "vet", "-vettool=" + bin, bugs}, 1},
		{"go vet without findings", []string{"go", "vet", "-vettool=" + bin, ok}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, code := run(t, tc.cmd[0], tc.cmd[1:]...); code != tc.want {
				t.Errorf("%v exited with %d, want %d", tc.cmd, code, tc.want)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		out, code := run(t, bin, "-json", bugs)
		if code != 0 {
			t.Errorf("-json exited with %d, want 0", code)
		}
		var byPkg map[string]map[string][]struct {
			Category, Posn, Message string
		}
		if err := json.Unmarshal(out, &byPkg); err != nil {
			t.Fatalf("-json output: %v\n%s", err, out)
		}
		for _, rule := range durablelint.RuleNames() {
			if len(byPkg[bugs][rule]) == 0 {
				t.Errorf("-json has no finding of %s", rule)
			}
		}
	})
}
