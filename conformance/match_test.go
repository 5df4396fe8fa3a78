package conformance

import (
	"strings"
	"testing"
)

// mustJSON decodes JSON text into the matcher's generic form.
func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func TestMatchRules(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		expected string
		actual   string
		wantErr  string // "" means a match; otherwise a substring of the first mismatch
	}{
		{"empty object is don't care", nil, `{}`, `{"a": 1}`, ""},
		{"empty object is don't care for scalars", nil, `{"a": {}}`, `{"a": "x"}`, ""},
		{"empty object still needs the key", nil, `{"a": {}}`, `{"b": 1}`, "a: missing"},
		{"wildcard accepts anything", nil, `{"a": "*"}`, `{"a": [1, 2]}`, ""},
		{"wildcard still needs the key", nil, `{"a": "*"}`, `{}`, "a: missing"},
		{"only expected keys are checked", nil, `{"a": 1}`, `{"a": 1, "b": 2}`, ""},
		{"missing key fails", nil, `{"a": 1, "c": 3}`, `{"a": 1}`, "c: missing"},
		{"literal string equal", nil, `{"a": "x"}`, `{"a": "x"}`, ""},
		{"literal string differs", nil, `{"a": "x"}`, `{"a": "y"}`, `expected "x", got "y"`},
		{"number equal by value", nil, `{"a": 2}`, `{"a": 2.0}`, ""},
		{"number differs", nil, `{"a": 2}`, `{"a": 3}`, "expected 2, got 3"},
		{"number is not a string", nil, `{"a": 2}`, `{"a": "2"}`, `expected 2, got "2"`},
		{"bool differs", nil, `{"a": false}`, `{"a": true}`, "expected false, got true"},
		{"null equal", nil, `{"a": null}`, `{"a": null}`, ""},
		{"null differs", nil, `{"a": null}`, `{"a": 0}`, "expected null, got 0"},
		{"nested objects recurse", nil, `{"a": {"b": {"c": 1}}}`, `{"a": {"b": {"c": 2, "d": 0}}}`, "a.b.c: expected 1, got 2"},
		{"object against scalar", nil, `{"a": {"b": 1}}`, `{"a": 5}`, "expected an object"},
		{"lists element by element", nil, `[1, "*", {}]`, `[1, "x", {"y": 1}]`, ""},
		{"list element differs", nil, `[1, 2]`, `[1, 3]`, "[1]: expected 2, got 3"},
		{"lists must have the same length", nil, `[1]`, `[1, 2]`, "expected 1 elements, got 2"},
		{"list against scalar", nil, `[1]`, `1`, "expected a list"},
		{"regex matches", nil, `{"a": "${/^[0-5]$/}"}`, `{"a": 3}`, ""},
		{"regex fails", nil, `{"a": "${/^[0-5]$/}"}`, `{"a": 7}`, "does not match"},
		{"regex is a search, not a full match", nil, `{"a": "${/.*TransientError$/}"}`, `{"a": "pkg.TransientError"}`, ""},
		{"regex on string fails", nil, `{"a": "${/.*TransientError$/}"}`, `{"a": "TransientErrorX"}`, "does not match"},
		{"regex is not a placeholder", nil, `{"a": "${/x/}", "b": "${/x/}"}`, `{"a": "x", "b": "xx"}`, ""},
		{"placeholder binds then must agree", nil, `[{"Id": "${ID1}"}, {"Id": "${ID1}"}]`, `[{"Id": "abc"}, {"Id": "abc"}]`, ""},
		{"placeholder disagreement fails", nil, `[{"Id": "${ID1}"}, {"Id": "${ID1}"}]`, `[{"Id": "abc"}, {"Id": "def"}]`, `${ID1} is "abc", got "def"`},
		{"two placeholders bind independently", nil, `["${A}", "${B}"]`, `["x", "y"]`, ""},
		{"placeholder binds structures", nil, `["${A}", "${A}"]`, `[{"k": [1]}, {"k": [1]}]`, ""},
		{"placeholder structure disagreement", nil, `["${A}", "${A}"]`, `[{"k": [1]}, {"k": [2]}]`, "${A} is"},
		{"placeholder needs the key", nil, `{"Name": "${NAME1}"}`, `{}`, "Name: missing"},
		{"variable is prebound", map[string]string{"V": "abc"}, `{"a": "${V}"}`, `{"a": "abc"}`, ""},
		{"variable mismatch fails", map[string]string{"V": "abc"}, `{"a": "${V}"}`, `{"a": "abd"}`, `${V} is "abc"`},
		{"variable substituted in literal", map[string]string{"V": "abc"}, `{"a": "\"${V}\""}`, `{"a": "\"abc\""}`, ""},
		{"substituted literal differs", map[string]string{"V": "abc"}, `{"a": "Hello, ${V}!"}`, `{"a": "Hello, abd!"}`, `expected "Hello, abc!"`},
		{"variable substituted in regex", map[string]string{"V": "abc"}, `{"a": "${/^x-${V}$/}"}`, `{"a": "x-abc"}`, ""},
		{"substituted regex fails", map[string]string{"V": "abc"}, `{"a": "${/^x-${V}$/}"}`, `{"a": "x-abd"}`, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := NewMatcher(tt.vars).Match("v", mustJSON(t, tt.expected), mustJSON(t, tt.actual))
			wantMismatch(t, errs, tt.wantErr)
		})
	}
}

