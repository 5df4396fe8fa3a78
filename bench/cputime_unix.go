//go:build unix

package bench

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time (user and system, all threads) the process
// has used so far, and whether the platform reports it. Benchmarks report
// the difference over their loop next to the wall time: on a machine
// shared with other work the wall time counts the waits for a core, the
// CPU time does not.
func CPUTime() (time.Duration, bool) {
	return rusage(syscall.RUSAGE_SELF)
}

// TreeCPUTime is CPUTime plus the CPU time of the child processes that
// have ended and been waited for: for a benchmark whose loop starts
// processes (a function's bootstrap under the Runtime API emulator) and
// waits for them before it reads the meter.
func TreeCPUTime() (time.Duration, bool) {
	self, ok := rusage(syscall.RUSAGE_SELF)
	if !ok {
		return 0, false
	}
	children, ok := rusage(syscall.RUSAGE_CHILDREN)
	return self + children, ok
}

// rusage returns the user and system time getrusage reports for who.
func rusage(who int) (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
