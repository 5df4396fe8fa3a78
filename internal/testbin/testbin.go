// Package testbin builds Go packages into executables for tests that run
// them as real processes, such as a function's bootstrap binary hosted
// under the Runtime API emulator.
//
// A test package declares a variable per binary and builds them all once,
// from its TestMain:
//
//	var fnBinary string
//
//	func TestMain(m *testing.M) {
//		testbin.Main(m, map[*string]string{&fnBinary: "./testdata/fn"})
//	}
package testbin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the Go package pkg (a path as go build takes it, relative
// to the working directory) into the executable out, for the host's
// operating system and architecture. Compiler output is part of the error.
func Build(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("building %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// Main builds each package of bins into a fresh temporary directory,
// stores the executable's path (always named "bootstrap", as Lambda
// requires) in the variable bins maps to the package, runs the tests,
// removes the directory and exits with the tests' status. A failed build
// exits with status 1 before any test runs.
func Main(m *testing.M, bins map[*string]string) {
	os.Exit(run(m, bins))
}

func run(m *testing.M, bins map[*string]string) int {
	dir, err := os.MkdirTemp("", "testbin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	i := 0
	for path, pkg := range bins {
		i++
		*path = filepath.Join(dir, fmt.Sprint(i), "bootstrap")
		if err := Build(context.Background(), pkg, *path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}
