package durable

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// logWithContextDetails returns the fake service's log with the CONTEXT
// records' details filled from the updates sent (the fake keeps none), as
// the service returns them in a later invocation's state.
func (f *fakeClient) logWithContextDetails() []Operation {
	details := map[string]*ContextDetails{}
	for _, u := range f.updates() {
		if u.Type != wire.OperationTypeContext || u.Action == wire.OperationActionStart {
			continue
		}
		d := &ContextDetails{Result: u.Payload, Error: u.Error}
		if u.ContextOptions != nil {
			d.ReplayChildren = u.ContextOptions.ReplayChildren
		}
		details[u.Id] = d
	}
	log := f.log()
	for i := range log {
		if d := details[log[i].Id]; d != nil {
			log[i].ContextDetails = d
		}
	}
	return log
}

// updateByID returns the last update sent for the operation at positional
// id p with the given action.
func (f *fakeClient) updateByID(t *testing.T, p string, action OperationAction) OperationUpdate {
	t.Helper()
	us := f.updates()
	for i := len(us) - 1; i >= 0; i-- {
		if us[i].Id == WireID(p) && us[i].Action == action {
			return us[i]
		}
	}
	t.Fatalf("no %s update for %s", action, p)
	return OperationUpdate{}
}

// TestRetryAcrossInvocations follows a Retry whose first attempt fails:
// the attempt's failure and the backoff wait are checkpointed and the
// invocation suspends; a premature invocation suspends again; after the
// wait the second attempt runs and succeeds; a last replay runs nothing.
func TestRetryAcrossInvocations(t *testing.T) {
	f := newFakeClient(executionOp(`"o-1"`))
	runs := map[int]int{}
	h := func(ctx Context, in string) (string, error) {
		return Retry(ctx, "charge", func(ac Context, attempt int) (string, error) {
			runs[attempt]++
			return Step(ac, "pay", func(StepContext) (string, error) {
				if attempt == 1 {
					return "", errors.New("declined")
				}
				return in + " paid", nil
			}, WithRetry(NoRetry()))
		}, fixedDelay(3, 2*time.Second))
	}
	id := WireID
	calls := [][]string{
		{"CONTEXT:START:" + id("1"), "CONTEXT:START:" + id("1-1"), "STEP:START:" + id("1-1-1"), "STEP:FAIL:" + id("1-1-1")},
		{"CONTEXT:FAIL:" + id("1-1"), "WAIT:START:" + id("1-2")},
	}

	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" {
		t.Fatalf("first invocation: %+v %v", out, err)
	}
	if got := f.actions(); !reflect.DeepEqual(got, calls) {
		t.Fatalf("first invocation checkpoints\n %v\nwant\n %v", got, calls)
	}
	us := f.updates()
	if u := us[0]; u.Name != "charge" || u.SubType != "RunInChildContext" || u.ParentId != "" {
		t.Errorf("retry start %+v", u)
	}
	if u := us[1]; u.Name != "charge-attempt-1" || u.SubType != "RunInChildContext" || u.ParentId != id("1") {
		t.Errorf("attempt start %+v", u)
	}
	if u := us[2]; u.Name != "pay" || u.ParentId != id("1-1") {
		t.Errorf("step start %+v", u)
	}
	if u := us[4]; u.Error == nil || u.Error.ErrorType != "StepError" || u.Error.ErrorMessage != "declined" {
		t.Errorf("attempt fail %+v", u)
	}
	if u := us[5]; u.Name != "charge-backoff-1" || u.SubType != "Wait" || u.ParentId != id("1") ||
		u.WaitOptions == nil || u.WaitOptions.WaitSeconds != 2 {
		t.Errorf("backoff start %+v", u)
	}

	// Invoked before the wait ended: nothing runs, nothing is sent.
	out, err = invoke(t, h, envelope(t, "tok-2", f.logWithContextDetails()), testOptions(f)...)
	if err != nil || out.Status != "PENDING" || len(f.actions()) != len(calls) {
		t.Fatalf("early invocation: %+v %v, checkpoints %v", out, err, f.actions())
	}

	updated := f.fireTimers()
	out, err = invoke(t, h, envelope(t, "tok-2", f.logWithContextDetails(), updated...), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"o-1 paid"` {
		t.Fatalf("second invocation: %+v %v", out, err)
	}
	calls = append(calls,
		[]string{"CONTEXT:START:" + id("1-3"), "STEP:START:" + id("1-3-1"), "STEP:SUCCEED:" + id("1-3-1")},
		[]string{"CONTEXT:SUCCEED:" + id("1-3"), "CONTEXT:SUCCEED:" + id("1")},
	)
	if got := f.actions(); !reflect.DeepEqual(got, calls) {
		t.Fatalf("checkpoints\n %v\nwant\n %v", got, calls)
	}
	if u := f.updateByID(t, "1-3", wire.OperationActionStart); u.Name != "charge-attempt-2" || u.ParentId != id("1") {
		t.Errorf("second attempt start %+v", u)
	}
	if u := f.updateByID(t, "1", wire.OperationActionSucceed); wire.Deref(u.Payload) != `"o-1 paid"` {
		t.Errorf("retry succeed %+v", u)
	}

	out, err = invoke(t, h, envelope(t, "tok-4", f.logWithContextDetails()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"o-1 paid"` {
		t.Fatalf("replay: %+v %v", out, err)
	}
	if len(f.actions()) != len(calls) {
		t.Errorf("replay sent %v", f.actions()[len(calls):])
	}
	if want := map[int]int{1: 1, 2: 1}; !reflect.DeepEqual(runs, want) {
		t.Errorf("attempt runs %v, want %v", runs, want)
	}
}

