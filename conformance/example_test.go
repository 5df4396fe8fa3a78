package conformance_test

import (
	"fmt"

	"github.com/acme/durable-lambda-go/conformance"
)

// A Matcher binds ${NAME} placeholders on first use, so one step's Id must
// be the same in its StepStarted and StepSucceeded events; extra actual
// events and keys are ignored.
func ExampleMatcher_MatchHistory() {
	expected, _ := conformance.DecodeJSON([]byte(`[
		{"EventType": "StepStarted", "EventId": 2, "Id": "${ID1}", "EventTimestamp": "*"},
		{"EventType": "StepSucceeded", "EventId": 3, "Id": "${ID1}",
		 "StepSucceededDetails": {"Result": {"Payload": "\"Hello, ${NAME}!\""}}}
	]`))
	actual, _ := conformance.DecodeJSON([]byte(`[
		{"EventType": "ExecutionStarted", "EventId": 1},
		{"EventType": "StepStarted", "EventId": 2, "Id": "c4ca4238a0b92382", "EventTimestamp": 1767225600},
		{"EventType": "StepSucceeded", "EventId": 3, "Id": "c81e728d9d4c2f63",
		 "StepSucceededDetails": {"Result": {"Payload": "\"Hello, World!\"", "Truncated": false}}}
	]`))
	m := conformance.NewMatcher(map[string]string{"NAME": "World"})
	for _, mismatch := range m.MatchHistory(expected.([]any), actual.([]any)) {
		fmt.Println(mismatch)
	}
	// Output:
	// event 3.Id: ${ID1} is "c4ca4238a0b92382", got "c81e728d9d4c2f63"
}

// A Report prints one line per requirement and the closing count.
func ExampleReport() {
	var r conformance.Report
	r.Add(conformance.Outcome{ID: "2-1", Description: "Wait basic", Verdict: conformance.Pass})
	r.Add(conformance.Outcome{ID: "2-2", Verdict: conformance.Fail, Mismatches: []string{"event 2.Name: missing"}})
	r.Add(conformance.Outcome{ID: "10-1", Verdict: conformance.Skip, Reason: "plugins not implemented"})
	fmt.Println(r.Summary())
	for _, o := range r.Outcomes {
		fmt.Println(o.Line())
	}
	// Output:
	// conformance: 1 passed, 1 failed, 1 skipped
	// PASS 2-1 Wait basic
	// FAIL 2-2 event 2.Name: missing
	// SKIP 10-1 plugins not implemented
}
