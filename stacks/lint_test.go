package stacks

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/internal/testtool"
	"github.com/acme/durable-lambda-go/internal/testwait"
)

// TestNag checks that cdk-nag's AwsSolutions pack (applied by NewApp) left
// no unsuppressed error or warning.
func TestNag(t *testing.T) {
	s := synthesized(t)
	for name, stack := range s.stacks() {
		annotations := assertions.Annotations_FromStack(stack.Stack)
		nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		for kind, find := range map[string]func() int{
			"error":   func() int { return len(*annotations.FindError(jsii.String("*"), nag)) },
			"warning": func() int { return len(*annotations.FindWarning(jsii.String("*"), nag)) },
		} {
			noPanic(t, name+" "+kind, func() {
				if n := find(); n != 0 {
					t.Errorf("%s: %d unsuppressed AwsSolutions %ss (see the NagReport CSV in %s)", name, n, kind, s.outdir)
				}
			})
		}
	}
}

// TestNagSuppressions pins the construct's suppressions: each one names a
// single rule on a single resource, and the IAM5 one only the
// `<functionArn>:*` resource, so a new finding cannot hide behind them.
func TestNagSuppressions(t *testing.T) {
	s := synthesized(t)
	tpl := s.defJSON
	fnID, _ := tpl.only(t, "AWS::Lambda::Function")
	policyID := logicalID(s.def.Function.CheckpointPolicy)
	queueID, _ := tpl.only(t, "AWS::SQS::Queue")
	want := map[string][]map[string]interface{}{
		policyID: {{"id": "AwsSolutions-IAM5", "applies_to": []interface{}{"Resource::<" + fnID + ".Arn>:*"}}},
		queueID:  {{"id": "AwsSolutions-SQS3"}},
	}

	got := map[string][]map[string]interface{}{}
	all, _ := tpl["Resources"].(map[string]interface{})
	for id, r := range all {
		md, _ := r.(map[string]interface{})["Metadata"].(map[string]interface{})
		nag, _ := md["cdk_nag"].(map[string]interface{})
		rules, _ := nag["rules_to_suppress"].([]interface{})
		for _, rule := range rules {
			m, _ := rule.(map[string]interface{})
			reason, _ := m["reason"].(string)
			if len(reason) < 40 {
				t.Errorf("%s: suppression %v has no specific reason: %q", id, m["id"], reason)
			}
			entry := map[string]interface{}{"id": m["id"]}
			if a, ok := m["applies_to"]; ok {
				entry["applies_to"] = a
			}
			got[id] = append(got[id], entry)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nag suppressions = %s, want %s", canonical(got), canonical(want))
	}
}

// cfnLintIgnored lists the cfn-lint rules TestCfnLint ignores, with why.
var cfnLintIgnored = map[string]string{
	// CDK's Function adds DependsOn on its role (and the role's default
	// policy) so the permissions exist before the function; the role is also
	// referenced by GetAtt, which makes that one DependsOn entry redundant
	// but harmless. CDK's own template validation ignores W3005 too.
	"W3005": "DependsOn already implied by a reference (CDK's function-to-role dependency)",
}

// TestCfnLint runs cfn-lint on the synthesized templates. CI has cfn-lint
// (.ci/run requires it); see testtool.Require for what happens without it.
func TestCfnLint(t *testing.T) {
	cfnLint := testtool.Require(t, "cfn-lint")
	s := synthesized(t)
	args := []string{"--format", "parseable"}
	for rule := range cfnLintIgnored {
		args = append(args, "--ignore-checks", rule)
	}
	args = append(args, "--")
	for _, stack := range s.stacks() {
		args = append(args, filepath.Join(s.outdir, *stack.TemplateFile()))
	}
	if out, err := exec.CommandContext(testwait.Context(t), cfnLint, args...).CombinedOutput(); err != nil {
		t.Errorf("cfn-lint %v: %v\n%s", args, err, out)
	}
}