// TestRetryExhausted checks the *RetryError of a Retry whose strategy gives
// up: its fields, what it matches, how it is recorded, and that replay
// rebuilds the same error from the record.
func TestRetryExhausted(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var seen []error
	h := func(ctx Context, _ any) (string, error) {
		v, err := Retry(ctx, "sync", func(ac Context, attempt int) (string, error) {
			return Step(ac, "call", func(StepContext) (string, error) {
				return "", WithErrorData(&userErr{code: attempt}, "code="+strconv.Itoa(attempt))
			}, WithRetry(NoRetry()))
		}, fixedDelay(2, time.Second))
		seen = append(seen, err)
		return v, err
	}
	if out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil || out.Status != "PENDING" {
		t.Fatalf("first invocation: %+v %v", out, err)
	}
	updated := f.fireTimers()
	out, err := invoke(t, h, envelope(t, "tok-2", f.logWithContextDetails(), updated...), testOptions(f)...)
	if err != nil || out.Status != "FAILED" {
		t.Fatalf("second invocation: %+v %v", out, err)
	}
	id := WireID
	want := [][]string{
		{"CONTEXT:START:" + id("1"), "CONTEXT:START:" + id("1-1"), "STEP:START:" + id("1-1-1"), "STEP:FAIL:" + id("1-1-1")},
		{"CONTEXT:FAIL:" + id("1-1"), "WAIT:START:" + id("1-2")},
		{"CONTEXT:START:" + id("1-3"), "STEP:START:" + id("1-3-1"), "STEP:FAIL:" + id("1-3-1")},
		{"CONTEXT:FAIL:" + id("1-3"), "CONTEXT:FAIL:" + id("1")},
	}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints\n %v\nwant\n %v", got, want)
	}
	wantObj := ErrorObject{ErrorType: "RetryError", ErrorMessage: "user error 2",
		ErrorData: `{"attempts":2,"errorType":"StepError","errorData":"code=2"}`}
	if u := f.updateByID(t, "1", wire.OperationActionFail); u.Error == nil || !reflect.DeepEqual(*u.Error, wantObj) {
		t.Errorf("recorded %+v, want %+v", u.Error, wantObj)
	}
	if out.Error == nil || !reflect.DeepEqual(*out.Error, wantObj) {
		t.Errorf("execution error %+v, want %+v", out.Error, wantObj)
	}

	out, err = invoke(t, h, envelope(t, "tok-4", f.logWithContextDetails()), testOptions(f)...)
	if err != nil || out.Status != "FAILED" || len(f.actions()) != len(want) {
		t.Fatalf("replay: %+v %v, checkpoints %v", out, err, f.actions())
	}
	if len(seen) != 3 || !errors.Is(seen[0], errSuspended) {
		t.Fatalf("errors seen %v", seen)
	}
	var re *RetryError
	if !errors.As(seen[1], &re) {
		t.Fatalf("error %T %v, want *RetryError", seen[1], seen[1])
	}
	if re.Name != "sync" || re.Attempts != 2 || re.ErrorType != "StepError" || re.Message != "user error 2" || re.ErrorData != "code=2" {
		t.Errorf("retry error %+v", re)
	}
	var oe *OperationError
	var se *StepError
	if !errors.As(seen[1], &oe) || oe.ErrorType != "StepError" || !errors.As(seen[1], &se) || se.Message != "user error 2" {
		t.Errorf("matches: OperationError %v, StepError %v", oe, se)
	}
	if !reflect.DeepEqual(seen[1], seen[2]) {
		t.Errorf("replayed error %#v differs from the first run's %#v", seen[2], seen[1])
	}
}

