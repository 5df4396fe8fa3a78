package stacks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/acme/durable-lambda-go/internal/testtool"
	_ "github.com/acme/durable-lambda-go/stacks/nodeenv"
	"github.com/acme/durable-lambda-go/wire"
)

// The jsii runtime is one Node.js process per test binary and does not
// support concurrent calls, so no test here calls t.Parallel, and the app
// under test is synthesized once (see synthesized) and shared.

// cdkJSON is the app's cdk.json; the tests synthesize with its context so
// that they see the feature flags `cdk synth` uses.
const cdkJSON = "../cdk.json"

// testRoot holds every directory the tests write; TestMain removes it.
var testRoot string

// TestMain runs the tests when Node.js is installed: the CDK runs in a
// Node.js process that the jsii runtime starts (see testtool.Main).
func TestMain(m *testing.M) {
	testtool.Main(withTestRoot{m}, "node")
}

// withTestRoot creates testRoot before the tests, and removes it and stops
// the jsii runtime after them.
type withTestRoot struct{ m *testing.M }

func (w withTestRoot) Run() int {
	var err error
	testRoot, err = os.MkdirTemp("", "stacks-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(testRoot)
	defer jsii.Close()
	return w.m.Run()
}

// fixtureEntry is the function of every test stack but Default, which
// builds the real ../lambda: a main package that imports nothing, so that
// its builds are quick and ../lambda is built once.
const fixtureEntry = "stacks/testdata/fn"

// customProps sets every DurableFunctionProps field to a non-default value.
func customProps() DurableFunctionProps {
	return DurableFunctionProps{
		Entry:            fixtureEntry,
		ExecutionTimeout: 90 * time.Minute,
		Retention:        30 * 24 * time.Hour,
		FunctionTimeout:  5 * time.Minute,
		MemoryMiB:        1024,
		Architecture:     awslambda.Architecture_X86_64(),
		Environment:      map[string]string{"LOG_LEVEL": "debug"},
		LogRetention:     awslogs.RetentionDays_ONE_WEEK,
		AliasName:        "live",
		StatusFilter:     []wire.ExecutionStatus{wire.ExecutionStatusFailed, wire.ExecutionStatusTimedOut, wire.ExecutionStatusStopped},
		Tracing:          true,
	}
}

// synthesis is the app synthesized once for the whole package: a stack with
// every default, a stack with customProps plus a consumer role that
// receives every grant, and a stack with two durable functions.
type synthesis struct {
	outdir      string
	def, custom *DurableStack
	// two holds two durable functions: two.Function and approvals, added
	// with AddFunction.
	two       *DurableStack
	approvals *DurableFunction
	// twoJSON is two's template.
	twoJSON template
	// mixed holds a durable function that may invoke resizer, a
	// GoFunction with customGoProps, and legacy, an awslambda.Function
	// whose entry RecordEntry records.
	mixed     *DurableStack
	resizer   *GoFunction
	legacy    awslambda.Function
	mixedJSON template
	// defTpl and customTpl wrap the synthesized templates for assertions.
	defTpl, customTpl assertions.Template
	// defJSON and customJSON are the same templates as plain Go values.
	defJSON, customJSON template
	// consumer is the role the Custom stack grants to.
	consumer awsiam.Role
}

// stacks returns every synthesized stack by name.
func (s *synthesis) stacks() map[string]*DurableStack {
	return map[string]*DurableStack{"Default": s.def, "Custom": s.custom, "Two": s.two, "Mixed": s.mixed}
}

var (
	synthOnce   sync.Once
	synthResult *synthesis
	synthErr    error
)

// synthesized returns the shared synthesis, failing the test if it failed.
func synthesized(t *testing.T) *synthesis {
	t.Helper()
	synthOnce.Do(func() { synthResult, synthErr = synthesize() })
	if synthErr != nil {
		t.Fatalf("synthesize the test app: %v", synthErr)
	}
	return synthResult
}

// testContext returns cdk.json's context plus the in-memory app mode, in
// which a failed template validation raises an error that carries the
// report itself.
func testContext() (map[string]interface{}, error) {
	ctx, err := ReadContext(cdkJSON)
	if err != nil {
		return nil, err
	}
	ctx["@aws-cdk/core:appMode"] = "inmemory"
	return ctx, nil
}

// newTestApp creates an app like app.go does, writing below testRoot.
func newTestApp(name string) (awscdk.App, string, error) {
	ctx, err := testContext()
	if err != nil {
		return nil, "", err
	}
	outdir := filepath.Join(testRoot, name)
	return NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &ctx}), outdir, nil
}

