package bench

import "time"

// CPUMeter measures the process CPU time a benchmark's loop uses: start it
// right before the loop with StartCPU and read it after the loop.
type CPUMeter struct {
	start time.Duration
	ok    bool
}

// StartCPU starts a CPUMeter.
func StartCPU() CPUMeter {
	t, ok := CPUTime()
	return CPUMeter{start: t, ok: ok}
}

// Per returns the CPU time used since StartCPU divided by units, in
// nanoseconds, for a benchmark's cpu-ns/<unit> metric; false where the
// platform does not measure CPU time.
func (m CPUMeter) Per(units int) (float64, bool) {
	t, ok := CPUTime()
	if !ok || !m.ok || units <= 0 {
		return 0, false
	}
	return float64(t-m.start) / float64(units), true
}
