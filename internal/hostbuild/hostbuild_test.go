package hostbuild_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/hostbuild"
)

func TestBuild(t *testing.T) {
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
			err := hostbuild.Build(t.Context(), tt.pkg, out)
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
				got, err := exec.Command(out).Output()
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
