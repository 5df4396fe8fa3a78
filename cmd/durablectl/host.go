package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/cloudasm"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/boltstore"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/emulator/runtimeapi"
	"github.com/acme/durable-lambda-go/internal/hostbuild"
	"github.com/acme/durable-lambda-go/wire"
)

// functionVersion is the version every hosted function is published as;
// its aliases ("prod" unless the app names others) point at it.
const functionVersion = cloudasm.Version

// hostConfig says which functions to host and how.
type hostConfig struct {
	functions  []hostedFunction
	dataDir    string // persistence; empty = memory only
	quarantine bool   // move bad stored executions aside instead of failing
	keepClosed bool   // keep closed executions past retention (virtual time)
	limits     emulator.Limits
	// maxSandboxes caps each function's processes running at once and
	// the invocations in flight at once (runtimeapi.DefaultMaxSandboxes
	// when zero).
	maxSandboxes int
	addr         string // listen address of the REST endpoint
	socket       bool   // serve the endpoint on a Unix socket too, for the functions
	clock        emulator.Clock
	output       io.Writer // the functions' stdout and stderr
	logger       *slog.Logger
	progress     io.Writer // build messages; may be io.Discard
}

// hostedFunction is one function to host: its code and the configuration
// Lambda would run it with.
type hostedFunction struct {
	name    string
	pkg     string // Go package to build (when binary is empty)
	binary  string // a prebuilt bootstrap
	durable bool
	// durableConfig, timeout and memoryMiB take the emulator's and the
	// runtime's defaults when zero.
	durableConfig wire.DurableConfig
	timeout       time.Duration
	memoryMiB     int
	env           map[string]string
	// aliases name the aliases on functionVersion; nil means just "prod".
	aliases []string
}

// host is the emulator service, its REST endpoint and the function
// binaries running under Runtime API emulators, wired together: each
// function's AWS SDK reaches the endpoint through AWS_ENDPOINT_URL_LAMBDA.
type host struct {
	svc   *emulator.Service
	store *boltstore.Store // nil without a data directory
	srv   *httpapi.Server
	// mux routes the endpoint's requests: the REST API at /, and what
	// serve adds (the viewer).
	mux    *http.ServeMux
	rts    []*runtimeapi.Runtime
	tmpDir string
	// changed receives a signal, without blocking, when something may
	// have become due: after each request to the endpoint but GETs, and
	// at each execution status change (an execution started by a
	// synchronous invoke, whose request ends only with the execution).
	changed chan struct{}
}

// startHost builds the functions (but those given as binaries), starts
// the service with its store and the endpoint, and registers each
// function under its runtime.
func startHost(ctx context.Context, cfg hostConfig) (_ *host, err error) {
	h := &host{changed: make(chan struct{}, 1)}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	binaries, err := h.build(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.maxSandboxes <= 0 {
		cfg.maxSandboxes = runtimeapi.DefaultMaxSandboxes
	}
	var store emulator.Store
	if cfg.dataDir != "" {
		if h.store, err = boltstore.Open(cfg.dataDir, &boltstore.Options{Logger: cfg.logger}); err != nil {
			return nil, err
		}
		store = h.store
	}
	// Run queues the invocations beyond the sandboxes itself, oldest
	// execution first, so that a burst of new executions cannot push the
	// re-invocations of running ones to the back of the sandboxes' queue.
	if h.svc, err = emulator.New(emulator.Config{Clock: cfg.clock, Logger: cfg.logger, Store: store,
		QuarantineBad: cfg.quarantine, KeepClosed: cfg.keepClosed, Limits: cfg.limits,
		MaxConcurrentInvocations: cfg.maxSandboxes,
		OnStatusChange:           func(wire.StatusChangeEvent) { h.signalChange() }}); err != nil {
		var bad *emulator.BadRecordError
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("data directory %s: %w (start with --quarantine-bad to move it aside and go on)", cfg.dataDir, err)
		}
		return nil, err
	}
	api := h.signalRequests(httpapi.NewHandler(h.svc, cfg.logger))
	h.mux = http.NewServeMux()
	h.mux.Handle("/", api)
	if h.srv, err = httpapi.Start(cfg.addr, h.mux); err != nil {
		return nil, err
	}
	if cfg.socket {
		if err := h.serveSocket(api); err != nil {
			return nil, err
		}
	}
	for i, fn := range cfg.functions {
		rt, err := runtimeapi.New(runtimeapi.Config{
			Path:           binaries[i],
			FunctionName:   fn.name,
			Version:        functionVersion,
			MemoryMB:       fn.memoryMiB,
			MaxSandboxes:   cfg.maxSandboxes,
			Endpoint:       h.srv.URL(),
			EndpointSocket: h.srv.Socket(),
			Env:            fn.env,
			Output:         cfg.output,
			Logger:         cfg.logger,
		})
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", fn.name, err)
		}
		h.rts = append(h.rts, rt)
		var aliases map[string]string
		if fn.aliases != nil {
			aliases = make(map[string]string, len(fn.aliases))
			for _, a := range fn.aliases {
				aliases[a] = functionVersion
			}
		}
		if err := h.svc.RegisterFunction(emulator.Function{
			Name:          fn.name,
			Version:       functionVersion,
			Aliases:       aliases,
			Durable:       fn.durable,
			DurableConfig: fn.durableConfig,
			Timeout:       fn.timeout,
			Invoker:       rt,
		}); err != nil {
			return nil, fmt.Errorf("function %s: %w", fn.name, err)
		}
	}
	return h, nil
}