type transientErr struct{}

func (transientErr) Error() string { return "busy" }

var errBusy = errors.New("busy")

// TestRetryStrategyFilters runs a first attempt that fails with various
// errors under strategies that retry some of them: a retried failure
// starts the backoff wait, any other gives up at once.
func TestRetryStrategyFilters(t *testing.T) {
	strategy := func(m ErrorMatcher) RetryStrategy {
		return MustNewRetryStrategy(RetryConfig{MaxAttempts: 3, InitialDelay: 4 * time.Second, Jitter: JitterNone, RetryableErrors: []ErrorMatcher{m}})
	}
	tests := []struct {
		name      string
		matcher   ErrorMatcher
		fail      error
		wantRetry bool
		wantType  string
	}{
		{name: "type matched", matcher: ErrorTypeIs("transientErr"), fail: transientErr{}, wantRetry: true},
		{name: "type not matched", matcher: ErrorTypeIs("transientErr"), fail: errors.New("bad input"), wantType: "Error"},
		{name: "sentinel matched", matcher: ErrorIs(errBusy), fail: fmt.Errorf("call: %w", errBusy), wantRetry: true},
		{name: "sentinel not matched", matcher: ErrorIs(errBusy), fail: transientErr{}, wantType: "transientErr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			var retryErr error
			h := func(ctx Context, _ any) (string, error) {
				_, retryErr = Retry(ctx, "r", func(Context, int) (string, error) { return "", tt.fail }, strategy(tt.matcher))
				return "handled", nil
			}
			out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantRetry {
				u := lastUpdate(f)
				if out.Status != "PENDING" || u.Action != "START" || u.Name != "r-backoff-1" || u.WaitOptions.WaitSeconds != 4 {
					t.Errorf("status %s, last update %+v; want a 4 s backoff", out.Status, u)
				}
				return
			}
			var re *RetryError
			if out.Status != "SUCCEEDED" || !errors.As(retryErr, &re) || re.Attempts != 1 || re.ErrorType != tt.wantType {
				t.Fatalf("status %s, error %#v; want a RetryError after 1 attempt of type %s", out.Status, retryErr, tt.wantType)
			}
			for _, a := range f.flatActions() {
				if strings.HasPrefix(a, "WAIT") {
					t.Errorf("backoff started: %v", f.flatActions())
				}
			}
		})
	}
}

