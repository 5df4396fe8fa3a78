//go:build !durablenocheck

package durable

import (
	"errors"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
)

func TestOwnershipChecks(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var fromGoroutine, waitFromGoroutine, insideStep, waitInsideStep error
	h := func(ctx Context, _ any) (string, error) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, fromGoroutine = Step(ctx, "g", func(StepContext) (int, error) { return 0, nil })
			waitFromGoroutine = Wait(ctx, "w", time.Second)
		}()
		if _, err := testwait.Receive("the goroutine's calls return", done); err != nil {
			return "", err
		}
		return Step(ctx, "outer", func(StepContext) (string, error) {
			_, insideStep = Step(ctx, "inner", func(StepContext) (int, error) { return 0, nil })
			waitInsideStep = Wait(ctx, "w", time.Second)
			return "ok", nil
		})
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(fromGoroutine, ErrWrongGoroutine) || !errors.Is(waitFromGoroutine, ErrWrongGoroutine) {
		t.Errorf("from goroutine: %v / %v", fromGoroutine, waitFromGoroutine)
	}
	if !errors.Is(insideStep, ErrWrongContext) || !errors.Is(waitInsideStep, ErrWrongContext) {
		t.Errorf("inside step: %v / %v", insideStep, waitInsideStep)
	}
	// The rejected calls consumed no ids: "outer" is operation 1.
	if got := f.actions(); len(got) != 1 || got[0][1] != "STEP:SUCCEED:"+WireID("1") || out.Status != "SUCCEEDED" {
		t.Fatalf("checkpoints %v, out %+v", got, out)
	}
}
