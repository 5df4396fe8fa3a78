package testbin_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testbin"
	"github.com/acme/durable-lambda-go/internal/testwait"
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
	out, err := exec.CommandContext(testwait.Context(t), helloBinary).Output()
	if err != nil {
		t.Fatalf("running %s: %v", helloBinary, err)
	}
	if got := strings.TrimSpace(string(out)); got != "hello from a built binary" {
		t.Errorf("output %q", got)
	}
}
