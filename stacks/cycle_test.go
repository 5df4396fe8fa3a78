package stacks

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// dependencies returns, for each resource of a template, the resources it
// depends on: those named by DependsOn, Ref, Fn::GetAtt and ${...} in
// Fn::Sub. References to parameters and pseudo parameters are dropped.
func (t template) dependencies() map[string][]string {
	all, _ := t["Resources"].(map[string]interface{})
	deps := map[string][]string{}
	for id, r := range all {
		res, _ := r.(map[string]interface{})
		seen := map[string]bool{}
		add := func(target string) {
			if _, ok := all[target]; ok && !seen[target] {
				seen[target] = true
				deps[id] = append(deps[id], target)
			}
		}
		for _, d := range strs(res["DependsOn"]) {
			if s, ok := d.(string); ok {
				add(s)
			}
		}
		walkReferences(res, add)
		sort.Strings(deps[id])
	}
	return deps
}

// walkReferences calls add for every logical id v references.
func walkReferences(v interface{}, add func(string)) {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, val := range x {
			switch k {
			case "Ref":
				if s, ok := val.(string); ok {
					add(s)
				}
			case "Fn::GetAtt":
				if l, ok := val.([]interface{}); ok && len(l) > 0 {
					if s, ok := l[0].(string); ok {
						add(s)
					}
				}
			case "Fn::Sub":
				sub := val
				if l, ok := val.([]interface{}); ok && len(l) > 0 {
					sub = l[0]
				}
				if s, ok := sub.(string); ok {
					for _, part := range strings.Split(s, "${")[1:] {
						name, _, _ := strings.Cut(part, "}")
						name, _, _ = strings.Cut(name, ".")
						add(name)
					}
				}
			}
			walkReferences(val, add)
		}
	case []interface{}:
		for _, e := range x {
			walkReferences(e, add)
		}
	}
}

// findCycle returns one dependency cycle (first node repeated at the end),
// or nil when the graph is acyclic.
func findCycle(deps map[string][]string) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = onPath
		path = append(path, n)
		for _, d := range deps[n] {
			switch state[d] {
			case onPath:
				for i, p := range path {
					if p == d {
						return append(append([]string{}, path[i:]...), d)
					}
				}
			case unvisited:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	nodes := make([]string, 0, len(deps))
	for n := range deps {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		if state[n] == unvisited {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

func TestFindCycle(t *testing.T) {
	tests := []struct {
		name string
		deps map[string][]string
		want []string
	}{
		{"empty", map[string][]string{}, nil},
		{"chain", map[string][]string{"A": {"B"}, "B": {"C"}}, nil},
		{"diamond", map[string][]string{"A": {"B", "C"}, "B": {"D"}, "C": {"D"}}, nil},
		{"self", map[string][]string{"A": {"A"}}, []string{"A", "A"}},
		{"role policy function", map[string][]string{
			"Function": {"Role", "RolePolicy"}, "RolePolicy": {"Role", "Function"},
		}, []string{"Function", "RolePolicy", "Function"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findCycle(tt.deps); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findCycle = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDependencies(t *testing.T) {
	tpl := template{"Resources": map[string]interface{}{
		"A": map[string]interface{}{"DependsOn": "B", "Properties": map[string]interface{}{
			"X": map[string]interface{}{"Fn::GetAtt": []interface{}{"C", "Arn"}},
			"Y": map[string]interface{}{"Fn::Sub": "arn:${AWS::Partition}:${D.Arn}/${E}"},
			"Z": map[string]interface{}{"Ref": "AWS::Region"},
		}},
		"B": map[string]interface{}{"DependsOn": []interface{}{"C"}},
		"C": map[string]interface{}{"Properties": map[string]interface{}{
			"L": []interface{}{map[string]interface{}{"Ref": "E"}},
		}},
		"D": map[string]interface{}{},
		"E": map[string]interface{}{},
	}}
	want := map[string][]string{"A": {"B", "C", "D", "E"}, "B": {"C"}, "C": {"E"}}
	if got := tpl.dependencies(); !reflect.DeepEqual(got, want) {
		t.Errorf("dependencies = %v, want %v", got, want)
	}
}

// TestNoDependencyCycle checks the synthesized templates directly; the
// checkpoint policy references the function, so it must not be among the
// resources the function depends on.
func TestNoDependencyCycle(t *testing.T) {
	s := synthesized(t)
	for name, tpl := range map[string]template{"Default": s.defJSON, "Custom": s.customJSON} {
		if c := findCycle(tpl.dependencies()); c != nil {
			t.Errorf("%s: dependency cycle %s", name, strings.Join(c, " -> "))
		}
	}
}

// TestSynthFailsOnCycle checks that cdk.json enables the CDK validation
// that fails synthesis on a template cycle. The fixture makes the mistake
// DurableFunction avoids: its function's role gets a policy, as a child of
// the role, that references the function.
func TestSynthFailsOnCycle(t *testing.T) {
	ctx, err := testContext()
	if err != nil {
		t.Fatal(err)
	}
	// No cdk-nag here (awscdk.NewApp, not NewApp): the cycle must be the
	// only finding, so that synth fails only if the cycle is an error.
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(testRoot, "cycle")), Context: &ctx})
	stack := awscdk.NewStack(app, jsii.String("Cyclic"), nil)
	role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	fn := awslambda.NewFunction(stack, jsii.String("Function"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => {};")),
		Role:    role,
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(CheckpointActions...),
		Resources: jsii.Strings(*fn.FunctionArn() + ":*"),
	}))

	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		app.Synth(nil)
		return ""
	}()
	if msg == "" {
		t.Fatal("synth of a template with a dependency cycle succeeded; want it to fail (is @aws-cdk/core:validateAgainstDefaultRules true in cdk.json?)")
	}
	if !strings.Contains(msg, "ERROR") || !strings.Contains(msg, "Circular") {
		t.Errorf("synth failed, but not on the cycle:\n%s", msg)
	}
}
