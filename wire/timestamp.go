package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Timestamp is a point in time on the wire.
//
// It encodes as a JSON number of epoch seconds with millisecond precision,
// the form of the REST API. It decodes from a JSON number of epoch seconds
// (fractional allowed), a JSON number of epoch milliseconds (any value of
// 1e11 or more, which as seconds would lie past the year 5000), or an
// RFC 3339 string. A JSON null decodes to the zero Timestamp.
type Timestamp struct {
	time.Time
}

// At returns a Timestamp for t, truncated to milliseconds like the service.
func At(t time.Time) *Timestamp {
	return &Timestamp{Time: t.Truncate(time.Millisecond).UTC()}
}

// millisThreshold separates epoch seconds from epoch milliseconds.
const millisThreshold = 1e11

// MarshalJSON encodes t as epoch seconds. Instants before 1970 or at or
// after 1e11 seconds (past the year 5000) cannot be told apart from
// epoch milliseconds by a reader, so they are an error rather than a
// number that would decode to another instant.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if err := checkRange(t.Time); err != nil {
		return nil, err
	}
	return t.appendJSON(nil), nil
}

// appendJSON appends t in epoch seconds, with milliseconds when there are
// any; t must be in range.
func (t Timestamp) appendJSON(dst []byte) []byte {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(dst, ms/1000, 10)
	}
	return strconv.AppendFloat(dst, float64(ms)/1000, 'f', -1, 64)
}

// UnmarshalJSON accepts epoch seconds, epoch milliseconds and RFC 3339.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = Timestamp{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("wire: timestamp: %w", err)
		}
		parsed, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("wire: timestamp %q is not RFC 3339: %w", s, err)
		}
		if err := checkRange(parsed); err != nil {
			return err
		}
		t.Time = parsed.UTC()
		return nil
	}
	return t.setEpoch(string(b))
}

// setEpoch sets t from a JSON number of epoch seconds or milliseconds.
func (t *Timestamp) setEpoch(num string) error {
	if ms, ok := epochMillis(num); ok {
		t.Time = time.UnixMilli(ms).UTC()
		return nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return fmt.Errorf("wire: timestamp %s is neither epoch seconds, epoch milliseconds nor RFC 3339", num)
	}
	if f >= millisThreshold {
		t.Time = time.UnixMilli(int64(f)).UTC()
		return nil
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}

// epochMillis reads the forms the service and MarshalJSON write without
// floating point: integer epoch milliseconds, or integer epoch seconds
// with at most three fraction digits. For these it gives the instant the
// floating-point reading of setEpoch gives; anything else is not ok.
func epochMillis(num string) (int64, bool) {
	const maxDigits = 15 // below 2^53: exact as a float64 too
	var n int64
	i := 0
	for ; i < len(num) && '0' <= num[i] && num[i] <= '9'; i++ {
		if i == maxDigits {
			return 0, false
		}
		n = n*10 + int64(num[i]-'0')
	}
	switch {
	case i == 0:
		return 0, false
	case n >= millisThreshold:
		return n, i == len(num)
	case i == len(num):
		return n * 1000, true
	case num[i] != '.':
		return 0, false
	}
	ms, scale := n*1000, int64(100)
	i++
	frac := i
	for ; i < len(num) && i-frac < 3 && '0' <= num[i] && num[i] <= '9'; i++ {
		ms += int64(num[i]-'0') * scale
		scale /= 10
	}
	return ms, i > frac && i == len(num)
}

// TimeOf returns the time of ts, or the zero time when ts is nil.
func TimeOf(ts *Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.Time
}

// checkRange reports an instant that epoch seconds cannot carry
// unambiguously.
func checkRange(t time.Time) error {
	if t.Before(time.Unix(0, 0)) || !t.Before(time.Unix(millisThreshold, 0)) {
		return fmt.Errorf("wire: timestamp %s is outside the protocol's range (1970 up to epoch second 1e11)", t.UTC().Format(time.RFC3339))
	}
	return nil
}
