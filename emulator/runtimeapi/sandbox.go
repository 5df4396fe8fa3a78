package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// invocation is one event on its way through a sandbox.
type invocation struct {
	req      emulator.InvokeRequest
	started  time.Time
	deadline time.Time
	traceID  string
	done     chan result // buffered 1; written once by the response/error handler
}

// timedOut is the failure Lambda reports for an invocation past its deadline.
func (inv *invocation) timedOut() *wire.FunctionError {
	timeout := inv.deadline.Sub(inv.started)
	return &wire.FunctionError{ErrorObject: wire.ErrorObject{
		ErrorType:    "Sandbox.Timedout",
		ErrorMessage: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.req.RequestID, timeout.Seconds()),
	}}
}

// result is the outcome of dispatching an invocation to a sandbox.
type result struct {
	payload  []byte
	err      error
	keep     bool // the process may serve the next invocation
	diedIdle bool // the process exited before it took the event
}

// errAbandoned marks a dispatch that ended because ctx did.
var errAbandoned = errors.New("runtimeapi: invocation abandoned")

// sandbox is one running function process with its own Runtime API server.
type sandbox struct {
	log      *slog.Logger
	srv      *http.Server
	cmd      *exec.Cmd
	work     chan *invocation // taken by GET .../next
	exited   chan struct{}    // closed when the process has ended
	exitErr  error            // from cmd.Wait; read after exited is closed
	initFail chan struct{}    // closed on POST /runtime/init/error

	mu       sync.Mutex
	current  *invocation // handed out by .../next and not yet answered
	count    int         // invocations handed out
	initErr  *wire.ErrorObject
	stopOnce sync.Once
}

// startSandbox serves a Runtime API on a fresh loopback port and starts
// the function process pointed at it.
func startSandbox(cfg Config) (*sandbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: listen: %w", err)
	}
	sb := &sandbox{
		work:     make(chan *invocation),
		exited:   make(chan struct{}),
		initFail: make(chan struct{}),
	}
	sb.srv = &http.Server{Handler: sb.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sb.srv.Serve(ln) }()

	cmd := exec.Command(cfg.Path)
	cmd.Dir = filepath.Dir(cfg.Path)
	cmd.Env = environ(cfg, ln.Addr().String())
	cmd.Stdout = cfg.Output
	cmd.Stderr = cfg.Output
	if err := cmd.Start(); err != nil {
		_ = sb.srv.Close()
		return nil, fmt.Errorf("runtimeapi: start %s: %w", cfg.Path, err)
	}
	sb.cmd = cmd
	sb.log = cfg.Logger.With("function", cfg.FunctionName, "pid", cmd.Process.Pid, "runtime_api", ln.Addr().String())
	sb.log.Debug("sandbox started")
	go func() {
		sb.exitErr = cmd.Wait()
		sb.log.Debug("sandbox process exited", "status", exitStatus(sb.exitErr))
		close(sb.exited)
	}()
	return sb, nil
}

// dispatch hands inv to the process and waits for its answer, the
// process's exit, an init error or the end of ctx.
func (sb *sandbox) dispatch(ctx context.Context, inv *invocation) result {
	select {
	case sb.work <- inv:
	case <-sb.exited:
		return result{diedIdle: true}
	case <-sb.initFail:
		return result{err: sb.initFailure(inv)}
	case <-ctx.Done():
		return result{err: errAbandoned}
	}
	select {
	case res := <-inv.done:
		return res
	case <-sb.exited:
		// The answer may have arrived just before the process exited.
		select {
		case res := <-inv.done:
			return res
		default:
		}
		return result{err: sb.exitFailure(inv)}
	case <-ctx.Done():
		return result{err: errAbandoned}
	}
}

// served reports how many invocations the process has taken.
func (sb *sandbox) served() int {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.count
}

// exitFailure is the Runtime.ExitError of a process that ended without
// answering inv. Call only after exited is closed.
func (sb *sandbox) exitFailure(inv *invocation) *wire.FunctionError {
	return &wire.FunctionError{ErrorObject: wire.ErrorObject{
		ErrorType:    "Runtime.ExitError",
		ErrorMessage: fmt.Sprintf("RequestId: %s Error: Runtime exited %s", inv.req.RequestID, exitStatus(sb.exitErr)),
	}}
}

// initFailure is the error the process posted to /runtime/init/error.
func (sb *sandbox) initFailure(inv *invocation) *wire.FunctionError {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	e := *sb.initErr
	if e.ErrorMessage == "" {
		e.ErrorMessage = fmt.Sprintf("RequestId: %s Error: runtime failed to initialize", inv.req.RequestID)
	}
	return &wire.FunctionError{ErrorObject: e}
}

// stop kills the process, waits for it and closes the server.
func (sb *sandbox) stop() {
	sb.stopOnce.Do(func() {
		_ = sb.cmd.Process.Kill()
		<-sb.exited
		_ = sb.srv.Close()
	})
}

// exitStatus describes how a process ended, Lambda style.
func exitStatus(err error) string {
	if err == nil {
		return "without providing a reason"
	}
	return "with error: " + err.Error()
}
