package conformance

import (
	"fmt"
	"io"
	"strings"
)

// Verdict is the result of one requirement.
type Verdict string

// The verdicts a requirement can get.
const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Skip Verdict = "SKIP"
)

// MaxShownMismatches is how many mismatches a FAIL line shows.
const MaxShownMismatches = 3

// Outcome is the verdict on one requirement.
type Outcome struct {
	ID          string
	Description string
	Verdict     Verdict
	// Mismatches explain a failure, most important first.
	Mismatches []string
	// Reason explains a skip.
	Reason string
}

// Line renders the outcome as one report line:
// "PASS <id> <description>", "FAIL <id> <first mismatches>" or
// "SKIP <id> <reason>".
func (o Outcome) Line() string {
	switch o.Verdict {
	case Pass:
		return fmt.Sprintf("PASS %s %s", o.ID, o.Description)
	case Skip:
		return fmt.Sprintf("SKIP %s %s", o.ID, o.Reason)
	default:
		shown := o.Mismatches
		more := ""
		if len(shown) > MaxShownMismatches {
			more = fmt.Sprintf(" (+%d more)", len(shown)-MaxShownMismatches)
			shown = shown[:MaxShownMismatches]
		}
		if len(shown) == 0 {
			shown = []string{"failed without a recorded mismatch"}
		}
		return fmt.Sprintf("FAIL %s %s%s", o.ID, strings.Join(shown, "; "), more)
	}
}

// Report collects outcomes and counts them.
type Report struct {
	Outcomes []Outcome
}

// Add records an outcome.
func (r *Report) Add(o Outcome) { r.Outcomes = append(r.Outcomes, o) }

// Counts returns the number of passed, failed and skipped requirements.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, o := range r.Outcomes {
		switch o.Verdict {
		case Pass:
			passed++
		case Fail:
			failed++
		case Skip:
			skipped++
		}
	}
	return passed, failed, skipped
}

// Summary is the closing line: "conformance: N passed, M failed, K skipped".
func (r *Report) Summary() string {
	p, f, s := r.Counts()
	return fmt.Sprintf("conformance: %d passed, %d failed, %d skipped", p, f, s)
}

// Write prints one line per outcome, then the summary.
func (r *Report) Write(w io.Writer) error {
	for _, o := range r.Outcomes {
		if _, err := fmt.Fprintln(w, o.Line()); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}
