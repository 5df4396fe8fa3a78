package durable

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
)

// TestPluginEndOfRepeatedRecords: a checkpoint response may report an
// operation's terminal record again, in a later response or twice in one;
// its OnOperationEnd still fires once. The fake service answers every
// checkpoint with each terminal record it holds, twice, after the records
// the checkpoint changed.
func TestPluginEndOfRepeatedRecords(t *testing.T) {
	f := newFakeClient(executionOp(""))
	f.respond = func(int) []Operation {
		var again []Operation
		for _, id := range slices.Sorted(maps.Keys(f.ops)) {
			if op := f.ops[id]; op.Status.Terminal() && op.Type == OperationTypeStep {
				again = append(again, *op, *op)
			}
		}
		return again
	}
	var mu sync.Mutex
	ends := map[string]int{}
	plugin := Plugin{OnOperationEnd: func(_ context.Context, info OperationHookInfo) {
		mu.Lock()
		defer mu.Unlock()
		ends[info.Name]++
	}}
	h := func(ctx Context, _ any) (string, error) {
		for _, name := range []string{"a", "b", "c"} {
			if _, err := Step(ctx, name, func(StepContext) (string, error) { return name, nil }); err != nil {
				return "", err
			}
		}
		return "done", nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f, WithPlugins(plugin))...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := map[string]int{"a": 1, "b": 1, "c": 1}; !maps.Equal(ends, want) {
		t.Errorf("OnOperationEnd per operation %v, want %v", ends, want)
	}
}
