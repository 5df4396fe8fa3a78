package durable_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// TestMapItemIndexes runs a Map on the local runner, one item of which
// waits so that the batch is rebuilt on replay, and checks every place the
// item's index shows: the index the function receives, the default item
// names ("map-item-<i>") of the item contexts, BatchItem.Index on the first
// run and on replay, and the "index" of each item in the recorded batch
// result.
func TestMapItemIndexes(t *testing.T) {
	items := []string{"a", "b", "c"}
	type seen struct {
		Results []string
		Indexes []int
		Names   []string
	}
	var completing *seen
	handler := func(ctx durable.Context, _ string) (seen, error) {
		br, err := durable.Map(ctx, "letters", items, func(cc durable.Context, item string, index int) (string, error) {
			if index == 1 {
				if err := durable.Wait(cc, "pause", time.Second); err != nil {
					return "", err
				}
			}
			return fmt.Sprintf("%d:%s", index, item), nil
		})
		if err != nil {
			return seen{}, err
		}
		var s seen
		for _, it := range br.Items {
			s.Results = append(s.Results, it.Result)
			s.Indexes = append(s.Indexes, it.Index)
			s.Names = append(s.Names, it.Name)
		}
		if completing == nil {
			completing = &s
		}
		// A second operation after the map: the invocation that completes
		// the execution replays the map from its record.
		return s, durable.Wait(ctx, "after", time.Second)
	}
	r := durabletest.NewLocalRunner(handler)
	res, err := r.RunUntilComplete("go", durabletest.WithMaxInvocations(10))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s (%v), want SUCCEEDED", res.Status, res.Error)
	}
	// Invocation 1 suspends on item 1's wait, 2 completes the map and
	// suspends on "after", 3 replays the map from its record.
	if len(res.Invocations) != 3 {
		t.Fatalf("%d invocations, want 3", len(res.Invocations))
	}
	want := seen{
		Results: []string{"0:a", "1:b", "2:c"},
		Indexes: []int{0, 1, 2},
		Names:   []string{"map-item-0", "map-item-1", "map-item-2"},
	}
	got, err := durabletest.ResultAs[seen](res)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("on replay: got %+v, want %+v", got, want)
	}
	if completing == nil || !reflect.DeepEqual(*completing, want) {
		t.Errorf("in the invocation that completed the map: got %+v, want %+v", completing, want)
	}
	for i, name := range want.Names {
		op := res.Operation(name)
		if op == nil || op.Type != "CONTEXT" || op.ContextDetails == nil || op.ContextDetails.Result != fmt.Sprintf("%q", want.Results[i]) {
			t.Errorf("item context %q: got %+v, want a CONTEXT with result %q", name, op, want.Results[i])
		}
	}
	batch := res.Operation("letters")
	if batch == nil || batch.ContextDetails == nil {
		t.Fatalf("no recorded batch context in %v", res.EventTypes())
	}
	var recorded struct {
		All []struct {
			Index  int    `json:"index"`
			Result string `json:"result"`
		} `json:"all"`
	}
	if err := json.Unmarshal([]byte(batch.ContextDetails.Result), &recorded); err != nil {
		t.Fatalf("recorded batch result %s: %v", batch.ContextDetails.Result, err)
	}
	for i, it := range recorded.All {
		if it.Index != i || it.Result != want.Results[i] {
			t.Errorf("recorded item %d: index %d, result %q; want index %d, result %q", i, it.Index, it.Result, i, want.Results[i])
		}
	}
	if len(recorded.All) != len(items) {
		t.Errorf("recorded %d items, want %d", len(recorded.All), len(items))
	}
}
