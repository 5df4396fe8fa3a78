package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/runtimeapi"
	"github.com/acme/durable-lambda-go/wire"
)

// defaultPayload is the seed workflow's input when none is given.
const defaultPayload = `{"message":"hello from durablectl"}`

// functionFlags are the flags that choose the hosted function.
type functionFlags struct {
	pkg, binary, name, dataDir string
	logs, quarantine, socket   bool
	limits                     emulator.Limits
	maxSandboxes               int
}

func (f *functionFlags) register(fsFlags *flag.FlagSet) {
	fsFlags.StringVar(&f.pkg, "function", seedPackage, "Go package of the function to build and host")
	fsFlags.StringVar(&f.binary, "binary", "", "host this prebuilt bootstrap binary instead of building --function")
	fsFlags.StringVar(&f.name, "function-name", "", `name the function is registered under (default: the name of the --function package's directory, "seed" for ./lambda; for --binary, the file's name, or its directory's when it is named bootstrap)`)
	fsFlags.StringVar(&f.dataDir, "data-dir", "", "persist executions in this directory (default: memory only); one process at a time")
	fsFlags.BoolVar(&f.quarantine, "quarantine-bad", false, "with --data-dir: move stored executions that cannot be loaded aside (into the store's quarantine) instead of failing")
	fsFlags.BoolVar(&f.logs, "logs", false, "show the function's own output (stdout and stderr) on stderr")
	fsFlags.BoolVar(&f.socket, "socket", true, "serve the endpoint on a Unix socket too, named to the functions in "+wire.EndpointSocketEnv+": the SDK's default client sends its calls over it instead of TCP; false: TCP only")
	fsFlags.IntVar(&f.maxSandboxes, "max-sandboxes", runtimeapi.DefaultMaxSandboxes, "function processes run at once (per function), and invocations in flight at once; the rest queue, oldest execution first. Lambda runs many sandboxes at once; this bounds the local processes")
	registerLimits(fsFlags, &f.limits)
}

// check validates the flags that parsing alone does not.
func (f *functionFlags) check() error {
	if f.maxSandboxes < 1 {
		return usagef("--max-sandboxes %d: at least one sandbox is needed", f.maxSandboxes)
	}
	return nil
}

// function is the durable function the flags choose, with the name
// functionName gave it.
func (f *functionFlags) function() hostedFunction {
	return hostedFunction{name: f.name, pkg: f.pkg, binary: f.binary, durable: true}
}

// runResult is the --json output of run and show.
type runResult struct {
	Execution wire.Execution `json:"Execution"`
	Events    []wire.Event   `json:"Events"`
}

