package cloudasm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// CDKConfig is the part of an app's cdk.json that synthesis uses.
type CDKConfig struct {
	// App is the command that synthesizes the app ("go run .").
	App string `json:"app"`
	// Context holds the feature flags and context values.
	Context map[string]any `json:"context"`
}

// ReadCDKConfig reads the cdk.json in dir.
func ReadCDKConfig(dir string) (CDKConfig, error) {
	path := filepath.Join(dir, "cdk.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return CDKConfig{}, err
	}
	var c CDKConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return CDKConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	if c.App == "" {
		return CDKConfig{}, fmt.Errorf("%s has no \"app\" command", path)
	}
	return c, nil
}

// Synth synthesizes the app whose cdk.json is in dir into the cloud
// assembly outDir, as `cdk synth` does: it runs the app command in dir
// through the shell, with the output directory in CDK_OUTDIR and the
// cdk.json context in CDK_CONTEXT_JSON. The command's output goes to
// output.
func Synth(ctx context.Context, dir, outDir string, output io.Writer) error {
	cfg, err := ReadCDKConfig(dir)
	if err != nil {
		return err
	}
	cdkContext, err := json.Marshal(cfg.Context)
	if err != nil {
		return err
	}
	shell, flag := "sh", "-c"
	if runtime.GOOS == "windows" {
		shell, flag = "cmd", "/c"
	}
	cmd := exec.CommandContext(ctx, shell, flag, cfg.App)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+outDir, "CDK_CONTEXT_JSON="+string(cdkContext))
	cmd.Stdout, cmd.Stderr = output, output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("synthesizing the app (%s in %s): %w", cfg.App, dir, err)
	}
	return nil
}

// CurrentModule returns the Go module that contains dir, as the go
// command sees it.
func CurrentModule(ctx context.Context, dir string) (Module, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-json")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Module{}, fmt.Errorf("finding the Go module of %s: %w\n%s", dir, err, stderr.Bytes())
	}
	var m Module
	if err := json.Unmarshal(out, &m); err != nil {
		return Module{}, fmt.Errorf("finding the Go module of %s: %w", dir, err)
	}
	return m, nil
}
