package wire

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimestampDecodesEveryForm(t *testing.T) {
	want := time.Date(2026, 1, 1, 0, 0, 0, 250_000_000, time.UTC)
	tests := []struct {
		name string
		in   string
	}{
		{"epoch seconds", `1767225600.25`},
		{"epoch milliseconds", `1767225600250`},
		{"rfc3339", `"2026-01-01T00:00:00.25Z"`},
		{"rfc3339 with offset", `"2026-01-01T01:00:00.250+01:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ts Timestamp
			if err := json.Unmarshal([]byte(tt.in), &ts); err != nil {
				t.Fatal(err)
			}
			if !ts.Equal(want) {
				t.Fatalf("got %v, want %v", ts.Time, want)
			}
		})
	}
}

func TestTimestampRejectsGarbage(t *testing.T) {
	for _, in := range []string{`"yesterday"`, `true`, `-5`, `{}`} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(in), &ts); err == nil {
			t.Errorf("%s: decoded to %v, want an error", in, ts.Time)
		}
	}
}

func TestTimestampEncodesEpochSeconds(t *testing.T) {
	b, err := json.Marshal(At(time.UnixMilli(1767225600250)))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "1767225600.25" {
		t.Fatalf("got %s", b)
	}
	b, _ = json.Marshal(At(time.Unix(1767225600, 0)))
	if string(b) != "1767225600" {
		t.Fatalf("got %s", b)
	}
}

func TestStackTraceAcceptsStringOrList(t *testing.T) {
	var e ErrorObject
	if err := json.Unmarshal([]byte(`{"StackTrace":"a\nb"}`), &e); err != nil || len(e.StackTrace) != 2 {
		t.Fatalf("string form: %v %v", e.StackTrace, err)
	}
	if err := json.Unmarshal([]byte(`{"StackTrace":["a","b","c"]}`), &e); err != nil || len(e.StackTrace) != 3 {
		t.Fatalf("list form: %v %v", e.StackTrace, err)
	}
}

func TestExecutionARNRoundTrip(t *testing.T) {
	s := "arn:aws:lambda:us-east-1:111122223333:function:orders:7/durable-execution/order-42/0b7e4c1e"
	a, err := ParseExecutionARN(s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Function != "orders" || a.Qualifier != "7" || a.Name != "order-42" || a.ID != "0b7e4c1e" {
		t.Fatalf("parsed %+v", a)
	}
	if a.String() != s {
		t.Fatalf("String() = %s", a.String())
	}
	for _, bad := range []string{"", "arn:aws:lambda:us-east-1:1:function:orders", "arn:aws:lambda:r:a:function:f/durable-execution/n", "arn:aws:s3:r:a:function:f:1/durable-execution/n/i"} {
		if _, err := ParseExecutionARN(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestAPIErrorInvalidTokenIsCaseInsensitive(t *testing.T) {
	for _, msg := range []string{"Invalid checkpoint token", "Invalid Checkpoint Token: superseded"} {
		if !NewAPIError(ErrCodeInvalidParameterValue, "%s", msg).IsInvalidCheckpointToken() {
			t.Errorf("%q not recognised", msg)
		}
	}
	if NewAPIError(ErrCodeInvalidParameterValue, "STEP output payload too large").IsInvalidCheckpointToken() {
		t.Error("validation error taken for a token error")
	}
}
