// Package hostbuild compiles a Go main package into an executable for the
// machine it runs on, such as a function's bootstrap binary that
// durablectl or a test hosts under the Runtime API emulator.
//
// Build runs `go build` with the environment of the calling process and no
// flags of its own. That is deliberate: the build then has the settings of
// the caller's `go build` and `go test` (the same GOCACHE, GOFLAGS,
// CGO_ENABLED, GOOS and GOARCH), so every package they already compiled
// comes from the build cache and only the main package and the link are
// new. A cross-build for Lambda, with its own settings, is package
// stacks' job.
package hostbuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// ErrNotMain is the Err of an *Error for a package that compiles but is
// not a main package: it has no program to run.
var ErrNotMain = errors.New("not a main package (a function's entry must be package main)")

// archiveMagic starts the archive go build -o writes for a package that
// is not main.
var archiveMagic = []byte("!<arch>\n")

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
// relative to the working directory) into the executable out. A failed
// build is an *Error; so is a package that is not main (Err ErrNotMain),
// for which go build would write an archive.
func Build(ctx context.Context, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	if output, err := cmd.CombinedOutput(); err != nil {
		return &Error{Pkg: pkg, Output: string(output), Err: err}
	}
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	head := make([]byte, len(archiveMagic))
	_, err = io.ReadFull(f, head)
	f.Close()
	if err == nil && bytes.Equal(head, archiveMagic) {
		_ = os.Remove(out)
		return &Error{Pkg: pkg, Err: ErrNotMain}
	}
	return nil
}
