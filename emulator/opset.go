package emulator

import "math/bits"

// An opSet is a set of positions in an execution's operation log: the
// operations changed since an invocation's last checkpoint response. It
// is a bitmap, so that adding is cheaper than a map insert (a checkpoint
// changes hundreds of operations) and the positions come out in order
// without a sort; only the words between the lowest and highest set
// position are visited.
type opSet struct {
	words  []uint64
	lo, hi int // the words in [lo, hi) may hold set bits; lo >= hi when empty
	n      int
}

// add adds position p.
func (s *opSet) add(p int) {
	w := p / 64
	if w >= len(s.words) {
		s.words = append(s.words, make([]uint64, w+1-len(s.words))...)
		s.words = s.words[:cap(s.words)]
	}
	bit := uint64(1) << (p % 64)
	if s.words[w]&bit != 0 {
		return
	}
	s.words[w] |= bit
	if s.n == 0 {
		s.lo, s.hi = w, w+1
	} else {
		s.lo, s.hi = min(s.lo, w), max(s.hi, w+1)
	}
	s.n++
}

// len returns the number of positions in the set.
func (s *opSet) len() int { return s.n }

// appendTo appends the set's positions to dst in increasing order.
func (s *opSet) appendTo(dst []int) []int {
	if s.n == 0 {
		return dst
	}
	for w := s.lo; w < s.hi; w++ {
		for word := s.words[w]; word != 0; word &= word - 1 {
			dst = append(dst, w*64+bits.TrailingZeros64(word))
		}
	}
	return dst
}

// clear empties the set.
func (s *opSet) clear() {
	if s.n > 0 {
		clear(s.words[s.lo:s.hi])
	}
	s.lo, s.hi, s.n = 0, 0, 0
}
