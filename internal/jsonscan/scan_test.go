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

// TestFieldKey checks which keys FieldKey takes for the name "Id" and
// where it leaves the scanner: after the colon and the whitespace after
// it, or where it started.
func TestFieldKey(t *testing.T) {
	for _, tc := range []struct {
		data string
		ok   bool
		pos  int
	}{
		{`"Id":"x"`, true, 5},
		{`"Id": "x"`, true, 6},
		{`"Id" :` + "\n\t" + `"x"`, true, 8},
		{`"Id":`, true, 5},
		{`"Id"`, false, 0},
		{`"Id" x`, false, 0},
		{`"Id","x"`, false, 0},
		{`"Ids":1`, false, 0},
		{`"id":1`, false, 0},
		{`"I":1`, false, 0},
		{`Id:1`, false, 0},
		{`"I\u0064":1`, false, 0},
		{``, false, 0},
	} {
		s := Scanner{Data: []byte(tc.data)}
		if ok := s.FieldKey("Id"); ok != tc.ok || s.Pos != tc.pos {
			t.Errorf("FieldKey(\"Id\") on %q = %v at %d, want %v at %d", tc.data, ok, s.Pos, tc.ok, tc.pos)
		}
	}
}

// TestFieldKeyEveryLength checks FieldKey on names of every length up to
// 20 (its comparison depends on the length), against the key spelled
// exactly and against the key with any one byte changed.
func TestFieldKeyEveryLength(t *testing.T) {
	const letters = "NextAttemptTimestampX"
	for n := 1; n <= 20; n++ {
		name := letters[:n]
		if s := (Scanner{Data: []byte(`"` + name + `":1`)}); !s.FieldKey(name) || s.Pos != n+3 {
			t.Errorf("FieldKey(%q) on its own key = false or at %d", name, s.Pos)
		}
		for at := range n {
			key := []byte(name)
			key[at] ^= 0x20
			if s := (Scanner{Data: []byte(`"` + string(key) + `":1`)}); s.FieldKey(name) || s.Pos != 0 {
				t.Errorf("FieldKey(%q) on %q = true or at %d", name, key, s.Pos)
			}
		}
	}
}

// TestCommaKey checks that CommaKey takes a comma only when a key's quote
// follows it at once.
func TestCommaKey(t *testing.T) {
	for _, tc := range []struct {
		data string
		ok   bool
	}{
		{`,"a"`, true},
		{`,"`, true},
		{`, "a"`, false},
		{`,}`, false},
		{`,`, false},
		{`}`, false},
		{``, false},
	} {
		s := Scanner{Data: []byte(tc.data)}
		want := 0
		if tc.ok {
			want = 1
		}
		if ok := s.CommaKey(); ok != tc.ok || s.Pos != want {
			t.Errorf("CommaKey on %q = %v at %d, want %v at %d", tc.data, ok, s.Pos, tc.ok, want)
		}
	}
}
