package emulator

import (
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// TestEventLog checks the chunked history across chunk boundaries, also
// after it was rebuilt from a record (newEventLog) and grew again.
func TestEventLog(t *testing.T) {
	check := func(l *eventLog, n int) {
		t.Helper()
		if l.len() != n {
			t.Fatalf("len = %d, want %d", l.len(), n)
		}
		all := l.clone()
		for i := range n {
			if l.at(i).EventId != i+1 || all[i].EventId != i+1 {
				t.Fatalf("event %d: at has EventId %d, clone %d", i, l.at(i).EventId, all[i].EventId)
			}
		}
	}
	var l eventLog
	for i := range 2*eventChunk + 3 {
		l.add(wire.Event{EventId: i + 1})
	}
	check(&l, 2*eventChunk+3)
	for _, n := range []int{0, 1, eventChunk, eventChunk + 1} {
		events := make([]wire.Event, n)
		for i := range events {
			events[i].EventId = i + 1
		}
		r := newEventLog(events)
		for i := n; i < n+eventChunk+2; i++ {
			r.add(wire.Event{EventId: i + 1})
		}
		check(&r, n+eventChunk+2)
	}
}
