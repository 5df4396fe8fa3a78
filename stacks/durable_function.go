package stacks

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Event fields of the status-change events Lambda publishes to the default
// event bus for every durable execution.
const (
	// StatusEventSource is the events' source.
	StatusEventSource = "aws.lambda"
	// StatusEventDetailType is the events' detail-type.
	StatusEventDetailType = "Durable Execution Status Change"
)

// Actions granted by DurableFunction. Lambda authorizes all of them against
// execution ARNs (`<functionArn>:<version>/durable-execution/...`), which is
// why their resource is `<functionArn>:*` and never the unqualified ARN.
var (
	// CheckpointActions is what the function itself needs to run durably.
	CheckpointActions = []string{"lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"}
	// CallbackActions is what GrantSendCallbacks grants.
	CallbackActions = []string{
		"lambda:SendDurableExecutionCallbackSuccess",
		"lambda:SendDurableExecutionCallbackFailure",
		"lambda:SendDurableExecutionCallbackHeartbeat",
	}
	// ReadActions is what GrantReadExecutions grants.
	ReadActions = []string{
		"lambda:GetDurableExecution",
		"lambda:GetDurableExecutionHistory",
		"lambda:ListDurableExecutionsByFunction",
	}
)

// Retry policy of the status rule's topic target; events that still fail go
// to StatusDeadLetterQueue.
const (
	statusRetryAttempts    = 20
	statusMaxEventAgeHours = 6
	statusDLQRetentionDays = 14
)

// DurableFunction is a Go Lambda function with durable execution enabled and
// everything it needs: the binary built at synth time, its own least-privilege
// role, an explicit log group, a version with an alias that every caller
// invokes, and an EventBridge rule that publishes the function's execution
// status changes to an SNS topic.
type DurableFunction struct {
	constructs.Construct

	// Function is the durable function. Do not invoke it unqualified: the
	// service rejects that; use Alias.
	Function awslambda.Function
	// Alias points at the current version; every invoke targets it.
	Alias awslambda.Alias
	// Role is the function's execution role. It has no managed policies.
	Role awsiam.Role
	// LogGroup receives the function's logs.
	LogGroup awslogs.LogGroup
	// CheckpointPolicy grants CheckpointActions on `<functionArn>:*`. It is a
	// sibling of the role, not its child: the function depends on the role's
	// children, and this policy references the function.
	CheckpointPolicy awsiam.Policy
	// StatusRule matches this function's "Durable Execution Status Change"
	// events.
	StatusRule awsevents.Rule
	// StatusTopic receives the events StatusRule matches. Subscribe to it.
	StatusTopic awssns.Topic
	// StatusTopicKey encrypts StatusTopic; subscribers that read messages
	// through the SNS API need kms:Decrypt on it.
	StatusTopicKey awskms.Key
	// StatusDeadLetterQueue keeps events that could not be published.
	StatusDeadLetterQueue awssqs.Queue
}

// NewDurableFunction validates props, builds the Go binary and defines the
// resources in a new construct with the given id in scope. scope can be any
// construct, a Go struct that embeds one included (a *DurableStack, for a
// second function in that stack; DurableStack.AddFunction also exports its
// outputs). A *PropError (see errors.As) reports each invalid prop; a failed
// build is reported with the compiler's output. ctx bounds the build.
func NewDurableFunction(ctx context.Context, scope constructs.Construct, id string, props *DurableFunctionProps) (*DurableFunction, error) {
	p, err := props.resolve("DurableFunctionProps")
	if err != nil {
		return nil, fmt.Errorf("DurableFunction %s: %w", id, err)
	}
	mount, mountPath := props.fileSystem(), ""
	if mount != nil {
		if mountPath, err = mount.mountPath(); err != nil {
			return nil, fmt.Errorf("DurableFunction %s: %w", id, err)
		}
	}
	c, g, err := newGoLambda(ctx, scope, id, "durable function", p, func(fnProps *awslambda.FunctionProps, env map[string]*string) {
		fnProps.DurableConfig = &awslambda.DurableConfig{
			ExecutionTimeout: awscdk.Duration_Seconds(jsii.Number(p.executionTimeout.Seconds())),
			RetentionPeriod:  awscdk.Duration_Days(jsii.Number(p.retentionDays)),
		}
		if p.tracing {
			// The function adds the X-Ray statement to its role's default
			// policy (see suppressNagFindings).
			fnProps.Tracing = awslambda.Tracing_ACTIVE
		}
		if mount != nil {
			mount.apply(fnProps, env, mountPath)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("DurableFunction %s: %w", id, err)
	}
	d := &DurableFunction{Construct: c, Function: g.function, Role: g.role, LogGroup: g.logGroup}
	if mount != nil {
		mount.grant(d)
	}

	// The function is durable from its creation, so the warning that adding
	// DurableConfig to an existing function replaces it does not apply.
	awscdk.Annotations_Of(d.Function).AcknowledgeInfo(jsii.String("aws-lambda:Function.DurableConfig"),
		jsii.String("DurableFunction sets DurableConfig when it creates the function"))

	d.CheckpointPolicy = awsiam.NewPolicy(c, jsii.String("CheckpointPolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{d.Role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(CheckpointActions...),
			Resources: jsii.Strings(d.executionsArn()),
		})},
	})

	d.Alias = newAlias(c, d.Function, p.aliasName)

	d.defineStatusEvents(p)
	d.suppressNagFindings(p)
	return d, nil
}

