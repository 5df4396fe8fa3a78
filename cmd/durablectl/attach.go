package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/wire"
)

// sayReattached tells, when run found the execution it was asked to start
// already in --data-dir (the same name and payload), that it continues
// that execution rather than starting one; the history printed next is
// the execution's so far.
func sayReattached(ctx context.Context, w io.Writer, svc *emulator.Service, arn, dataDir string) error {
	exec, err := svc.GetExecution(ctx, arn, false)
	if err != nil {
		return err
	}
	started := wire.TimeOf(exec.StartTimestamp).Local().Format(time.DateTime)
	if exec.Status.Terminal() {
		fmt.Fprintf(w, "execution %q, kept in %s since %s, had already ended %s; its history:\n", exec.DurableExecutionName, dataDir, started, exec.Status)
		return nil
	}
	fmt.Fprintf(w, "re-attached to execution %q, kept in %s since %s (%s); its history so far, then what follows:\n", exec.DurableExecutionName, dataDir, started, exec.Status)
	return nil
}

// interruptedError explains a run stopped by an interrupt while its
// execution was open: what became of the execution, and how to keep or
// resume it.
func interruptedError(svc *emulator.Service, arn, dataDir string) error {
	name := arn
	if exec, err := svc.GetExecution(context.Background(), arn, false); err == nil {
		name = exec.DurableExecutionName
	}
	if dataDir == "" {
		return fmt.Errorf("interrupted: execution %q lived only in this process's memory and is gone; with --data-dir DIR executions are kept, and running again with the same --name and --data-dir re-attaches to them", name)
	}
	return fmt.Errorf("interrupted: execution %q is kept in %s; run again with --name %s --data-dir %s to re-attach to it", name, dataDir, name, dataDir)
}

// listenError adds to a failure to listen on --addr what to do about an
// address in use.
func listenError(err error, addr string) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w\n(another process, perhaps another durablectl serve, listens on %s: stop it, or choose another address with --addr, e.g. --addr 127.0.0.1:0 for any free port)", err, addr)
	}
	return err
}
