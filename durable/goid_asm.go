//go:build amd64 || arm64

package durable

// getg returns the address of the running goroutine's runtime descriptor:
// a cheap identity for the ownership check (two goroutines alive at the
// same time never share it).
func getg() uintptr