// TestRetryReplay starts invocations from recorded states: finished
// attempts, backoffs and Retry contexts are not run again, and the
// strategy is consulted only where no record decides, with the time
// elapsed since the Retry's recorded start.
func TestRetryReplay(t *testing.T) {
	id := WireID
	started := contextRecord("1", "r", "RunInChildContext", "STARTED", nil)
	failed1 := contextRecord("1-1", "r-attempt-1", "RunInChildContext", "FAILED", &ContextDetails{Error: &ErrorObject{ErrorType: "transientErr", ErrorMessage: "busy"}})
	backoff1 := func(status OperationStatus) Operation {
		return Operation{Id: id("1-2"), Name: "r-backoff-1", Type: wire.OperationTypeWait, SubType: wire.SubTypeWait, Status: status,
			StartTimestamp: wire.At(testEpoch), WaitDetails: &WaitDetails{ScheduledEndTimestamp: wire.At(testEpoch.Add(3 * time.Second))}}
	}
	tests := []struct {
		name       string
		ops        []Operation
		wantStatus wire.InvocationStatus
		wantResult string
		wantErr    string
		wantRuns   []int
		wantCalls  []string
		// wantSeen: the attempts and error types the strategy saw.
		wantSeen []string
	}{
		{name: "succeeded retry returns its record",
			ops:        []Operation{contextRecord("1", "r", "RunInChildContext", "SUCCEEDED", &ContextDetails{Result: wire.String(`"cached"`)})},
			wantStatus: "SUCCEEDED", wantResult: `"cached"`},
		{name: "failed retry returns its record",
			ops: []Operation{contextRecord("1", "r", "RunInChildContext", "FAILED", &ContextDetails{Error: &ErrorObject{
				ErrorType: "RetryError", ErrorMessage: "busy", ErrorData: `{"attempts":3,"errorType":"transientErr"}`}})},
			wantStatus: "SUCCEEDED", wantResult: `"RetryError 3 transientErr busy"`},
		{name: "started backoff suspends again",
			ops:        []Operation{started, failed1, backoff1("STARTED")},
			wantStatus: "PENDING"},
		{name: "finished backoff runs the next attempt",
			ops:        []Operation{started, failed1, backoff1("SUCCEEDED")},
			wantStatus: "SUCCEEDED", wantResult: `"ok-2"`, wantRuns: []int{2},
			wantCalls: []string{"CONTEXT:START:" + id("1-3"), "CONTEXT:SUCCEED:" + id("1-3"), "CONTEXT:SUCCEED:" + id("1")}},
		{name: "undecided failure consults the strategy",
			ops:        []Operation{started, failed1},
			wantStatus: "PENDING", wantSeen: []string{"1 transientErr *durable.ChildContextError"},
			wantCalls: []string{"WAIT:START:" + id("1-2")}},
		{name: "interrupted attempt runs again",
			ops:        []Operation{started, contextRecord("1-1", "r-attempt-1", "RunInChildContext", "STARTED", nil)},
			wantStatus: "SUCCEEDED", wantResult: `"ok-1"`, wantRuns: []int{1},
			wantCalls: []string{"CONTEXT:SUCCEED:" + id("1-1"), "CONTEXT:SUCCEED:" + id("1")}},
		{name: "another operation at the backoff's id",
			ops: []Operation{started, failed1, {Id: id("1-2"), Name: "r-backoff-1", Type: wire.OperationTypeStep, SubType: wire.SubTypeStep,
				Status: "SUCCEEDED", StepDetails: &StepDetails{}}},
			wantStatus: "FAILED", wantErr: "NonDeterministicExecutionError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := append([]Operation{executionOp("")}, tt.ops...)
			f := newFakeClient(ops...)
			var runs []int
			var seen []string
			var sinceRecordedStart time.Duration
			h := func(ctx Context, _ any) (string, error) {
				v, err := Retry(ctx, "r", func(_ Context, attempt int) (string, error) {
					runs = append(runs, attempt)
					return "ok-" + strconv.Itoa(attempt), nil
				}, func(a RetryAttempt) RetryDecision {
					var oe *OperationError
					errors.As(a.Err, &oe)
					seen = append(seen, fmt.Sprintf("%d %s %T", a.Attempt, oe.ErrorType, a.Err))
					if a.Elapsed < sinceRecordedStart {
						t.Errorf("elapsed %v, want at least %v since the recorded start", a.Elapsed, sinceRecordedStart)
					}
					return RetryDecision{Retry: true, Delay: 3 * time.Second}
				})
				var re *RetryError
				if errors.As(err, &re) {
					return fmt.Sprintf("%s %d %s %s", errTypeRetry, re.Attempts, re.ErrorType, re.Message), nil
				}
				return v, err
			}
			sinceRecordedStart = time.Since(testEpoch)
			out, err := invoke(t, h, envelope(t, "tok-0", ops), testOptions(f)...)
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tt.wantStatus || wire.Deref(out.Result) != tt.wantResult {
				t.Fatalf("status %s result %s error %+v, want %s %s", out.Status, wire.Deref(out.Result), out.Error, tt.wantStatus, tt.wantResult)
			}
			if tt.wantErr != "" && (out.Error == nil || out.Error.ErrorType != tt.wantErr) {
				t.Errorf("error %+v, want %s", out.Error, tt.wantErr)
			}
			if got := f.flatActions(); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("checkpoints %v, want %v", got, tt.wantCalls)
			}
			if !reflect.DeepEqual(runs, tt.wantRuns) || !reflect.DeepEqual(seen, tt.wantSeen) {
				t.Errorf("attempts run %v, strategy saw %v; want %v, %v", runs, seen, tt.wantRuns, tt.wantSeen)
			}
		})
	}
}

