package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

func intPtr(n int) *int { return &n }

func TestMapCheckpoints(t *testing.T) {
	f := newFakeClient(executionOp(`["World","Kiro"]`))
	h := func(ctx Context, in []string) ([]string, error) {
		res, err := Map(ctx, "map", in, func(cc Context, item string, _ int) (string, error) {
			return Step(cc, "greet", func(StepContext) (string, error) { return "Hello, " + item + "!", nil })
		}, WithMaxConcurrency(1))
		return res.Results(), err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `["Hello, World!","Hello, Kiro!"]` {
		t.Fatalf("%+v %v", out, err)
	}
	m, i0, i1 := WireID("1"), WireID("1-1"), WireID("1-2")
	s0, s1 := WireID("1-1-1"), WireID("1-2-1")
	want := []string{
		"CONTEXT:START:" + m, "CONTEXT:START:" + i0, "STEP:START:" + s0, "STEP:SUCCEED:" + s0,
		"CONTEXT:SUCCEED:" + i0, "CONTEXT:START:" + i1, "STEP:START:" + s1, "STEP:SUCCEED:" + s1,
		"CONTEXT:SUCCEED:" + i1, "CONTEXT:SUCCEED:" + m,
	}
	if got := f.flatActions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sent\n%v\nwant\n%v", got, want)
	}
	us := f.updates()
	checks := []struct {
		i                     int
		parent, name, subType string
	}{{0, "", "map", "Map"}, {1, m, "map-item-0", "MapIteration"}, {2, i0, "greet", "Step"}, {5, m, "map-item-1", "MapIteration"}}
	for _, c := range checks {
		if u := us[c.i]; u.ParentId != c.parent || u.Name != c.name || u.SubType != c.subType {
			t.Errorf("update %d: %+v", c.i, u)
		}
	}
	if p := wire.Deref(us[4].Payload); p != `"Hello, World!"` {
		t.Errorf("item payload %s", p)
	}
	wantBatch := `{"all":[{"result":"Hello, World!","index":0,"status":"SUCCEEDED"},{"result":"Hello, Kiro!","index":1,"status":"SUCCEEDED"}],"completionReason":"ALL_COMPLETED"}`
	if p := wire.Deref(us[9].Payload); p != wantBatch || us[9].ContextOptions != nil {
		t.Errorf("batch payload %s", p)
	}
}