// buildDirOf is the directory that the construct c (a DurableFunction or
// a GoFunction) builds its binary in: the function's asset.
func buildDirOf(c constructs.Construct) string {
	return filepath.Join(*awscdk.Stage_Of(c).AssetOutdir(), "build-"+*c.Node().Addr())
}

// jsiiConstruct returns scope as the jsii runtime knows it. A Go struct
// that embeds a construct, such as *DurableStack or *DurableFunction, is a
// value the runtime has never seen: passed on as a scope, the runtime would
// register it as a new object and then find the construct it embeds
// already registered ("... was already assigned ..."). The last of a
// node's scopes is the construct itself, as the runtime registered it.
func jsiiConstruct(scope constructs.Construct) constructs.Construct {
	if scope == nil {
		return nil
	}
	scopes := *scope.Node().Scopes()
	if c, ok := scopes[len(scopes)-1].(constructs.Construct); ok {
		return c
	}
	return scope
}

// defineStatusEvents routes this function's status-change events to the
// status topic, with a retry policy and a dead-letter queue.
func (d *DurableFunction) defineStatusEvents(p resolvedProps) {
	d.StatusTopicKey = awskms.NewKey(d.Construct, jsii.String("StatusTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the status topic of " + *d.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
	})
	d.StatusTopic = awssns.NewTopic(d.Construct, jsii.String("StatusTopic"), &awssns.TopicProps{
		MasterKey:  d.StatusTopicKey,
		EnforceSSL: jsii.Bool(true),
	})
	d.StatusDeadLetterQueue = awssqs.NewQueue(d.Construct, jsii.String("StatusDeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(statusDLQRetentionDays)),
	})

	// The event's resources list is empty and detail.functionArn carries the
	// version, so the function is matched by the prefix "<functionArn>:".
	detail := map[string]interface{}{
		"functionArn": []interface{}{map[string]interface{}{"prefix": *d.Function.FunctionArn() + ":"}},
	}
	if len(p.statusFilter) > 0 {
		statuses := make([]interface{}, len(p.statusFilter))
		for i, s := range p.statusFilter {
			statuses[i] = string(s)
		}
		detail["status"] = statuses
	}
	d.StatusRule = awsevents.NewRule(d.Construct, jsii.String("StatusRule"), &awsevents.RuleProps{
		Description: jsii.String("Durable execution status changes of " + *d.Node().Path()),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(StatusEventSource),
			DetailType: jsii.Strings(StatusEventDetailType),
			Detail:     &detail,
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSnsTopic(d.StatusTopic, &awseventstargets.SnsTopicProps{
			DeadLetterQueue: d.StatusDeadLetterQueue,
			RetryAttempts:   jsii.Number(statusRetryAttempts),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(statusMaxEventAgeHours)),
		})},
	})
}

// suppressNagFindings records, on the exact resources concerned, the
// AwsSolutions findings that are intended, each with its reason.
func (d *DurableFunction) suppressNagFindings(p resolvedProps) {
	if p.tracing {
		cdknag.NagSuppressions_AddResourceSuppressions(d.Role, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords " +
				"support no resource-level permissions, so the statement Lambda's tracing needs is on \"*\"."),
			AppliesTo: &[]interface{}{"Resource::*"},
		}}, jsii.Bool(true))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(d.CheckpointPolicy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Checkpoint and state calls are authorized against execution ARNs " +
			"(<functionArn>:<version>/durable-execution/<name>/<id>); <functionArn>:* is the narrowest " +
			"pattern that matches them, and an unqualified function ARN matches none."),
		AppliesTo: &[]interface{}{fmt.Sprintf("Resource::<%s.Arn>:*", logicalID(d.Function))},
	}}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(d.StatusDeadLetterQueue, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue of the status rule's SNS target; " +
			"a dead-letter queue behind it would only receive the same undeliverable events again."),
	}}, jsii.Bool(false))
}

// logicalID is the logical id of c's CloudFormation resource, as it
// appears in the template and in cdk-nag findings.
func logicalID(c constructs.IConstruct) string {
	res := c.Node().DefaultChild().(awscdk.CfnElement)
	stack := awscdk.Stack_Of(res)
	return fmt.Sprint(stack.Resolve(stack.GetLogicalId(res)))
}

// executionsArn is `<functionArn>:*`: every version of the function, and so
// every execution ARN of it.
func (d *DurableFunction) executionsArn() string {
	return *d.Function.FunctionArn() + ":*"
}

// GrantStartExecution lets grantee start executions by invoking the alias
// (lambda:InvokeFunction on the alias ARN), with or without an execution
// name.
func (d *DurableFunction) GrantStartExecution(grantee awsiam.IGrantable) awsiam.Grant {
	return d.Alias.GrantInvoke(grantee)
}

// GrantSendCallbacks lets grantee complete, fail and heartbeat the callbacks
// of this function's executions (CallbackActions).
func (d *DurableFunction) GrantSendCallbacks(grantee awsiam.IGrantable) awsiam.Grant {
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(CallbackActions...),
		ResourceArns: jsii.Strings(d.executionsArn()),
	})
}

// GrantReadExecutions lets grantee list this function's executions and read
// each one and its history (ReadActions). Listing is authorized against the
// function, reading against the executions, so both ARNs are granted.
func (d *DurableFunction) GrantReadExecutions(grantee awsiam.IGrantable) awsiam.Grant {
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(ReadActions...),
		ResourceArns: jsii.Strings(*d.Function.FunctionArn(), d.executionsArn()),
	})
}
