package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
	"github.com/acme/durable-lambda-go/wire"
)

// clientCommand is the flag set of a command that talks to an endpoint,
// with --endpoint, --profile, --region and --json registered.
type clientCommand struct {
	*flag.FlagSet
	opts   lambdaclient.Options
	asJSON bool
}

// newClientCommand returns the flag set of the command name.
func newClientCommand(e env, name, synopsis string) *clientCommand {
	cc := &clientCommand{FlagSet: newFlags(e, name, synopsis)}
	cc.StringVar(&cc.opts.Endpoint, "endpoint", "http://"+defaultAddr, "URL of the durable-execution endpoint (durablectl serve), or "+lambdaclient.AWS+" for AWS Lambda")
	cc.StringVar(&cc.opts.Profile, "profile", "", "AWS shared-config profile for credentials and region (default: AWS_PROFILE, or the default profile)")
	cc.StringVar(&cc.opts.Region, "region", "", "AWS region (default: AWS_REGION, or the profile's; "+lambdaclient.DefaultRegion+" for a local endpoint)")
	cc.BoolVar(&cc.asJSON, "json", false, "print JSON instead of text")
	return cc
}

// parse parses args (see parseArgs) and returns the positional arguments
// and a client of the endpoint.
func (cc *clientCommand) parse(ctx context.Context, args []string, minPos, maxPos int) ([]string, *client, error) {
	pos, err := parseArgs(cc.FlagSet, args, minPos, maxPos)
	if err != nil {
		return nil, nil, err
	}
	api, err := lambdaclient.New(ctx, cc.opts)
	if errors.Is(err, lambdaclient.ErrBadEndpoint) {
		return nil, nil, usagef("--endpoint %q is not an http(s) URL (nor %s, for AWS Lambda)", cc.opts.Endpoint, lambdaclient.AWS)
	}
	if err != nil {
		return nil, nil, err
	}
	return pos, &client{api: api, opts: cc.opts}, nil
}

// executionFlag registers --function-name on a command that takes an
// execution, given by its ARN or its name.
func (cc *clientCommand) executionFlag() *string {
	return cc.String("function-name", seedFunctionName, "the function whose executions a NAME refers to")
}

// resolveExecution returns the ARN of the execution ref denotes: ref
// itself when it is an ARN, else that of function's execution named ref.
func resolveExecution(ctx context.Context, c *client, function, ref string) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	list, err := c.list(ctx, &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String(function), DurableExecutionName: aws.String(ref)})
	if isNotFound(err) {
		return "", fmt.Errorf("no function %q at this endpoint to look up the execution named %q in (give its --function-name, or the execution's ARN)", function, ref)
	}
	if err != nil {
		return "", err
	}
	switch len(list) {
	case 0:
		return "", fmt.Errorf("no execution named %q of function %s at this endpoint (durablectl list shows them; --function-name picks another function)", ref, function)
	case 1:
		return list[0].DurableExecutionArn, nil
	}
	arns := make([]string, len(list))
	for i, x := range list {
		arns[i] = x.DurableExecutionArn
	}
	return "", fmt.Errorf("%d executions of function %s are named %q; give the ARN of one:\n  %s", len(list), function, ref, strings.Join(arns, "\n  "))
}

// executionNotFound turns ResourceNotFoundException into a plain message.
func executionNotFound(err error, arn string) error {
	if isNotFound(err) {
		return fmt.Errorf("no execution %s at this endpoint", arn)
	}
	return err
}

