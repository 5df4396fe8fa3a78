package testbin_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testbin"
)

// helloBinary is testdata/hello, built by Main before the tests run.
var helloBinary string

func TestMain(m *testing.M) {
	testbin.Main(m, map[*string]string{&helloBinary: "./testdata/hello"})
}

func TestMainBuildsBootstrap(t *testing.T) {
	if filepath.Base(helloBinary) != "bootstrap" {
		t.Errorf("binary %q, want one named bootstrap", helloBinary)
	}
	out, err := exec.Command(helloBinary).Output()
	if err != nil {
		t.Fatalf("running %s: %v", helloBinary, err)
	}
	if got := strings.TrimSpace(string(out)); got != "hello from a built binary" {
		t.Errorf("output %q", got)
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		pkg     string
		wantErr string // substring of the error; empty: success
	}{
		{pkg: "./testdata/hello"},
		{pkg: "./testdata/broken", wantErr: "undefinedName"},
		{pkg: "./testdata/missing", wantErr: "building ./testdata/missing"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bootstrap")
			err := testbin.Build(t.Context(), tt.pkg, out)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := exec.Command(out).Output(); err != nil {
					t.Fatalf("running the built binary: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Build error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