// cmdRun starts an execution of the hosted function and drives it to the
// end, printing progress and then the operation tree.
func cmdRun(ctx context.Context, e env, args []string) (int, error) {
	fs := newFlags(e, "run", "run [flags] [payload]")
	var ff functionFlags
	ff.register(fs)
	payloadFlag := fs.String("payload", "", "the execution's input as JSON (or give it as the argument)")
	payloadFile := fs.String("payload-file", "", "read the input from this file ('-' for stdin)")
	name := fs.String("name", "", "the execution name (default: a generated id)")
	timeMode := fs.String("time", "virtual", "virtual: the clock runs at real speed but jumps over waits and retry delays; real: wait for them")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this much wall-clock time")
	asJSON := fs.Bool("json", false, "print the execution and its history as JSON instead of progress and a tree")
	withTrace := fs.Bool("trace", false, "receive the function's OpenTelemetry spans (OTLP/HTTP on loopback) and print the execution's span tree; the function must trace with durableotel.FromEnv, as the seed function does")
	pos, err := parseArgs(fs, args, 0, 1)
	if err != nil {
		return 0, err
	}
	if err := ff.check(); err != nil {
		return 0, err
	}
	if *withTrace && *asJSON {
		return 0, usagef("--trace prints a tree: it does not go with --json")
	}
	ff.name = ff.functionName()
	if len(pos) == 1 && *payloadFlag != "" {
		return 0, usagef("give the payload either as the argument or with --payload, not both")
	}
	if len(pos) == 1 {
		*payloadFlag = pos[0]
	}
	payload, err := readPayload(e.stdin, *payloadFlag, *payloadFile)
	if err != nil {
		return 0, err
	}
	clock, skipping, err := clockFor(*timeMode)
	if err != nil {
		return 0, err
	}

	interrupted := ctx.Done()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	out := io.Discard
	if ff.logs {
		out = e.stderr
	}
	progressOut := e.stdout
	if *asJSON {
		progressOut = e.stderr
	}
	fn := ff.function()
	var traces *traceReceiver
	if *withTrace {
		if traces, err = startTraceReceiver(); err != nil {
			return 0, err
		}
		defer traces.close()
		fn.env = map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces.url()}
	}
	h, err := startHost(ctx, hostConfig{
		functions: []hostedFunction{fn}, dataDir: ff.dataDir, quarantine: ff.quarantine, limits: ff.limits,
		maxSandboxes: ff.maxSandboxes, socket: ff.socket, addr: "", clock: clock, output: out, logger: slog.New(slog.DiscardHandler), progress: progressOut,
	})
	if err != nil {
		return 0, err
	}
	defer h.close()

	started, err := h.svc.StartExecution(ctx, emulator.StartInput{
		FunctionName: ff.name, Qualifier: functionVersion, ExecutionName: *name, Payload: payload,
	})
	if err != nil {
		return 0, err
	}
	arn := started.ExecutionArn
	if started.Existing {
		if err := sayReattached(ctx, progressOut, h.svc, arn, ff.dataDir); err != nil {
			return 0, err
		}
	}
	stopProgress := func() {}
	if !*asJSON {
		stopProgress = followProgress(h.svc, arn, e.stdout)
	}
	if skipping != nil {
		err = driveVirtual(ctx, h, arn, skipping.skipTo, e.stderr)
	} else {
		err = driveReal(ctx, h, arn)
	}
	stopProgress()
	if err != nil {
		select {
		case <-interrupted:
			return 0, interruptedError(h.svc, arn, ff.dataDir)
		default:
		}
		return 0, fmt.Errorf("execution %s: %w", arn, err)
	}
	exec, err := h.svc.GetExecution(ctx, arn, true)
	if err != nil {
		return 0, err
	}
	events, err := h.svc.History(arn)
	if err != nil {
		return 0, err
	}
	if *asJSON {
		if err := writeJSON(e.stdout, runResult{Execution: exec, Events: events}); err != nil {
			return 0, err
		}
	} else {
		fmt.Fprintln(e.stdout)
		writeTree(e.stdout, exec, events)
	}
	if traces != nil {
		// Each invocation flushes its spans before it answers, so by now
		// the receiver holds every span of the execution.
		if spans := traces.traceOf(arn); len(spans) > 0 {
			fmt.Fprintln(e.stdout)
			writeSpanTree(e.stdout, arn, spans)
		} else {
			fmt.Fprintln(e.stderr, "durablectl:", errNoSpans)
		}
	}
	return exitCodeOf(exec.Status), nil
}

// exitCodeOf maps an execution's final status to run's exit status.
func exitCodeOf(s wire.ExecutionStatus) int {
	switch s {
	case wire.ExecutionStatusSucceeded:
		return exitOK
	case wire.ExecutionStatusTimedOut:
		return exitTimedOut
	case wire.ExecutionStatusStopped:
		return exitStopped
	}
	return exitFailed
}

