package stacks

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/stacks/fnmeta"
)

// GoFunctionProps configures a GoFunction. Every field is optional, with
// the defaults and limits of the DurableFunctionProps field of the same
// name.
type GoFunctionProps struct {
	// Entry is the directory of the Go main package to build (see
	// DurableFunctionProps.Entry). Default: DefaultEntry ("lambda").
	Entry string
	// FunctionTimeout bounds one invocation. Default: 1 minute.
	FunctionTimeout time.Duration
	// MemoryMiB is the memory size in MiB. Default: 256.
	MemoryMiB int
	// Architecture is arm64 (the default) or x86_64.
	Architecture awslambda.Architecture
	// Environment holds the function's environment variables.
	Environment map[string]string
	// LogRetention is how long the log group keeps events. Default: one month.
	LogRetention awslogs.RetentionDays
	// AliasName names the alias on the current version. Default: "prod".
	AliasName string
}

// GoFunction is a plain (not durable) Go Lambda function, defined the way
// DurableFunction defines its function: the binary built at synth time
// from a Go main package, its own least-privilege role, an explicit log
// group, and a version with an alias. Its template resource records its
// Go package (package fnmeta), so `durablectl serve --app` hosts it beside
// the app's durable functions, built from the same package.
//
// A durable function invokes it through its alias ARN (durable.Invoke);
// grant that with GrantInvoke.
type GoFunction struct {
	constructs.Construct

	// Function is the function.
	Function awslambda.Function
	// Alias points at the current version.
	Alias awslambda.Alias
	// Role is the function's execution role. It has no managed policies.
	Role awsiam.Role
	// LogGroup receives the function's logs.
	LogGroup awslogs.LogGroup
}

// NewGoFunction validates props, builds the Go binary and defines a
// GoFunction with the given id in scope (any construct, a *DurableStack
// included). A *PropError (Props "GoFunctionProps") reports each invalid
// prop; a failed build is reported with the compiler's output. ctx bounds
// the build.
func NewGoFunction(ctx context.Context, scope constructs.Construct, id string, props *GoFunctionProps) (*GoFunction, error) {
	var in GoFunctionProps
	if props != nil {
		in = *props
	}
	p, err := (&DurableFunctionProps{
		Entry: in.Entry, FunctionTimeout: in.FunctionTimeout, MemoryMiB: in.MemoryMiB, Architecture: in.Architecture,
		Environment: in.Environment, LogRetention: in.LogRetention, AliasName: in.AliasName,
	}).resolve("GoFunctionProps")
	if err != nil {
		return nil, fmt.Errorf("GoFunction %s: %w", id, err)
	}
	c, g, err := newGoLambda(ctx, scope, id, "function", p, nil)
	if err != nil {
		return nil, fmt.Errorf("GoFunction %s: %w", id, err)
	}
	return &GoFunction{Construct: c, Function: g.function, Role: g.role, LogGroup: g.logGroup,
		Alias: newAlias(c, g.function, p.aliasName)}, nil
}

// GrantInvoke lets grantee invoke the function through its alias
// (lambda:InvokeFunction on the alias ARN).
func (f *GoFunction) GrantInvoke(grantee awsiam.IGrantable) awsiam.Grant {
	return f.Alias.GrantInvoke(grantee)
}

// RecordEntry records, in the template resource of fn, the Go main
// package fn is built from, so that `durablectl serve --app` can build and
// host it locally. It is for a Go function defined some other way than
// with NewGoFunction or NewDurableFunction, which record theirs. name is
// the name to host it under (fn's construct id when empty); entry is the
// package directory, absolute or relative to the root of the Go module
// that contains the current directory.
func RecordEntry(fn awslambda.Function, name, entry string) error {
	if name == "" {
		name = *fn.Node().Id()
	}
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("record the entry of %s: %w", name, err)
	}
	pkgDir, err := resolveEntry(entry, wd)
	if err != nil {
		return fmt.Errorf("record the entry of %s: %w", name, err)
	}
	meta, err := entryMetadata(name, pkgDir, wd)
	if err != nil {
		return fmt.Errorf("record the entry of %s: %w", name, err)
	}
	fn.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String(fnmeta.Key), map[string]interface{}{
		"Name": meta.Name, "Module": meta.Module, "Entry": meta.Entry,
	})
	return nil
}

// goLambda is what DurableFunction and GoFunction define alike.
type goLambda struct {
	function awslambda.Function
	role     awsiam.Role
	logGroup awslogs.LogGroup
}

// newGoLambda defines, in a new construct with the given id in scope, a
// Go function built from p.entry with its log group and its own role
// (described as the role of a kind), with its entry recorded. customize,
// when not nil, adds to the function's props and environment before the
// function is created.
func newGoLambda(ctx context.Context, scope constructs.Construct, id, kind string, p resolvedProps,
	customize func(*awslambda.FunctionProps, map[string]*string)) (constructs.Construct, goLambda, error) {
	var g goLambda
	wd, err := os.Getwd()
	if err != nil {
		return nil, g, err
	}
	pkgDir, err := resolveEntry(p.entry, wd)
	if err != nil {
		return nil, g, err
	}

	// Children are created in c: jsii identifies objects by pointer, and
	// the Go struct that embeds c is a value it does not know.
	c := constructs.NewConstruct(jsiiConstruct(scope), jsii.String(id))
	buildDir := buildDirOf(c)
	if err := buildBootstrap(ctx, pkgDir, p.goarch, buildDir); err != nil {
		return nil, g, err
	}

	g.logGroup = awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention: p.logRetention,
	})
	g.role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the " + kind + " " + *c.Node().Path()),
	})
	g.logGroup.GrantWrite(g.role)

	env := make(map[string]*string, len(p.environment))
	for k, v := range p.environment {
		env[k] = jsii.String(v)
	}
	fnProps := &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:      jsii.String(BootstrapName),
		Code:         awslambda.Code_FromAsset(jsii.String(buildDir), nil),
		Architecture: p.architecture,
		MemorySize:   jsii.Number(p.memoryMiB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(p.functionTimeout.Seconds())),
		Environment:  &env,
		Role:         g.role,
		LogGroup:     g.logGroup,
	}
	if customize != nil {
		customize(fnProps, env)
	}
	g.function = awslambda.NewFunction(c, jsii.String("Function"), fnProps)
	if err := RecordEntry(g.function, id, pkgDir); err != nil {
		return nil, g, err
	}
	return c, g, nil
}

// newAlias defines the alias named name on fn's current version.
func newAlias(c constructs.Construct, fn awslambda.Function, name string) awslambda.Alias {
	return awslambda.NewAlias(c, jsii.String("Alias"), &awslambda.AliasProps{
		AliasName: jsii.String(name),
		Version:   fn.CurrentVersion(),
	})
}
