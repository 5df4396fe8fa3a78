package durable

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/acme/durable-lambda-go/wire"
)

// errTypeCombinator is the ErrorType recorded for a failed combinator, the
// one the other SDKs record for their promise combinators.
const errTypeCombinator = "PromiseCombinatorError"

// msgAllRejected is the message of a failed [Any].
const msgAllRejected = "All promises were rejected"

// CombinatorError is the recorded failure of a combinator ([All], [Any],
// [Race]). The combinator returns it as the cause of a *[ChildContextError]
// whose ErrorType is "PromiseCombinatorError": its message is the first
// failure's for All and Race, and "All promises were rejected" for Any.
type CombinatorError struct {
	OperationError
}

// As matches *OperationError.
func (e *CombinatorError) As(target any) bool { return asOperationError(&e.OperationError, target) }

func newCombinatorError(msg string, cause error) *CombinatorError {
	return &CombinatorError{OperationError{ErrorType: errTypeCombinator, Message: msg, Err: cause}}
}

// All waits for every future and returns their values in order; it fails
// as soon as one of them fails. The outcome is recorded as one child
// context named name (its futures' own operations are recorded where they
// were created), so on replay a finished All returns at once, without
// awaiting the futures. opts are those of [RunInChildContext].
func All[O any](ctx Context, name string, fs []*Future[O], opts ...ChildOption) ([]O, error) {
	return combine(ctx, "All", name, fs, opts, func(c *execContext) ([]O, error) {
		var failed error
		err := awaitEach(c, coresOf(fs), func(i int) bool {
			failed = fs[i].c.err
			return failed != nil
		})
		if err != nil {
			return nil, err
		}
		if failed != nil {
			return nil, newCombinatorError(failed.Error(), failed)
		}
		out := make([]O, len(fs))
		for i, f := range fs {
			out[i] = f.value
		}
		return out, nil
	})
}

// AllSettled waits for every future and returns each one's value or error,
// in order; it does not fail because a future failed. It is recorded like
// [All].
func AllSettled[O any](ctx Context, name string, fs []*Future[O], opts ...ChildOption) ([]Settled[O], error) {
	return combine(ctx, "AllSettled", name, fs, opts, func(c *execContext) ([]Settled[O], error) {
		if err := awaitEach(c, coresOf(fs), func(int) bool { return false }); err != nil {
			return nil, err
		}
		out := make([]Settled[O], len(fs))
		for i, f := range fs {
			out[i] = Settled[O]{Value: f.value, Err: f.c.err}
		}
		return out, nil
	})
}

// Any returns the value of the first future to succeed; it fails only when
// every future failed (or there are none). It is recorded like [All].
func Any[O any](ctx Context, name string, fs []*Future[O], opts ...ChildOption) (O, error) {
	return combine(ctx, "Any", name, fs, opts, func(c *execContext) (O, error) {
		var zero O
		winner := -1
		var errs []error
		err := awaitEach(c, coresOf(fs), func(i int) bool {
			if e := fs[i].c.err; e != nil {
				errs = append(errs, e)
				return false
			}
			winner = i
			return true
		})
		if err != nil {
			return zero, err
		}
		if winner < 0 {
			return zero, newCombinatorError(msgAllRejected, errors.Join(errs...))
		}
		return fs[winner].value, nil
	})
}

// Race returns the outcome of the first future to finish, success or
// failure. It is recorded like [All]. Race over no futures is an argument
// error and records nothing.
func Race[O any](ctx Context, name string, fs []*Future[O], opts ...ChildOption) (O, error) {
	if len(fs) == 0 {
		var zero O
		return zero, argumentError("Race", name, "no futures")
	}
	return combine(ctx, "Race", name, fs, opts, func(c *execContext) (O, error) {
		var zero O
		first := -1
		if err := awaitEach(c, coresOf(fs), func(i int) bool { first = i; return true }); err != nil {
			return zero, err
		}
		if e := fs[first].c.err; e != nil {
			return zero, newCombinatorError(e.Error(), e)
		}
		return fs[first].value, nil
	})
}

// coresOf returns the futures' cores.
func coresOf[O any](fs []*Future[O]) []*futureCore {
	out := make([]*futureCore, len(fs))
	for i, f := range fs {
		out[i] = f.c
	}
	return out
}

// Join waits for every awaitable, whatever their result types, and fails
// as soon as one of them fails, like [All] without the values. It is
// recorded like All.
func Join(ctx Context, name string, fs []Awaitable, opts ...ChildOption) error {
	cores := make([]*futureCore, len(fs))
	for i, f := range fs {
		if f == nil {
			return argumentError("Join", name, "awaitable %d is nil", i)
		}
		cores[i] = f.core()
	}
	_, err := inChild(ctx, "Join", name, opts, func(cc Context) (Void, error) {
		c := cc.impl()
		var failed error
		err := awaitEach(c, cores, func(i int) bool {
			failed = cores[i].err
			return failed != nil
		})
		if err == nil && failed != nil {
			err = newCombinatorError(failed.Error(), failed)
		}
		return Void{}, err
	})
	return err
}

