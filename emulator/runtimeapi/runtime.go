package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/uuid"
)

// Config describes the function a [Runtime] hosts.
type Config struct {
	// Path is the function's executable, normally a file named bootstrap
	// built for the host. Required.
	Path string
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME. Required.
	FunctionName string
	// Version is AWS_LAMBDA_FUNCTION_VERSION; default "$LATEST".
	Version string
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE; default 128.
	MemoryMB int
	// Region is AWS_REGION and AWS_DEFAULT_REGION; default "us-east-1".
	Region string
	// Endpoint, when set, is the URL of the Lambda API the function's AWS
	// clients use (AWS_ENDPOINT_URL_LAMBDA), typically the emulator's REST
	// endpoint on loopback.
	Endpoint string
	// EndpointSocket, when set with Endpoint, is the path of a Unix socket
	// on which that endpoint also listens: it becomes
	// DURABLE_LAMBDA_ENDPOINT_SOCKET (wire.EndpointSocketEnv), over which
	// the durable SDK's default client sends its calls to Endpoint.
	EndpointSocket string
	// Env holds extra environment variables. They are applied last and so
	// override the ones Lambda sets.
	Env map[string]string
	// Output receives the function's stdout and stderr; nil discards them.
	Output io.Writer
	// MaxSandboxes caps how many processes run at once; concurrent
	// invocations beyond it wait for a free sandbox. Default
	// DefaultMaxSandboxes.
	MaxSandboxes int
	// Logger receives the runtime's own diagnostics; default discards.
	Logger *slog.Logger
}

// DefaultMaxSandboxes is Config.MaxSandboxes when zero.
const DefaultMaxSandboxes = 4

// Runtime hosts a function binary behind an emulated Lambda Runtime API.
// It implements emulator.Invoker. It is safe for concurrent use.
type Runtime struct {
	cfg   Config
	slots chan struct{} // one token per busy sandbox

	mu     sync.Mutex
	idle   []*sandbox
	live   map[*sandbox]struct{}
	closed bool
}

var _ emulator.Invoker = (*Runtime)(nil)

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("runtimeapi: runtime closed")

// New checks cfg and returns a Runtime. No process starts until the first
// invocation.
func New(cfg Config) (*Runtime, error) {
	if cfg.Path == "" {
		return nil, errors.New("runtimeapi: Config.Path is required")
	}
	if cfg.FunctionName == "" {
		return nil, errors.New("runtimeapi: Config.FunctionName is required")
	}
	info, err := os.Stat(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: function binary: %w", err)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("runtimeapi: function binary %s is not an executable file", cfg.Path)
	}
	if cfg.Version == "" {
		cfg.Version = "$LATEST"
	}
	if cfg.MemoryMB == 0 {
		cfg.MemoryMB = 128
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	if cfg.MaxSandboxes <= 0 {
		cfg.MaxSandboxes = DefaultMaxSandboxes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runtime{
		cfg:   cfg,
		slots: make(chan struct{}, cfg.MaxSandboxes),
		live:  make(map[*sandbox]struct{}),
	}, nil
}

// Invoke runs one invocation of the function: it hands req.Payload to a
// warm process (starting one if none is idle) and returns the payload the
// function posted to .../response.
//
// Failures of the function are *wire.FunctionError values: the error the
// function posted to .../error or /runtime/init/error, "Runtime.ExitError"
// when the process exits before answering, "Sandbox.Timedout" when it has
// not answered by the deadline, and "Function.ResponseSizeTooLarge" for a
// response over 6 MiB.
//
// The deadline is ctx's deadline when it has one, because that is on the
// real clock the function's process reads (the service may run on a
// virtual clock, which req.Deadline follows); otherwise req.Deadline, and
// with neither, Lambda's 15-minute maximum.
// Other errors (the binary cannot be started, ctx cancelled, Close) are
// returned as they are.
func (r *Runtime) Invoke(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
	started := time.Now()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = req.Deadline
	}
	if deadline.IsZero() {
		deadline = started.Add(15 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if req.RequestID == "" {
		req.RequestID = uuid.New()
	}
	inv := &invocation{req: req, started: started, deadline: deadline, traceID: newTraceID(), done: make(chan result, 1)}

	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, r.abandoned(ctx, inv)
	}
	defer func() { <-r.slots }()

	for {
		sb, err := r.acquire()
		if err != nil {
			return nil, err
		}
		res := sb.dispatch(ctx, inv)
		switch {
		case res.diedIdle && sb.served() > 0:
			// A warm process exited while it sat idle (aws-lambda-go exits
			// after reporting a panic); Lambda would have replaced it.
			r.discard(sb)
			continue
		case res.keep:
			r.release(sb)
		default:
			r.discard(sb)
		}
		if res.diedIdle {
			return nil, sb.exitFailure(inv)
		}
		if errors.Is(res.err, errAbandoned) {
			return nil, r.abandoned(ctx, inv)
		}
		return res.payload, res.err
	}
}

// abandoned is the error of an invocation whose ctx ended first.
func (r *Runtime) abandoned(ctx context.Context, inv *invocation) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return inv.timedOut()
	}
	return fmt.Errorf("runtimeapi: invocation %s: %w", inv.req.RequestID, ctx.Err())
}

// acquire returns an idle sandbox or starts a new one.
func (r *Runtime) acquire() (*sandbox, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(r.idle); n > 0 {
		sb := r.idle[n-1]
		r.idle = r.idle[:n-1]
		r.mu.Unlock()
		return sb, nil
	}
	r.mu.Unlock()

	sb, err := startSandbox(r.cfg)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	closed := r.closed
	if !closed {
		r.live[sb] = struct{}{}
	}
	r.mu.Unlock()
	if closed {
		// Close ran while the process started; stop it without the lock,
		// as stopping waits for the process to exit.
		sb.stop()
		return nil, ErrClosed
	}
	return sb, nil
}

// release returns a healthy sandbox to the idle set.
func (r *Runtime) release(sb *sandbox) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return // Close stops every live sandbox
	}
	r.idle = append(r.idle, sb)
}

// discard stops a sandbox that must not serve again.
func (r *Runtime) discard(sb *sandbox) {
	r.mu.Lock()
	delete(r.live, sb)
	r.mu.Unlock()
	sb.stop()
}

// Close stops every process and server of the runtime. Invocations in
// flight fail; later ones return ErrClosed.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	live := r.live
	r.live = map[*sandbox]struct{}{}
	r.idle = nil
	r.mu.Unlock()
	for sb := range live {
		sb.stop()
	}
	return nil
}