// TestBatchCompletion runs items sequentially ("ok" succeeds, "fail"
// fails) under completion configs and checks what ran and the result.
func TestBatchCompletion(t *testing.T) {
	tests := []struct {
		name        string
		items       []string
		cc          *CompletionConfig
		wantReason  CompletionReason
		wantStarted int
		wantOK      int
		wantFail    int
		wantErr     bool
	}{
		{name: "default is fail-fast", items: []string{"ok", "fail", "ok"}, wantReason: CompletionFailureToleranceExceeded, wantStarted: 2, wantOK: 1, wantFail: 1, wantErr: true},
		{name: "all succeed", items: []string{"ok", "ok"}, wantReason: CompletionAllCompleted, wantStarted: 2, wantOK: 2},
		{name: "empty", items: nil, wantReason: CompletionAllCompleted},
		{name: "count 0", items: []string{"ok", "fail", "ok"}, cc: &CompletionConfig{ToleratedFailureCount: intPtr(0)}, wantReason: CompletionFailureToleranceExceeded, wantStarted: 2, wantOK: 1, wantFail: 1, wantErr: true},
		{name: "count 1 tolerated", items: []string{"ok", "fail", "ok"}, cc: &CompletionConfig{ToleratedFailureCount: intPtr(1)}, wantReason: CompletionAllCompleted, wantStarted: 3, wantOK: 2, wantFail: 1},
		{name: "count 1 exceeded", items: []string{"fail", "fail", "ok"}, cc: &CompletionConfig{ToleratedFailureCount: intPtr(1)}, wantReason: CompletionFailureToleranceExceeded, wantStarted: 2, wantFail: 2, wantErr: true},
		{name: "percentage exceeded", items: []string{"fail", "fail", "ok", "ok"}, cc: &CompletionConfig{ToleratedFailurePercentage: intPtr(25)}, wantReason: CompletionFailureToleranceExceeded, wantStarted: 2, wantFail: 2, wantErr: true},
		{name: "percentage at the boundary", items: []string{"fail", "ok", "ok", "ok"}, cc: &CompletionConfig{ToleratedFailurePercentage: intPtr(25)}, wantReason: CompletionAllCompleted, wantStarted: 4, wantOK: 3, wantFail: 1},
		{name: "min successful", items: []string{"ok", "ok", "ok", "ok"}, cc: &CompletionConfig{MinSuccessful: 2}, wantReason: CompletionMinSuccessfulReached, wantStarted: 2, wantOK: 2},
		{name: "min successful met by the last", items: []string{"ok", "ok"}, cc: &CompletionConfig{MinSuccessful: 2}, wantReason: CompletionAllCompleted, wantStarted: 2, wantOK: 2},
		{name: "min successful never stops on failures", items: []string{"ok", "fail", "ok"}, cc: &CompletionConfig{MinSuccessful: 3}, wantReason: CompletionAllCompleted, wantStarted: 3, wantOK: 2, wantFail: 1},
		{name: "combined", items: []string{"fail", "fail", "ok", "ok"}, cc: &CompletionConfig{MinSuccessful: 3, ToleratedFailureCount: intPtr(1)}, wantReason: CompletionFailureToleranceExceeded, wantStarted: 2, wantFail: 2, wantErr: true},
		{name: "all fail within tolerance", items: []string{"fail", "fail", "fail"}, cc: &CompletionConfig{ToleratedFailureCount: intPtr(3)}, wantReason: CompletionAllCompleted, wantStarted: 3, wantFail: 3},
		{name: "custom stops", items: []string{"ok", "ok", "ok"}, cc: &CompletionConfig{ShouldComplete: func(p BatchProgress) CompletionDecision {
			if p.Succeeded == 1 {
				return CompleteBatch(CompletionOutcomeSucceeded)
			}
			return ContinueBatch()
		}}, wantReason: CompletionCustomSucceeded, wantStarted: 1, wantOK: 1},
		{name: "custom fails before any item", items: []string{"ok"}, cc: &CompletionConfig{ShouldComplete: func(BatchProgress) CompletionDecision {
			return CompleteBatch(CompletionOutcomeFailed)
		}}, wantReason: CompletionCustomFailed, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			var res BatchResult[string]
			var batchErr error
			var ran atomic.Int32
			h := func(ctx Context, _ any) (string, error) {
				opts := []BatchOption{WithMaxConcurrency(1)}
				if tt.cc != nil {
					opts = append(opts, WithCompletion(*tt.cc))
				}
				res, batchErr = Map(ctx, "m", tt.items, func(_ Context, item string, i int) (string, error) {
					ran.Add(1)
					if item == "fail" {
						return "", fmt.Errorf("item %d failed", i)
					}
					return item, nil
				}, opts...)
				return "", nil
			}
			if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
				t.Fatalf("%+v %v", out, err)
			}
			if res.Reason != tt.wantReason || res.TotalCount() != tt.wantStarted || res.SuccessCount() != tt.wantOK || res.FailureCount() != tt.wantFail {
				t.Errorf("reason %v, total %d, ok %d, failed %d", res.Reason, res.TotalCount(), res.SuccessCount(), res.FailureCount())
			}
			if int(ran.Load()) != tt.wantStarted {
				t.Errorf("%d items ran, want %d", ran.Load(), tt.wantStarted)
			}
			var be *BatchError
			var bce *BatchCompletionError
			if gotErr := errors.As(batchErr, &be) || errors.As(batchErr, &bce); gotErr != tt.wantErr || (batchErr != nil) != tt.wantErr {
				t.Errorf("error %v, want one: %v", batchErr, tt.wantErr)
			}
			// The batch context succeeds even when items failed.
			us := f.updates()
			if last := us[len(us)-1]; last.Id != WireID("1") || last.Action != "SUCCEED" {
				t.Errorf("last update %+v", last)
			}
			if tt.wantFail > 0 {
				var ce *ChildContextError
				if err := res.ThrowIfError(); !errors.As(err, &ce) || ce.ErrorType != "Error" || !strings.HasSuffix(ce.Message, "failed") || ce.Name == "" {
					t.Errorf("ThrowIfError %#v", err)
				}
			}
		})
	}
}

