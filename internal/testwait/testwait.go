// Package testwait bounds the waits of tests, so that a regression that
// stops something from happening fails the test with a message naming
// what never happened, instead of hanging until go test's -timeout kills
// the whole binary without saying which wait was stuck.
//
// Deadline is generous: it only has to end a wait that would otherwise
// never end, never to time a correct run, so a loaded machine does not
// make the tests flaky.
//
//	testwait.Until(t, "every execution arms its timer", func() bool { return len(svc.Timers()) == 10 })
//	ctx := testwait.Context(t) // for selects on events or subscriptions
//
// Code that runs outside the test goroutine (a handler, a fake, a helper
// goroutine) must not call t.Fatal; it uses For and handles the error.
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

// Context returns tb's context bounded by Deadline; it is canceled when the
// test ends. A select that waits for an event selects on its Done too and
// fails the test when it fires.
func Context(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(tb.Context(), Deadline)
	tb.Cleanup(cancel)
	return ctx
}
