package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
)

// defaultAddr is where serve listens and where the client commands look.
const defaultAddr = "127.0.0.1:9001"

// cmdServe serves the REST API for the hosted function on the wall clock
// until interrupted.
func cmdServe(ctx context.Context, e env, args []string) (int, error) {
	fs := newFlags(e, "serve", "serve [flags]")
	var ff functionFlags
	ff.register(fs)
	addr := fs.String("addr", defaultAddr, "listen address (host:port)")
	expose := fs.Bool("expose", false, "allow a non-loopback --addr (the endpoint has no authentication)")
	verbose := fs.Bool("v", false, "log every request and the service's diagnostics on stderr")
	if _, err := parseArgs(fs, args, 0, 0); err != nil {
		return 0, err
	}
	ff.name = ff.functionName()
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
	h, err := startHost(ctx, hostConfig{
		pkg: ff.pkg, binary: ff.binary, functionName: ff.name, dataDir: ff.dataDir, quarantine: ff.quarantine, limits: ff.limits,
		addr: *addr, clock: emulator.RealClock(), output: out, logger: logger, progress: e.stderr,
	})
	if err != nil {
		return 0, listenError(err, *addr)
	}
	defer h.close()
	url := h.srv.URL()
	if h.srv.Exposed() {
		fmt.Fprintf(e.stderr, "WARNING: listening on %s, reachable from other machines. The endpoint has no authentication: anyone who reaches it can start, read, stop and complete executions.\n", h.srv.Addr())
	}
	fmt.Fprintf(e.stdout, `durable-execution endpoint for function %q (version %s, alias prod) at %s
Try:
  aws lambda invoke --endpoint-url %s --function-name %s:%s --durable-execution-name demo-1 --payload '%s' out.json
  durablectl list --endpoint %s --function-name %s
Press Ctrl-C to stop.
`, ff.name, functionVersion, url, url, ff.name, functionVersion, defaultPayload, url, ff.name)
	if err := h.svc.Run(ctx); err != nil {
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
