package durable

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

func TestWait(t *testing.T) {
	waitRec := func(status OperationStatus) Operation {
		return Operation{Id: WireID("1"), Name: "pause", Type: wire.OperationTypeWait, SubType: wire.SubTypeWait, Status: status,
			WaitDetails: &WaitDetails{ScheduledEndTimestamp: wire.At(testEpoch.Add(time.Minute))}}
	}
	tests := []struct {
		name       string
		rec        *Operation
		d          time.Duration
		wantCalls  [][]string
		wantSecs   int
		wantStatus wire.InvocationStatus
		wantErr    string
	}{
		{name: "new", d: time.Second, wantCalls: [][]string{{"WAIT:START"}}, wantSecs: 1, wantStatus: "PENDING"},
		{name: "rounded up", d: 90*time.Second + time.Millisecond, wantCalls: [][]string{{"WAIT:START"}}, wantSecs: 91, wantStatus: "PENDING"},
		{name: "days", d: 48 * time.Hour, wantCalls: [][]string{{"WAIT:START"}}, wantSecs: 172800, wantStatus: "PENDING"},
		{name: "started suspends again", rec: ptr(waitRec("STARTED")), d: time.Minute, wantCalls: [][]string{}, wantStatus: "PENDING"},
		{name: "succeeded continues", rec: ptr(waitRec("SUCCEEDED")), d: time.Minute, wantCalls: [][]string{}, wantStatus: "SUCCEEDED"},
		{name: "cancelled fails", rec: ptr(waitRec("CANCELLED")), d: time.Minute, wantCalls: [][]string{}, wantStatus: "FAILED", wantErr: "WaitError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			if tt.rec != nil {
				ops = append(ops, *tt.rec)
			}
			f := newFakeClient(ops...)
			h := func(ctx Context, _ any) (string, error) {
				if err := Wait(ctx, "pause", tt.d); err != nil {
					return "", err
				}
				return "after", nil
			}
			out := invokeAndCheck(t, f, h, ops, tt.wantCalls, tt.wantStatus, "")
			if tt.wantSecs != 0 {
				u := lastUpdate(f)
				if u.WaitOptions == nil || u.WaitOptions.WaitSeconds != tt.wantSecs || u.SubType != "Wait" || u.Name != "pause" {
					t.Errorf("update %+v", u)
				}
			}
			if tt.wantErr != "" && out.Error.ErrorType != tt.wantErr {
				t.Errorf("error %+v", out.Error)
			}
		})
	}
}

func TestWaitBadDurations(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, 999 * time.Millisecond, (wire.MaxDurationSeconds + 1) * time.Second} {
		f := newFakeClient(executionOp(""))
		var waitErr error
		h := func(ctx Context, _ any) (string, error) {
			waitErr = Wait(ctx, "w", d)
			return Step(ctx, "s", func(StepContext) (string, error) { return "x", nil })
		}
		if _, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil {
			t.Fatal(err)
		}
		var oe *OperationError
		if waitErr == nil || errors.As(waitErr, &oe) || !strings.Contains(waitErr.Error(), "durable: Wait") {
			t.Errorf("%v: error %v", d, waitErr)
		}
		if got := f.actions(); len(got) != 1 || got[0][0] != "STEP:START:"+WireID("1") {
			t.Errorf("%v: checkpoints %v", d, got)
		}
	}
}

// TestWaitThenStep runs a wait across two invocations and checks that the
// second one replays the wait and continues.
func TestWaitThenStep(t *testing.T) {
	f := newFakeClient(executionOp(""))
	runs := 0
	h := func(ctx Context, _ any) (string, error) {
		if err := Wait(ctx, "w", 2*time.Second); err != nil {
			return "", err
		}
		return Step(ctx, "after", func(StepContext) (string, error) { runs++; return "done", nil })
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	updated := f.fireTimers()
	out, err = invoke(t, h, envelope(t, "tok-1", f.log(), updated...), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"done"` || runs != 1 {
		t.Fatalf("%+v %v runs=%d", out, err, runs)
	}
	want := [][]string{{"WAIT:START:" + WireID("1")}, {"STEP:START:" + WireID("2"), "STEP:SUCCEED:" + WireID("2")}}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
}
