// Package slab allocates many small values of one type in blocks, for code
// that builds thousands of them at once (a checkpoint's response, a test
// result, a converted history): one allocation per block instead of one
// per value.
package slab

// A Block hands out pointers to new zero values of T, allocating n at a
// time, n doubling after each allocation up to a limit. The zero Block
// allocates one at a time.
type Block[T any] struct {
	free   []T
	n, max int
}

// Of returns a Block that allocates n values at a time (at least one).
func Of[T any](n int) Block[T] {
	return Block[T]{n: n, max: n}
}

// Growing returns a Block that allocates first values, then twice as many
// each time up to last: for a number of values not known in advance,
// small or large.
func Growing[T any](first, last int) Block[T] {
	return Block[T]{n: first, max: last}
}

// New returns a pointer to a new zero value. Every value of a block stays
// allocated while any of them is reachable.
func (b *Block[T]) New() *T {
	if len(b.free) == 0 {
		b.free = make([]T, max(b.n, 1))
		b.n = min(2*b.n, b.max)
	}
	p := &b.free[0]
	b.free = b.free[1:]
	return p
}

// Value returns a pointer to a new copy of v.
func (b *Block[T]) Value(v T) *T {
	p := b.New()
	*p = v
	return p
}