// TestRetryFlat runs the attempts directly in Retry's context: one id
// sequence for all attempts and backoffs, and earlier attempts run again
// (from their records) on replay.
func TestRetryFlat(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var runs, bodies []int
	h := func(ctx Context, _ any) (string, error) {
		return Retry(ctx, "r", func(ac Context, attempt int) (string, error) {
			runs = append(runs, attempt)
			return Step(ac, "try", func(StepContext) (string, error) {
				bodies = append(bodies, attempt)
				if attempt == 1 {
					return "", errors.New("no")
				}
				return "yes", nil
			}, WithRetry(NoRetry()))
		}, fixedDelay(2, time.Second), WithAttemptChildContext(false))
	}
	if out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil || out.Status != "PENDING" {
		t.Fatalf("first invocation: %+v %v", out, err)
	}
	updated := f.fireTimers()
	out, err := invoke(t, h, envelope(t, "tok-2", f.logWithContextDetails(), updated...), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"yes"` {
		t.Fatalf("second invocation: %+v %v", out, err)
	}
	id := WireID
	want := [][]string{
		{"CONTEXT:START:" + id("1"), "STEP:START:" + id("1-1"), "STEP:FAIL:" + id("1-1")},
		{"WAIT:START:" + id("1-2")},
		{"STEP:START:" + id("1-3"), "STEP:SUCCEED:" + id("1-3")},
		{"CONTEXT:SUCCEED:" + id("1")},
	}
	if got := f.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints\n %v\nwant\n %v", got, want)
	}
	if u := f.updateByID(t, "1-1", wire.OperationActionStart); u.ParentId != id("1") {
		t.Errorf("step parent %q, want the Retry's", u.ParentId)
	}
	if !reflect.DeepEqual(runs, []int{1, 1, 2}) || !reflect.DeepEqual(bodies, []int{1, 2}) {
		t.Errorf("attempts run %v, step bodies run %v", runs, bodies)
	}

	// A replayed attempt that now fails before its step reaches the step's
	// id with its backoff wait: non-determinism.
	g := newFakeClient(executionOp(""))
	if _, err := invoke(t, h, envelope(t, "tok-0", g.log()), testOptions(g)...); err != nil {
		t.Fatal(err)
	}
	changed := func(ctx Context, _ any) (string, error) {
		return Retry(ctx, "r", func(Context, int) (string, error) { return "", errors.New("early") },
			fixedDelay(2, time.Second), WithAttemptChildContext(false))
	}
	fired := g.fireTimers()
	out, err = invoke(t, changed, envelope(t, "tok-2", g.logWithContextDetails(), fired...), testOptions(g)...)
	if err != nil || out.Status != "FAILED" || out.Error.ErrorType != "NonDeterministicExecutionError" {
		t.Fatalf("changed replay: %+v %v", out, err)
	}
}

// TestRetrySuspendedAttempt checks that an attempt waiting on the service
// suspends the invocation without counting as a failure.
func TestRetrySuspendedAttempt(t *testing.T) {
	f := newFakeClient(executionOp(""))
	decisions := 0
	h := func(ctx Context, _ any) (string, error) {
		return Retry(ctx, "r", func(ac Context, _ int) (string, error) {
			if err := Wait(ac, "settle", time.Second); err != nil {
				return "", err
			}
			return "settled", nil
		}, func(RetryAttempt) RetryDecision { decisions++; return RetryDecision{Retry: true} })
	}
	if out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil || out.Status != "PENDING" {
		t.Fatalf("first invocation: %+v %v", out, err)
	}
	id := WireID
	want := []string{"CONTEXT:START:" + id("1"), "CONTEXT:START:" + id("1-1"), "WAIT:START:" + id("1-1-1")}
	if got := f.flatActions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("checkpoints %v, want %v", got, want)
	}
	fired := f.fireTimers()
	out, err := invoke(t, h, envelope(t, "tok-1", f.logWithContextDetails(), fired...), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"settled"` || decisions != 0 {
		t.Fatalf("second invocation: %+v %v, %d strategy calls", out, err, decisions)
	}
}

// TestRetryAttemptChildOptions checks that the attempt options configure
// the attempts' contexts and that their Serdes records Retry's result too.
func TestRetryAttemptChildOptions(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		return Retry(ctx, "r", func(Context, int) (string, error) { return "hello", nil }, NoRetry(),
			WithAttemptChildOptions(WithChildSubType("Attempt")), WithAttemptChildOptions(WithChildSerdes(upperSerdes{})))
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"HELLO"` {
		t.Fatalf("%+v %v", out, err)
	}
	if u := f.updateByID(t, "1-1", wire.OperationActionStart); u.SubType != "Attempt" {
		t.Errorf("attempt subtype %q", u.SubType)
	}
	if u := f.updateByID(t, "1", wire.OperationActionStart); u.SubType != "RunInChildContext" {
		t.Errorf("retry subtype %q", u.SubType)
	}
	for _, p := range []string{"1-1", "1"} {
		if u := f.updateByID(t, p, wire.OperationActionSucceed); wire.Deref(u.Payload) != "HELLO" {
			t.Errorf("%s payload %q", p, wire.Deref(u.Payload))
		}
	}
}

// TestRetryArgumentErrors checks that bad arguments are plain errors that
// record nothing and take no id.
func TestRetryArgumentErrors(t *testing.T) {
	ok := func(Context, int) (string, error) { return "", nil }
	tests := []struct {
		name     string
		fn       func(Context, int) (string, error)
		strategy RetryStrategy
		opts     []RetryOption
		want     string
	}{
		{name: "nil function", strategy: NoRetry(), want: "function is nil"},
		{name: "nil strategy", fn: ok, want: "strategy is nil"},
		{name: "attempt options without attempt contexts", fn: ok, strategy: NoRetry(),
			opts: []RetryOption{WithAttemptChildContext(false), WithAttemptChildOptions(WithChildVirtual())}, want: "needs attempt child contexts"},
		{name: "bad attempt subtype", fn: ok, strategy: NoRetry(),
			opts: []RetryOption{WithAttemptChildOptions(WithChildSubType("no spaces"))}, want: "subtype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			var retryErr error
			h := func(ctx Context, _ any) (string, error) {
				_, retryErr = Retry(ctx, "r", tt.fn, tt.strategy, tt.opts...)
				return Step(ctx, "s", func(StepContext) (string, error) { return "x", nil })
			}
			if _, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...); err != nil {
				t.Fatal(err)
			}
			var oe *OperationError
			if retryErr == nil || errors.As(retryErr, &oe) || !strings.Contains(retryErr.Error(), `durable: Retry "r"`) ||
				!strings.Contains(retryErr.Error(), tt.want) {
				t.Errorf("error %v, want an argument error about %q", retryErr, tt.want)
			}
			want := []string{"STEP:START:" + WireID("1"), "STEP:SUCCEED:" + WireID("1")}
			if got := f.flatActions(); !reflect.DeepEqual(got, want) {
				t.Errorf("checkpoints %v, want %v", got, want)
			}
		})
	}
}

// TestRetryAbandonedBranch runs a Retry in a Select branch that loses: its
// attempt's step finishes after Select has returned, cannot checkpoint and
// gets the suspension signal, which must end the Retry without consulting
// the strategy although the invocation goes on.
func TestRetryAbandonedBranch(t *testing.T) {
	f := newFakeClient(executionOp(""))
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var decisions int
	var loserErr error
	h := func(ctx Context, _ any) (string, error) {
		winner, _, err := Select(ctx, "pick", []Branch[string]{
			{Name: "fast", Func: func(Context) (string, error) {
				_, err := testwait.Receive("the slow branch's step starts", started)
				return "fast", err
			}},
			{Name: "slow", Func: func(bc Context) (string, error) {
				defer close(done)
				_, loserErr = Retry(bc, "r", func(ac Context, _ int) (string, error) {
					return Step(ac, "s", func(StepContext) (string, error) {
						close(started)
						_, err := testwait.Receive("the handler releases the slow step", release)
						return "late", err
					})
				}, func(RetryAttempt) RetryDecision { decisions++; return RetryDecision{Retry: true} })
				return "", loserErr
			}},
		})
		close(release)
		if _, waitErr := testwait.Receive("the slow branch returns", done); waitErr != nil {
			return "", waitErr
		}
		return winner, err
	}
	out, err := invoke(t, h, envelope(t, "tok-0", f.log()), testOptions(f)...)
	if err != nil || out.Status != "SUCCEEDED" || wire.Deref(out.Result) != `"fast"` {
		t.Fatalf("%+v %v", out, err)
	}
	if !errors.Is(loserErr, errSuspended) || decisions != 0 {
		t.Errorf("abandoned Retry returned %v after %d strategy calls; want the suspension signal and none", loserErr, decisions)
	}
	for _, u := range f.updates() {
		if u.Name == "r-backoff-1" || (u.Name == "r" && u.Action != wire.OperationActionStart) {
			t.Errorf("abandoned Retry checkpointed %s %s", u.Name, u.Action)
		}
	}
}
