package stacks

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/stacks/fnmeta"
)

// TestGoFunction checks stack Mixed's GoFunction: a plain function (no
// DurableConfig) with every prop from customGoProps, its own role with
// no managed policy and nothing but its log group's write access, an
// alias the durable function may invoke and finds in its environment,
// and its Go package recorded for local hosts — as is that of legacy, by
// RecordEntry.
func TestGoFunction(t *testing.T) {
	s := synthesized(t)
	tpl := s.mixedJSON
	fnID, roleID, aliasID := logicalID(s.resizer.Function), logicalID(s.resizer.Role), logicalID(s.resizer.Alias)
	fns := tpl.resources("AWS::Lambda::Function")
	fn, ok := fns[fnID]
	if !ok {
		t.Fatalf("the GoFunction's function %s is not in the template", fnID)
	}
	p := props(fn)
	want := map[string]interface{}{
		"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 512.0, "Timeout": 20.0,
		"Architectures": []interface{}{"x86_64"},
		"Environment":   map[string]interface{}{"Variables": map[string]interface{}{"SIZE": "small"}},
		"Role":          getAtt(roleID, "Arn"),
	}
	for k, v := range want {
		if !reflect.DeepEqual(p[k], v) {
			t.Errorf("function %s = %s, want %s", k, canonical(p[k]), canonical(v))
		}
	}
	if dc, ok := p["DurableConfig"]; ok {
		t.Errorf("the GoFunction has DurableConfig %s, want none", canonical(dc))
	}

	role := props(tpl.resources("AWS::IAM::Role")[roleID])
	if mp, ok := role["ManagedPolicyArns"]; ok {
		t.Errorf("the GoFunction's role has managed policies %s, want none", canonical(mp))
	}
	for id, r := range tpl.resources("AWS::IAM::Policy") {
		if !reflect.DeepEqual(props(r)["Roles"], []interface{}{ref(roleID)}) {
			continue
		}
		for _, st := range tpl.statements()[id] {
			for _, a := range strs(st["Action"]) {
				if action, _ := a.(string); !strings.HasPrefix(action, "logs:") {
					t.Errorf("the GoFunction's role is granted %s (%s), want only its log group's write access", action, canonical(st))
				}
			}
		}
	}
	if got := props(tpl.resources("AWS::Logs::LogGroup")[logicalID(s.resizer.LogGroup)])["RetentionInDays"]; got != 14.0 {
		t.Errorf("log group RetentionInDays = %v, want 14", got)
	}
	alias := props(tpl.resources("AWS::Lambda::Alias")[aliasID])
	if alias["Name"] != "live" || !reflect.DeepEqual(alias["FunctionName"], ref(fnID)) {
		t.Errorf("alias = %s, want \"live\" of %s", canonical(alias), fnID)
	}

	durableID := logicalID(s.mixed.Function.Function)
	env, _ := props(fns[durableID])["Environment"].(map[string]interface{})
	if vars, _ := env["Variables"].(map[string]interface{}); !reflect.DeepEqual(vars["RESIZER"], ref(aliasID)) {
		t.Errorf("the durable function's RESIZER = %s, want the GoFunction's alias ARN", canonical(vars["RESIZER"]))
	}
	invokes := false
	for id, st := range tpl.statements() {
		r := props(tpl.resources("AWS::IAM::Policy")[id])
		if !reflect.DeepEqual(r["Roles"], []interface{}{ref(logicalID(s.mixed.Function.Role))}) {
			continue
		}
		for _, stmt := range st {
			if stmt["Action"] == "lambda:InvokeFunction" && reflect.DeepEqual(strs(stmt["Resource"])[0], ref(aliasID)) {
				invokes = true
			}
		}
	}
	if !invokes {
		t.Errorf("the durable function's role may not invoke the GoFunction's alias (GrantInvoke)")
	}

	for id, wantName := range map[string]string{fnID: "Resizer", logicalID(s.legacy): "Legacy"} {
		meta, _ := fns[id]["Metadata"].(map[string]interface{})
		data, _ := json.Marshal(meta[fnmeta.Key])
		var got fnmeta.Function
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("%s Metadata[%q] = %s: %v", id, fnmeta.Key, data, err)
		}
		if want := (fnmeta.Function{Name: wantName, Module: "github.com/acme/durable-lambda-go", Entry: fixtureEntry}); got != want {
			t.Errorf("%s Metadata[%q] = %+v, want %+v", id, fnmeta.Key, got, want)
		}
	}
}

// TestInvalidGoFunctionProps checks that a GoFunction's bad props are
// *PropErrors of GoFunctionProps, found before anything is built.
func TestInvalidGoFunctionProps(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	_, err := NewGoFunction(t.Context(), stack, "Fn", &GoFunctionProps{Entry: "does/not/exist", MemoryMiB: 64, FunctionTimeout: time.Hour})
	var got []string
	for _, pe := range propErrors(err) {
		got = append(got, pe.Props+"."+pe.Prop)
	}
	if want := []string{"GoFunctionProps.FunctionTimeout", "GoFunctionProps.MemoryMiB"}; !reflect.DeepEqual(got, want) {
		t.Errorf("NewGoFunction errors = %v (%v), want %v", got, err, want)
	}
	var pe *PropError
	if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "GoFunction Fn: invalid GoFunctionProps.") {
		t.Errorf("error %q, want it to name the GoFunction and GoFunctionProps", err)
	}
}
