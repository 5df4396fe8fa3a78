package stacks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Context keys the app reads (`cdk synth -c stage=prod`), and their defaults.
const (
	// ContextStackName names the context value holding the stack name prefix.
	ContextStackName = "stackName"
	// ContextStage names the context value holding the stage.
	ContextStage = "stage"
	// DefaultStackName is the stack name prefix when the context has none.
	DefaultStackName = "DurableLambdaGo"
	// DefaultStage is the stage when the context has none.
	DefaultStage = "dev"
)

// AppConfig is what the app takes from the CDK context.
type AppConfig struct {
	// StackName is the stack name prefix (context "stackName",
	// default DefaultStackName).
	StackName string
	// Stage names the deployment, for example dev or prod (context "stage",
	// default DefaultStage). It suffixes the stack name and tags every
	// resource.
	Stage string
}

// ConfigFromContext reads the AppConfig from scope's context, applying the
// defaults for absent or empty values.
func ConfigFromContext(scope constructs.Construct) AppConfig {
	get := func(key, def string) string {
		if v, ok := scope.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return def
	}
	return AppConfig{
		StackName: get(ContextStackName, DefaultStackName),
		Stage:     get(ContextStage, DefaultStage),
	}
}

// ID is the construct id and CloudFormation name of the stack: the stack
// name and the stage joined by a hyphen.
func (c AppConfig) ID() string {
	return c.StackName + "-" + c.Stage
}

// ReadContext returns the "context" object of a cdk.json file: the feature
// flags and context values the CDK CLI would pass to the app.
func ReadContext(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CDK context: %w", err)
	}
	var file struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse CDK context %s: %w", path, err)
	}
	return file.Context, nil
}

// NewApp creates the CDK app with cdk-nag's AwsSolutions checks applied to
// every stack, so that an unsuppressed finding is an error annotation and
// `cdk synth` fails on it.
func NewApp(props *awscdk.AppProps) awscdk.App {
	app := awscdk.NewApp(props)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return app
}

// DurableStackProps configures a DurableStack.
type DurableStackProps struct {
	awscdk.StackProps
	// Function configures the stack's DurableFunction.
	Function DurableFunctionProps
}

// DurableStack holds a DurableFunction and exports what a caller needs:
// the function name, the alias ARN and the status topic ARN. AddFunction
// adds more durable functions, each with its own outputs.
type DurableStack struct {
	awscdk.Stack
	// Function is the stack's first durable function.
	Function *DurableFunction
}

// Output names of a DurableStack. The outputs of a function added with
// AddFunction carry its id as a prefix: "Approvals" + OutputAliasArn.
const (
	// OutputFunctionName is the function's name.
	OutputFunctionName = "FunctionName"
	// OutputAliasArn is the ARN of the alias to invoke.
	OutputAliasArn = "AliasArn"
	// OutputStatusTopicArn is the ARN of the status topic.
	OutputStatusTopicArn = "StatusTopicArn"
)

// stackFunctionID is the construct id of a DurableStack's first function.
const stackFunctionID = "DurableFunction"

// NewDurableStack defines the stack. It fails when NewDurableFunction does.
func NewDurableStack(ctx context.Context, scope constructs.Construct, id string, props *DurableStackProps) (*DurableStack, error) {
	if props == nil {
		props = &DurableStackProps{}
	}
	s := &DurableStack{Stack: awscdk.NewStack(scope, jsii.String(id), &props.StackProps)}
	fn, err := s.addFunction(ctx, stackFunctionID, "", &props.Function)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", id, err)
	}
	s.Function = fn
	return s, nil
}

// AddFunction defines another DurableFunction in the stack, with construct
// id id, and exports its outputs under the names id+OutputFunctionName,
// id+OutputAliasArn and id+OutputStatusTopicArn. It fails when
// NewDurableFunction does.
func (s *DurableStack) AddFunction(ctx context.Context, id string, props *DurableFunctionProps) (*DurableFunction, error) {
	fn, err := s.addFunction(ctx, id, id, props)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", *s.Node().Id(), err)
	}
	return fn, nil
}

// addFunction defines a DurableFunction in the stack and its outputs, their
// names prefixed with prefix.
func (s *DurableStack) addFunction(ctx context.Context, id, prefix string, props *DurableFunctionProps) (*DurableFunction, error) {
	fn, err := NewDurableFunction(ctx, s, id, props)
	if err != nil {
		return nil, err
	}
	outputs := []struct{ name, value, description string }{
		{OutputFunctionName, *fn.Function.FunctionName(), "Name of the durable function"},
		{OutputAliasArn, *fn.Alias.FunctionArn(), "Invoke this alias ARN (or <FunctionName>:<alias>); unqualified invokes are rejected"},
		{OutputStatusTopicArn, *fn.StatusTopic.TopicArn(), "SNS topic receiving the function's execution status changes"},
	}
	for _, o := range outputs {
		if prefix != "" {
			o.description = prefix + ": " + o.description
		}
		awscdk.NewCfnOutput(s.Stack, jsii.String(prefix+o.name), &awscdk.CfnOutputProps{
			Value:       jsii.String(o.value),
			Description: jsii.String(o.description),
		})
	}
	return fn, nil
}
