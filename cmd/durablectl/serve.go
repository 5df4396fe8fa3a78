package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/viewer"
	"github.com/acme/durable-lambda-go/emulator"
)

// defaultAddr is where serve listens and where the client commands look.
const defaultAddr = "127.0.0.1:9001"

// cmdServe serves the REST API for the hosted functions until
// interrupted: one function (--function, --binary), or every function of
// the CDK app (--app, --cdk-out; the default where cdk.json is present).
func cmdServe(ctx context.Context, e env, args []string) (int, error) {
	fs := newFlags(e, "serve", "serve [flags]")
	var ff functionFlags
	ff.register(fs)
	app := fs.Bool("app", false, "host every Lambda function of the CDK app in the working directory, synthesized from its cdk.json (the default where cdk.json is present and neither --function nor --binary is given)")
	cdkOut := fs.String("cdk-out", "", "with --app: read this synthesized cloud assembly (e.g. cdk.out) instead of synthesizing the app")
	timeMode := fs.String("time", "real", "real: timers fire on the wall clock; virtual: whenever nothing runs, the clock jumps ahead to the next wait or retry")
	addr := fs.String("addr", defaultAddr, "listen address (host:port)")
	expose := fs.Bool("expose", false, "allow a non-loopback --addr (the endpoint has no authentication)")
	verbose := fs.Bool("v", false, "log every request and the service's diagnostics on stderr")
	if _, err := parseArgs(fs, args, 0, 0); err != nil {
		return 0, err
	}
	if err := ff.check(); err != nil {
		return 0, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	oneFunction := given["function"] || given["binary"] || given["function-name"]
	appMode := *app || *cdkOut != ""
	if appMode && oneFunction {
		return 0, usagef("--function, --binary and --function-name host one function; --app and --cdk-out host the app's: give one or the other")
	}
	if !appMode && !oneFunction {
		_, err := os.Stat("cdk.json")
		appMode = err == nil
	}
	clock, skipping, err := clockFor(*timeMode)
	if err != nil {
		return 0, err
	}
	if !*expose {
		if err := checkLoopback(*addr); err != nil {
			return 0, &usageError{msg: err.Error()}
		}
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	out := io.Discard
	if ff.logs {
		out = e.stderr
	}
	var functions []hostedFunction
	if appMode {
		if functions, err = appFunctions(ctx, *cdkOut, e.stderr); err != nil {
			return 0, err
		}
	} else {
		ff.name = ff.functionName()
		functions = []hostedFunction{ff.function()}
	}
	h, err := startHost(ctx, hostConfig{
		functions: functions, dataDir: ff.dataDir, quarantine: ff.quarantine, limits: ff.limits,
		keepClosed: skipping != nil, socket: ff.socket, maxSandboxes: ff.maxSandboxes,
		addr: *addr, clock: clock, output: out, logger: logger, progress: e.stderr,
	})
	if err != nil {
		return 0, listenError(err, *addr)
	}
	defer h.close()
	url := h.srv.URL()
	if err := mountViewer(ctx, h, logger); err != nil {
		return 0, err
	}
	if h.srv.Exposed() {
		fmt.Fprintf(e.stderr, "WARNING: listening on %s, reachable from other machines. The endpoint has no authentication: anyone who reaches it can start, read, stop and complete executions.\n", h.srv.Addr())
	}
	if appMode {
		writeAppBanner(e.stdout, url, functions)
	} else {
		fmt.Fprintf(e.stdout, `durable-execution endpoint for function %q (version %s, alias prod) at %s
Try:
  aws lambda invoke --endpoint-url %s --function-name %s:%s --durable-execution-name demo-1 --payload '%s' out.json
  durablectl list --endpoint %s --function-name %s
`, ff.name, functionVersion, url, url, ff.name, functionVersion, defaultPayload, url, ff.name)
	}
	fmt.Fprintf(e.stdout, "Viewer: %s%s\n", url, viewer.Path)
	if skipping != nil {
		fmt.Fprintln(e.stdout, "Virtual time: whenever nothing runs, the clock jumps ahead to the next wait or retry.")
	}
	fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	if skipping != nil {
		err = serveVirtual(ctx, h, skipping)
	} else {
		err = h.svc.Run(ctx)
	}
	if err != nil {
		return 0, err
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(shutdownCtx); err != nil {
		return 0, err
	}
	fmt.Fprintln(e.stderr, "stopped")
	return exitOK, nil
}

// appFunctions returns the functions of the CDK app in the working
// directory: those of the cloud assembly cdkOut, or, when cdkOut is empty,
// of the assembly the app synthesizes into a temporary directory. It
// says on w what it does and which functions it cannot host.
func appFunctions(ctx context.Context, cdkOut string, w io.Writer) ([]hostedFunction, error) {
	module, err := cloudasm.CurrentModule(ctx, ".")
	if err != nil {
		return nil, fmt.Errorf("--app: %w", err)
	}
	dir := cdkOut
	if dir == "" {
		tmp, err := os.MkdirTemp("", "durablectl-cdk-out-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
		fmt.Fprintln(w, "synthesizing the CDK app (cdk.json; --cdk-out reads an existing cdk.out instead)...")
		if err := cloudasm.Synth(ctx, ".", dir, w); err != nil {
			return nil, fmt.Errorf("--app: %w", err)
		}
	}
	a, err := cloudasm.Read(dir, cloudasm.Options{Module: module, Region: emulator.DefaultRegion, AccountID: emulator.DefaultAccountID})
	if err != nil {
		return nil, err
	}
	for _, s := range a.Skipped {
		fmt.Fprintf(w, "not hosting %s/%s (%s): %s\n", s.Stack, s.LogicalID, s.Runtime, s.Reason)
	}
	functions := make([]hostedFunction, len(a.Functions))
	for i, fn := range a.Functions {
		for _, warning := range fn.Warnings {
			fmt.Fprintf(w, "function %s: %s\n", fn.Name, warning)
		}
		functions[i] = hostedFunction{
			name: fn.Name, pkg: fn.Package, binary: fn.Binary, durable: fn.Durable, durableConfig: fn.DurableConfig,
			timeout: fn.Timeout, memoryMiB: fn.MemoryMiB, env: fn.Environment,
			aliases: append([]string{}, fn.Aliases...),
		}
	}
	return functions, nil
}

// writeAppBanner tells where the app's functions are served and how to
// invoke the first durable one and the first plain one.
func writeAppBanner(w io.Writer, url string, functions []hostedFunction) {
	fmt.Fprintf(w, "durable-execution endpoint for the CDK app's functions at %s\n", url)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var example, plain hostedFunction
	for _, fn := range functions {
		kind := "plain"
		if !fn.durable && plain.name == "" {
			plain = fn
		}
		if fn.durable {
			kind = "durable"
			if example.name == "" {
				example = fn
			}
		}
		aliases := "no aliases"
		if len(fn.aliases) > 0 {
			aliases = "aliases " + strings.Join(fn.aliases, ",")
		}
		code := displayPackage(fn.pkg)
		if fn.binary != "" {
			code = fn.binary
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", fn.name, kind, aliases, code)
	}
	_ = tw.Flush()
	qualifier := functionVersion
	if len(example.aliases) > 0 {
		qualifier = example.aliases[0]
	}
	fmt.Fprintf(w, `Try:
  aws lambda invoke --endpoint-url %s --function-name %s:%s --durable-execution-name demo-1 --payload '{}' out.json
  durablectl list --endpoint %s --function-name %s
`, url, example.name, qualifier, url, example.name)
	if plain.name != "" {
		fmt.Fprintf(w, "  aws lambda invoke --endpoint-url %s --function-name %s --payload '{}' out.json\n", url, plain.name)
	}
}

// serveVirtual drives the service on virtual time until ctx is done: it
// runs every invocation that is due, one at a time; when none is, it
// skips the clock ahead to the next timer (skipAhead), and when there is
// nothing to skip to, it waits for a request to the endpoint, an
// execution's status change, or the next timer on the clock.
func serveVirtual(ctx context.Context, h *host, clock *skipClock) error {
	for {
		if err := h.svc.RunDue(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		skipped, err := skipAhead(h.svc, "", clock.skipTo)
		if err != nil {
			return err
		}
		if skipped {
			continue
		}
		if !awaitServeChange(ctx, h, clock) {
			return nil
		}
	}
}

// awaitServeChange waits for h.changed, the service's next timer on clock, or
// the end of ctx, and reports false for the latter.
func awaitServeChange(ctx context.Context, h *host, clock emulator.Clock) bool {
	var timer <-chan time.Time
	if at, ok := nextTimer(h.svc.Timers(), "", false); ok {
		t := time.NewTimer(at.Sub(clock.Now()))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-h.changed:
	case <-timer:
	case <-ctx.Done():
		return false
	}
	return true
}

// mountViewer serves the web viewer at viewer.Path on the endpoint's
// address. It reads through the endpoint's own Lambda API, as it would
// read an AWS account, and lists the durable functions the host serves.
func mountViewer(ctx context.Context, h *host, logger *slog.Logger) error {
	client, err := lambdaclient.New(ctx, lambdaclient.Options{Endpoint: h.srv.URL()})
	if err != nil {
		return fmt.Errorf("the viewer's Lambda client: %w", err)
	}
	var fns []string
	for _, f := range h.svc.Functions() {
		if f.Durable {
			fns = append(fns, f.Name)
		}
	}
	h.mux.Handle(viewer.Path, viewer.New(viewer.Config{API: client, Functions: fns, AnyHost: h.srv.Exposed(), Logger: logger}))
	return nil
}

// registerLimits registers the emulator's limits as flags; 0 keeps the
// default (protocol.md §2.7).
func registerLimits(fs *flag.FlagSet, l *emulator.Limits) {
	fs.IntVar(&l.MaxOperations, "max-operations", emulator.DefaultMaxOperations, "operations one execution may record")
	fs.IntVar(&l.MaxOperationPayloadBytes, "max-operation-payload", emulator.DefaultMaxOperationPayloadBytes, "bytes of one operation's result or error")
	fs.IntVar(&l.MaxExecutionResultBytes, "max-result", emulator.DefaultMaxExecutionResultBytes, "bytes of an execution result checkpointed on the EXECUTION operation")
	fs.IntVar(&l.MaxSyncInputBytes, "max-input", emulator.DefaultMaxSyncInputBytes, "bytes of a RequestResponse Invoke's input")
	fs.IntVar(&l.MaxAsyncInputBytes, "max-async-input", emulator.DefaultMaxAsyncInputBytes, "bytes of an Event Invoke's input")
	fs.IntVar(&l.MaxCheckpointRequestBytes, "max-checkpoint-request", 0, "bytes of one checkpoint request body (0: room for --max-result at any JSON escaping)")
}
