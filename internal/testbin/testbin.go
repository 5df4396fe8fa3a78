// Package testbin builds Go packages into executables, once per test
// binary, for tests that run them as real processes, such as a function's
// bootstrap binary hosted under the Runtime API emulator.
//
// A test package declares a variable per binary and builds them all once,
// from its TestMain:
//
//	var fnBinary string
//
//	func TestMain(m *testing.M) {
//		testbin.Main(m, map[*string]string{&fnBinary: "./testdata/fn"})
//	}
//
// The builds are hostbuild.Build's, with the test process's environment,
// so they reuse every package `go test` compiled, and every executable a
// build with the same inputs linked before: a function that several test
// binaries host is linked once, and a warm `go test ./...` links none.
// Main runs the builds concurrently.
package testbin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acme/durable-lambda-go/internal/hostbuild"
)

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
	var (
		wg     sync.WaitGroup
		failed atomic.Bool
	)
	i := 0
	for path, pkg := range bins {
		i++
		*path = filepath.Join(dir, fmt.Sprint(i), "bootstrap")
		wg.Go(func() {
			if err := hostbuild.Build(context.Background(), pkg, *path); err != nil {
				fmt.Fprintln(os.Stderr, err)
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return 1
	}
	return m.Run()
}