func TestMatchHistoryByEventID(t *testing.T) {
	actual := mustJSON(t, `[
		{"EventType": "ExecutionStarted", "EventId": 1},
		{"EventType": "StepStarted", "EventId": 2, "Id": "s1", "SubType": "Step"},
		{"EventType": "StepSucceeded", "EventId": 3, "Id": "s1", "SubType": "Step"},
		{"EventType": "InvocationCompleted", "EventId": 4},
		{"EventType": "ExecutionSucceeded", "EventId": 5}
	]`).([]any)
	tests := []struct {
		name     string
		expected string
		wantErr  string
	}{
		{"matches by EventId, extra actual events ignored", `[
			{"EventType": "StepStarted", "EventId": 2, "Id": "${ID1}"},
			{"EventType": "StepSucceeded", "EventId": 3, "Id": "${ID1}"},
			{"EventType": "InvocationCompleted", "EventId": 4}]`, ""},
		{"order of expected events does not matter", `[
			{"EventType": "InvocationCompleted", "EventId": 4},
			{"EventType": "StepStarted", "EventId": 2}]`, ""},
		{"event type at the EventId differs", `[
			{"EventType": "StepSucceeded", "EventId": 2}]`, `event 2.EventType: expected "StepSucceeded", got "StepStarted"`},
		{"no event with the EventId", `[
			{"EventType": "InvocationCompleted", "EventId": 9}]`, "event 9 (InvocationCompleted): no such event"},
		{"expected event without EventId", `[{"EventType": "StepStarted"}]`, "has no EventId"},
		{"binding spans events", `[
			{"EventType": "StepStarted", "EventId": 2, "Id": "${ID1}"},
			{"EventType": "StepSucceeded", "EventId": 3, "Id": "${ID1}"},
			{"EventType": "ExecutionSucceeded", "EventId": 5, "Id": "${ID1}"}]`, "event 5.Id: missing"},
		{"two names may not be forced equal", `[
			{"EventId": 2, "Id": "${ID1}"},
			{"EventId": 3, "SubType": "${ID1}"}]`, `${ID1} is "s1", got "Step"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := mustJSON(t, tt.expected).([]any)
			errs := NewMatcher(nil).MatchHistory(exp, actual)
			wantMismatch(t, errs, tt.wantErr)
		})
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`1`, `1.0`, true},
		{`1`, `2`, false},
		{`"1"`, `1`, false},
		{`null`, `null`, true},
		{`null`, `"null"`, false},
		{`{"a":[1,{"b":true}]}`, `{"a":[1,{"b":true}]}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1,"b":2}`, `{"a":1}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`[]`, `[]`, true},
		{`[]`, `{}`, false},
	}
	for _, tt := range tests {
		if got := Equal(mustJSON(t, tt.a), mustJSON(t, tt.b)); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// wantMismatch checks a matcher's mismatches: none when want is empty,
// otherwise a first mismatch containing want.
func wantMismatch(t *testing.T, errs []string, want string) {
	t.Helper()
	if want == "" {
		if len(errs) != 0 {
			t.Fatalf("want no mismatch, got %q", errs)
		}
		return
	}
	if len(errs) == 0 || !strings.Contains(errs[0], want) {
		t.Fatalf("want a mismatch containing %q, got %q", want, errs)
	}
}
