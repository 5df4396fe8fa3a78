package emulator

import (
	"sync"
	"time"
)

// Clock tells the service what time it is. Timers (waits, step retries,
// callback and execution timeouts, invocation-retry backoff) are compared
// against it, and every timestamp the service records comes from it.
type Clock interface {
	Now() time.Time
}

// RealClock returns the wall clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

// Now returns the wall-clock time.
func (realClock) Now() time.Time { return time.Now() }

// VirtualClock is a Clock that only moves when told to. Tests and the
// local runner use it to skip waits and retry delays instantly; the
// service's AdvanceTo moves it and fires the timers that fall due.
// It is safe for concurrent use.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtualClock returns a VirtualClock reading start.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{now: start}
}

// Now returns the clock's current time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t. Moving it backwards is allowed here; the
// service's AdvanceTo refuses to.
func (c *VirtualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
