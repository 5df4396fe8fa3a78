package cloudasm_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm/cloudasmtest"
	"github.com/acme/durable-lambda-go/wire"
)

// module returns a module "example.com/app" in a temporary directory
// holding the given package directories.
func module(t *testing.T, pkgs ...string) cloudasm.Module {
	t.Helper()
	dir := t.TempDir()
	for _, p := range pkgs {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return cloudasm.Module{Path: "example.com/app", Dir: dir}
}

func options(m cloudasm.Module) cloudasm.Options {
	return cloudasm.Options{Module: m, Region: "eu-west-1", AccountID: "111122223333"}
}

// TestRead reads testdata/app, a cloud assembly as cdk synth writes it: a
// stack with two durable functions (one with two aliases), a plain one,
// a CDK Node.js handler, and a stage with a third durable function.
func TestRead(t *testing.T) {
	m := module(t, "fns/callee", "fns/caller", "fns/plain", "fns/other")
	a, err := cloudasm.Read("testdata/app", options(m))
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:lambda:eu-west-1:111122223333:function:"
	want := []cloudasm.Function{
		{
			Stack: "App", LogicalID: "CalleeFunction1A2B3C4D", Name: "Callee", Entry: "fns/callee",
			Package: filepath.Join(m.Dir, "fns", "callee"), Durable: true,
			DurableConfig: wire.DurableConfig{ExecutionTimeout: 3600, RetentionPeriodInDays: 7},
			Timeout:       30 * time.Second, MemoryMiB: 512, Aliases: []string{"live", "prod"},
		},
		{
			Stack: "App", LogicalID: "CallerFunction9F8E7D6C", Name: "Caller", Entry: "fns/caller",
			Package: filepath.Join(m.Dir, "fns", "caller"), Durable: true,
			DurableConfig: wire.DurableConfig{ExecutionTimeout: 86400, RetentionPeriodInDays: 14},
			Timeout:       cloudasm.DefaultTimeout, MemoryMiB: cloudasm.DefaultMemoryMiB, Aliases: []string{"prod"},
			Environment: map[string]string{
				"LOG_LEVEL":        "debug",
				"CALLEE_ALIAS_ARN": arn + "Callee:prod",
				"CALLEE_NAME":      "Callee",
				"CALLEE_ARN":       arn + "Callee",
				"CALLEE_LIVE":      arn + "Callee:live",
				"CALLEE_VERSION":   "1",
				"WHERE":            "eu-west-1/111122223333/App-dev/Callee/" + arn + "Callee/${Literal}",
				"PLAIN":            "Plain:1",
			},
			Warnings: []string{
				"environment variable IMPORTED left out: Fn::ImportValue cannot be resolved locally",
				"environment variable QUEUE_ARN left out: Fn::GetAtt Queue4A7E3555.Arn: a AWS::SQS::Queue attribute is not known locally",
				"environment variable QUEUE_URL left out: Ref Queue4A7E3555: a AWS::SQS::Queue is not hosted locally",
			},
		},
		{
			Stack: "App", LogicalID: "PlainFunction00AA", Name: "Plain", Entry: "fns/plain",
			Package: filepath.Join(m.Dir, "fns", "plain"),
			Timeout: 10 * time.Second, MemoryMiB: cloudasm.DefaultMemoryMiB,
		},
		{
			Stack: "StageOther", LogicalID: "OtherFunctionB0B0", Name: "Other", Entry: "fns/other",
			Package: filepath.Join(m.Dir, "fns", "other"), Durable: true,
			DurableConfig: wire.DurableConfig{ExecutionTimeout: 60, RetentionPeriodInDays: 1},
			Timeout:       cloudasm.DefaultTimeout, MemoryMiB: cloudasm.DefaultMemoryMiB,
			Environment: map[string]string{"STACK": "StageOther"},
		},
	}
	if len(a.Functions) != len(want) {
		t.Fatalf("Read found %d functions, want %d: %+v", len(a.Functions), len(want), a.Functions)
	}
	for i := range want {
		if !reflect.DeepEqual(a.Functions[i], want[i]) {
			t.Errorf("function %d:\n got %+v\nwant %+v", i, a.Functions[i], want[i])
		}
	}
	wantSkipped := []cloudasm.Skipped{{
		Stack: "App", LogicalID: "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A", Runtime: "nodejs22.x",
		Reason: "no Go package recorded in its Metadata (durable-lambda-go:function) and not a custom runtime's bootstrap",
	}}
	if !reflect.DeepEqual(a.Skipped, wantSkipped) {
		t.Errorf("Skipped = %+v, want %+v", a.Skipped, wantSkipped)
	}
}

// fn is a function resource with the given metadata and properties.
func fn(meta, props string) string {
	return `{"Type":"AWS::Lambda::Function","Properties":` + props + `,"Metadata":{"durable-lambda-go:function":` + meta + `}}`
}

func TestReadRejectsBadInput(t *testing.T) {
	durable := `{"Runtime":"provided.al2023","DurableConfig":{"ExecutionTimeout":60,"RetentionPeriodInDays":1}}`
	tests := []struct {
		name    string
		dir     func(t *testing.T) string
		check   func(error) bool // the error's type
		message string           // a part of its message
	}{
		{
			name:    "missing directory",
			dir:     func(t *testing.T) string { return filepath.Join(t.TempDir(), "cdk.out") },
			check:   func(err error) bool { var e *cloudasm.NoAssemblyError; return errors.As(err, &e) },
			message: "synthesize the app first",
		},
		{
			name:    "not a cloud assembly",
			dir:     func(t *testing.T) string { return t.TempDir() },
			check:   func(err error) bool { var e *cloudasm.NoAssemblyError; return errors.As(err, &e) },
			message: "no cloud assembly in",
		},
		{
			name: "broken manifest",
			dir: func(t *testing.T) string {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts":`), 0o644); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			check:   func(err error) bool { var e *cloudasm.AssemblyError; return errors.As(err, &e) },
			message: "manifest.json: unexpected end of JSON input",
		},
		{
			name: "missing template",
			dir: func(t *testing.T) string {
				dir := cloudasmtest.WriteAssembly(t, `{}`)
				if err := os.Remove(filepath.Join(dir, "S.template.json")); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			check:   func(err error) bool { var e *cloudasm.AssemblyError; return errors.As(err, &e) },
			message: "S.template.json",
		},
		{
			name:    "broken metadata",
			dir:     func(t *testing.T) string { return cloudasmtest.WriteAssembly(t, `{"F":`+fn(`"fns/a"`, durable)+`}`) },
			check:   func(err error) bool { var e *cloudasm.AssemblyError; return errors.As(err, &e) },
			message: "want an object with Name and Entry",
		},
		{
			name: "another app: no function of this app's constructs",
			dir: func(t *testing.T) string {
				return cloudasmtest.WriteAssembly(t, `{"Handler":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"nodejs22.x"}}}`)
			},
			check:   func(err error) bool { var e *cloudasm.ForeignError; return errors.As(err, &e) && e.Other == "" },
			message: "is it from another app?\n  S/Handler (nodejs22.x): no Go package recorded",
		},
		{
			name: "another app: another module",
			dir: func(t *testing.T) string {
				return cloudasmtest.WriteAssembly(t, `{"F":`+fn(`{"Name":"F","Module":"example.com/other","Entry":"fns/a"}`, durable)+`}`)
			},
			check: func(err error) bool {
				var e *cloudasm.ForeignError
				return errors.As(err, &e) && e.Other == "example.com/other"
			},
			message: "comes from the app of module example.com/other, not of this module (example.com/app)",
		},
		{
			name: "function whose package is not in the module",
			dir: func(t *testing.T) string {
				return cloudasmtest.WriteAssembly(t, `{"F":`+fn(`{"Name":"F","Module":"example.com/app","Entry":"fns/gone"}`, durable)+`}`)
			},
			check:   func(err error) bool { return err != nil },
			message: "function F: its Go package fns/gone is not a directory of module example.com/app",
		},
		{
			name: "no durable function",
			dir: func(t *testing.T) string {
				return cloudasmtest.WriteAssembly(t, `{"F":`+fn(`{"Name":"F","Entry":"fns/a"}`, `{"Runtime":"provided.al2023"}`)+`}`)
			},
			check:   func(err error) bool { var e *cloudasm.NoDurableError; return errors.As(err, &e) },
			message: "has no durable function (no DurableConfig on F)",
		},
		{
			name: "two functions of one name",
			dir: func(t *testing.T) string {
				return cloudasmtest.WriteAssembly(t, `{"F1":`+fn(`{"Name":"F","Entry":"fns/a"}`, durable)+`,"F2":`+fn(`{"Name":"F","Entry":"fns/a"}`, durable)+`}`)
			},
			check:   func(err error) bool { return err != nil },
			message: "functions S/F1 and S/F2 are both named F",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := cloudasm.Read(tt.dir(t), options(module(t, "fns/a")))
			if !tt.check(err) {
				t.Fatalf("Read = %+v, %v (%T); want an error of the case's type", a, err, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q lacks %q", err, tt.message)
			}
		})
	}
}
