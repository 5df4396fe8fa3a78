// Package lib is a package that compiles but is not main.
package lib

// F does nothing.
func F() {}
