package cloudasm_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm"
)

// TestSynth runs an app command that copies testdata/app into CDK_OUTDIR
// and records CDK_CONTEXT_JSON, as a CDK app would read it.
func TestSynth(t *testing.T) {
	fixture, err := filepath.Abs("testdata/app")
	if err != nil {
		t.Fatal(err)
	}
	appDir, out := t.TempDir(), filepath.Join(t.TempDir(), "cdk.out")
	cdkJSON := `{"app": "mkdir -p \"$CDK_OUTDIR\" && cp -R '` + fixture + `'/. \"$CDK_OUTDIR\" && printf %s \"$CDK_CONTEXT_JSON\" > \"$CDK_OUTDIR/context.json\" && echo synthesized",
		"context": {"stage": "test", "@aws-cdk/core:checkSecretUsage": true}}`
	if err := os.WriteFile(filepath.Join(appDir, "cdk.json"), []byte(cdkJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	var output bytes.Buffer
	if err := cloudasm.Synth(t.Context(), appDir, out, &output); err != nil {
		t.Fatalf("Synth: %v\n%s", err, output.String())
	}
	if got := output.String(); got != "synthesized\n" {
		t.Errorf("the app's output = %q, want %q", got, "synthesized\n")
	}
	data, err := os.ReadFile(filepath.Join(out, "context.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("CDK_CONTEXT_JSON %q: %v", data, err)
	}
	if want := map[string]any{"stage": "test", "@aws-cdk/core:checkSecretUsage": true}; !reflect.DeepEqual(got, want) {
		t.Errorf("CDK_CONTEXT_JSON = %v, want %v", got, want)
	}
	if _, err := cloudasm.Read(out, options(module(t, "fns/callee", "fns/caller", "fns/plain", "fns/other"))); err != nil {
		t.Errorf("Read of the synthesized assembly: %v", err)
	}
}

func TestSynthErrors(t *testing.T) {
	tests := []struct {
		name, cdkJSON, want string
	}{
		{"no cdk.json", "", "cdk.json: no such file"},
		{"no app command", `{"context": {}}`, `has no "app" command`},
		{"broken cdk.json", `{"app": `, "cdk.json: unexpected end of JSON input"},
		{"failing app", `{"app": "echo compile error >&2; exit 3"}`, "synthesizing the app (echo compile error >&2; exit 3 in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.cdkJSON != "" {
				if err := os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(tt.cdkJSON), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var output bytes.Buffer
			err := cloudasm.Synth(t.Context(), dir, filepath.Join(dir, "cdk.out"), &output)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Synth error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestCurrentModule(t *testing.T) {
	m, err := cloudasm.CurrentModule(t.Context(), ".")
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	if want := (cloudasm.Module{Path: "github.com/acme/durable-lambda-go", Dir: root}); m != want {
		t.Errorf("CurrentModule = %+v, want %+v", m, want)
	}
}
