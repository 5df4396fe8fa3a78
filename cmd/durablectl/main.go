// Command durablectl runs and inspects durable Lambda functions on this
// machine. It is the project's main command.
//
// From a fresh clone, this builds the seed workflow in ./lambda for the
// host, runs it as its real bootstrap binary under a local Lambda Runtime
// API, drives the execution to the end on virtual time (waits and retry
// delays are skipped), shows each operation as it starts and finishes, and
// then the execution's tree:
//
//	go run ./cmd/durablectl run '{"message":"hello"}'
//
// Subcommands:
//
//	run       start an execution of a function and drive it to the end
//	serve     serve the Lambda durable-execution REST API on 127.0.0.1 for one
//	          function, or for every function of the CDK app in the working
//	          directory (where cdk.json is)
//	list      list the executions of a function (of a running serve)
//	show      show an execution's operation tree
//	history   print an execution's history events
//	callback  complete a callback: callback succeed|fail|heartbeat ID
//	stop      stop a running execution
//
// The client commands (list, show, history, callback, stop) call the
// Lambda API through aws-sdk-go-v2 (SigV4, the standard credential and
// region chain, --profile, --region): by default at the local endpoint of
// serve, with --endpoint aws at AWS Lambda (see
// cmd/durablectl/internal/lambdaclient and docs/local.md).
//
// Output is for people unless --json is given. The exit status is 0 on
// success; for run, 1 when the execution FAILED, 4 when it TIMED_OUT and
// 5 when it was STOPPED; 2 for usage errors (bad flags, unreadable
// payloads); 3 for other errors (unknown executions, an unreachable
// endpoint, a function that does not build).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitError    = 3
	exitTimedOut = 4
	exitStopped  = 5
)

const usage = `durablectl runs and inspects durable Lambda functions locally.

Usage:
  durablectl run [flags] [payload]        run an execution to the end (default: the seed workflow in ./lambda)
  durablectl serve [flags]                serve the Lambda durable-execution REST API (the CDK app where cdk.json is)
  durablectl list [flags]                 list the executions of a function
  durablectl show [flags] ARN|NAME        show an execution and its operation tree
  durablectl history [flags] ARN|NAME     print an execution's history events
  durablectl callback succeed [flags] ID [result]
  durablectl callback fail [flags] ID
  durablectl callback heartbeat [flags] ID
  durablectl stop [flags] ARN|NAME        stop a running execution

An execution is given by its ARN or by its name (of the function
--function-name, default seed). The client commands talk to serve at
--endpoint (default http://` + defaultAddr + `), or to AWS Lambda with
--endpoint aws (credentials and region as for the AWS CLI; --profile,
--region). Run "durablectl <command> -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command may touch: its streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	commands := map[string]func(context.Context, env, []string) (int, error){
		"run":      cmdRun,
		"serve":    cmdServe,
		"list":     cmdList,
		"show":     cmdShow,
		"history":  cmdHistory,
		"callback": cmdCallback,
		"stop":     cmdStop,
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "durablectl: unknown command %q\n\n%s", name, usage)
		return exitUsage
	}
	code, err := cmd(ctx, e, args[1:])
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "durablectl %s: %v\n", name, err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "durablectl %s: %v\n", name, err)
		return exitError
	}
	return code
}

// newFlags returns a flag set whose errors are usage errors and whose help
// goes to stderr.
func newFlags(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: durablectl %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments, and checks the number of positional arguments.
func parseArgs(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	switch {
	case len(pos) < minPos:
		return nil, usagef("missing argument (usage: durablectl %s)", fs.Name())
	case len(pos) > maxPos:
		return nil, usagef("unexpected argument %q", pos[maxPos])
	}
	return pos, nil
}
