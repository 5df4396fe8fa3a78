package bench_test

import (
	"context"
	"testing"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// TestCases runs every case once through the SDK alone and, where it fits,
// through the local runner: both must produce the checked result, and the
// updates counted from the runner's history must equal the ones MemClient
// received, and so must the checkpoint calls of workflows without
// concurrency, so that the two benchmarks report comparable figures.
func TestCases(t *testing.T) {
	ctx := context.Background()
	for _, c := range bench.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			fn, client, payload, err := c.PrepareSDK(ctx)
			if err != nil {
				t.Fatal(err)
			}
			result, err := c.Execute(ctx, fn, client, payload)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Check(result); err != nil {
				t.Errorf("SDK alone: %v", err)
			}
			if c.ReplaySteps > 0 {
				if client.Calls() != 0 {
					t.Errorf("replaying invocation made %d checkpoint calls, want 0", client.Calls())
				}
				// The runner runs the whole execution; compare that below.
				client = bench.NewMemClient(true)
				if _, _, err := bench.Drive(ctx, c.Wrap(durable.WithExecutionClient(client), bench.Quiet()), client, c.Input); err != nil {
					t.Fatal(err)
				}
			}
			res, calls, err := c.RunLocal(bench.Quiet())
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != durabletest.StatusSucceeded {
				t.Fatalf("runner: status %s, error %+v", res.Status, res.Error)
			}
			if err := c.Check(res.RawResult); err != nil {
				t.Errorf("runner: %v", err)
			}
			if got, want := bench.ClientUpdates(res.EventTypes()), client.Updates(); got != want {
				t.Errorf("runner history shows %d updates, MemClient received %d", got, want)
			}
			if !c.Concurrent && calls != client.Calls() {
				t.Errorf("runner counted %d checkpoint calls, MemClient %d", calls, client.Calls())
			}
		})
	}
}

// TestDrive checks the counts and invocations of workflows that suspend.
func TestDrive(t *testing.T) {
	tests := []struct {
		name                        string
		invocations, calls, updates int
	}{
		// step (START+SUCCEED in one call), wait (START) twice, then step 3.
		{"wait-chain", 3, 5, 8},
		// each failed attempt: START+RETRY; the last: START+SUCCEED.
		{"retry", 3, 3, 6},
	}
	cases := map[string]bench.Case{}
	for _, c := range bench.Cases() {
		cases[c.Name] = c
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cases[tt.name]
			client := bench.NewMemClient(true)
			out, n, err := bench.Drive(context.Background(), c.Wrap(durable.WithExecutionClient(client), bench.Quiet()), client, c.Input)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != "SUCCEEDED" || n != tt.invocations || client.Calls() != tt.calls || client.Updates() != tt.updates {
				t.Errorf("status %s after %d invocations, %d calls, %d updates; want SUCCEEDED, %d, %d, %d",
					out.Status, n, client.Calls(), client.Updates(), tt.invocations, tt.calls, tt.updates)
			}
		})
	}
}

// TestDriveNeedsTheLog shows that a client without the operation log
// cannot continue a suspended execution.
func TestDriveNeedsTheLog(t *testing.T) {
	client := bench.NewMemClient(false)
	fn := durable.Wrap(bench.WaitChain, durable.WithExecutionClient(client), bench.Quiet())
	out, n, err := bench.Drive(context.Background(), fn, client, []byte(`{}`))
	if err == nil || n != 1 || out.Status != "PENDING" {
		t.Fatalf("Drive = %s after %d invocations, err %v; want PENDING after 1 and an error", out.Status, n, err)
	}
}
