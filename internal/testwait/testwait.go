// Package testwait bounds the waits of tests, so that a regression that
// stops something from happening fails the test with a message naming
// what never happened, instead of hanging until go test's -timeout kills
// the whole binary without saying which wait was stuck.
//
// Deadline is generous: it only has to end a wait that would otherwise
// never end, never to time a correct run, so a loaded machine does not
// make the tests flaky.
//
// A test never waits without one of these bounds: a poll goes through
// Until, a receive from a channel through Recv, a call that blocks (a
// sync.WaitGroup's Wait, an exec.Cmd's Wait) through Wait, and a select
// on events selects on Context's Done too:
//
//	testwait.Until(t, "every execution arms its timer", func() bool { return len(svc.Timers()) == 10 })
//	err := testwait.Recv(t, "Run returns after cancel", runErr)
//	testwait.Wait(t, "every caller returns", wg.Wait)
//	ctx := testwait.Context(t) // for selects on events or subscriptions
//
// Code that runs outside the test goroutine (a handler, a fake, a helper
// goroutine) must not call t.Fatal; it uses For or Receive and handles
// the error.
package testwait

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Deadline is how long a test waits for something before it fails.
const Deadline = 2 * time.Minute

// interval is the pause between two polls.
const interval = time.Millisecond

// For polls cond until it returns true and returns nil, or returns an error
// naming what after Deadline. It is safe to call from any goroutine.
func For(what string, cond func() bool) error {
	return within(what, Deadline, cond)
}

// within is For with the deadline d.
func within(what string, d time.Duration, cond func() bool) error {
	limit := time.Now().Add(d)
	for !cond() {
		if time.Now().After(limit) {
			return fmt.Errorf("testwait: %s: not done within %s", what, d)
		}
		time.Sleep(interval)
	}
	return nil
}

// Until is For for the test goroutine: it fails tb when cond does not hold
// within Deadline.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	if err := For(what, cond); err != nil {
		tb.Fatal(err)
	}
}

// Receive receives a value from ch and returns it, or returns an error
// naming what when nothing arrives within Deadline. A closed channel
// yields its zero value at once, as a plain receive does. It is safe to
// call from any goroutine.
func Receive[T any](what string, ch <-chan T) (T, error) {
	return receiveWithin(what, Deadline, ch)
}

// receiveWithin is Receive with the deadline d.
func receiveWithin[T any](what string, d time.Duration, ch <-chan T) (T, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v, nil
	case <-timer.C:
		var zero T
		return zero, fmt.Errorf("testwait: %s: not done within %s", what, d)
	}
}

// Recv is Receive for the test goroutine: it fails tb when nothing
// arrives on ch within Deadline.
func Recv[T any](tb testing.TB, what string, ch <-chan T) T {
	tb.Helper()
	v, err := Receive(what, ch)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Wait calls wait, a call that blocks until something has happened (a
// sync.WaitGroup's Wait, a closure around an exec.Cmd's Wait), on another
// goroutine and fails tb when it has not returned within Deadline. The
// call is left running then; the test has failed anyway.
func Wait(tb testing.TB, what string, wait func()) {
	tb.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait()
	}()
	Recv(tb, what, done)
}

// Context returns tb's context bounded by Deadline; it is canceled when the
// test ends. A select that waits for an event selects on its Done too and
// fails the test when it fires.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(tb.Context(), Deadline)
	tb.Cleanup(cancel)
	return ctx
}
