package conformance

import "fmt"

// Execution is what a run of a requirement's handler produced, in the terms
// the requirement is checked against.
type Execution struct {
	// Status is the execution's final status (SUCCEEDED, FAILED, TIMED_OUT,
	// STOPPED) or its current one (e.g. RUNNING) when it was left suspended.
	Status string
	// Result is the execution's result as JSON text; nil when there is none.
	Result *string
	// History is the execution's history in the generic JSON form of
	// [ToEvents].
	History []any
	// Logs are the log records the handler emitted.
	Logs []LogRecord
	// Sent are the callback actions delivered during the run, in order;
	// [Requirement.CheckStrict] needs them.
	Sent []SentAction
}

// NewMatcher returns a Matcher with the requirement's variables bound.
func (r *Requirement) NewMatcher() *Matcher { return NewMatcher(r.Variables) }

// Check returns every mismatch between the requirement and the execution:
// history first (binding placeholders), then status and result, then logs
// (with the placeholders the history bound).
// An empty result means the requirement passed.
func (r *Requirement) Check(ex Execution) []string {
	m := r.NewMatcher()
	var errs []string
	errs = append(errs, m.MatchHistory(r.History, ex.History)...)
	errs = append(errs, r.CheckResult(ex.Status, ex.Result)...)
	errs = append(errs, r.CheckLogs(ex.Logs, m.stringBindings())...)
	return errs
}

// CheckResult compares the final status and, when the execution succeeded
// and a result is expected, the JSON-decoded result (a result that is not
// JSON is compared as a string). The comparison is plain equality after
// variable substitution, as the reference validator does.
func (r *Requirement) CheckResult(status string, result *string) []string {
	if r.Expected == nil {
		return nil
	}
	if r.Expected.Status != "" && status != r.Expected.Status {
		return []string{fmt.Sprintf("status: expected %s, got %s", r.Expected.Status, status)}
	}
	if status != "SUCCEEDED" || !r.Expected.HasResult {
		return nil
	}
	var actual any
	if result != nil {
		v, err := DecodeJSON([]byte(*result))
		if err != nil {
			actual = *result
		} else {
			actual = v
		}
	}
	if !Equal(r.Expected.Result, actual) {
		return []string{fmt.Sprintf("result: expected %s, got %s", show(r.Expected.Result), show(actual))}
	}
	return nil
}
