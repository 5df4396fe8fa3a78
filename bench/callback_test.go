package bench_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// jsCallback is what the JavaScript SDK recorded for the anchor's callback
// workflow (testdata/js-callback.json, from the anchor's dump.mjs).
type jsCallback struct {
	CallbackResult string           `json:"callback_result"`
	Result         json.RawMessage  `json:"result"`
	Operations     []jsOperationRow `json:"operations"`
}

// jsOperationRow is one operation record without its volatile fields.
type jsOperationRow struct {
	ID       string `json:"Id"`
	ParentID string `json:"ParentId,omitempty"`
	Name     string `json:"Name,omitempty"`
	Type     string `json:"Type"`
	SubType  string `json:"SubType"`
	Status   string `json:"Status"`
	Result   string `json:"Result,omitempty"`
}

// TestCallbackRecordsLikeJS runs the anchor's callback workflow on the Go
// SDK, posting the same callback text, and compares the operation records
// with the JavaScript SDK's: the same ids, names, types and statuses, the
// WaitForCallback context holding the JSON encoding of the callback's
// text, the submitter's step holding no result, and the same execution
// result.
func TestCallbackRecordsLikeJS(t *testing.T) {
	b, err := os.ReadFile("testdata/js-callback.json")
	if err != nil {
		t.Fatal(err)
	}
	var want jsCallback
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	r := durabletest.NewLocalRunner(bench.Callback)
	res, err := r.RunUntilComplete(struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	open := r.OpenCallbacks()
	if res.Status != durabletest.StatusPending || len(open) != 1 {
		t.Fatalf("status %s, open callbacks %v; want one open callback", res.Status, open)
	}
	// A json.RawMessage is posted as it is: the same text the anchor sent.
	if err := r.SendCallbackSuccess(open[0].CallbackID, json.RawMessage(want.CallbackResult)); err != nil {
		t.Fatal(err)
	}
	if res, err = r.RunUntilComplete(struct{}{}); err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s, error %v", res.Status, res.Error)
	}
	var got, wantResult any
	if err := json.Unmarshal([]byte(res.RawResult), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want.Result, &wantResult); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantResult) {
		t.Errorf("result %s, JS %s", res.RawResult, want.Result)
	}
	var ops []jsOperationRow
	for _, op := range res.Operations {
		row := jsOperationRow{ID: op.ID, ParentID: op.ParentID, Name: op.Name, Type: op.Type, SubType: op.SubType, Status: op.Status}
		switch {
		case op.StepDetails != nil:
			row.Result = op.StepDetails.Result
		case op.CallbackDetails != nil:
			row.Result = op.CallbackDetails.Result
		case op.ContextDetails != nil:
			row.Result = op.ContextDetails.Result
		}
		ops = append(ops, row)
	}
	if !reflect.DeepEqual(ops, want.Operations) {
		g, _ := json.MarshalIndent(ops, "", "  ")
		w, _ := json.MarshalIndent(want.Operations, "", "  ")
		t.Errorf("operations differ from the JS SDK's\n got %s\nwant %s", g, w)
	}
	// The submitter's SUCCEED carries no payload at all (not an empty one).
	for _, ev := range res.Events {
		if d := ev.StepSucceededDetails; d != nil && ev.Name == nil && d.Result != nil && d.Result.Payload != nil {
			t.Errorf("the submitter step recorded a result %q; JS records none", *d.Result.Payload)
		}
	}
}
