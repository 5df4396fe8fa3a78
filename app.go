// Command durable-lambda-go is the CDK app that deploys the durable Go
// function in lambda/ with everything it needs (see package stacks).
//
// The CDK CLI runs it through cdk.json (`npx aws-cdk@2.1148.1 synth`). Run
// directly (`go run .`), it reads the context from cdk.json itself and
// writes the cloud assembly to cdk.out. Context values: stackName (default
// DurableLambdaGo) and stage (default dev); the stack is named
// <stackName>-<stage>.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/durable-lambda-go/stacks"
	// Silences jsii's Node 20 end-of-life banner; it must initialize before
	// the CDK packages, which is why it is a package and not code in main.
	_ "github.com/acme/durable-lambda-go/stacks/nodeenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run synthesizes the app into the cloud assembly.
func run(ctx context.Context) error {
	defer jsii.Close()
	props, err := appProps()
	if err != nil {
		return err
	}
	app := stacks.NewApp(props)
	cfg := stacks.ConfigFromContext(app)
	_, err = stacks.NewDurableStack(ctx, app, cfg.ID(), &stacks.DurableStackProps{
		StackProps: awscdk.StackProps{
			StackName:   jsii.String(cfg.ID()),
			Description: jsii.String("Durable Go Lambda function, stage " + cfg.Stage),
			Tags:        &map[string]*string{"stage": jsii.String(cfg.Stage)},
		},
	})
	if err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// appProps leaves everything to the CLI when it runs the app (it sets
// CDK_OUTDIR and passes the context); otherwise it loads cdk.json's context
// and writes to cdk.out, so `go run .` synthesizes what `cdk synth` does.
func appProps() (*awscdk.AppProps, error) {
	if os.Getenv("CDK_OUTDIR") != "" {
		return &awscdk.AppProps{}, nil
	}
	cdkContext, err := stacks.ReadContext("cdk.json")
	if err != nil {
		return nil, err
	}
	return &awscdk.AppProps{Outdir: jsii.String("cdk.out"), Context: &cdkContext}, nil
}
