package stacks

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/mod/modfile"

	"github.com/acme/durable-lambda-go/stacks/fnmeta"
)

// BootstrapName is the file name the provided.al2023 runtime executes; it is
// also the function's handler.
const BootstrapName = "bootstrap"

// buildFlags make the binary a function of its source alone: no cgo, no VCS
// stamp, no absolute paths, no build id. Identical source therefore gives a
// byte-identical binary and so an identical CDK asset hash.
var buildFlags = []string{
	"build",
	"-tags", "lambda.norpc",
	"-trimpath",
	"-buildvcs=false",
	"-ldflags", "-s -w -buildid=",
}

// buildBootstrap compiles the Go main package in pkgDir for linux/goarch into
// outDir/bootstrap, replacing whatever outDir held. It runs the local Go
// toolchain; no container is involved.
func buildBootstrap(ctx context.Context, pkgDir, goarch, outDir string) error {
	outDir, err := filepath.Abs(outDir)
	if err != nil {
		return fmt.Errorf("resolve build directory: %w", err)
	}
	if err := os.RemoveAll(outDir); err != nil {
		return fmt.Errorf("clear build directory: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	out := filepath.Join(outDir, BootstrapName)
	args := append(append([]string{}, buildFlags...), "-o", out, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for linux/%s: %w\n%s", pkgDir, goarch, err, msg)
	}
	return checkExecutable(out)
}

// checkExecutable reports an error unless path is an ELF executable: for a
// package that is not package main, go build -o writes an archive instead.
func checkExecutable(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not an executable (is the entry package main?): %w", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("%s is an ELF %s, not an executable (is the entry package main?)", path, f.Type)
	}
	return nil
}

// resolveEntry turns a relative entry into an absolute directory, relative
// to the root of the Go module that contains dir (the directory holding the
// nearest go.mod at or above dir), or to dir itself outside any module.
func resolveEntry(entry, dir string) (string, error) {
	if filepath.IsAbs(entry) {
		return entry, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", entry, err)
	}
	root, ok, err := moduleRoot(dir)
	if err != nil {
		return "", err
	}
	if !ok {
		root = dir
	}
	return filepath.Join(root, entry), nil
}

// moduleRoot returns the directory of the nearest go.mod at or above the
// absolute directory dir; ok is false outside any module.
func moduleRoot(dir string) (root string, ok bool, err error) {
	for root = dir; ; {
		_, err := os.Stat(filepath.Join(root, "go.mod"))
		if err == nil {
			return root, true, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", false, fmt.Errorf("look for go.mod: %w", err)
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", false, nil
		}
		root = parent
	}
}

// entryMetadata describes the function named name, built from the absolute
// package directory pkgDir, as the template records it (see package
// fnmeta): the entry relative to the root of the module that contains wd,
// and that module's path.
func entryMetadata(name, pkgDir, wd string) (fnmeta.Function, error) {
	meta := fnmeta.Function{Name: name, Entry: pkgDir}
	wd, err := filepath.Abs(wd)
	if err != nil {
		return meta, err
	}
	root, ok, err := moduleRoot(wd)
	if err != nil || !ok {
		return meta, err
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return meta, fmt.Errorf("read go.mod: %w", err)
	}
	meta.Module = modfile.ModulePath(goMod)
	if rel, err := filepath.Rel(root, pkgDir); err == nil && filepath.IsLocal(rel) {
		meta.Entry = filepath.ToSlash(rel)
	}
	return meta, nil
}
