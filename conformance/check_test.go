package conformance

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestCheckResult(t *testing.T) {
	tests := []struct {
		name     string
		expected *ExpectedResult
		status   string
		result   *string
		wantErr  string
	}{
		{"no expectation", nil, "FAILED", nil, ""},
		{"status only", &ExpectedResult{Status: "FAILED"}, "FAILED", nil, ""},
		{"status differs", &ExpectedResult{Status: "SUCCEEDED"}, "FAILED", nil, "status: expected SUCCEEDED, got FAILED"},
		{"result decoded", &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: "Hello"}, "SUCCEEDED", ptr(`"Hello"`), ""},
		{"result differs", &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: "Hello"}, "SUCCEEDED", ptr(`"Bye"`), `result: expected "Hello", got "Bye"`},
		{"object result", &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: mustJSON(t, `{"a":[1,2]}`)}, "SUCCEEDED", ptr(`{"a":[1,2.0]}`), ""},
		{"object result differs", &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: mustJSON(t, `{"a":[1,2]}`)}, "SUCCEEDED", ptr(`{"a":[1,2],"b":0}`), "result: expected"},
		{"null result expected and absent", &ExpectedResult{Status: "SUCCEEDED", HasResult: true}, "SUCCEEDED", nil, ""},
		{"null result expected and JSON null", &ExpectedResult{Status: "SUCCEEDED", HasResult: true}, "SUCCEEDED", ptr(`null`), ""},
		{"null result expected, value given", &ExpectedResult{Status: "SUCCEEDED", HasResult: true}, "SUCCEEDED", ptr(`"x"`), "result: expected null"},
		{"non-JSON result compares as string", &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: "HELLO CHILD"}, "SUCCEEDED", ptr(`HELLO CHILD`), ""},
		{"wildcards are not special in results", &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: "*"}, "SUCCEEDED", ptr(`"x"`), "result: expected"},
		{"result unchecked when not expected", &ExpectedResult{Status: "SUCCEEDED"}, "SUCCEEDED", ptr(`"x"`), ""},
		{"result unchecked on failure", &ExpectedResult{Status: "FAILED", HasResult: true, Result: "x"}, "FAILED", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Requirement{Expected: tt.expected}
			errs := r.CheckResult(tt.status, tt.result)
			wantMismatch(t, errs, tt.wantErr)
		})
	}
}

func TestCheckCombinesHistoryResultAndLogs(t *testing.T) {
	r := &Requirement{
		Variables: map[string]string{"IN": "abc"},
		Expected:  &ExpectedResult{Status: "SUCCEEDED", HasResult: true, Result: "abc"},
		History:   mustJSON(t, `[{"EventId": 2, "Name": "${IN}"}]`).([]any),
		Logs:      []LogExpectation{{Fields: map[string]string{"message": "/abc/"}, Count: ptr(1)}},
	}
	good := Execution{
		Status:  "SUCCEEDED",
		Result:  ptr(`"abc"`),
		History: mustJSON(t, `[{"EventId": 1}, {"EventId": 2, "Name": "abc"}]`).([]any),
		Logs:    []LogRecord{{"message": "got abc"}},
	}
	if errs := r.Check(good); len(errs) != 0 {
		t.Fatalf("want a pass, got %q", errs)
	}
	bad := Execution{
		Status:  "SUCCEEDED",
		Result:  ptr(`"abd"`),
		History: mustJSON(t, `[{"EventId": 2, "Name": "abd"}]`).([]any),
		Logs:    nil,
	}
	errs := r.Check(bad)
	if len(errs) != 3 || !strings.HasPrefix(errs[0], "event 2.Name") || !strings.HasPrefix(errs[1], "result:") || !strings.HasPrefix(errs[2], "logs[0]") {
		t.Fatalf("want history, result and log mismatches in that order, got %q", errs)
	}
}

