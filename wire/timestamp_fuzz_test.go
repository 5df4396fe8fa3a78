package wire

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
)

// FuzzTimestamp decodes arbitrary JSON as a Timestamp. Whatever decodes
// must, inside the range the encoding can represent (epoch seconds below
// the 1e11 milliseconds threshold), re-encode to epoch seconds that decode
// to the same instant at millisecond precision, and encode stably.
//
//	go test -run '^$' -fuzz '^FuzzTimestamp$' -fuzztime 20s ./wire
func FuzzTimestamp(f *testing.F) {
	for _, seed := range []string{
		`1767225600`, `1767225600.25`, `1767225600250`, `1767225600250.5`, `"2026-01-01T00:00:00.25Z"`,
		`"2025-12-31T19:00:00.123456789-05:00"`, `null`, `0`, `99999999999`, `100000000000`, `1e11`, `-1`,
		`"9999-12-31T23:59:59Z"`, `"1969-12-31T23:59:59Z"`, `"yesterday"`, `true`, `{}`, `[]`, `1e400`, `NaN`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var ts Timestamp
		if err := json.Unmarshal(in, &ts); err != nil {
			return
		}
		if ts.IsZero() {
			return
		}
		if !representable(ts.Time) {
			return
		}
		once, err := json.Marshal(ts)
		if err != nil {
			t.Fatalf("%s decoded to %v, which does not encode: %v", in, ts.Time, err)
		}
		var back Timestamp
		if err := json.Unmarshal(once, &back); err != nil {
			t.Fatalf("%s decoded to %v, encoded as %s, which does not decode: %v", in, ts.Time, once, err)
		}
		if want := ts.Truncate(time.Millisecond); !back.Equal(want) {
			t.Fatalf("%s decoded to %v, encoded as %s, which decodes to %v", in, want, once, back.Time)
		}
		twice, err := json.Marshal(back)
		if err != nil || string(twice) != string(once) {
			t.Fatalf("%s: encodes as %s, then as %s (%v)", in, once, twice, err)
		}
	})
}

// representable reports whether epoch seconds can carry t unambiguously:
// not before 1970 and below the seconds/milliseconds threshold.
func representable(t time.Time) bool {
	return t.UnixMilli() >= 0 && t.Unix() < millisThreshold
}

// FuzzEpochMillis checks the integer reading of epoch numbers against the
// floating-point one it shortcuts: wherever epochMillis reads a number, the
// instant is the one strconv.ParseFloat gives.
//
//	go test -run '^$' -fuzz '^FuzzEpochMillis$' -fuzztime 20s ./wire
func FuzzEpochMillis(f *testing.F) {
	for _, seed := range []string{`0`, `1767225600`, `1767225600.1`, `1767225600.25`, `1767225600.999`, `1767225600.9995`,
		`99999999999.999`, `100000000000`, `1767225600250`, `999999999999999`, `1000000000000000`, `1.`, `.5`, `1e3`, `-1`, `01`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, num string) {
		ms, ok := epochMillis(num)
		if !ok {
			return
		}
		var want time.Time
		if f, err := strconv.ParseFloat(num, 64); err != nil {
			t.Fatalf("epochMillis(%q) = %d, but ParseFloat fails: %v", num, ms, err)
		} else if f >= millisThreshold {
			want = time.UnixMilli(int64(f))
		} else {
			want = time.UnixMilli(int64(math.Round(f * 1000)))
		}
		if got := time.UnixMilli(ms); !got.Equal(want) {
			t.Fatalf("epochMillis(%q) = %v, floating point reads %v", num, got, want)
		}
	})
}