// selected is the recorded outcome of a Select.
type selected[O any] struct {
	Winner string `json:"winner"`
	Value  O      `json:"value"`
}

// Select runs the branches concurrently, each as a child context on its
// own goroutine (ids below Select's own), and returns the name and outcome
// of the first to finish; the others are abandoned and record nothing more.
// A failed winner fails Select with a *ChildContextError of ErrorType
// "PromiseCombinatorError" whose ErrorData records the winner as
// {"winner":"<name>"}, so winner is reported on replay too. Unnamed
// branches are named "select-branch-<i>". Select over no branches is an
// argument error and records nothing.
func Select[O any](ctx Context, name string, branches []Branch[O], opts ...ChildOption) (winner string, value O, err error) {
	if len(branches) == 0 {
		return "", value, argumentError("Select", name, "no branches")
	}
	names := make([]string, len(branches))
	for i, b := range branches {
		if b.Func == nil {
			return "", value, argumentError("Select", name, "branch %d has no function", i)
		}
		names[i] = b.Name
		if names[i] == "" {
			names[i] = "select-branch-" + strconv.Itoa(i)
		}
	}
	res, err := inChild(ctx, "Select", name, opts, func(c Context) (selected[O], error) {
		fs := make([]*Future[O], len(branches))
		for i, b := range branches {
			fs[i] = Go(c, names[i], b.Func)
		}
		first := -1
		if err := awaitEach(c.impl(), coresOf(fs), func(i int) bool { first = i; return true }); err != nil {
			return selected[O]{}, err
		}
		if e := fs[first].c.err; e != nil {
			data, _ := json.Marshal(map[string]string{"winner": names[first]})
			return selected[O]{}, WithErrorData(newCombinatorError(e.Error(), e), string(data))
		}
		return selected[O]{Winner: names[first], Value: fs[first].value}, nil
	})
	if err != nil {
		var ce *ChildContextError
		if errors.As(err, &ce) {
			var rec selected[O]
			if json.Unmarshal([]byte(ce.ErrorData), &rec) == nil {
				winner = rec.Winner
			}
		}
		return winner, value, err
	}
	return res.Winner, res.Value, nil
}

// combine runs decide in a child context of ctx, on the calling goroutine.
func combine[O, R any](ctx Context, op, name string, fs []*Future[O], opts []ChildOption, decide func(*execContext) (R, error)) (R, error) {
	for i, f := range fs {
		if f == nil {
			var zero R
			return zero, argumentError(op, name, "future %d is nil", i)
		}
	}
	return inChild(ctx, op, name, opts, func(cc Context) (R, error) { return decide(cc.impl()) })
}

// awaitEach waits for the futures, calling visit for each one as it
// resolves (in index order among those resolved together) until visit
// returns true or all have resolved. A future that ended with the
// suspension signal passes it on.
func awaitEach(c *execContext, fcs []*futureCore, visit func(i int) bool) error {
	q := newCompletionQueue(c.inv, len(fcs))
	for i, fc := range fcs {
		q.watch(i, fc)
	}
	for pending := len(fcs); pending > 0; {
		resolved, err := c.takeResolved(q)
		if err != nil {
			return err
		}
		for _, i := range resolved {
			if errors.Is(fcs[i].err, errSuspended) {
				return errSuspended
			}
			if visit(i) {
				return nil
			}
		}
		pending -= len(resolved)
	}
	return nil
}

// settledJSON is the recorded form of a Settled value.
type settledJSON struct {
	Status string          `json:"status"`
	Value  json.RawMessage `json:"value,omitempty"`
	Error  *ErrorObject    `json:"error,omitempty"`
}

// MarshalJSON records a success as {"status":"SUCCEEDED","value":...} and a
// failure as {"status":"FAILED","error":{ErrorObject}}.
func (s Settled[O]) MarshalJSON() ([]byte, error) {
	if s.Err != nil {
		obj := errorObjectOf(s.Err, false)
		return json.Marshal(settledJSON{Status: string(wire.OperationStatusFailed), Error: &obj})
	}
	v, err := json.Marshal(s.Value)
	if err != nil {
		return nil, err
	}
	return json.Marshal(settledJSON{Status: string(wire.OperationStatusSucceeded), Value: v})
}

// UnmarshalJSON reads the form MarshalJSON writes; Err is rebuilt with
// [ErrorFromObject].
func (s *Settled[O]) UnmarshalJSON(b []byte) error {
	var j settledJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Settled[O]{}
	switch j.Status {
	case string(wire.OperationStatusSucceeded):
		if len(j.Value) > 0 {
			return json.Unmarshal(j.Value, &s.Value)
		}
		return nil
	case string(wire.OperationStatusFailed):
		if j.Error == nil {
			j.Error = &ErrorObject{ErrorType: errTypePlain}
		}
		s.Err = ErrorFromObject(*j.Error)
		return nil
	}
	return fmt.Errorf("durable: settled outcome with status %q", j.Status)
}
