package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/demo"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/lambdahistory"
	"github.com/acme/durable-lambda-go/wire"
)

// virtualHost starts a host for the demo binary on a virtual clock.
func virtualHost(t *testing.T, dataDir string, clock *emulator.VirtualClock) (*host, *client) {
	t.Helper()
	h, err := startHost(t.Context(), hostConfig{
		functions: []hostedFunction{{name: "seed", binary: demoBinary, durable: true}}, dataDir: dataDir, clock: clock,
		output: &bytes.Buffer{}, logger: slog.New(slog.DiscardHandler), progress: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.close)
	return h, localClient(t, h.srv.URL())
}

// TestHostSocket checks that a host started with socket serves its
// endpoint on a Unix socket in its temporary directory, which close
// removes.
func TestHostSocket(t *testing.T) {
	for _, socket := range []bool{true, false} {
		h, err := startHost(t.Context(), hostConfig{
			functions: []hostedFunction{{name: "seed", binary: demoBinary, durable: true}}, clock: emulator.RealClock(), socket: socket,
			output: io.Discard, logger: slog.New(slog.DiscardHandler), progress: io.Discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		path := h.srv.Socket()
		if !socket {
			h.close()
			if path != "" {
				t.Errorf("socket %q without socket", path)
			}
			continue
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Type() != os.ModeSocket || filepath.Dir(path) != h.tmpDir {
			t.Errorf("socket %q (in %q): %v, %v", path, h.tmpDir, fi, err)
		}
		h.close()
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("the socket after close: %v", err)
		}
	}
}

// localClient returns a client of the local endpoint at url.
func localClient(t *testing.T, url string) *client {
	t.Helper()
	opts := lambdaclient.Options{Endpoint: url}
	api, err := lambdaclient.New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &client{api: api, opts: opts}
}

func TestRestartWithDataDirLosesNothing(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		firstRun bool // run what is due before the restart
		wantPast []wire.EventType
	}{
		{
			name:     "due wait timer",
			firstRun: true,
			wantPast: []wire.EventType{wire.EventExecutionStarted, wire.EventStepStarted, wire.EventStepSucceeded, wire.EventWaitStarted, wire.EventInvocationCompleted},
		},
		{
			name:     "first invocation pending",
			wantPast: []wire.EventType{wire.EventExecutionStarted},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			h1, c1 := virtualHost(t, dir, emulator.NewVirtualClock(start))
			arn := startExecution(t, h1, "restart-1", `{"name":"ju","wait":3600}`)
			if tt.firstRun {
				if err := h1.svc.RunDue(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			before, err := c1.history(t.Context(), arn)
			if err != nil {
				t.Fatal(err)
			}
			if got := eventTypesOf(before); !slices.Equal(got, tt.wantPast) {
				t.Fatalf("history before the restart = %v, want %v", got, tt.wantPast)
			}
			h1.close()

			// The restarted server's clock is past the wait's end.
			h2, c2 := virtualHost(t, dir, emulator.NewVirtualClock(start.Add(2*time.Hour)))
			exec, err := c2.getExecution(t.Context(), arn)
			if err != nil {
				t.Fatalf("GetDurableExecution after the restart: %v", err)
			}
			if exec.Status != wire.ExecutionStatusRunning {
				t.Errorf("status after the restart = %s, want RUNNING", exec.Status)
			}
			after, err := c2.history(t.Context(), arn)
			if err != nil {
				t.Fatal(err)
			}
			if !equalJSON(t, before, after) {
				t.Errorf("history changed across the restart:\nbefore %v\nafter  %v", eventTypesOf(before), eventTypesOf(after))
			}
			if err := driveBounded(t, h2, arn); err != nil {
				t.Fatal(err)
			}
			exec, err = c2.getExecution(t.Context(), arn)
			if err != nil {
				t.Fatal(err)
			}
			if exec.Status != wire.ExecutionStatusSucceeded || exec.Result == nil || *exec.Result != `{"greeting":"hello ju","attempts":1}` {
				t.Errorf("after resuming: %s, result %v", exec.Status, exec.Result)
			}
			final, err := c2.history(t.Context(), arn)
			if err != nil {
				t.Fatal(err)
			}
			if len(final) < len(before) || !equalJSON(t, final[:len(before)], before) {
				t.Errorf("the resumed history does not extend the one before the restart")
			}
		})
	}
}

func TestHistoryOverHTTPEqualsTheInProcessRunner(t *testing.T) {
	inputs := []demo.Input{
		{Name: "ka", Wait: 30, Flaky: 1},
		{Name: "lu", Flaky: 5},
		{Name: "mo", Fail: true},
	}
	for _, in := range inputs {
		t.Run(in.Name, func(t *testing.T) {
			res, err := durabletest.NewLocalRunner(demo.Handler).RunUntilComplete(in)
			if err != nil {
				t.Fatalf("local runner: %v", err)
			}
			payload, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			h, c := virtualHost(t, "", emulator.NewVirtualClock(time.Now()))
			arn := startExecution(t, h, "", string(payload))
			if err := driveBounded(t, h, arn); err != nil {
				t.Fatal(err)
			}
			served, err := c.history(t.Context(), arn)
			if err != nil {
				t.Fatal(err)
			}
			local, remote := comparable(wireEvents(t, res.Events)), comparable(served)
			if !equalJSON(t, local, remote) {
				l, _ := json.MarshalIndent(local, "", " ")
				r, _ := json.MarshalIndent(remote, "", " ")
				t.Errorf("history over HTTP differs from the local runner's\nlocal:\n%s\nhttp:\n%s", l, r)
			}
		})
	}
}

// driveBounded drives an execution on virtual time to its end; a minute
// of wall-clock time bounds it should the execution wait for outside input.
func driveBounded(t *testing.T, h *host, arn string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	return driveVirtual(ctx, h, arn, h.svc.AdvanceTo, io.Discard)
}

// wireEvents converts a durabletest history to the wire types the
// endpoint serves.
func wireEvents(t *testing.T, events []types.Event) []wire.Event {
	t.Helper()
	out, err := lambdahistory.ToWireAll(events)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// comparable strips what differs between two runs of one workflow:
// timestamps, request ids and the execution's generated id and name.
func comparable(events []wire.Event) []wire.Event {
	out := make([]wire.Event, len(events))
	for i, e := range events {
		e.EventTimestamp = nil
		if e.EventType == wire.EventExecutionStarted || e.ExecutionSucceededDetails != nil || e.ExecutionFailedDetails != nil ||
			e.ExecutionTimedOutDetails != nil || e.ExecutionStoppedDetails != nil {
			e.Id, e.Name = "", ""
		}
		if d := e.InvocationCompletedDetails; d != nil {
			e.InvocationCompletedDetails = &wire.InvocationCompletedDetails{Error: d.Error}
		}
		if d := e.WaitStartedDetails; d != nil {
			e.WaitStartedDetails = &wire.WaitStartedDetails{Duration: d.Duration}
		}
		out[i] = e
	}
	return out
}

// equalJSON compares two values by their JSON encodings.
func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// eventTypesOf lists the types of events.
func eventTypesOf(events []wire.Event) []wire.EventType {
	out := make([]wire.EventType, len(events))
	for i, e := range events {
		out[i] = e.EventType
	}
	return out
}
