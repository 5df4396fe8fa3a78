// Package testtool decides what a test does when an external tool it needs,
// such as the AWS CLI (aws), cfn-lint or Node.js (node), is not installed.
//
// On a developer's machine a missing tool skips the test, so that a plain
// clone passes `go test ./...` with Go alone. In CI, where every tool is
// supposed to be installed, a missing tool is a failure: a test that skips
// there would pass without having checked anything. CI is recognised by the
// environment variable CI set to a true value (CI=true, as .ci/run and most
// CI services set it).
//
// A test asks for a tool by name and gets its path:
//
//	aws := testtool.Require(t, "aws")
//
// A package whose every test needs a tool checks it once, from TestMain:
//
//	func TestMain(m *testing.M) {
//		testtool.Main(m, "node")
//	}
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// EnvCI is the environment variable that marks a CI run.
const EnvCI = "CI"

// Require returns the path of the executable name, looked up in PATH. When
// it is missing, the test fails under CI and is skipped elsewhere; either
// way the message names the tool and why it is needed.
func Require(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if ci() {
		tb.Fatalf("%s is required in CI (%s=%s): %v", name, EnvCI, os.Getenv(EnvCI), err)
	}
	tb.Skipf("%s is not installed (%v); this test runs where it is, and fails without it under %s=true", name, err, EnvCI)
	return ""
}

// M runs a package's tests and returns the exit status. *testing.M is an
// M; a TestMain that sets up and tears down around the tests wraps it.
type M interface{ Run() int }

// Main runs m's tests and exits with their status when every tool in names
// is installed. When one is missing it runs no test: under CI it exits with
// status 1, elsewhere with status 0, after printing which tool is missing.
func Main(m M, names ...string) {
	os.Exit(run(m, names))
}

func run(m M, names []string) int {
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if ci() {
				fmt.Fprintf(os.Stderr, "FAIL: %s is required in CI (%s=%s): %v\n", name, EnvCI, os.Getenv(EnvCI), err)
				return 1
			}
			fmt.Fprintf(os.Stderr, "SKIP: every test of this package needs %s, which is not installed (%v)\n", name, err)
			return 0
		}
	}
	return m.Run()
}

// ci reports whether the environment marks a CI run.
func ci() bool {
	v, err := strconv.ParseBool(os.Getenv(EnvCI))
	return err == nil && v
}
