package stacks

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// TestNoDependencyCycle runs the cycle check of assertions.Template on the
// synthesized stacks (the shared synthesis skips it so that the other tests
// still run). The checkpoint policy references the function, so it must not
// be among the resources the function depends on.
func TestNoDependencyCycle(t *testing.T) {
	s := synthesized(t)
	for name, stack := range s.stacks() {
		noPanic(t, name, func() {
			assertions.Template_FromStack(stack.Stack, &assertions.TemplateParsingOptions{
				SkipCyclicalDependenciesCheck: jsii.Bool(false),
			})
		})
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
