package viewer

import (
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
	"github.com/acme/durable-lambda-go/wire"
)

// TestGanttAxis checks that the axis covers every event, also when the
// clock that ends a running execution's axis is behind the events (a
// service on virtual time).
func TestGanttAxis(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) *wire.Timestamp { return wire.At(t0.Add(time.Duration(s) * time.Second)) }
	one := 1
	tl := timeline.Build([]wire.Event{
		{EventType: wire.EventStepStarted, Id: "s", Name: "s", EventTimestamp: at(0), StepStartedDetails: &wire.EmptyDetails{}},
		{EventType: wire.EventStepFailed, Id: "s", Name: "s", EventTimestamp: at(10), StepFailedDetails: &wire.StepFailedDetails{
			RetryDetails: &wire.RetryDetails{CurrentAttempt: 1, NextAttemptDelaySeconds: &one}}},
		{EventType: wire.EventStepStarted, Id: "s", Name: "s", EventTimestamp: at(11), StepStartedDetails: &wire.EmptyDetails{}},
		{EventType: wire.EventStepSucceeded, Id: "s", Name: "s", EventTimestamp: at(20), StepSucceededDetails: &wire.StepSucceededDetails{
			RetryDetails: &wire.RetryDetails{CurrentAttempt: 2}}},
		{EventType: wire.EventWaitStarted, Id: "w", Name: "w", EventTimestamp: at(20), WaitStartedDetails: &wire.WaitStartedDetails{
			Duration: 20, ScheduledEndTimestamp: at(40)}},
		{EventType: wire.EventWaitSucceeded, Id: "w", Name: "w", EventTimestamp: at(40), WaitSucceededDetails: &wire.WaitSucceededDetails{Duration: 20}},
	})
	tests := []struct {
		name    string
		end     time.Time
		waitX   float64 // where the wait's bar starts, in percent
		lastEnd float64 // where it ends
		delayW  float64 // the 1 s retry delay's width
	}{
		{"clock behind the events", t0.Add(5 * time.Second), 50, 100, 2.5},
		{"clock after the events", t0.Add(80 * time.Second), 25, 50, 1.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := buildGantt(tl, t0, tt.end)
			if len(g.Rows) != 2 || len(g.Rows[0].Segments) != 3 || len(g.Rows[1].Segments) != 1 {
				t.Fatalf("rows %+v, want the step's two attempts and retry delay, and the wait", g.Rows)
			}
			for _, r := range g.Rows {
				for _, s := range r.Segments {
					if s.X < 0 || s.W <= 0 || s.X+s.W > 100.0001 {
						t.Errorf("%s: segment %+v outside the axis", r.ID, s)
					}
				}
			}
			if w := g.Rows[1].Segments[0]; !near(w.X, tt.waitX) || !near(w.X+w.W, tt.lastEnd) {
				t.Errorf("the wait spans %.2f%%..%.2f%%, want %.2f%%..%.2f%%", w.X, w.X+w.W, tt.waitX, tt.lastEnd)
			}
			if d := g.Rows[0].Segments[1]; d.Class != "retry-delay" || !near(d.W, tt.delayW) {
				t.Errorf("retry delay segment %+v, want width %.2f%%", d, tt.delayW)
			}
		})
	}
}

// near compares percentages.
func near(a, b float64) bool { return a > b-0.01 && a < b+0.01 }
