package wire

import (
	"encoding/json"
	"testing"
	"time"
)

// TestTimestampNeverReencodesToAnotherInstant: a Timestamp outside what
// epoch seconds can carry unambiguously (before 1970, or at or after 1e11
// seconds, past the year 5138, which decodes as milliseconds) must fail to
// encode rather than encode as a number that decodes to another instant
// or not at all.
func TestTimestampNeverReencodesToAnotherInstant(t *testing.T) {
	for _, in := range []time.Time{
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(5200, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		b, err := json.Marshal(At(in))
		if err != nil {
			continue
		}
		var back Timestamp
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(in) {
			t.Errorf("%v encodes as %s, which decodes to %v (%v)", in, b, back.Time, err)
		}
	}
}
