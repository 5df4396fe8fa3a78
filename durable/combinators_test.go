package durable

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// constStep returns a lazy step future that returns v (or fails with msg;
// msg "block" blocks until release is closed, then succeeds).
func constStep(ctx Context, name, v, msg string, release ...chan struct{}) *Future[string] {
	return StepAsync(ctx, name, func(StepContext) (string, error) {
		if msg == "block" {
			_, err := testwait.Receive("step "+name+" is released", release[0])
			return v, err
		}
		if msg != "" {
			return "", errors.New(msg)
		}
		return v, nil
	}, WithRetry(NoRetry()))
}

func TestAllRecordsOneContext(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) ([]string, error) {
		a := constStep(ctx, "a", "A", "")
		_ = constStep(ctx, "unawaited", "U", "")
		b := Go(ctx, "b", func(cc Context) (string, error) { return "B", nil })
		return All(ctx, "all", []*Future[string]{a, b})
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `["A","B"]` {
		t.Fatalf("%+v %v", out, err)
	}
	got := f.flatActions()
	for _, a := range got {
		if strings.HasSuffix(a, WireID("2")) {
			t.Errorf("the unawaited step recorded %s", a)
		}
	}
	for _, want := range []string{"STEP:SUCCEED:" + WireID("1"), "CONTEXT:START:" + WireID("3"), "CONTEXT:SUCCEED:" + WireID("3"),
		"CONTEXT:START:" + WireID("4"), "CONTEXT:SUCCEED:" + WireID("4")} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	for _, u := range f.updates() {
		if u.Id == WireID("4") && u.Action == "SUCCEED" && (wire.Deref(u.Payload) != `["A","B"]` || u.Name != "all" || u.SubType != "RunInChildContext") {
			t.Errorf("combinator record %+v", u)
		}
		if u.Id == WireID("1") && u.ParentId != "" {
			t.Errorf("the step hangs under %q, want the root", u.ParentId)
		}
	}
}