// cmdList lists the executions of a function, newest first.
func cmdList(ctx context.Context, e env, args []string) (int, error) {
	fs := newClientCommand(e, "list", "list [flags]")
	function := fs.String("function-name", "seed", "the function whose executions to list")
	status := fs.String("status", "", "only these statuses, comma-separated (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED)")
	name := fs.String("name", "", "only executions with this name")
	_, c, err := fs.parse(ctx, args, 0, 0)
	if err != nil {
		return 0, err
	}
	in := &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String(*function)}
	if *name != "" {
		in.DurableExecutionName = name
	}
	if *status != "" {
		for s := range strings.SplitSeq(*status, ",") {
			st := wire.ExecutionStatus(strings.ToUpper(strings.TrimSpace(s)))
			if !st.Valid() {
				return 0, usagef("--status: %q is not one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED", s)
			}
			in.Statuses = append(in.Statuses, types.ExecutionStatus(st))
		}
	}
	list, err := c.list(ctx, in)
	if err != nil {
		if isNotFound(err) {
			return 0, fmt.Errorf("no function %q at this endpoint", *function)
		}
		return 0, err
	}
	if fs.asJSON {
		return exitOK, writeJSON(e.stdout, wire.ListExecutionsOutput{DurableExecutions: list})
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "no executions of %s\n", *function)
		return exitOK, nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tSTARTED\tDURATION\tARN")
	for _, x := range list {
		start := wire.TimeOf(x.StartTimestamp)
		dur := "-"
		if x.EndTimestamp != nil {
			dur = timeline.FormatDuration(wire.TimeOf(x.EndTimestamp).Sub(start))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.DurableExecutionName, x.Status, start.Local().Format(time.DateTime), dur, x.DurableExecutionArn)
	}
	return exitOK, tw.Flush()
}

// cmdShow prints an execution's headline, operation tree and result.
func cmdShow(ctx context.Context, e env, args []string) (int, error) {
	fs := newClientCommand(e, "show", "show [flags] ARN|NAME")
	function := fs.executionFlag()
	pos, c, err := fs.parse(ctx, args, 1, 1)
	if err != nil {
		return 0, err
	}
	arn, err := resolveExecution(ctx, c, *function, pos[0])
	if err != nil {
		return 0, err
	}
	exec, err := c.getExecution(ctx, arn)
	if err != nil {
		return 0, executionNotFound(err, arn)
	}
	events, err := c.history(ctx, arn)
	if err != nil {
		return 0, executionNotFound(err, arn)
	}
	if fs.asJSON {
		return exitOK, writeJSON(e.stdout, runResult{Execution: exec, Events: events})
	}
	fmt.Fprintln(e.stdout, exec.DurableExecutionArn)
	writeTree(e.stdout, exec, events)
	return exitOK, nil
}

// cmdHistory prints an execution's history events, one per line.
func cmdHistory(ctx context.Context, e env, args []string) (int, error) {
	fs := newClientCommand(e, "history", "history [flags] ARN|NAME")
	function := fs.executionFlag()
	pos, c, err := fs.parse(ctx, args, 1, 1)
	if err != nil {
		return 0, err
	}
	arn, err := resolveExecution(ctx, c, *function, pos[0])
	if err != nil {
		return 0, err
	}
	events, err := c.history(ctx, arn)
	if err != nil {
		return 0, executionNotFound(err, arn)
	}
	if fs.asJSON {
		return exitOK, writeJSON(e.stdout, wire.HistoryOutput{Events: events})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tEVENT\tWHAT")
	for _, ev := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", ev.EventId, wire.TimeOf(ev.EventTimestamp).Local().Format("15:04:05.000"), ev.EventType, describeEvent(ev))
	}
	return exitOK, tw.Flush()
}

// callbackUsage is callback's help.
const callbackUsage = `Usage:
  durablectl callback succeed [flags] ID [result JSON]   complete the callback with a result
  durablectl callback fail [flags] ID                    fail it (--error-type, --error-message, --error-data)
  durablectl callback heartbeat [flags] ID               keep it from timing out

ID is the callback id that run and history print. Run
"durablectl callback <action> -h" for an action's flags.
`

