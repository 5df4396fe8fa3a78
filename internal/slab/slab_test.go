package slab

import "testing"

func TestBlock(t *testing.T) {
	b := Of[int](3)
	seen := map[*int]bool{}
	for i := range 7 {
		p := b.New()
		if *p != 0 || seen[p] {
			t.Fatalf("value %d: %p = %d, seen %v", i, p, *p, seen[p])
		}
		*p = i + 1
		seen[p] = true
	}
	g := Growing[int](1, 4)
	for _, want := range []int{1, 2, 4, 4} {
		g.New()
		if got := len(g.free) + 1; got != want {
			t.Errorf("growing block allocated %d, want %d", got, want)
		}
		g.free = nil
	}
	if p := g.Value(7); *p != 7 {
		t.Errorf("Value gave %d", *p)
	}
	var zero Block[string]
	if p, q := zero.New(), zero.New(); p == q || *p != "" {
		t.Errorf("zero block gave %p and %p", p, q)
	}
}