func synthesize() (s *synthesis, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	app, outdir, err := newTestApp("app")
	if err != nil {
		return nil, err
	}
	s = &synthesis{outdir: outdir}
	ctx := context.Background()
	if s.def, err = NewDurableStack(ctx, app, "Default", nil); err != nil {
		return nil, err
	}
	if s.custom, err = NewDurableStack(ctx, app, "Custom", &DurableStackProps{Function: customProps()}); err != nil {
		return nil, err
	}
	two := &DurableStackProps{Function: DurableFunctionProps{Entry: fixtureEntry}}
	if s.two, err = NewDurableStack(ctx, app, "Two", two); err != nil {
		return nil, err
	}
	if s.approvals, err = s.two.AddFunction(ctx, "Approvals", &DurableFunctionProps{Entry: fixtureEntry, AliasName: "live"}); err != nil {
		return nil, err
	}
	if err := s.defineMixed(ctx, app); err != nil {
		return nil, err
	}
	s.consumer = awsiam.NewRole(s.custom.Stack, jsii.String("Consumer"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountRootPrincipal(),
	})
	fn := s.custom.Function
	fn.GrantStartExecution(s.consumer)
	fn.GrantSendCallbacks(s.consumer)
	fn.GrantReadExecutions(s.consumer)
	fnID := logicalID(fn.Function)
	cdknag.NagSuppressions_AddResourceSuppressions(s.consumer, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Test consumer: the grant helpers' <functionArn>:* is the narrowest pattern matching execution ARNs."),
		AppliesTo: &[]interface{}{fmt.Sprintf("Resource::<%s.Arn>:*", fnID)},
	}}, jsii.Bool(true))

	app.Synth(nil)
	// TestNoDependencyCycle runs the cycle check; skipping it here keeps the
	// other tests' findings visible when there is a cycle.
	parsing := &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)}
	s.defTpl = assertions.Template_FromStack(s.def.Stack, parsing)
	s.customTpl = assertions.Template_FromStack(s.custom.Stack, parsing)
	if s.defJSON, err = templateJSON(s.defTpl); err != nil {
		return nil, err
	}
	if s.customJSON, err = templateJSON(s.customTpl); err != nil {
		return nil, err
	}
	if s.twoJSON, err = templateJSON(assertions.Template_FromStack(s.two.Stack, parsing)); err != nil {
		return nil, err
	}
	if s.mixedJSON, err = templateJSON(assertions.Template_FromStack(s.mixed.Stack, parsing)); err != nil {
		return nil, err
	}
	return s, nil
}

// customGoProps sets every GoFunctionProps field to a non-default value.
func customGoProps() GoFunctionProps {
	return GoFunctionProps{
		Entry:           fixtureEntry,
		FunctionTimeout: 20 * time.Second,
		MemoryMiB:       512,
		Architecture:    awslambda.Architecture_X86_64(),
		Environment:     map[string]string{"SIZE": "small"},
		LogRetention:    awslogs.RetentionDays_TWO_WEEKS,
		AliasName:       "live",
	}
}

