package stacks

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/acme/durable-lambda-go/stacks/fnmeta"
)

// TestTwoFunctions checks the stack holding two durable functions, the
// second added with AddFunction (which passes the *DurableStack itself as
// the scope): each function has its own role, a checkpoint policy on that
// role granting its own ARN, its own alias, status rule, topic and outputs.
func TestTwoFunctions(t *testing.T) {
	s := synthesized(t)
	tpl := s.twoJSON
	if n := len(tpl.resources("AWS::Lambda::Function")); n != 2 {
		t.Fatalf("%d functions in stack Two, want 2", n)
	}
	tests := []struct {
		name         string
		fn           *DurableFunction
		outputPrefix string
		alias        string
	}{
		{"first", s.two.Function, "", "prod"},
		{"added", s.approvals, "Approvals", "live"},
	}
	seen := map[string]string{} // logical id -> which function it belongs to
	wantOutputs := map[string]interface{}{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := map[string]string{}
			for what, c := range map[string]constructs.IConstruct{
				"function": tt.fn.Function, "role": tt.fn.Role, "policy": tt.fn.CheckpointPolicy,
				"alias": tt.fn.Alias, "rule": tt.fn.StatusRule, "topic": tt.fn.StatusTopic,
			} {
				id := logicalID(c)
				if other, ok := seen[id]; ok {
					t.Errorf("%s %s is also the %s", what, id, other)
				}
				seen[id] = tt.name + " " + what
				ids[what] = id
			}
			resource := func(typ, what string) map[string]interface{} {
				t.Helper()
				r, ok := tpl.resources(typ)[ids[what]]
				if !ok {
					t.Fatalf("the %s %s is not an %s of the template", what, ids[what], typ)
				}
				return props(r)
			}
			fnArn := getAtt(ids["function"], "Arn")

			if got, want := resource("AWS::Lambda::Function", "function")["Role"], getAtt(ids["role"], "Arn"); !reflect.DeepEqual(got, want) {
				t.Errorf("function Role = %s, want its own role %s", canonical(got), canonical(want))
			}
			policy := resource("AWS::IAM::Policy", "policy")
			if got, want := policy["Roles"], []interface{}{ref(ids["role"])}; !reflect.DeepEqual(got, want) {
				t.Errorf("checkpoint policy Roles = %s, want %s", canonical(got), canonical(want))
			}
			wantStatement := map[string]interface{}{
				"Effect":   "Allow",
				"Action":   []interface{}{"lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"},
				"Resource": joinSuffix(fnArn, ":*"),
			}
			if got := tpl.statements()[ids["policy"]]; !reflect.DeepEqual(got, []map[string]interface{}{wantStatement}) {
				t.Errorf("checkpoint policy = %s, want %s", canonical(got), canonical(wantStatement))
			}

			alias := resource("AWS::Lambda::Alias", "alias")
			if !reflect.DeepEqual(alias["FunctionName"], ref(ids["function"])) || alias["Name"] != tt.alias {
				t.Errorf("alias = %s, want %q of %s", canonical(alias), tt.alias, ids["function"])
			}

			rule := resource("AWS::Events::Rule", "rule")
			pattern, _ := rule["EventPattern"].(map[string]interface{})
			detail, _ := pattern["detail"].(map[string]interface{})
			wantMatch := []interface{}{map[string]interface{}{"prefix": joinSuffix(fnArn, ":")}}
			if !reflect.DeepEqual(detail["functionArn"], wantMatch) {
				t.Errorf("rule matches functionArn %s, want %s", canonical(detail["functionArn"]), canonical(wantMatch))
			}
			targets, _ := rule["Targets"].([]interface{})
			if len(targets) != 1 || !reflect.DeepEqual(targets[0].(map[string]interface{})["Arn"], ref(ids["topic"])) {
				t.Errorf("rule targets = %s, want its own topic %s", canonical(targets), ids["topic"])
			}

			wantOutputs[tt.outputPrefix+OutputFunctionName] = ref(ids["function"])
			wantOutputs[tt.outputPrefix+OutputAliasArn] = ref(ids["alias"])
			wantOutputs[tt.outputPrefix+OutputStatusTopicArn] = ref(ids["topic"])
		})
	}
	outputs, _ := tpl["Outputs"].(map[string]interface{})
	got := map[string]interface{}{}
	for name, o := range outputs {
		got[name] = o.(map[string]interface{})["Value"]
	}
	if !reflect.DeepEqual(got, wantOutputs) {
		t.Errorf("outputs = %s, want %s", canonical(got), canonical(wantOutputs))
	}
}

// TestEntryMetadata checks that each function of stack Two records, in
// its resource's Metadata, the name, module and entry package a local
// host builds it from (package fnmeta).
func TestEntryMetadata(t *testing.T) {
	s := synthesized(t)
	want := map[string]fnmeta.Function{
		logicalID(s.two.Function.Function): {Name: "DurableFunction", Module: "github.com/acme/durable-lambda-go", Entry: fixtureEntry},
		logicalID(s.approvals.Function):    {Name: "Approvals", Module: "github.com/acme/durable-lambda-go", Entry: fixtureEntry},
	}
	for id, fn := range s.twoJSON.resources("AWS::Lambda::Function") {
		meta, _ := fn["Metadata"].(map[string]interface{})
		data, err := json.Marshal(meta[fnmeta.Key])
		if err != nil {
			t.Fatal(err)
		}
		var got fnmeta.Function
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("%s Metadata[%q] = %s: %v", id, fnmeta.Key, data, err)
		}
		if got != want[id] {
			t.Errorf("%s Metadata[%q] = %+v, want %+v", id, fnmeta.Key, got, want[id])
		}
	}
}

func TestEntryMetadataOutsideTheModule(t *testing.T) {
	outside := t.TempDir() // no go.mod above a temporary directory
	got, err := entryMetadata("F", filepath.Join(outside, "fn"), outside)
	if err != nil {
		t.Fatal(err)
	}
	if want := (fnmeta.Function{Name: "F", Entry: filepath.Join(outside, "fn")}); got != want {
		t.Errorf("entryMetadata outside a module = %+v, want %+v", got, want)
	}
}
