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
	var zero Block[string]
	if p, q := zero.New(), zero.New(); p == q || *p != "" {
		t.Errorf("zero block gave %p and %p", p, q)
	}
}