func TestBatchBadOptions(t *testing.T) {
	for _, opt := range []BatchOption{
		WithMaxConcurrency(0),
		WithMaxConcurrency(-1),
		WithCompletion(CompletionConfig{MinSuccessful: 1, ShouldComplete: func(BatchProgress) CompletionDecision { return ContinueBatch() }}),
		WithCompletion(CompletionConfig{ToleratedFailurePercentage: intPtr(101)}),
		WithNesting(NestingMode(7)),
	} {
		f := newFakeClient(executionOp(""))
		h := func(ctx Context, _ any) (string, error) {
			_, err := Parallel(ctx, "p", []Branch[string]{{Func: func(Context) (string, error) { return "", nil }}}, opt)
			return "", err
		}
		out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
		if err != nil || out.Status != "FAILED" || len(f.calls) != 0 {
			t.Errorf("%+v %v, calls %v", out, err, f.actions())
		}
	}
}

func TestMapFlatNesting(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) ([]string, error) {
		res, err := Map(ctx, "flat", []string{"fa", "fb"}, func(cc Context, item string, _ int) (string, error) {
			return Step(cc, "s", func(StepContext) (string, error) { return item, nil })
		}, WithMaxConcurrency(1), WithNesting(NestingFlat))
		return res.Results(), err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `["fa","fb"]` {
		t.Fatalf("%+v %v", out, err)
	}
	m, s0, s1 := WireID("1"), WireID("1-1-1"), WireID("1-2-1")
	want := []string{"CONTEXT:START:" + m, "STEP:START:" + s0, "STEP:SUCCEED:" + s0, "STEP:START:" + s1, "STEP:SUCCEED:" + s1, "CONTEXT:SUCCEED:" + m}
	if got := f.flatActions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	for _, u := range f.updates()[1:5] {
		if u.ParentId != m {
			t.Errorf("step parent %q, want the map %q", u.ParentId, m)
		}
	}
}

