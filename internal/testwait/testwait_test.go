package testwait

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	if err := For("three polls", func() bool { return n.Add(1) == 3 }); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("polled %d times, want 3", got)
	}
}

func TestContextHasTheDeadline(t *testing.T) {
	ctx := Context(t)
	d, ok := ctx.Deadline()
	if !ok || time.Until(d) > Deadline {
		t.Fatalf("deadline %v (set %v), want one within %s", d, ok, Deadline)
	}
}

func TestWithinFailsWithAMessage(t *testing.T) {
	err := within("the callback is created", 5*time.Millisecond, func() bool { return false })
	if err == nil || !strings.Contains(err.Error(), "the callback is created: not done within 5ms") {
		t.Fatalf("got %v, want an error naming the wait and its deadline", err)
	}
}
