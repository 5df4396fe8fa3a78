//go:build !durablenocheck

package durable

// checksEnabled turns on the goroutine and context ownership checks. Build
// with -tags durablenocheck to compile them out.
const checksEnabled = true

func currentGoroutine() uintptr { return getg() }