// readPayload returns the input given inline or in a file, checked to be
// JSON; the default payload when neither is given.
func readPayload(stdin io.Reader, inline, file string) ([]byte, error) {
	var data []byte
	switch {
	case inline != "" && file != "":
		return nil, usagef("give the payload inline or with --payload-file, not both")
	case file == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, usagef("reading the payload from stdin: %v", err)
		}
		data = b
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usagef("cannot read the payload file: %v", err)
		}
		data = b
	case inline != "":
		data = []byte(inline)
	default:
		data = []byte(defaultPayload)
	}
	if !json.Valid(data) {
		return nil, usagef("the payload is not valid JSON: %.80q", data)
	}
	return data, nil
}

// followProgress prints the execution's events as they are recorded until
// the returned func is called; that func prints whatever is left.
func followProgress(svc *emulator.Service, arn string, w io.Writer) func() {
	p := &progress{w: w}
	events, cancel := svc.Subscribe(arn)
	past, _ := svc.History(arn)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, ev := range past {
			p.print(ev)
		}
		for ev := range events {
			p.print(ev)
		}
	}()
	return func() {
		cancel()
		<-done
		rest, _ := svc.History(arn)
		for _, ev := range rest {
			p.print(ev)
		}
	}
}

// clockFor returns the clock of a --time mode: the wall clock for
// "real", a *skipClock (also returned as such) for "virtual".
func clockFor(mode string) (emulator.Clock, *skipClock, error) {
	switch mode {
	case "real":
		return emulator.RealClock(), nil, nil
	case "virtual":
		c := &skipClock{}
		return c, c, nil
	}
	return nil, nil, usagef("--time must be virtual or real, not %q", mode)
}

