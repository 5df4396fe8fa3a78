package emulator

import (
	"container/heap"
	"time"
)

// expiry is a closed execution waiting for the end of its retention
// period (RetentionPeriodInDays after it closed), when the service
// deletes it from memory and from the Store.
type expiry struct {
	at time.Time
	e  *execution
}

// expiries is a min-heap of expiry by time.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = expiry{} // the backing array must not keep the execution alive
	*h = old[:len(old)-1]
	return x
}

// retentionEnd is when closed execution e may be deleted.
func (e *execution) retentionEnd() time.Time {
	return e.end.Add(time.Duration(e.config.RetentionPeriodInDays) * 24 * time.Hour)
}

// retain schedules the deletion of closed execution e. Must hold the lock.
func (s *Service) retain(e *execution) {
	if s.cfg.KeepClosed {
		return
	}
	heap.Push(&s.expiries, expiry{at: e.retentionEnd(), e: e})
}

// expireLocked deletes the closed executions whose retention period ended
// by now. Must hold the lock.
func (s *Service) expireLocked(now time.Time) {
	for len(s.expiries) > 0 && s.expiries[0].e.retentionExpired(now) {
		e := heap.Pop(&s.expiries).(expiry).e
		if !s.current(e) {
			continue // replaced after a failed commit; the copy has its own entry
		}
		s.removeExecution(e)
		e.st.deleted = true
		s.markDirty(e)
	}
}

// nextExpiry returns when the next closed execution expires.
func (s *Service) nextExpiry() (time.Time, bool) {
	if len(s.expiries) == 0 {
		return time.Time{}, false
	}
	return s.expiries[0].at, true
}
