package emulator

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestOpSet checks the bitmap of unseen positions against a map: the
// positions come out once each, in increasing order, and clear empties it
// for the next round.
func TestOpSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s opSet
	for round := range 50 {
		want := map[int]bool{}
		for range rng.IntN(300) {
			p := rng.IntN(1 + round*100)
			want[p] = true
			s.add(p)
		}
		got := s.appendTo(nil)
		if s.len() != len(want) || len(got) != len(want) || !slices.IsSorted(got) {
			t.Fatalf("round %d: len %d, positions %v, want %d sorted positions", round, s.len(), got, len(want))
		}
		for _, p := range got {
			if !want[p] {
				t.Fatalf("round %d: position %d was not added", round, p)
			}
		}
		s.clear()
		if s.len() != 0 || len(s.appendTo(nil)) != 0 {
			t.Fatalf("round %d: not empty after clear", round)
		}
	}
}
