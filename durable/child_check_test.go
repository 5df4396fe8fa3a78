//go:build !durablenocheck

package durable

import (
	"errors"
	"testing"
)

func TestRunInChildContextWrongContext(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var inner, after error
	h := func(ctx Context, _ any) (string, error) {
		var kept Context
		_, err := RunInChildContext(ctx, "child", func(cc Context) (string, error) {
			kept = cc
			_, inner = Step(ctx, "outer", func(StepContext) (string, error) { return "", nil })
			return "", nil
		})
		_, after = Step(kept, "late", func(StepContext) (string, error) { return "", nil })
		return "", err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	if !errors.Is(inner, ErrWrongContext) || !errors.Is(after, ErrWrongContext) {
		t.Errorf("inner %v, after %v", inner, after)
	}
	for _, u := range f.updates() {
		if u.Type == "STEP" {
			t.Errorf("step recorded: %+v", u)
		}
	}
}

func TestGoWrongGoroutine(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		var inner error
		fut := Go(ctx, "g", func(Context) (string, error) {
			_, inner = Step(ctx, "s", func(StepContext) (string, error) { return "", nil })
			return "ok", nil
		})
		v, err := fut.Result(ctx)
		if !errors.Is(inner, ErrWrongGoroutine) {
			return "", errors.New("want ErrWrongGoroutine, got " + inner.Error())
		}
		return v, err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
}
