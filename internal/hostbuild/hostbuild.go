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
// Where no cp is on PATH (Windows, usually), Build runs `go build -o out
// pkg` instead, which links the executable at every build. As go build
// turns a package that is not main into an archive at out and succeeds,
// Build first asks `go list` for the package's name.
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
	// Output is what the go command printed on its standard error: the
	// compiler's errors.
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
	if _, err := exec.LookPath("cp"); err != nil {
		return buildUncached(ctx, pkg, out)
	}
	_, err := goCommand(ctx, pkg, "run", "-exec", "cp", pkg, out)
	return err
}

// buildUncached is Build without cp: go build, after go list has said
// that pkg is a main package.
func buildUncached(ctx context.Context, pkg, out string) error {
	name, err := goCommand(ctx, pkg, "list", "-f", "{{.Name}}", pkg)
	if err != nil {
		return err
	}
	if strings.TrimSpace(name) != "main" {
		return &Error{Pkg: pkg, Err: ErrNotMain}
	}
	_, err = goCommand(ctx, pkg, "build", "-o", out, pkg)
	return err
}

// goCommand runs the go command with args on behalf of Build(pkg) and
// returns what it printed on its standard output. A failure is an *Error
// with what it printed on its standard error, or with Err ErrNotMain when
// it refused to run pkg for not being a main package.
func goCommand(ctx context.Context, pkg string, args ...string) (string, error) {
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	switch {
	case err == nil:
		return string(stdout), nil
	case strings.Contains(stderr.String(), notMainMessage):
		return "", &Error{Pkg: pkg, Err: ErrNotMain}
	default:
		return "", &Error{Pkg: pkg, Output: stderr.String(), Err: err}
	}
}