// build returns the binary of each function, building those given as a
// package for the host, each package once.
func (h *host) build(ctx context.Context, cfg hostConfig) ([]string, error) {
	binaries := make([]string, len(cfg.functions))
	built := map[string]string{} // package -> binary
	for i, fn := range cfg.functions {
		if fn.binary != "" {
			binaries[i] = fn.binary
			continue
		}
		if b, ok := built[fn.pkg]; ok {
			binaries[i] = b
			continue
		}
		dir, err := h.workDir()
		if err != nil {
			return nil, err
		}
		b := filepath.Join(dir, fmt.Sprint(len(built)), "bootstrap")
		fmt.Fprintf(cfg.progress, "building %s for the host...\n", displayPackage(fn.pkg))
		if err := hostbuild.Build(ctx, fn.pkg, b); err != nil {
			if len(cfg.functions) > 1 {
				return nil, fmt.Errorf("function %s: %w", fn.name, err)
			}
			return nil, err
		}
		built[fn.pkg] = b
		binaries[i] = b
	}
	return binaries, nil
}

// workDir returns the host's temporary directory, creating it on first
// use; close removes it.
func (h *host) workDir() (string, error) {
	if h.tmpDir == "" {
		var err error
		if h.tmpDir, err = os.MkdirTemp("", "durablectl-"); err != nil {
			return "", err
		}
	}
	return h.tmpDir, nil
}

// serveSocket serves the REST API api on a Unix socket in the host's
// temporary directory as well, for the functions it runs
// (runtimeapi.Config.EndpointSocket): the functions call the API alone,
// so their requests skip the mux (and what serve adds to it).
func (h *host) serveSocket(api http.Handler) error {
	dir, err := h.workDir()
	if err != nil {
		return err
	}
	if err := h.srv.ServeUnix(filepath.Join(dir, "endpoint.sock"), api); err != nil {
		return fmt.Errorf("%w (run with --socket=false to serve on TCP only)", err)
	}
	return nil
}

// displayPackage shortens an absolute package directory below the
// working directory to a relative one.
func displayPackage(pkg string) string {
	if !filepath.IsAbs(pkg) {
		return pkg
	}
	wd, err := os.Getwd()
	if err != nil {
		return pkg
	}
	if rel, err := filepath.Rel(wd, pkg); err == nil && filepath.IsLocal(rel) {
		return "./" + filepath.ToSlash(rel)
	}
	return pkg
}

// signalRequests wraps the endpoint's handler to signal h.changed after
// each request that may have changed something.
func (h *host) signalRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method != http.MethodGet {
			h.signalChange()
		}
	})
}

// signalChange signals h.changed unless a signal is already pending.
func (h *host) signalChange() {
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// close stops the runtimes, the endpoint and removes the build directory.
func (h *host) close() {
	for _, rt := range h.rts {
		_ = rt.Close()
	}
	if h.srv != nil {
		_ = h.srv.Close()
	}
	if h.store != nil {
		_ = h.store.Close()
	}
	if h.tmpDir != "" {
		_ = os.RemoveAll(h.tmpDir)
	}
}

// errNotLoopback refuses a non-loopback listen address without --expose.
var errNotLoopback = errors.New("refusing to listen on a non-loopback address without --expose (the endpoint has no authentication)")

// checkLoopback accepts host:port addresses whose host is a loopback IP or
// "localhost".
func checkLoopback(addr string) error {
	hostPart, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if hostPart == "localhost" {
		return nil
	}
	if ip := net.ParseIP(hostPart); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errNotLoopback
}