// defineMixed defines stack Mixed: its durable function finds the
// GoFunction's alias ARN in RESIZER and may invoke it; legacy runs with
// the GoFunction's role and code.
func (s *synthesis) defineMixed(ctx context.Context, app awscdk.App) error {
	var err error
	if s.mixed, err = NewDurableStack(ctx, app, "Mixed", &DurableStackProps{Function: DurableFunctionProps{Entry: fixtureEntry}}); err != nil {
		return err
	}
	goProps := customGoProps()
	if s.resizer, err = NewGoFunction(ctx, s.mixed, "Resizer", &goProps); err != nil {
		return err
	}
	s.mixed.Function.Function.AddEnvironment(jsii.String("RESIZER"), s.resizer.Alias.FunctionArn(), nil)
	s.resizer.GrantInvoke(s.mixed.Function.Role)
	s.legacy = awslambda.NewFunction(s.mixed.Stack, jsii.String("Legacy"), &awslambda.FunctionProps{
		Runtime:  awslambda.Runtime_PROVIDED_AL2023(),
		Handler:  jsii.String(BootstrapName),
		Code:     awslambda.Code_FromAsset(jsii.String(buildDirOf(s.resizer.Construct)), nil),
		Role:     s.resizer.Role,
		LogGroup: s.resizer.LogGroup,
	})
	return RecordEntry(s.legacy, "", fixtureEntry)
}

// noPanic runs f and turns a panic (how a failed assertions.Template check
// surfaces through jsii) into a test error.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// template is a synthesized CloudFormation template as plain Go values.
type template map[string]interface{}

func templateJSON(tpl assertions.Template) (template, error) {
	data, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		return nil, err
	}
	var t template
	return t, json.Unmarshal(data, &t)
}

// resources returns the template's resources of one type, by logical id.
func (t template) resources(typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	all, _ := t["Resources"].(map[string]interface{})
	for id, r := range all {
		res, _ := r.(map[string]interface{})
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// only returns the single resource of a type, failing the test otherwise.
func (t template) only(tb testing.TB, typ string) (string, map[string]interface{}) {
	tb.Helper()
	rs := t.resources(typ)
	if len(rs) != 1 {
		tb.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}

// functionRole returns the role the template's function runs with.
func (t template) functionRole(tb testing.TB) (string, map[string]interface{}) {
	tb.Helper()
	_, fn := t.only(tb, "AWS::Lambda::Function")
	att, _ := props(fn)["Role"].(map[string]interface{})["Fn::GetAtt"].([]interface{})
	if len(att) != 2 || att[1] != "Arn" {
		tb.Fatalf("function Role = %s, want the Arn of a role in the stack", canonical(props(fn)["Role"]))
	}
	id, _ := att[0].(string)
	role, ok := t.resources("AWS::IAM::Role")[id]
	if !ok {
		tb.Fatalf("function role %s is not an AWS::IAM::Role of the stack", id)
	}
	return id, role
}

// props returns a resource's Properties.
func props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	return p
}

// canonical renders v as JSON for comparisons and messages.
func canonical(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(data)
}

// ref, getAtt and joinSuffix build the intrinsic functions the templates use.
func ref(id string) map[string]interface{} { return map[string]interface{}{"Ref": id} }

func getAtt(id, attr string) map[string]interface{} {
	return map[string]interface{}{"Fn::GetAtt": []interface{}{id, attr}}
}

func joinSuffix(v interface{}, suffix string) map[string]interface{} {
	return map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{v, suffix}}}
}

// statements returns the statements of every IAM policy in the template
// (AWS::IAM::Policy, managed policies and roles' inline policies), keyed by
// the logical id of the resource holding them.
func (t template) statements() map[string][]map[string]interface{} {
	out := map[string][]map[string]interface{}{}
	add := func(id string, doc interface{}) {
		d, _ := doc.(map[string]interface{})
		switch st := d["Statement"].(type) {
		case []interface{}:
			for _, s := range st {
				if m, ok := s.(map[string]interface{}); ok {
					out[id] = append(out[id], m)
				}
			}
		case map[string]interface{}:
			out[id] = append(out[id], st)
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for id, r := range t.resources(typ) {
			add(id, props(r)["PolicyDocument"])
		}
	}
	for id, r := range t.resources("AWS::IAM::Role") {
		inline, _ := props(r)["Policies"].([]interface{})
		for _, p := range inline {
			m, _ := p.(map[string]interface{})
			add(id, m["PolicyDocument"])
		}
	}
	return out
}

// strs returns a statement field that may be a string or a list as a list.
func strs(v interface{}) []interface{} {
	if l, ok := v.([]interface{}); ok {
		return l
	}
	return []interface{}{v}
}