func TestCheckLogs(t *testing.T) {
	records := []LogRecord{
		{"message": "Greeting step started for: abc", "level": "INFO", "operationName": "greet"},
		{"message": "Greeting step completed with: Hello, abc!", "level": "INFO"},
		{"message": "abc again", "level": "WARN"},
	}
	tests := []struct {
		name    string
		le      LogExpectation
		wantErr string
	}{
		{"regex count", LogExpectation{Fields: map[string]string{"message": "/abc/"}, Count: ptr(3)}, ""},
		{"regex count differs", LogExpectation{Fields: map[string]string{"message": "/abc/"}, Count: ptr(2)}, "expected 2 lines, got 3"},
		{"regex special chars", LogExpectation{Fields: map[string]string{"message": `/Hello, abc!/`}, Count: ptr(1)}, ""},
		{"absence", LogExpectation{Fields: map[string]string{"message": `/\[ERROR\]/`}, Count: ptr(0)}, ""},
		{"absence violated", LogExpectation{Fields: map[string]string{"message": `/again/`}, Count: ptr(0)}, "expected 0 lines, got 1"},
		{"exact value", LogExpectation{Fields: map[string]string{"level": "WARN"}, Count: ptr(1)}, ""},
		{"exact value is not a substring match", LogExpectation{Fields: map[string]string{"level": "WAR"}}, "expected at least one line, got none"},
		{"all fields must match", LogExpectation{Fields: map[string]string{"message": "/abc/", "operationName": "greet"}, Count: ptr(1)}, ""},
		{"missing field never matches", LogExpectation{Fields: map[string]string{"message": "/abc/", "nope": "/.*/"}, Count: ptr(1)}, "expected 1 lines, got 0"},
		{"min count", LogExpectation{Fields: map[string]string{"message": "/abc/"}, MinCount: ptr(4)}, "at least 4"},
		{"max count", LogExpectation{Fields: map[string]string{"message": "/abc/"}, MaxCount: ptr(2)}, "at most 2"},
		{"default needs one", LogExpectation{Fields: map[string]string{"message": "/zzz/"}}, "at least one"},
		{"bad regex", LogExpectation{Fields: map[string]string{"message": "/(/"}}, "bad regular expression"},
		{"after a line before it", LogExpectation{Fields: map[string]string{"level": "WARN"}, After: []map[string]string{{"message": "/started/"}}}, ""},
		{"after a line that comes later", LogExpectation{Fields: map[string]string{"message": "/started/"}, After: []map[string]string{{"level": "WARN"}}}, "does not come after a line {level=WARN}"},
		{"after a line that never comes", LogExpectation{Fields: map[string]string{"level": "WARN"}, After: []map[string]string{{"message": "/nope/"}}}, "does not come after"},
		{"every after entry counts", LogExpectation{Fields: map[string]string{"level": "WARN"}, After: []map[string]string{{"message": "/started/"}, {"message": "/again/"}}}, "does not come after a line {message=/again/}"},
		{"bound placeholder", LogExpectation{Fields: map[string]string{"operationName": "${NAME}"}, Count: ptr(1)}, ""},
		{"unbound placeholder never matches", LogExpectation{Fields: map[string]string{"operationName": "${OTHER}"}}, "expected at least one line, got none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Requirement{Logs: []LogExpectation{tt.le}}
			errs := r.CheckLogs(records, map[string]string{"NAME": "greet"})
			wantMismatch(t, errs, tt.wantErr)
		})
	}
}

func TestLogRecorder(t *testing.T) {
	rec := NewLogRecorder()
	log := slog.New(rec).With("executionArn", "arn:x").WithGroup("op").With("id", "1")
	log.Debug("first", "attempt", 2, slog.Group("g", "k", "v"))
	slog.New(rec).ErrorContext(context.Background(), "second")
	got := rec.Records()
	if len(got) != 2 {
		t.Fatalf("got %d records, want 2", len(got))
	}
	want := LogRecord{"message": "first", "level": "DEBUG", "executionArn": "arn:x", "op.id": "1", "op.attempt": "2", "op.g.k": "v"}
	if len(got[0]) != len(want) {
		t.Errorf("record = %v, want %v", got[0], want)
	}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("record[%s] = %q, want %q (record %v)", k, got[0][k], v, got[0])
		}
	}
	if got[1]["message"] != "second" || got[1]["level"] != "ERROR" {
		t.Errorf("second record = %v", got[1])
	}
}

func TestReport(t *testing.T) {
	var r Report
	r.Add(Outcome{ID: "1-1", Description: "Step basic", Verdict: Pass})
	r.Add(Outcome{ID: "1-2", Verdict: Fail, Mismatches: []string{"a", "b", "c", "d", "e"}})
	r.Add(Outcome{ID: "1-3", Verdict: Fail})
	r.Add(Outcome{ID: "10-1", Verdict: Skip, Reason: "suite not covered yet: plugins"})
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	want := "PASS 1-1 Step basic\n" +
		"FAIL 1-2 a; b; c (+2 more)\n" +
		"FAIL 1-3 failed without a recorded mismatch\n" +
		"SKIP 10-1 suite not covered yet: plugins\n" +
		"conformance: 1 passed, 2 failed, 1 skipped\n"
	if buf.String() != want {
		t.Fatalf("report =\n%s\nwant\n%s", buf.String(), want)
	}
}
