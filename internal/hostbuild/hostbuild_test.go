package hostbuild_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/acme/durable-lambda-go/internal/hostbuild"
	"github.com/acme/durable-lambda-go/internal/testwait"
)

// TestBuild builds main, broken, missing and library packages with cp on
// PATH (go run -exec cp) and without it (go list, go build): PATH then
// holds only the go command's own directory, GOROOT/bin.
func TestBuild(t *testing.T) {
	t.Run("cp", testBuild)
	t.Run("no cp", func(t *testing.T) {
		goroot, err := exec.CommandContext(testwait.Context(t), "go", "env", "GOROOT").Output()
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", filepath.Join(strings.TrimSpace(string(goroot)), "bin"))
		if cp, err := exec.LookPath("cp"); err == nil {
			t.Fatalf("cp is still on PATH, at %s", cp)
		}
		testBuild(t)
	})
}

func testBuild(t *testing.T) {
	tests := []struct {
		pkg        string
		wantOutput string // substring of Error.Output; empty: success
		notMain    bool   // the package compiles but is not main
	}{
		{pkg: "./testdata/hello"},
		{pkg: "./testdata/broken", wantOutput: "undefinedName"},
		{pkg: "./testdata/missing", wantOutput: "testdata/missing"},
		{pkg: "./testdata/lib", notMain: true},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			err := hostbuild.Build(testwait.Context(t), tt.pkg, out)
			if tt.notMain {
				if !errors.Is(err, hostbuild.ErrNotMain) {
					t.Errorf("Build error %v, want ErrNotMain", err)
				}
				if _, statErr := os.Stat(out); !errors.Is(statErr, os.ErrNotExist) {
					t.Errorf("Build left %s behind (%v)", out, statErr)
				}
				return
			}
			if tt.wantOutput == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, err := exec.CommandContext(testwait.Context(t), out).Output()
				if err != nil {
					t.Fatalf("running the built binary: %v", err)
				}
				if strings.TrimSpace(string(got)) != "hello from a built binary" {
					t.Errorf("built binary printed %q", got)
				}
				return
			}
			var be *hostbuild.Error
			if !errors.As(err, &be) {
				t.Fatalf("Build error %v, want a *hostbuild.Error", err)
			}
			if be.Pkg != tt.pkg || !strings.Contains(be.Output, tt.wantOutput) {
				t.Errorf("Error{Pkg: %q, Output: %q}, want Pkg %q and Output containing %q", be.Pkg, be.Output, tt.pkg, tt.wantOutput)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Errorf("Build error %v does not wrap the go command's *exec.ExitError", err)
			}
			if !strings.HasPrefix(err.Error(), "building "+tt.pkg+": ") {
				t.Errorf("error %q does not start with the package", err)
			}
		})
	}
}

// TestBuildSeesEdits builds a module's main package, edits a package it
// imports and builds again, and then goes back to the first source: each
// executable, copied from the build cache when a build with the same
// inputs linked it before, must run the source it was built from.
func TestBuildSeesEdits(t *testing.T) {
	mod := t.TempDir()
	if err := os.CopyFS(mod, fstest.MapFS{
		"go.mod":     {Data: []byte("module example.com/edits\n\ngo 1.22\n")},
		"fn/main.go": {Data: []byte("package main\n\nimport \"example.com/edits/greet\"\n\nfunc main() { println(greet.Word()) }\n")},
		"greet":      {Mode: fs.ModeDir | 0o755},
	}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(mod)
	for _, word := range []string{"first", "second", "first"} {
		greet := "package greet\n\n// Word is the greeting.\n//\n//go:noinline\nfunc Word() string { return \"" + word + "\" }\n"
		if err := os.WriteFile(filepath.Join("greet", "greet.go"), []byte(greet), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "bootstrap")
		if err := hostbuild.Build(testwait.Context(t), "./fn", out); err != nil {
			t.Fatal(err)
		}
		got, err := exec.CommandContext(testwait.Context(t), out).CombinedOutput()
		if err != nil {
			t.Fatalf("running the built binary: %v\n%s", err, got)
		}
		if strings.TrimSpace(string(got)) != word {
			t.Errorf("the binary built after greet.Word returned %q printed %q", word, got)
		}
	}
}
