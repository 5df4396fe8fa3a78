// Package slab allocates many small values of one type in blocks, for code
// that builds thousands of them at once (a checkpoint's response, a test
// result, a converted history): one allocation per block instead of one
// per value.
package slab

// A Block hands out pointers to new zero values of T, allocating n at a
// time. The zero Block allocates one at a time.
type Block[T any] struct {
	free []T
	n    int
}

// Of returns a Block that allocates n values at a time (at least one).
func Of[T any](n int) Block[T] {
	return Block[T]{n: n}
}

// New returns a pointer to a new zero value. Every value of a block stays
// allocated while any of them is reachable.
func (b *Block[T]) New() *T {
	if len(b.free) == 0 {
		b.free = make([]T, max(b.n, 1))
	}
	p := &b.free[0]
	b.free = b.free[1:]
	return p
}
