package emulator

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidIDAndName checks the hand-written checks against the regular
// expressions of protocol §3.2 they replace.
func TestValidIDAndName(t *testing.T) {
	idPattern := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	namePattern := regexp.MustCompile(`^[\x20-\x7E]{1,256}$`)
	inputs := []string{"", "a", "A-z_09", "a b", "a.b", "é", "a\n", "\n", "~", " ", "\x7f", "\x1f", "a/b",
		strings.Repeat("x", 64), strings.Repeat("x", 65), strings.Repeat("~", 256), strings.Repeat("~", 257)}
	for c := range 256 {
		inputs = append(inputs, string(rune(c)), "ab"+string([]byte{byte(c)}))
	}
	for _, in := range inputs {
		if got, want := validID(in), idPattern.MatchString(in); got != want {
			t.Errorf("validID(%q) = %v, want %v", in, got, want)
		}
		if got, want := validName(in), namePattern.MatchString(in); got != want {
			t.Errorf("validName(%q) = %v, want %v", in, got, want)
		}
	}
}
