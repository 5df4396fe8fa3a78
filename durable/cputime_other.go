//go:build !unix

package durable

import "time"

// processCPU reports that the process's CPU time is unknown here: the
// checkpoint queue's fallback then only has its busy bound.
func processCPU() (cpu time.Duration, ok bool) { return 0, false }
