package cloudasm_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm/cloudasmtest"
)

// foreignELF writes the header of a Linux executable for another
// architecture than this machine's, as a bootstrap cross-built for
// Lambda is.
func foreignELF(t *testing.T, path string) {
	t.Helper()
	machine := uint16(183) // EM_AARCH64
	if runtime.GOARCH == "arm64" {
		machine = 62 // EM_X86_64
	}
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2) // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], machine)
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint16(h[52:], 64)
	if err := os.WriteFile(path, h, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestReadUnrecordedFunction reads a custom-runtime function whose
// template records no Go package (an awslambda.Function defined without
// stacks.NewGoFunction): it is hosted from its asset's bootstrap when
// this machine runs that, under its construct id; otherwise Read fails
// with a *NoEntryError that names it and says what to do.
func TestReadUnrecordedFunction(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a Lambda bootstrap runs on Linux only")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	durable := fn(`{"Name":"D","Entry":"fns/a"}`, `{"Runtime":"provided.al2023","DurableConfig":{"ExecutionTimeout":60}}`)
	plain := func(props string) string {
		return `{"Type":"AWS::Lambda::Function","Properties":` + props + `,"Metadata":{"aws:cdk:path":"S/Resizer/Resource"}}`
	}
	tests := []struct {
		name      string
		resource  string
		bootstrap func(t *testing.T, path string) // writes the asset's bootstrap; nil: none
		wantName  string
		wantError string // part of the *NoEntryError's message; empty: hosted
	}{
		{
			name:     "host-runnable bootstrap",
			resource: plain(`{"Runtime":"provided.al2023","Code":{"S3Key":"abc.zip"},"Timeout":7}`),
			bootstrap: func(t *testing.T, path string) {
				if err := os.Symlink(exe, path); err != nil {
					t.Fatal(err)
				}
			},
			wantName: "Resizer",
		},
		{
			name:     "named function",
			resource: plain(`{"FunctionName":"resize-images","Runtime":"provided.al2","Code":{"S3Key":"abc.zip"}}`),
			bootstrap: func(t *testing.T, path string) {
				if err := os.Symlink(exe, path); err != nil {
					t.Fatal(err)
				}
			},
			wantName: "resize-images",
		},
		{
			name:      "bootstrap for Lambda's architecture",
			resource:  plain(`{"Runtime":"provided.al2023","Code":{"S3Key":"abc.zip"}}`),
			bootstrap: foreignELF,
			wantError: "function Resizer (S/R) cannot be hosted: its template records no Go package (Metadata durable-lambda-go:function) and its asset's bootstrap",
		},
		{
			name:      "no bootstrap",
			resource:  plain(`{"Runtime":"provided.al2023","Code":{"S3Key":"abc.zip"}}`),
			wantError: "is missing",
		},
		{
			name:      "code from a bucket",
			resource:  plain(`{"Runtime":"provided.al2023","Code":{"S3Bucket":"b","S3Key":{"Ref":"Key"}}}`),
			wantError: "its code is not a local asset of the cloud assembly; define it with stacks.NewGoFunction, or record its package with stacks.RecordEntry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := cloudasmtest.WriteAssembly(t, `{"D":`+durable+`,"R":`+tt.resource+`}`)
			if tt.bootstrap != nil {
				if err := os.Mkdir(filepath.Join(dir, "asset.abc"), 0o755); err != nil {
					t.Fatal(err)
				}
				tt.bootstrap(t, filepath.Join(dir, "asset.abc", "bootstrap"))
			}
			a, err := cloudasm.Read(dir, options(module(t, "fns/a")))
			if tt.wantError != "" {
				var e *cloudasm.NoEntryError
				if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("Read = %v (%T), want a *NoEntryError saying %q", err, err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got *cloudasm.Function
			for i := range a.Functions {
				if a.Functions[i].LogicalID == "R" {
					got = &a.Functions[i]
				}
			}
			if got == nil || got.Name != tt.wantName || got.Durable || got.Package != "" ||
				got.Binary != filepath.Join(dir, "asset.abc", "bootstrap") {
				t.Errorf("function R = %+v, want %s hosted from its asset's bootstrap", got, tt.wantName)
			}
		})
	}
}
