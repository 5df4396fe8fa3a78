package durable

import (
	"reflect"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

func TestSequentialStepFirstRun(t *testing.T) {
	f := newFakeClient(executionOp(`"World"`))
	h := func(ctx Context, name string) (string, error) {
		return Step(ctx, "greet", func(StepContext) (string, error) { return "Hello, " + name + "!", nil })
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != wire.InvocationStatusSucceeded || wire.Deref(out.Result) != `"Hello, World!"` {
		t.Fatalf("got %+v (result %q)", out, wire.Deref(out.Result))
	}
	id := WireID("1")
	want := [][]string{{"STEP:START:" + id, "STEP:SUCCEED:" + id}}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints = %v, want %v", got, want)
	}
	if f.calls[0].CheckpointToken != "tok-0" {
		t.Fatalf("token %q", f.calls[0].CheckpointToken)
	}
}

func TestStepReplaySucceeded(t *testing.T) {
	f := newFakeClient(executionOp(`"World"`))
	h := func(ctx Context, name string) (string, error) {
		return Step(ctx, "greet", func(StepContext) (string, error) { return "Hello, " + name + "!", nil })
	}
	if _, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	f2 := newFakeClient(f.log()...)
	ran := false
	h2 := func(ctx Context, name string) (string, error) {
		if !ctx.IsReplaying() {
			t.Error("not replaying")
		}
		return Step(ctx, "greet", func(StepContext) (string, error) { ran = true; return "x", nil })
	}
	out, err := invoke(t, h2, envelope(t, "tok-9", f.log()), testOptions(f2)...)
	if err != nil {
		t.Fatal(err)
	}
	if ran || wire.Deref(out.Result) != `"Hello, World!"` || len(f2.calls) != 0 {
		t.Fatalf("ran=%v out=%+v calls=%v", ran, out, f2.actions())
	}
}

func TestWaitSuspends(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		if err := Wait(ctx, "w", 1500*time.Millisecond); err != nil {
			return "", err
		}
		return "done", nil
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != wire.InvocationStatusPending {
		t.Fatalf("got %+v", out)
	}
	if got := f.calls[0].Updates[0].WaitOptions.WaitSeconds; got != 2 {
		t.Fatalf("wait seconds %d", got)
	}
}