// skipClock is the clock of virtual time (run's, and serve --time
// virtual's): the wall clock plus an offset that grows each time the
// clock jumps over a wait. Steps and invocations therefore take their
// real time, while waits and retry delays take none.
type skipClock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the wall-clock time plus the time skipped so far.
func (c *skipClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// skipTo moves the clock forward to t; a t already passed changes nothing.
func (c *skipClock) skipTo(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := t.Sub(time.Now().Add(c.offset)); d > 0 {
		c.offset += d
	}
	return nil
}

// driveVirtual runs the execution on a clock it may move: it runs what is
// due, then has skip move the clock to the next wait or retry timer, until
// the execution closes. When only an outside event can move it on (an
// open callback), it says so and waits for one to arrive at the endpoint.
func driveVirtual(ctx context.Context, h *host, arn string, skip func(time.Time) error, w io.Writer) error {
	waitingSaid := false
	for {
		if err := h.svc.RunDue(ctx); err != nil {
			return err
		}
		exec, err := h.svc.GetExecution(ctx, arn, false)
		if err != nil {
			return err
		}
		if exec.Status.Terminal() {
			return nil
		}
		seen, err := h.svc.History(arn)
		if err != nil {
			return err
		}
		skipped, err := skipAhead(h.svc, arn, skip)
		if err != nil {
			return err
		}
		if skipped {
			continue
		}
		if !waitingSaid {
			waitingSaid = true
			fmt.Fprintf(w, "waiting for outside input; the endpoint is %s\n", h.srv.URL())
			open, err := h.svc.OpenCallbacks(arn)
			if err != nil {
				return err
			}
			for _, cb := range open {
				fmt.Fprintf(w, "  durablectl callback succeed --endpoint %s %s '<result JSON>'\n", h.srv.URL(), cb.CallbackID)
			}
		}
		if err := awaitChange(ctx, h.svc, arn, len(seen)); err != nil {
			return err
		}
	}
}

// skipAhead moves the clock, with skip, to the next timer it may skip to
// — of the execution arn, or of every execution when arn is "" — and
// reports whether there was one. While one of those executions has a
// callback open, only waits and retries are skipped to: jumping to a
// callback or execution timeout would end what the user is expected to
// complete.
func skipAhead(svc *emulator.Service, arn string, skip func(time.Time) error) (bool, error) {
	timers := svc.Timers()
	callbackOpen := false
	checked := map[string]bool{}
	for _, t := range timers {
		if (arn != "" && t.ExecutionArn != arn) || checked[t.ExecutionArn] {
			continue
		}
		checked[t.ExecutionArn] = true
		open, err := svc.OpenCallbacks(t.ExecutionArn)
		if err != nil {
			return false, err
		}
		callbackOpen = callbackOpen || len(open) > 0
	}
	at, ok := nextTimer(timers, arn, callbackOpen)
	if !ok {
		return false, nil
	}
	return true, skip(at)
}

// nextTimer returns when the next timer of the execution arn (of any
// execution when arn is "") fires; with callbackOpen, only waits and
// retries count.
func nextTimer(timers []emulator.Timer, arn string, callbackOpen bool) (time.Time, bool) {
	var at time.Time
	for _, t := range timers {
		if arn != "" && t.ExecutionArn != arn {
			continue
		}
		skippable := t.Kind == emulator.TimerWait || t.Kind == emulator.TimerStepRetry || t.Kind == emulator.TimerInvocationRetry
		if callbackOpen && !skippable {
			continue
		}
		if at.IsZero() || t.At.Before(at) {
			at = t.At
		}
	}
	return at, !at.IsZero()
}

// awaitChange blocks until the execution has more than seen events.
func awaitChange(ctx context.Context, svc *emulator.Service, arn string, seen int) error {
	events, cancel := svc.Subscribe(arn)
	defer cancel()
	past, err := svc.History(arn)
	if err != nil || len(past) > seen {
		return err
	}
	select {
	case <-events:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// driveReal runs the service on the wall clock until the execution closes.
func driveReal(ctx context.Context, h *host, arn string) error {
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- h.svc.Run(runCtx) }()
	_, err := h.svc.WaitForExecution(ctx, arn)
	stop()
	if runErr := <-ran; err == nil {
		err = runErr
	}
	return err
}

// jsonStreamer is a value that writes itself as writeJSON writes it,
// piece by piece.
type jsonStreamer interface {
	writeIndented(w io.Writer) error
}

// streamChunk is how much indented output writeIndented gathers before
// writing it.
const streamChunk = 32 << 10

// writeIndented writes r as writeJSON writes it, its events without
// reflection (wire.AppendEvent) and in pieces of about streamChunk
// bytes: a run's history has two events per step, and neither its
// compact text nor its indented text is built whole. An error (a
// timestamp json.Marshal refuses) leaves what was written before it.
func (r runResult) writeIndented(w io.Writer) error {
	exec, err := json.Marshal(r.Execution)
	if err != nil {
		return err
	}
	in := indenter{indent: "  "}
	compact := append(append(make([]byte, 0, 1024), `{"Execution":`...), exec...)
	if r.Events == nil {
		compact = append(compact, `,"Events":null}`...)
		_, err = w.Write(append(in.append(nil, compact), '\n'))
		return err
	}
	out := in.append(make([]byte, 0, streamChunk+4096), append(compact, `,"Events":[`...))
	for i := range r.Events {
		compact = compact[:0]
		if i > 0 {
			compact = append(compact, ',')
		}
		if compact, err = wire.AppendEvent(compact, &r.Events[i]); err != nil {
			return err
		}
		if out = in.append(out, compact); len(out) >= streamChunk {
			if _, err := w.Write(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
	_, err = w.Write(append(in.append(out, []byte("]}")), '\n'))
	return err
}

// writeJSON prints v indented, as a json.Encoder with SetIndent("", "  ")
// does.
func writeJSON(w io.Writer, v any) error {
	if s, ok := v.(jsonStreamer); ok {
		return s.writeIndented(w)
	}
	compact, err := json.Marshal(v)
	if err != nil {
		return err
	}
	out := appendIndented(make([]byte, 0, len(compact)+len(compact)/2), compact, "  ")
	_, err = w.Write(append(out, '\n'))
	return err
}