func TestMapReplayFromRecord(t *testing.T) {
	payload := `{"all":[{"result":"A","index":0,"status":"SUCCEEDED"},{"error":{"ErrorType":"StepError","ErrorMessage":"nope"},"index":1,"status":"FAILED"}],"completionReason":"FAILURE_TOLERANCE_EXCEEDED"}`
	ops := []Operation{executionOp(""), contextRecord("1", "m", "Map", "SUCCEEDED", &ContextDetails{Result: wire.String(payload)})}
	f := newFakeClient(ops...)
	var res BatchResult[string]
	var batchErr error
	var ran atomic.Int32
	h := func(ctx Context, _ any) (string, error) {
		res, batchErr = Map(ctx, "m", []string{"a", "b", "c"}, func(Context, string, int) (string, error) {
			ran.Add(1)
			return "", nil
		}, WithItemNamer(func(i int) string { return fmt.Sprintf("n%d", i) }))
		return "", nil
	}
	if out, err := invoke(t, h, envelope(t, "t", ops), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	if ran.Load() != 0 || len(f.calls) != 0 {
		t.Errorf("ran %d items, sent %v", ran.Load(), f.actions())
	}
	var be *BatchError
	if !errors.As(batchErr, &be) || be.Reason != CompletionFailureToleranceExceeded {
		t.Errorf("error %v", batchErr)
	}
	v, err := res.Result("n0")
	var ce *ChildContextError
	var se *StepError
	_, err1 := res.Result("n1")
	_, err2 := res.Result("n2")
	var bnc *BranchNotCompletedError
	if v != "A" || err != nil || !errors.As(err1, &ce) || ce.Name != "n1" || ce.ErrorType != "StepError" || !errors.As(err1, &se) ||
		!errors.As(err2, &bnc) || bnc.Status != BatchItemNotStarted {
		t.Errorf("results %q %v / %v / %v", v, err, err1, err2)
	}
}

// TestMapLargeResult: a result over 256 KiB is recorded as a summary with
// ReplayChildren, and rebuilt on replay from the items' records (normal
// nesting: the items are not run again) or by running the items again
// against their steps' records (flat nesting).
func TestMapLargeResult(t *testing.T) {
	big := strings.Repeat("y", 70*1024)
	for _, tt := range []struct {
		nesting  NestingMode
		wantRuns int32
	}{{NestingNormal, 4}, {NestingFlat, 8}} {
		var runs atomic.Int32
		h := func(ctx Context, _ any) (string, error) {
			res, err := Map(ctx, "large", []int{0, 1, 2, 3}, func(cc Context, _ int, i int) (string, error) {
				runs.Add(1)
				n, err := Step(cc, "n", func(StepContext) (int, error) { return i, nil })
				return fmt.Sprint(n) + big, err
			}, WithMaxConcurrency(1), WithNesting(tt.nesting), WithBatchSummary(func(r BatchResult[string]) string { return fmt.Sprint(r.SuccessCount()) }))
			if err != nil {
				return "", err
			}
			if err := Wait(ctx, "w", time.Second); err != nil {
				return "", err
			}
			return fmt.Sprintf("%d/%d/%s", res.SuccessCount(), res.TotalCount(), res.Results()[3][:2]), nil
		}
		f := newFakeClient(executionOp(""))
		if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "PENDING" {
			t.Fatalf("%+v %v", out, err)
		}
		payloads := map[string]*string{}
		var batch OperationUpdate
		for _, u := range f.updates() {
			if u.Action == "SUCCEED" && u.Type == "CONTEXT" {
				payloads[u.Id] = u.Payload
				if u.Id == WireID("1") {
					batch = u
				}
			}
		}
		wantSummary := `{"type":"MapResult","totalCount":4,"successCount":4,"failureCount":0,"completionReason":"ALL_COMPLETED","status":"SUCCEEDED","itemStatuses":"SSSS","summary":"4"}`
		if batch.ContextOptions == nil || !batch.ContextOptions.ReplayChildren || wire.Deref(batch.Payload) != wantSummary {
			t.Fatalf("nesting %d: batch succeed %+v %s", tt.nesting, batch, wire.Deref(batch.Payload))
		}
		ids := f.fireTimers()
		log := f.log()
		for i := range log {
			if p, ok := payloads[log[i].Id]; ok {
				log[i].ContextDetails = &ContextDetails{Result: p, ReplayChildren: log[i].Id == WireID("1")}
			}
		}
		f2 := newFakeClient(log...)
		out, err := invoke(t, h, envelope(t, "t2", log, ids...), testOptions(f2)...)
		if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"4/4/3y"` {
			t.Fatalf("nesting %d: replay %+v %s %v", tt.nesting, out, wire.Deref(out.Result), err)
		}
		if runs.Load() != tt.wantRuns || len(f2.calls) != 0 {
			t.Errorf("nesting %d: %d runs, want %d; replay sent %v", tt.nesting, runs.Load(), tt.wantRuns, f2.actions())
		}
	}
}

// TestBatchAbandonedItemNeverCheckpoints: min-successful completes the
// batch while item 1 still runs; item 1 appears STARTED and its later step
// records nothing.
func TestBatchAbandonedItemNeverCheckpoints(t *testing.T) {
	f := newFakeClient(executionOp(""))
	release := make(chan struct{})
	finished := make(chan error, 1)
	var res BatchResult[string]
	h := func(ctx Context, _ any) (string, error) {
		var err error
		res, err = Parallel(ctx, "p", []Branch[string]{
			{Name: "fast", Func: func(Context) (string, error) { return "fast", nil }},
			{Name: "slow", Func: func(cc Context) (string, error) {
				var v string
				_, err := testwait.Receive("the handler releases the slow item", release)
				if err == nil {
					v, err = Step(cc, "late", func(StepContext) (string, error) { return "late", nil })
				}
				finished <- err
				return v, err
			}},
		}, WithCompletion(CompletionConfig{MinSuccessful: 1}))
		if err != nil {
			return "", err
		}
		close(release)
		err, waitErr := testwait.Receive("the slow item's late step returns", finished)
		if waitErr != nil {
			return "", waitErr
		}
		if !errors.Is(err, errSuspended) {
			return "", fmt.Errorf("late step: %v", err)
		}
		return "done", nil
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	if res.Reason != CompletionMinSuccessfulReached || res.StartedCount() != 1 || res.Items[1].Status != BatchItemStarted {
		t.Errorf("result %+v", res)
	}
	if _, err := res.Result("slow"); !errors.As(err, new(*BranchNotCompletedError)) {
		t.Errorf("slow result error %v", err)
	}
	for _, a := range f.flatActions() {
		if strings.HasPrefix(a, "STEP") || a == "CONTEXT:SUCCEED:"+WireID("1-2") {
			t.Errorf("abandoned item recorded %s", a)
		}
	}
	us := f.updates()
	if last := us[len(us)-1]; !strings.Contains(wire.Deref(last.Payload), `{"index":1,"status":"STARTED"}`) {
		t.Errorf("batch payload %s", wire.Deref(last.Payload))
	}
}

// TestMapSuspendsInItemAndResumes: item 1 waits; the invocation suspends;
// on resume item 0 is not run again.
func TestMapSuspendsInItemAndResumes(t *testing.T) {
	var runs [2]atomic.Int32
	h := func(ctx Context, _ any) ([]string, error) {
		res, err := Map(ctx, "suspend", []string{"r0", "r1"}, func(cc Context, item string, i int) (string, error) {
			runs[i].Add(1)
			if i == 1 {
				if err := Wait(cc, "w", time.Second); err != nil {
					return "", err
				}
			}
			return Step(cc, "s", func(StepContext) (string, error) { return item, nil })
		}, WithMaxConcurrency(1))
		return res.Results(), err
	}
	f := newFakeClient(executionOp(""))
	if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	ids := f.fireTimers()
	log := f.log()
	for i := range log {
		if log[i].Id == WireID("1-1") {
			log[i].ContextDetails = &ContextDetails{Result: wire.String(`"r0"`)}
		}
	}
	f2 := newFakeClient(log...)
	out, err := invoke(t, h, envelope(t, "t2", log, ids...), testOptions(f2)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `["r0","r1"]` {
		t.Fatalf("resume %+v %v", out, err)
	}
	if runs[0].Load() != 1 || runs[1].Load() != 2 {
		t.Errorf("runs %d %d", runs[0].Load(), runs[1].Load())
	}
	want := []string{"STEP:START:" + WireID("1-2-2"), "STEP:SUCCEED:" + WireID("1-2-2"), "CONTEXT:SUCCEED:" + WireID("1-2"), "CONTEXT:SUCCEED:" + WireID("1")}
	if got := f2.flatActions(); !reflect.DeepEqual(got, want) {
		t.Errorf("resume sent %v, want %v", got, want)
	}
}

// TestMapCoalescesCheckpoints: 1000 items with fire-and-forget starts and
// results need ceil(2002/250) checkpoint calls, not thousands.
func TestMapCoalescesCheckpoints(t *testing.T) {
	f := newFakeClient(executionOp(""))
	items := make([]int, 1000)
	h := func(ctx Context, _ any) (int, error) {
		res, err := Map(ctx, "m", items, func(_ Context, _ int, i int) (int, error) { return i, nil })
		return len(res.Results()), err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != "1000" {
		t.Fatalf("%+v %v", out, err)
	}
	if n, updates := len(f.calls), len(f.updates()); n != 9 || updates != 2002 {
		t.Errorf("%d calls for %d updates", n, updates)
	}
}

func TestParallelNamesAndMixed(t *testing.T) {
	f := newFakeClient(executionOp(""))
	type out struct {
		Names []string
		Str   string
		Num   int
		Err   string
	}
	h := func(ctx Context, _ any) (out, error) {
		var o out
		res, err := Parallel(ctx, "", []Branch[string]{
			{Func: func(Context) (string, error) { return "a", nil }},
			{Name: "second", Func: func(Context) (string, error) { return "b", nil }},
		})
		if err != nil {
			return o, err
		}
		for _, it := range res.Items {
			o.Names = append(o.Names, it.Name)
		}
		s := NewTypedBranch("s", func(Context) (string, error) { return "hello", nil })
		n := NewTypedBranch("n", func(Context) (int, error) { return 42, nil })
		bad := NewTypedBranch("bad", func(Context) (int, error) { return 0, errors.New("broken") })
		mixed, err := ParallelMixed(ctx, "mixed", []AnyBranch{s, n, bad}, WithCompletion(CompletionConfig{ToleratedFailureCount: intPtr(1)}))
		if err != nil {
			return o, err
		}
		if o.Str, err = s.Result(mixed); err != nil {
			return o, err
		}
		if o.Num, err = n.Result(mixed); err != nil {
			return o, err
		}
		_, err = bad.Result(mixed)
		o.Err = err.Error()
		return o, nil
	}
	res, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || res.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", res, err)
	}
	if want := `{"Names":["parallel-branch-0","second"],"Str":"hello","Num":42,"Err":"broken"}`; wire.Deref(res.Result) != want {
		t.Errorf("result %s, want %s", wire.Deref(res.Result), want)
	}
	us := f.updates()
	if us[0].Name != "" || us[0].SubType != "Parallel" || us[1].SubType != "ParallelBranch" || us[1].Name != "parallel-branch-0" {
		t.Errorf("updates %+v %+v", us[0], us[1])
	}
}

func TestBatchResultJSONRoundTrip(t *testing.T) {
	in := BatchResult[int]{Reason: CompletionFailureToleranceExceeded, Items: []BatchItem[int]{
		{Index: 0, Status: BatchItemSucceeded, Result: 1},
		{Index: 1, Status: BatchItemFailed, Err: newChildContextError(ErrorObject{ErrorType: "E", ErrorMessage: "<m>"}, "x")},
		{Index: 2, Status: BatchItemStarted},
	}}
	b, err := JSONSerdes{}.Marshal(context.Background(), SerdesContext{}, in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"all":[{"result":1,"index":0,"status":"SUCCEEDED"},{"error":{"ErrorType":"E","ErrorMessage":"<m>"},"index":1,"status":"FAILED"},{"index":2,"status":"STARTED"}],"completionReason":"FAILURE_TOLERANCE_EXCEEDED"}`
	if string(b) != want {
		t.Fatalf("json %s\nwant %s", b, want)
	}
	var out BatchResult[int]
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Reason != in.Reason || out.SuccessCount() != 1 || out.FailureCount() != 1 || out.StartedCount() != 1 ||
		out.Errors()[0].Error() != "<m>" || !out.HasFailure() || out.Status() != BatchItemFailed || !reflect.DeepEqual(out.Results(), []int{1}) {
		t.Errorf("decoded %+v", out)
	}
	var r CompletionReason
	var s BatchItemStatus
	if r.UnmarshalText([]byte("??")) != nil || r != CompletionAllCompleted || s.UnmarshalText([]byte("FAILED")) != nil || s != BatchItemFailed {
		t.Errorf("text decoding %v %v", r, s)
	}
}

// TestMapRecordsJSONSerdesText checks that a map's recorded result, built
// from its items' recorded texts, is exactly JSONSerdes's encoding of the
// BatchResult it returns: items whose text json.Marshal would escape (HTML
// characters, quotes, non-ASCII) or that failed, beside plain ones.
func TestMapRecordsJSONSerdesText(t *testing.T) {
	type item struct {
		S string
		N int
	}
	in := []string{"plain", "a<b&c>", `q"uote`, "é\u2028", "fail", ""}
	f := newFakeClient(executionOp(`{}`))
	var got BatchResult[item]
	h := func(ctx Context, _ struct{}) (int, error) {
		res, err := Map(ctx, "map", in, func(cc Context, s string, i int) (item, error) {
			return Step(cc, "s", func(StepContext) (item, error) {
				if s == "fail" {
					return item{}, errors.New("<failed>")
				}
				return item{S: s, N: i}, nil
			}, WithRetry(func(RetryAttempt) RetryDecision { return RetryDecision{} }))
		}, WithCompletion(CompletionConfig{ToleratedFailureCount: intPtr(1)}))
		got = res
		return res.SuccessCount(), err
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != "5" {
		t.Fatalf("%+v %v", out, err)
	}
	us := f.updates()
	last := us[len(us)-1]
	if last.Id != WireID("1") || last.Action != wire.OperationActionSucceed {
		t.Fatalf("last update %+v", last)
	}
	want, err := JSONSerdes{}.Marshal(context.Background(), SerdesContext{}, got)
	if err != nil {
		t.Fatal(err)
	}
	if p := wire.Deref(last.Payload); p != string(want) {
		t.Errorf("batch payload\n%s\nwant\n%s", p, want)
	}
}