// cmdCallback completes, fails or heartbeats a callback.
func cmdCallback(ctx context.Context, e env, args []string) (int, error) {
	switch {
	case len(args) == 0:
		return 0, usagef("want callback succeed|fail|heartbeat ID (see durablectl callback -h)")
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help":
		fmt.Fprint(e.stderr, callbackUsage)
		return 0, flag.ErrHelp
	case strings.HasPrefix(args[0], "-"):
		return 0, usagef("the action comes first: callback succeed|fail|heartbeat [flags] ID (see durablectl callback -h)")
	}
	action := args[0]
	synopsis := map[string]string{
		"succeed":   "callback succeed [flags] ID [result JSON]",
		"fail":      "callback fail [flags] ID",
		"heartbeat": "callback heartbeat [flags] ID",
	}[action]
	if synopsis == "" {
		return 0, usagef("unknown callback action %q (want succeed, fail or heartbeat)", action)
	}
	fs := newClientCommand(e, "callback "+action, synopsis)
	var result, resultFile, errType, errMessage, errData *string
	maxPos := 1
	switch action {
	case "succeed":
		result = fs.String("result", "", "the callback's result (JSON), or give it as the second argument")
		resultFile = fs.String("result-file", "", "read the result from this file ('-' for stdin)")
		maxPos = 2
	case "fail":
		errType = fs.String("error-type", "", "the error's type")
		errMessage = fs.String("error-message", "", "the error's message")
		errData = fs.String("error-data", "", "machine-readable error data")
	}
	pos, c, err := fs.parse(ctx, args[1:], 1, maxPos)
	if err != nil {
		return 0, err
	}
	id := pos[0]
	var (
		body  []byte
		cause *types.ErrorObject
	)
	switch action {
	case "succeed":
		if len(pos) == 2 {
			if *result != "" {
				return 0, usagef("give the result either as the argument or with --result, not both")
			}
			*result = pos[1]
		}
		// Without a result the callback succeeds with none.
		if *result != "" || *resultFile != "" {
			if body, err = readPayload(e.stdin, *result, *resultFile); err != nil {
				return 0, err
			}
		}
	case "fail":
		cause = errorObject(*errType, *errMessage, *errData)
	}
	if err := c.callback(ctx, id, action, body, cause); err != nil {
		if isNotFound(err) {
			return 0, fmt.Errorf("no callback %s at this endpoint", id)
		}
		return 0, err
	}
	if !fs.asJSON {
		fmt.Fprintf(e.stdout, "callback %s: %s sent\n", id, action)
	}
	return exitOK, nil
}

// errorObject returns the SDK's ErrorObject of the given members, leaving
// the empty ones out.
func errorObject(errType, message, data string) *types.ErrorObject {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return aws.String(s)
	}
	return &types.ErrorObject{ErrorType: opt(errType), ErrorMessage: opt(message), ErrorData: opt(data)}
}

// cmdStop stops a running execution.
func cmdStop(ctx context.Context, e env, args []string) (int, error) {
	fs := newClientCommand(e, "stop", "stop [flags] ARN|NAME")
	function := fs.executionFlag()
	errType := fs.String("error-type", "", "the stop cause's error type")
	errMessage := fs.String("error-message", "", "the stop cause's message")
	pos, c, err := fs.parse(ctx, args, 1, 1)
	if err != nil {
		return 0, err
	}
	arn, err := resolveExecution(ctx, c, *function, pos[0])
	if err != nil {
		return 0, err
	}
	var cause *types.ErrorObject
	if *errType != "" || *errMessage != "" {
		cause = errorObject(*errType, *errMessage, "")
	}
	out, err := c.stop(ctx, arn, cause)
	if err != nil {
		return 0, executionNotFound(err, arn)
	}
	if fs.asJSON {
		return exitOK, writeJSON(e.stdout, out)
	}
	// Stopping a closed execution answers its end time; say what happened.
	exec, err := c.getExecution(ctx, arn)
	if err != nil {
		return 0, executionNotFound(err, arn)
	}
	at := wire.TimeOf(out.StopTimestamp).Local().Format(time.DateTime)
	if exec.Status == wire.ExecutionStatusStopped {
		fmt.Fprintf(e.stdout, "stopped %s at %s\n", arn, at)
	} else {
		fmt.Fprintf(e.stdout, "%s had already ended %s at %s; nothing to stop\n", arn, exec.Status, at)
	}
	return exitOK, nil
}
