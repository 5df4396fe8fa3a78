package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/boltstore"
	"github.com/acme/durable-lambda-go/emulator/httpapi"
	"github.com/acme/durable-lambda-go/emulator/runtimeapi"
	"github.com/acme/durable-lambda-go/internal/hostbuild"
)

// functionVersion is the version the hosted function is published as;
// the alias "prod" points at it.
const functionVersion = "1"

// hostConfig says which function to host and how.
type hostConfig struct {
	pkg          string // Go package to build (when binary is empty)
	binary       string // a prebuilt bootstrap
	functionName string
	dataDir      string // persistence; empty = memory only
	quarantine   bool   // move bad stored executions aside instead of failing
	limits       emulator.Limits
	addr         string // listen address of the REST endpoint
	clock        emulator.Clock
	output       io.Writer // the function's stdout and stderr
	logger       *slog.Logger
	progress     io.Writer // build messages; may be io.Discard
}

// host is the emulator service, its REST endpoint and the function binary
// running under the Runtime API emulator, wired together: the function's
// AWS SDK reaches the endpoint through AWS_ENDPOINT_URL_LAMBDA.
type host struct {
	svc    *emulator.Service
	store  *boltstore.Store // nil without a data directory
	srv    *httpapi.Server
	rt     *runtimeapi.Runtime
	tmpDir string
}

// startHost builds the function (unless a binary is given), starts the
// service with its store, the endpoint and the runtime, and registers the
// function as a durable function.
func startHost(ctx context.Context, cfg hostConfig) (_ *host, err error) {
	h := &host{}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	binary := cfg.binary
	if binary == "" {
		if h.tmpDir, err = os.MkdirTemp("", "durablectl-"); err != nil {
			return nil, err
		}
		binary = filepath.Join(h.tmpDir, "bootstrap")
		fmt.Fprintf(cfg.progress, "building %s for the host...\n", cfg.pkg)
		if err := hostbuild.Build(ctx, cfg.pkg, binary); err != nil {
			return nil, err
		}
	}
	var store emulator.Store
	if cfg.dataDir != "" {
		if h.store, err = boltstore.Open(cfg.dataDir); err != nil {
			return nil, err
		}
		store = h.store
	}
	if h.svc, err = emulator.New(emulator.Config{Clock: cfg.clock, Logger: cfg.logger, Store: store,
		QuarantineBad: cfg.quarantine, Limits: cfg.limits}); err != nil {
		var bad *emulator.BadRecordError
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("data directory %s: %w (start with --quarantine-bad to move it aside and go on)", cfg.dataDir, err)
		}
		return nil, err
	}
	if h.srv, err = httpapi.Start(cfg.addr, httpapi.NewHandler(h.svc, cfg.logger)); err != nil {
		return nil, err
	}
	if h.rt, err = runtimeapi.New(runtimeapi.Config{
		Path:         binary,
		FunctionName: cfg.functionName,
		Version:      functionVersion,
		Endpoint:     h.srv.URL(),
		Output:       cfg.output,
		Logger:       cfg.logger,
	}); err != nil {
		return nil, err
	}
	if err := h.svc.RegisterFunction(emulator.Function{
		Name:    cfg.functionName,
		Version: functionVersion,
		Durable: true,
		Invoker: h.rt,
	}); err != nil {
		return nil, err
	}
	return h, nil
}

// close stops the runtime, the endpoint and removes the build directory.
func (h *host) close() {
	if h.rt != nil {
		_ = h.rt.Close()
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
