package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// t0 is the start of the synthetic histories, in epoch seconds.
const t0 = 1767225600

// ev renders one synthetic history event at t0+at seconds; extra is more
// JSON members (with a leading comma) or "".
func ev(id int, typ, opID string, at int, extra string) string {
	return fmt.Sprintf(`{"EventId": %d, "EventType": %q, "Id": %q, "EventTimestamp": %d%s}`, id, typ, opID, t0+at, extra)
}

func history(events ...string) string { return "[" + strings.Join(events, ",") + "]" }

func TestCheckStrict(t *testing.T) {
	started := ev(1, "ExecutionStarted", "", 0, `, "ExecutionStartedDetails": {"ExecutionTimeout": 30}`)
	retry := func(delay int) string {
		return fmt.Sprintf(`, "StepFailedDetails": {"RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": %d}}`, delay)
	}
	wait := func(d, end int) string {
		return fmt.Sprintf(`, "WaitStartedDetails": {"Duration": %d, "ScheduledEndTimestamp": %d}`, d, t0+end)
	}
	waitDone := func(d int) string { return fmt.Sprintf(`, "WaitSucceededDetails": {"Duration": %d}`, d) }
	callback := func(timeout, heartbeat int) string {
		return fmt.Sprintf(`, "CallbackStartedDetails": {"CallbackId": "cb", "Timeout": %d, "HeartbeatTimeout": %d}`, timeout, heartbeat)
	}
	timedOut := func(errType string) string {
		return fmt.Sprintf(`, "CallbackTimedOutDetails": {"Error": {"Payload": {"ErrorType": %q}}}`, errType)
	}
	beats := func(at ...int) []SentAction {
		var out []SentAction
		for _, a := range at {
			out = append(out, SentAction{CallbackID: "cb", Operation: CallbackHeartbeat, At: time.Unix(t0+int64(a), 0)})
		}
		return out
	}
	succeeded := SentAction{CallbackID: "cb", Operation: CallbackSuccess, At: time.Unix(t0+4, 0)}
	endsAtInvocation := `[{"EventId": 2, "EventType": "InvocationCompleted"}]`
	success := &ExpectedResult{Status: "SUCCEEDED"}

	tests := []struct {
		name     string
		expected string
		result   *ExpectedResult
		actual   string
		sent     []SentAction
		wantErr  string // "" means a pass; otherwise a substring of the first mismatch
		trailing bool
		timings  int
	}{
		{name: "only the closing event follows", expected: endsAtInvocation, result: success,
			actual:   history(started, ev(2, "InvocationCompleted", "", 0, ""), ev(3, "ExecutionSucceeded", "", 0, "")),
			trailing: true},
		{name: "trailing event before the closing one", expected: endsAtInvocation, result: success,
			actual: history(started, ev(2, "InvocationCompleted", "", 0, ""), ev(3, "InvocationCompleted", "", 0, ""),
				ev(4, "ExecutionSucceeded", "", 0, "")),
			wantErr: "event 3 (InvocationCompleted) follows the last expected event 2", trailing: true},
		{name: "trailing event after the closing one", expected: endsAtInvocation, result: success,
			actual: history(started, ev(2, "InvocationCompleted", "", 0, ""), ev(3, "ExecutionSucceeded", "", 0, ""),
				ev(4, "InvocationCompleted", "", 0, "")),
			wantErr: "event 3 (ExecutionSucceeded) follows", trailing: true},
		{name: "expected closing event is last", expected: `[{"EventId": 3, "EventType": "ExecutionSucceeded"}]`,
			actual:   history(started, ev(2, "InvocationCompleted", "", 0, ""), ev(3, "ExecutionSucceeded", "", 0, ""), ev(4, "StepStarted", "s", 0, "")),
			wantErr:  "event 4 (StepStarted) follows the last expected event 3",
			trailing: true},
		{name: "no final status: the first invocation only", expected: endsAtInvocation,
			actual: history(started, ev(2, "InvocationCompleted", "", 0, ""), ev(3, "InvocationCompleted", "", 0, ""))},
		{name: "history ending elsewhere", expected: `[{"EventId": 2, "EventType": "ContextStarted"}]`, result: success,
			actual: history(started, ev(2, "ContextStarted", "c", 0, ""), ev(3, "ContextSucceeded", "c", 0, ""))},

		{name: "retry after its delay", actual: history(started, ev(2, "StepStarted", "s", 0, ""), ev(3, "StepFailed", "s", 1, retry(5)),
			ev(4, "InvocationCompleted", "", 1, ""), ev(5, "StepStarted", "s", 6, "")), timings: 1},
		{name: "retry without its delay", actual: history(started, ev(2, "StepStarted", "s", 0, ""), ev(3, "StepFailed", "s", 1, retry(5)),
			ev(4, "StepStarted", "s", 1, "")),
			wantErr: "event 4 (StepStarted): next attempt after NextAttemptDelaySeconds 5 at +1s, want +6s", timings: 1},
		{name: "retry not reached", actual: history(started, ev(2, "StepFailed", "s", 0, retry(5)), ev(3, "ExecutionFailed", "", 0, ""))},

		{name: "wait of its duration", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 4)), ev(3, "WaitSucceeded", "w", 4, waitDone(3))),
			timings: 2},
		{name: "wait ends late", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 4)), ev(3, "WaitSucceeded", "w", 5, waitDone(3))),
			wantErr: "event 3 (WaitSucceeded): end of a 3s wait at +5s, want +4s", timings: 2},
		{name: "wait ends early", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 4)), ev(3, "WaitSucceeded", "w", 1, waitDone(3))),
			wantErr: "end of a 3s wait at +1s, want +4s", timings: 2},
		{name: "scheduled end off", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 5))),
			wantErr: "ScheduledEndTimestamp at +5s, want +4s", timings: 1},
		{name: "wait succeeded with another duration", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 4)), ev(3, "WaitSucceeded", "w", 4, waitDone(2))),
			wantErr: "Duration differs from the WaitStarted's 3", timings: 2},
		{name: "wait cancelled in time", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 4)), ev(3, "WaitCancelled", "w", 2, "")),
			timings: 2},
		{name: "wait cancelled after its end", actual: history(started, ev(2, "WaitStarted", "w", 1, wait(3, 4)), ev(3, "WaitCancelled", "w", 5, "")),
			wantErr: "event 3 (WaitCancelled) at +5s, after the wait's end at +4s", timings: 2},

		{name: "callback timeout", actual: history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 0)), ev(3, "CallbackTimedOut", "c", 11, timedOut("Callback.Timeout"))),
			timings: 1},
		{name: "callback timeout early", actual: history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 0)), ev(3, "CallbackTimedOut", "c", 10, timedOut("Callback.Timeout"))),
			wantErr: "timeout Callback.Timeout at +10s, want +11s", timings: 1},
		{name: "callback timeout of the wrong kind", actual: history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 0)), ev(3, "CallbackTimedOut", "c", 11, timedOut("Callback.Heartbeat"))),
			wantErr: `ErrorType "Callback.Heartbeat", want "Callback.Timeout"`, timings: 1},
		{name: "callback with no timeout times out", actual: history(started, ev(2, "CallbackStarted", "c", 1, callback(0, 0)), ev(3, "CallbackTimedOut", "c", 11, timedOut("Callback.Timeout"))),
			wantErr: "the callback has no timeout"},
		{name: "heartbeat timeout with no heartbeat", actual: history(started, ev(2, "CallbackStarted", "c", 1, callback(20, 5)), ev(3, "CallbackTimedOut", "c", 6, timedOut("Callback.Heartbeat"))),
			timings: 1},
		{name: "heartbeats move the deadline", sent: beats(4, 8),
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(20, 5)), ev(3, "CallbackTimedOut", "c", 13, timedOut("Callback.Heartbeat"))),
			timings: 1},
		{name: "heartbeat that did not restart the timeout", sent: beats(4, 8),
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(20, 5)), ev(3, "CallbackTimedOut", "c", 6, timedOut("Callback.Heartbeat"))),
			wantErr: "timeout Callback.Heartbeat at +6s, want +13s", timings: 1},
		{name: "heartbeat after the deadline is too late", sent: beats(7),
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(20, 5)), ev(3, "CallbackTimedOut", "c", 6, timedOut("Callback.Heartbeat"))),
			timings: 1},
		{name: "overall timeout before the heartbeat deadline", sent: beats(4, 8),
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 5)), ev(3, "CallbackTimedOut", "c", 11, timedOut("Callback.Timeout"))),
			timings: 1},
		{name: "success when delivered", sent: []SentAction{succeeded},
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 0)), ev(3, "CallbackSucceeded", "c", 4, "")),
			timings: 1},
		{name: "success recorded at another time", sent: []SentAction{succeeded},
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 0)), ev(3, "CallbackSucceeded", "c", 5, "")),
			wantErr: "delivered success at +5s, want +4s", timings: 1},
		{name: "success after the heartbeat deadline", sent: []SentAction{succeeded},
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(0, 2)), ev(3, "CallbackSucceeded", "c", 4, "")),
			wantErr: "not before the Callback.Heartbeat deadline at +3s", timings: 1},
		{name: "success never delivered",
			actual:  history(started, ev(2, "CallbackStarted", "c", 1, callback(10, 0)), ev(3, "CallbackSucceeded", "c", 4, "")),
			wantErr: "no success was delivered"},

		{name: "execution timeout", actual: history(started, ev(2, "ExecutionTimedOut", "", 30, "")), timings: 1},
		{name: "execution timeout off", actual: history(started, ev(2, "ExecutionTimedOut", "", 31, "")),
			wantErr: "ExecutionTimedOut at +31s, want +30s", timings: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Requirement{Expected: tt.result}
			if tt.expected != "" {
				r.History = mustJSON(t, tt.expected).([]any)
			}
			rep := r.CheckStrict(Execution{History: mustJSON(t, tt.actual).([]any), Sent: tt.sent})
			wantMismatch(t, rep.Mismatches, tt.wantErr)
			if rep.Trailing != tt.trailing || rep.Timings != tt.timings {
				t.Errorf("trailing %v, %d timings checked; want %v, %d", rep.Trailing, rep.Timings, tt.trailing, tt.timings)
			}
		})
	}
}
