package bench

import "time"

// CPUMeter measures the process CPU time a benchmark's loop uses: start it
// right before the loop with StartCPU (or StartTreeCPU) and read it after
// the loop.
type CPUMeter struct {
	read  func() (time.Duration, bool)
	start time.Duration
	ok    bool
}

// StartCPU starts a CPUMeter of this process's CPU time (CPUTime).
func StartCPU() CPUMeter {
	return startMeter(CPUTime)
}

// StartTreeCPU starts a CPUMeter of this process's CPU time and its
// waited-for children's (TreeCPUTime). Read it after the loop's child
// processes have ended and been waited for.
func StartTreeCPU() CPUMeter {
	return startMeter(TreeCPUTime)
}

func startMeter(read func() (time.Duration, bool)) CPUMeter {
	t, ok := read()
	return CPUMeter{read: read, start: t, ok: ok}
}

// Per returns the CPU time used since the meter started divided by units,
// in nanoseconds, for a benchmark's cpu-ns/<unit> metric; false where the
// platform does not measure CPU time.
func (m CPUMeter) Per(units int) (float64, bool) {
	if m.read == nil {
		return 0, false
	}
	t, ok := m.read()
	if !ok || !m.ok || units <= 0 {
		return 0, false
	}
	return float64(t-m.start) / float64(units), true
}