func TestAllReplayDoesNotAwait(t *testing.T) {
	ops := []Operation{executionOp(""), contextRecord("3", "all", "RunInChildContext", "SUCCEEDED", &ContextDetails{Result: wire.String(`["x","y"]`)})}
	f := newFakeClient(ops...)
	h := func(ctx Context, _ any) ([]string, error) {
		a := constStep(ctx, "a", "A", "")
		b := constStep(ctx, "b", "B", "")
		return All(ctx, "all", []*Future[string]{a, b})
	}
	out, err := invoke(t, h, envelope(t, "t", ops), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `["x","y"]` {
		t.Fatalf("%+v %v", out, err)
	}
	if len(f.updates()) != 0 {
		t.Errorf("sent %v", f.actions())
	}
}

func TestCombinatorOutcomes(t *testing.T) {
	type result struct {
		Value   string
		ErrType string
		ErrMsg  string
	}
	tests := []struct {
		name string
		run  func(ctx Context, fs []*Future[string]) (string, error)
		fail []string // per future: "" succeeds with its name upper-cased
		want result
	}{
		{name: "all fails with the first failure", fail: []string{"", "boom", ""},
			run: func(ctx Context, fs []*Future[string]) (string, error) {
				v, err := All(ctx, "c", fs)
				return strings.Join(v, ","), err
			},
			want: result{ErrType: errTypeCombinator, ErrMsg: "boom"}},
		{name: "any picks the first success", fail: []string{"bad", "", "block"},
			run:  func(ctx Context, fs []*Future[string]) (string, error) { return Any(ctx, "c", fs) },
			want: result{Value: "F1"}},
		{name: "any fails when all fail", fail: []string{"x", "y"},
			run:  func(ctx Context, fs []*Future[string]) (string, error) { return Any(ctx, "c", fs) },
			want: result{ErrType: errTypeCombinator, ErrMsg: msgAllRejected}},
		{name: "race takes the first outcome", fail: []string{"", "block"},
			run:  func(ctx Context, fs []*Future[string]) (string, error) { return Race(ctx, "c", fs) },
			want: result{Value: "F0"}},
		{name: "race fails with the first failure", fail: []string{"late"},
			run:  func(ctx Context, fs []*Future[string]) (string, error) { return Race(ctx, "c", fs) },
			want: result{ErrType: errTypeCombinator, ErrMsg: "late"}},
		{name: "allsettled", fail: []string{"", "no"},
			run: func(ctx Context, fs []*Future[string]) (string, error) {
				s, err := AllSettled(ctx, "c", fs)
				if err != nil {
					return "", err
				}
				return s[0].Value + "|" + s[1].Err.Error(), nil
			},
			want: result{Value: "F0|no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			var got result
			release := make(chan struct{})
			defer close(release)
			h := func(ctx Context, _ any) (string, error) {
				fs := make([]*Future[string], len(tt.fail))
				for i, msg := range tt.fail {
					name := "F" + string(rune('0'+i))
					fs[i] = constStep(ctx, name, name, msg, release)
				}
				v, err := tt.run(ctx, fs)
				got.Value = v
				var ce *ChildContextError
				var comb *CombinatorError
				if errors.As(err, &ce) {
					if !errors.As(err, &comb) {
						t.Errorf("cause of %v is not a *CombinatorError", err)
					}
					got.ErrType, got.ErrMsg = ce.ErrorType, ce.Message
				} else if err != nil {
					t.Errorf("error %v", err)
				}
				return "", nil
			}
			if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
				t.Fatalf("%+v %v", out, err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			var end OperationUpdate
			for _, u := range f.updates() {
				if u.Type == "CONTEXT" {
					end = u
				}
			}
			if (tt.want.ErrType != "") != (end.Action == "FAIL") || end.Action == "START" {
				t.Errorf("combinator record %+v", end)
			}
			if end.Action == "FAIL" && end.Error.ErrorType != errTypeCombinator {
				t.Errorf("recorded %+v", end.Error)
			}
		})
	}
}

// TestAllSuspendsWhenEveryFutureWaits: the handler blocks on All, one
// future's step finishes, the other waits on the service: the invocation
// suspends with the step recorded and the combinator still open.
func TestAllSuspendsWhenEveryFutureWaits(t *testing.T) {
	h := func(ctx Context, _ any) (int, error) {
		w := WaitAsync(ctx, "w", time.Minute)
		s := StepAsync(ctx, "s", func(StepContext) (Void, error) { return Void{}, nil })
		r, err := All(ctx, "both", []*Future[Void]{w, s})
		return len(r), err
	}
	f := newFakeClient(executionOp(""))
	out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("%+v %v", out, err)
	}
	sent := strings.Join(f.flatActions(), " ")
	for _, want := range []string{"WAIT:START:" + WireID("1"), "STEP:SUCCEED:" + WireID("2"), "CONTEXT:START:" + WireID("3")} {
		if !strings.Contains(sent, want) {
			t.Errorf("missing %s in %s", want, sent)
		}
	}
	if strings.Contains(sent, "CONTEXT:SUCCEED") {
		t.Errorf("combinator finished: %s", sent)
	}
	ids := f.fireTimers()
	f2 := newFakeClient(f.log()...)
	out, err = invoke(t, h, envelope(t, "t2", f.log(), ids...), testOptions(f2)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != "2" {
		t.Fatalf("resume %+v %v", out, err)
	}
	if want := []string{"CONTEXT:SUCCEED:" + WireID("3")}; !reflect.DeepEqual(f2.flatActions(), want) {
		t.Errorf("resume sent %v, want %v", f2.flatActions(), want)
	}
}

func TestRaceWithoutFutures(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		if _, err := Race[string](ctx, "r", nil); err == nil {
			return "", errors.New("no error")
		}
		return Step(ctx, "s", func(StepContext) (string, error) { return "", nil })
	}
	if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
		t.Fatalf("%+v %v", out, err)
	}
	if u := f.updates()[0]; u.Id != WireID("1") {
		t.Errorf("Race took an id: first update %+v", u)
	}
}

