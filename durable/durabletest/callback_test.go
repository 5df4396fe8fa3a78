package durabletest

import (
	"slices"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

type approval struct {
	By string `json:"by"`
}

// approvalFlow creates a callback with a timeout and returns who approved.
func approvalFlow(ctx durable.Context, in string) (string, error) {
	cb, err := durable.CreateCallback[approval](ctx, "approve", durable.WithCallbackTimeout(time.Hour), durable.WithCallbackHeartbeatTimeout(10*time.Minute),
		durable.WithCallbackSerdes(durable.JSONSerdes{}))
	if err != nil {
		return "", err
	}
	a, err := cb.Result(ctx)
	if err != nil {
		return "", err
	}
	return in + " approved by " + a.By, nil
}

func TestCallbackControls(t *testing.T) {
	tests := []struct {
		name       string
		act        func(r *LocalRunner[string, string], id string) error
		wantStatus ExecutionStatus
		wantResult string
		wantEvent  string
	}{
		{
			name: "success",
			act: func(r *LocalRunner[string, string], id string) error {
				return r.SendCallbackSuccess(id, approval{By: "ops"})
			},
			wantStatus: StatusSucceeded, wantResult: `"order approved by ops"`, wantEvent: "CallbackSucceeded",
		},
		{
			name: "failure",
			act: func(r *LocalRunner[string, string], id string) error {
				return r.SendCallbackFailure(id, "Rejected", "no budget")
			},
			wantStatus: StatusFailed, wantEvent: "CallbackFailed",
		},
		{
			name:       "timeout",
			act:        func(r *LocalRunner[string, string], id string) error { return r.TimeoutCallback(id) },
			wantStatus: StatusFailed, wantEvent: "CallbackTimedOut",
		},
		{
			name: "heartbeats keep it open, then the heartbeat timeout fires",
			act: func(r *LocalRunner[string, string], id string) error {
				for range 3 {
					if err := r.AdvanceClock(9 * time.Minute); err != nil {
						return err
					}
					if err := r.SendCallbackHeartbeat(id); err != nil {
						return err
					}
				}
				return r.AdvanceClock(10 * time.Minute)
			},
			wantStatus: StatusFailed, wantEvent: "CallbackTimedOut",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewLocalRunner(approvalFlow)
			res, err := r.RunUntilComplete("order")
			if err != nil {
				t.Fatal(err)
			}
			open := r.OpenCallbacks()
			if res.Status != StatusPending || len(res.Waiting) != 1 || res.Waiting[0].Kind != "callback" ||
				len(open) != 1 || open[0].Name != "approve" || open[0].CallbackID != res.Waiting[0].CallbackID {
				t.Fatalf("first run = %s waiting %v, open %v", res.Status, res.Waiting, open)
			}
			if err := tt.act(r, open[0].CallbackID); err != nil {
				t.Fatal(err)
			}
			res, err = r.RunUntilComplete("order")
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus || (tt.wantResult != "" && res.RawResult != tt.wantResult) {
				t.Fatalf("final = %s %q %+v", res.Status, res.RawResult, res.Error)
			}
			if !slices.Contains(res.EventTypes(), tt.wantEvent) {
				t.Errorf("events = %v, want %s", res.EventTypes(), tt.wantEvent)
			}
			if len(r.OpenCallbacks()) != 0 {
				t.Error("callbacks still open")
			}
		})
	}
}

// TestHandlerCallsRunner: a WaitForCallback submitter completes its own
// callback through the runner while the runner is invoking the handler.
func TestHandlerCallsRunner(t *testing.T) {
	var r *LocalRunner[string, string]
	r = NewLocalRunner(func(ctx durable.Context, in string) (string, error) {
		at := r.Now()
		got, err := durable.WaitForCallback[string](ctx, "approve", func(_ durable.StepContext, id string) error {
			return r.SendCallbackSuccess(id, in+" approved at "+at.Format(time.RFC3339))
		}, durable.WithCallbackSerdes(durable.JSONSerdes{}))
		return got, err
	})
	start := r.Now()
	res, err := r.RunUntilComplete("order")
	if err != nil {
		t.Fatal(err)
	}
	want := "order approved at " + start.Format(time.RFC3339)
	if got, err := ResultAs[string](res); err != nil || res.Status != StatusSucceeded || got != want {
		t.Fatalf("status %s, result %q, %v; want SUCCEEDED, %q", res.Status, got, err, want)
	}
}
