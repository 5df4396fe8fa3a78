package jsonscan

import (
	"testing"
	"unicode/utf8"
)

// special is Special one byte at a time.
func special(b []byte, i int) int {
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// TestSpecialFindsEveryByte puts every byte value at every position of
// plain texts up to 24 bytes long, with a second special byte after it
// (whose borrow must not hide the first), and compares Special with a byte
// loop from every start.
func TestSpecialFindsEveryByte(t *testing.T) {
	for n := 0; n <= 24; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				for _, after := range []byte{'a', 0, '"', 0xff} {
					b := make([]byte, n)
					for i := range b {
						b[i] = 'a' + byte(i%26)
					}
					b[at] = byte(c)
					if at+1 < n {
						b[at+1] = after
					}
					for i := 0; i <= n; i++ {
						if got, want := Special(b, i), special(b, i); got != want {
							t.Fatalf("Special(%q, %d) = %d, want %d", b, i, got, want)
						}
					}
				}
			}
		}
	}
}

func FuzzSpecial(f *testing.F) {
	f.Add([]byte(`{"Id":"c4ca4238a0b92382","Name":"step-0"}`), 3)
	f.Fuzz(func(t *testing.T, b []byte, i int) {
		if i < 0 || i > len(b) {
			return
		}
		if got, want := Special(b, i), special(b, i); got != want {
			t.Fatalf("Special(%q, %d) = %d, want %d", b, i, got, want)
		}
	})
}