func TestSettledJSON(t *testing.T) {
	in := []Settled[int]{{Value: 7}, {Err: &StepError{OperationError: OperationError{ErrorType: "StepError", Message: "m"}}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"status":"SUCCEEDED","value":7},{"status":"FAILED","error":{"ErrorType":"StepError","ErrorMessage":"m"}}]`; string(b) != want {
		t.Fatalf("json %s, want %s", b, want)
	}
	var out []Settled[int]
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	var se *StepError
	if out[0].Value != 7 || out[0].Err != nil || !errors.As(out[1].Err, &se) || se.Message != "m" {
		t.Errorf("decoded %+v", out)
	}
	if err := json.Unmarshal([]byte(`{"status":"WHAT"}`), &out[0]); err == nil {
		t.Error("unknown status accepted")
	}
}

func TestJoin(t *testing.T) {
	for _, fail := range []bool{false, true} {
		f := newFakeClient(executionOp(""))
		var joinErr error
		h := func(ctx Context, _ any) (string, error) {
			n := StepAsync(ctx, "n", func(StepContext) (int, error) { return 1, nil })
			s := Go(ctx, "s", func(Context) (string, error) {
				if fail {
					return "", errors.New("sub failed")
				}
				return "x", nil
			})
			joinErr = Join(ctx, "join", []Awaitable{n, s})
			return "", nil
		}
		if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
			t.Fatalf("%+v %v", out, err)
		}
		var ce *ChildContextError
		if fail != (joinErr != nil) || fail && (!errors.As(joinErr, &ce) || ce.ErrorType != errTypeCombinator || ce.Message != "sub failed") {
			t.Errorf("fail=%v: %v", fail, joinErr)
		}
		// Join's own update comes after every update of what it waited
		// for: both awaitables when they succeed, the failed one when one
		// fails (Join fails at once, so the step may still finish later).
		us := f.updates()
		joinAt, waitedFor := -1, []string{WireID("2")}
		if !fail {
			waitedFor = append(waitedFor, WireID("1"))
		}
		for i, u := range us {
			if u.Id == WireID("3") && (u.Action == "SUCCEED" || u.Action == "FAIL") {
				joinAt = i
				if (u.Action == "FAIL") != fail {
					t.Errorf("fail=%v: join's update %+v", fail, u)
				}
			}
		}
		if joinAt < 0 {
			t.Fatalf("fail=%v: no outcome of the join among %+v", fail, us)
		}
		for i, u := range us[joinAt+1:] {
			if slices.Contains(waitedFor, u.Id) {
				t.Errorf("fail=%v: update %d %+v of an awaited operation after the join's outcome", fail, joinAt+1+i, u)
			}
		}
	}
}

func TestSelect(t *testing.T) {
	for _, fastFails := range []bool{false, true} {
		f := newFakeClient(executionOp(""))
		release := make(chan struct{})
		slowDone := make(chan error, 1)
		var winner, value string
		var selErr error
		h := func(ctx Context, _ any) (string, error) {
			winner, value, selErr = Select(ctx, "pick", []Branch[string]{
				{Name: "slow", Func: func(cc Context) (string, error) {
					_, err := testwait.Receive("the handler releases the slow branch", release)
					if err == nil {
						_, err = Step(cc, "late", func(StepContext) (string, error) { return "", nil })
					}
					slowDone <- err
					return "slow", err
				}},
				{Func: func(Context) (string, error) {
					if fastFails {
						return "", errors.New("fast failed")
					}
					return "fast", nil
				}},
			})
			close(release)
			err, waitErr := testwait.Receive("the slow branch's late step returns", slowDone)
			if waitErr != nil {
				return "", waitErr
			}
			if !errors.Is(err, errSuspended) {
				return "", fmt.Errorf("the losing branch checkpointed: %v", err)
			}
			return "", nil
		}
		if out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
			t.Fatalf("%+v %v", out, err)
		}
		if winner != "select-branch-1" || (selErr != nil) != fastFails || !fastFails && value != "fast" {
			t.Errorf("fastFails=%v: winner %q value %q err %v", fastFails, winner, value, selErr)
		}
		us := f.updates()
		last := us[len(us)-1]
		switch {
		case last.Id != WireID("1"):
			t.Errorf("last update %+v", last)
		case fastFails && (last.Action != "FAIL" || last.Error.ErrorData != `{"winner":"select-branch-1"}`):
			t.Errorf("failure %+v", last.Error)
		case !fastFails && wire.Deref(last.Payload) != `{"winner":"select-branch-1","value":"fast"}`:
			t.Errorf("payload %s", wire.Deref(last.Payload))
		}
		for _, a := range f.flatActions() {
			if strings.HasPrefix(a, "STEP") {
				t.Errorf("the losing branch recorded %s", a)
			}
		}
	}
}

func TestSelectReplay(t *testing.T) {
	tests := []struct {
		rec        Operation
		wantWinner string
		wantValue  string
		wantErr    bool
	}{
		{rec: contextRecord("1", "pick", "RunInChildContext", "SUCCEEDED", &ContextDetails{Result: wire.String(`{"winner":"b","value":"v"}`)}),
			wantWinner: "b", wantValue: "v"},
		{rec: contextRecord("1", "pick", "RunInChildContext", "FAILED", &ContextDetails{Error: &ErrorObject{
			ErrorType: errTypeCombinator, ErrorMessage: "boom", ErrorData: `{"winner":"a"}`}}), wantWinner: "a", wantErr: true},
	}
	for _, tt := range tests {
		ops := []Operation{executionOp(""), tt.rec}
		f := newFakeClient(ops...)
		var winner, value string
		var selErr error
		h := func(ctx Context, _ any) (string, error) {
			run := func(Context) (string, error) { return "", errors.New("ran") }
			winner, value, selErr = Select(ctx, "pick", []Branch[string]{{Name: "a", Func: run}, {Name: "b", Func: run}})
			return "", nil
		}
		if out, err := invoke(t, h, envelope(t, "t", ops), testOptions(f)...); err != nil || out.Status != "SUCCEEDED" {
			t.Fatalf("%+v %v", out, err)
		}
		if winner != tt.wantWinner || value != tt.wantValue || (selErr != nil) != tt.wantErr || len(f.calls) != 0 {
			t.Errorf("%s: winner %q value %q err %v, sent %v", tt.rec.Status, winner, value, selErr, f.actions())
		}
	}
}
