//go:build !unix

package bench

import "time"

// CPUTime reports that this platform's process CPU time is not measured.
func CPUTime() (time.Duration, bool) { return 0, false }

// TreeCPUTime reports that this platform's process CPU time is not
// measured.
func TreeCPUTime() (time.Duration, bool) { return 0, false }
