package stacks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/wire"
)

// propErrors returns every *PropError in err's tree, in order.
func propErrors(err error) []*PropError {
	switch e := err.(type) {
	case *PropError:
		return []*PropError{e}
	case interface{ Unwrap() []error }:
		var out []*PropError
		for _, inner := range e.Unwrap() {
			out = append(out, propErrors(inner)...)
		}
		return out
	case interface{ Unwrap() error }:
		return propErrors(e.Unwrap())
	}
	return nil
}

func TestInvalidProps(t *testing.T) {
	const day = 24 * time.Hour
	type bad struct{ prop, value, allowed string }
	tests := []struct {
		name  string
		props DurableFunctionProps
		want  []bad
	}{
		{"execution timeout under 1s", DurableFunctionProps{ExecutionTimeout: 500 * time.Millisecond},
			[]bad{{"ExecutionTimeout", "500ms", "1s to 366 days"}}},
		{"execution timeout negative", DurableFunctionProps{ExecutionTimeout: -time.Second},
			[]bad{{"ExecutionTimeout", "-1s", "1s to 366 days"}}},
		{"execution timeout over 366 days", DurableFunctionProps{ExecutionTimeout: 367 * day},
			[]bad{{"ExecutionTimeout", "8808h0m0s", "1s to 366 days"}}},
		{"execution timeout not whole seconds", DurableFunctionProps{ExecutionTimeout: 1500 * time.Millisecond},
			[]bad{{"ExecutionTimeout", "1.5s", "whole seconds"}}},
		{"retention not whole days", DurableFunctionProps{Retention: 36 * time.Hour},
			[]bad{{"Retention", "36h0m0s", "whole number of days from 1 to 90"}}},
		{"retention over 90 days", DurableFunctionProps{Retention: 91 * day},
			[]bad{{"Retention", "2184h0m0s", "whole number of days from 1 to 90"}}},
		{"retention negative", DurableFunctionProps{Retention: -day},
			[]bad{{"Retention", "-24h0m0s", "whole number of days from 1 to 90"}}},
		{"function timeout over 15 minutes", DurableFunctionProps{FunctionTimeout: 16 * time.Minute},
			[]bad{{"FunctionTimeout", "16m0s", "1s to 15m0s"}}},
		{"function timeout not whole seconds", DurableFunctionProps{FunctionTimeout: 2500 * time.Millisecond},
			[]bad{{"FunctionTimeout", "2.5s", "whole seconds"}}},
		{"memory too small", DurableFunctionProps{MemoryMiB: 64},
			[]bad{{"MemoryMiB", "64", "128 to 10240"}}},
		{"memory too large", DurableFunctionProps{MemoryMiB: 10241},
			[]bad{{"MemoryMiB", "10241", "128 to 10240"}}},
		{"alias with a bad character", DurableFunctionProps{AliasName: "prod!"},
			[]bad{{"AliasName", `"prod!"`, "letters, digits, '-' or '_'"}}},
		{"alias all digits", DurableFunctionProps{AliasName: "42"},
			[]bad{{"AliasName", `"42"`, "not all digits"}}},
		{"alias too long", DurableFunctionProps{AliasName: strings.Repeat("a", 129)},
			[]bad{{"AliasName", `"` + strings.Repeat("a", 129) + `"`, "1 to 128"}}},
		{"unknown status", DurableFunctionProps{StatusFilter: []wire.ExecutionStatus{"FAILED", "DONE"}},
			[]bad{{"StatusFilter", `"DONE"`, "RUNNING, SUCCEEDED, FAILED, TIMED_OUT or STOPPED"}}},
		{"unsupported architecture", DurableFunctionProps{Architecture: awslambda.Architecture_Custom(jsii.String("s390x"), jsii.String("linux/s390x"))},
			[]bad{{"Architecture", `"s390x"`, "arm64 or x86_64"}}},
		{"several at once", DurableFunctionProps{ExecutionTimeout: 367 * day, Retention: 91 * day, FunctionTimeout: time.Hour},
			[]bad{
				{"ExecutionTimeout", "8808h0m0s", "1s to 366 days"},
				{"Retention", "2184h0m0s", "1 to 90"},
				{"FunctionTimeout", "1h0m0s", "15m0s"},
			}},
	}
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Invalid"), nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn, err := NewDurableFunction(context.Background(), stack, "Fn", &tt.props)
			if err == nil {
				t.Fatalf("NewDurableFunction = %v, nil; want an error", fn)
			}
			var first *PropError
			if !errors.As(err, &first) {
				t.Fatalf("errors.As(%q, *PropError) = false", err)
			}
			got := propErrors(err)
			if len(got) != len(tt.want) {
				t.Fatalf("error %q has %d prop errors, want %d", err, len(got), len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Prop != w.prop || g.Value != w.value || !strings.Contains(g.Allowed, w.allowed) {
					t.Errorf("prop error %d = %+v, want Prop %q, Value %q, Allowed containing %q", i, *g, w.prop, w.value, w.allowed)
				}
				for _, part := range []string{w.prop, w.value, w.allowed} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not name %q", err, part)
					}
				}
			}
		})
	}
	if n := len(*stack.Node().Children()); n != 0 {
		t.Errorf("invalid props left %d constructs in the stack, want none", n)
	}
}

func TestResolveDefaults(t *testing.T) {
	for name, props := range map[string]*DurableFunctionProps{"nil": nil, "zero": {}} {
		t.Run(name, func(t *testing.T) {
			r, err := props.resolve("DurableFunctionProps")
			if err != nil {
				t.Fatal(err)
			}
			if r.entry != "lambda" || r.executionTimeout != 24*time.Hour || r.retentionDays != 14 ||
				r.functionTimeout != time.Minute || r.memoryMiB != 256 || r.goarch != "arm64" ||
				*r.architecture.Name() != "arm64" || r.aliasName != "prod" || r.statusFilter != nil {
				t.Errorf("defaults = %+v", r)
			}
		})
	}
}

func TestConfigFromContext(t *testing.T) {
	tests := []struct {
		name    string
		context map[string]interface{}
		want    AppConfig
		id      string
	}{
		{"defaults", nil, AppConfig{StackName: "DurableLambdaGo", Stage: "dev"}, "DurableLambdaGo-dev"},
		{"empty values", map[string]interface{}{"stackName": "", "stage": ""},
			AppConfig{StackName: "DurableLambdaGo", Stage: "dev"}, "DurableLambdaGo-dev"},
		{"both set", map[string]interface{}{"stackName": "Orders", "stage": "prod"},
			AppConfig{StackName: "Orders", Stage: "prod"}, "Orders-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &tt.context})
			got := ConfigFromContext(app)
			if got != tt.want || got.ID() != tt.id {
				t.Errorf("ConfigFromContext = %+v (ID %q), want %+v (ID %q)", got, got.ID(), tt.want, tt.id)
			}
		})
	}
}

func TestReadContext(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("cdk.json", `{"app": "go run .", "context": {"stage": "qa", "@aws-cdk/core:flag": true}}`)
	got, err := ReadContext(good)
	if want := map[string]interface{}{"stage": "qa", "@aws-cdk/core:flag": true}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReadContext = %v, %v; want %v", got, err, want)
	}
	for _, path := range []string{filepath.Join(dir, "missing.json"), write("bad.json", `{"context": [`)} {
		if _, err := ReadContext(path); err == nil {
			t.Errorf("ReadContext(%s) succeeded, want an error", path)
		}
	}
}
