package stacks_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/stacks"
	"github.com/acme/durable-lambda-go/wire"
)

// A durable function that may run for a week, alerts only on failures, and
// a worker role that starts executions, completes callbacks and reads
// execution history.
func ExampleNewDurableFunction() {
	app := stacks.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Orders"), nil)
	orders, err := stacks.NewDurableFunction(context.Background(), stack, "Orders", &stacks.DurableFunctionProps{
		Entry:            "cmd/orders",
		ExecutionTimeout: 7 * 24 * time.Hour,
		StatusFilter: []wire.ExecutionStatus{
			wire.ExecutionStatusFailed, wire.ExecutionStatusTimedOut, wire.ExecutionStatusStopped,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	worker := awsiam.NewRole(stack, jsii.String("Worker"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil),
	})
	orders.GrantStartExecution(worker)
	orders.GrantSendCallbacks(worker)
	orders.GrantReadExecutions(worker)
	app.Synth(nil)
}

// Invalid props fail before anything is built, with one *PropError per
// field.
func ExamplePropError() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	_, err := stacks.NewDurableFunction(context.Background(), stack, "Fn", &stacks.DurableFunctionProps{
		Retention: 36 * time.Hour,
	})
	var pe *stacks.PropError
	if errors.As(err, &pe) {
		fmt.Println(pe.Prop, pe.Value)
		fmt.Println(err)
	}
	// Output:
	// Retention 36h0m0s
	// DurableFunction Fn: invalid DurableFunctionProps.Retention 36h0m0s: allowed a whole number of days from 1 to 90 (24h0m0s to 2160h0m0s)
}

// A durable function that invokes a plain Go function through its alias:
// the plain one is a GoFunction, so `durablectl serve --app` hosts both.
func ExampleNewGoFunction() {
	ctx := context.Background()
	app := stacks.NewApp(nil)
	stack, err := stacks.NewDurableStack(ctx, app, "Orders", &stacks.DurableStackProps{
		Function: stacks.DurableFunctionProps{Entry: "cmd/orders"},
	})
	if err != nil {
		log.Fatal(err)
	}
	invoicer, err := stacks.NewGoFunction(ctx, stack, "Invoicer", &stacks.GoFunctionProps{Entry: "cmd/invoicer"})
	if err != nil {
		log.Fatal(err)
	}
	stack.Function.Function.AddEnvironment(jsii.String("INVOICER"), invoicer.Alias.FunctionArn(), nil)
	invoicer.GrantInvoke(stack.Function.Role)
	app.Synth(nil)
}

// A Go function defined with another construct records its package, so
// that `durablectl serve --app` builds it for the local machine.
func ExampleRecordEntry() {
	stack := awscdk.NewStack(stacks.NewApp(nil), jsii.String("Legacy"), nil)
	fn := awslambda.NewFunction(stack, jsii.String("Thumbnails"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(),
		Handler: jsii.String(stacks.BootstrapName),
		Code:    awslambda.Code_FromAsset(jsii.String("build/thumbnails"), nil),
	})
	if err := stacks.RecordEntry(fn, "", "cmd/thumbnails"); err != nil {
		log.Fatal(err)
	}
}
