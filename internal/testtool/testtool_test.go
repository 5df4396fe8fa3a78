package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testwait"
)

// fakeTB records how Require ended. Like testing.T, its Fatalf and Skipf
// stop the calling goroutine.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// withTool puts a directory holding one executable, tool, alone on PATH.
func withTool(t *testing.T, tool string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, tool)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return path
}

// fakeRunner counts the runs Main would start.
type fakeRunner struct{ runs int }

func (r *fakeRunner) Run() int { r.runs++; return 7 }

var cases = []struct {
	name      string
	tool      string // the tool asked for; "present" is installed
	ci        string
	wantFatal bool
	wantSkip  bool
}{
	{name: "installed, local", tool: "present", ci: ""},
	{name: "installed, CI", tool: "present", ci: "true"},
	{name: "missing, local", tool: "absent", ci: "", wantSkip: true},
	{name: "missing, CI=false", tool: "absent", ci: "false", wantSkip: true},
	{name: "missing, CI=true", tool: "absent", ci: "true", wantFatal: true},
	{name: "missing, CI=1", tool: "absent", ci: "1", wantFatal: true},
}

func TestRequire(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			installed := withTool(t, "present")
			t.Setenv(EnvCI, tt.ci)
			tb := &fakeTB{}
			var got string
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = Require(tb, tt.tool)
			}()
			testwait.Recv(t, "Require returns or ends its goroutine", done)
			if (tb.fatal != "") != tt.wantFatal || (tb.skip != "") != tt.wantSkip {
				t.Fatalf("Require(%q) with CI=%q: fatal %q, skip %q; want fatal %v, skip %v",
					tt.tool, tt.ci, tb.fatal, tb.skip, tt.wantFatal, tt.wantSkip)
			}
			if msg := tb.fatal + tb.skip; msg != "" && !strings.Contains(msg, tt.tool) {
				t.Errorf("message %q does not name the tool %q", msg, tt.tool)
			}
			if !tt.wantFatal && !tt.wantSkip && got != installed {
				t.Errorf("Require(%q) = %q, want %q", tt.tool, got, installed)
			}
		})
	}
}

func TestMainRun(t *testing.T) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			withTool(t, "present")
			t.Setenv(EnvCI, tt.ci)
			m := &fakeRunner{}
			code := run(m, []string{"present", tt.tool})
			want, wantRuns := 7, 1
			switch {
			case tt.wantFatal:
				want, wantRuns = 1, 0
			case tt.wantSkip:
				want, wantRuns = 0, 0
			}
			if code != want || m.runs != wantRuns {
				t.Errorf("run with %q, CI=%q: exit %d after %d test runs; want exit %d after %d", tt.tool, tt.ci, code, m.runs, want, wantRuns)
			}
		})
	}
}
