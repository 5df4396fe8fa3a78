package durable

import "runtime/metrics"

// Scheduler metrics read by processParked.
const (
	metricRunning  = "/sched/goroutines/running:goroutines"
	metricRunnable = "/sched/goroutines/runnable:goroutines"
)

// processParked reports whether no goroutine of the process but the
// caller is running or ready to run: every other one waits for I/O, a
// timer, a channel or a lock, or sits in a system call. The counts are the
// runtime's approximations; a P that is looking for work counts as
// running, which only makes the answer more often false.
func processParked() bool {
	s := [2]metrics.Sample{{Name: metricRunning}, {Name: metricRunnable}}
	metrics.Read(s[:])
	var n uint64
	for _, m := range s {
		if m.Value.Kind() != metrics.KindUint64 {
			return false
		}
		n += m.Value.Uint64()
	}
	return n <= 1
}
