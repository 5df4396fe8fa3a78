// Package hostbuild compiles a Go main package into an executable for the
// machine it runs on, such as a function's bootstrap binary that
// durablectl or a test hosts under the Runtime API emulator.
//
// Build runs the go command with the environment of the calling process
// and no build flags of its own. That is deliberate: the build then has
// the settings of the caller's `go build` and `go test` (the same GOCACHE,
// GOFLAGS, CGO_ENABLED, GOOS and GOARCH), so every package they already
// compiled comes from the build cache.
//
// The link is cached too. Build has `go run` build the package, which
// keeps the linked executable in the build cache under the link's action
// ID (a hash of everything that goes into the link: the compiled
// packages, the toolchain, the settings), and copy it to the output with
// cp (`go run -exec cp pkg out`). A package built before, by any process
// sharing the build cache, is therefore copied rather than linked again:
// the test binaries of one `go test ./...` that host the same function
// link it once between them, and a warm run links nothing. Like every
// `go run` build, the executable carries no symbol table and no DWARF
// (stack traces, which use the runtime's own tables, are complete).
//
// A cross-build for Lambda, with its own settings, is package stacks' job.
package hostbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotMain is the Err of an *Error for a package that compiles but is
// not a main package: it has no program to run.
var ErrNotMain = errors.New("not a main package (a function's entry must be package main)")

// notMainMessage ends the go command's report on a package that go run
// cannot run because it is not a main package.
const notMainMessage = "is not a main package"

// Error is a build that failed; Output is what the go command printed.
type Error struct {
	// Pkg is the package as Build was given it.
	Pkg string
	// Output is the go command's combined output: the compiler's errors.
	Output string
	// Err is how the go command failed (usually an *exec.ExitError).
	Err error
}

func (e *Error) Error() string {
	if e.Output == "" {
		return fmt.Sprintf("building %s: %v", e.Pkg, e.Err)
	}
	return fmt.Sprintf("building %s: %v\n%s", e.Pkg, e.Err, e.Output)
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Build compiles the Go main package pkg (a path as go build takes it,
// relative to the working directory) into the executable out, creating
// out's directory if need be. A failed build is an *Error; so is a
// package that is not main (Err ErrNotMain).
func Build(ctx context.Context, pkg, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return &Error{Pkg: pkg, Err: err}
	}
	cmd := exec.CommandContext(ctx, "go", "run", "-exec", "cp", pkg, out)
	output, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	if strings.Contains(string(output), notMainMessage) {
		return &Error{Pkg: pkg, Err: ErrNotMain}
	}
	return &Error{Pkg: pkg, Output: string(output), Err: err}
}
