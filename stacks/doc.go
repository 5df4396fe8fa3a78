// Package stacks defines the CDK app's infrastructure: the DurableFunction
// construct, the DurableStack that holds one, and the app-level helpers
// app.go uses (NewApp, ConfigFromContext, ReadContext).
//
// # What a durable function needs
//
// A Lambda durable function checkpoints its progress through the Lambda
// API and is re-invoked until its execution ends, for up to a year. Beyond
// the function itself that takes:
//
//   - DurableConfig on the function (ExecutionTimeout, RetentionPeriodInDays).
//     It can only be set when the function is created; a bad value is a
//     deployment error ("DurableConfig validation failed"), which
//     NewDurableFunction turns into a *PropError at synth time.
//   - An execution role allowed to call lambda:CheckpointDurableExecution and
//     lambda:GetDurableExecutionState. Lambda authorizes these against the
//     execution ARN, `<functionArn>:<version>/durable-execution/<name>/<id>`,
//     so the policy resource is `<functionArn>:*`; the unqualified function
//     ARN matches no execution.
//   - A version and an alias: durable functions reject unqualified invokes,
//     so every caller invokes the alias.
//
// # The dependency cycle to avoid
//
// CDK makes a function depend on its role and on everything below the role
// in the construct tree, so that the permissions exist before the function.
// A policy that references the function ARN therefore cannot be a child of
// the role (role.AddToPolicy would put it there): the function would depend
// on the policy and the policy on the function. DurableFunction attaches a
// separate awsiam.Policy, a sibling of the role, instead. cdk.json enables
// @aws-cdk/core:validateAgainstDefaultRules, which makes a template cycle a
// synth error rather than a deployment failure.
//
// # Building the binary
//
// NewDurableFunction compiles the Go main package in Entry with the local
// toolchain (no Docker) for linux and the function's architecture, with
// flags that make the binary depend on the source alone:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc \
//	    -trimpath -buildvcs=false -ldflags "-s -w -buildid=" -o bootstrap .
//
// The output directory is the asset, hashed by content: identical source
// gives an identical asset hash, and so no new version on redeploy, while an
// edit outside the function's packages changes nothing.
//
// # Status events
//
// Lambda publishes a "Durable Execution Status Change" event to the default
// event bus whenever an execution starts or ends. Its resources list is empty
// and detail.functionArn carries the version, so the construct's rule
// matches the prefix `<functionArn>:` and forwards the events to an
// encrypted SNS topic, with retries and a dead-letter queue.
package stacks
