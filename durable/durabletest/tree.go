package durabletest

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// TreeColumn is a column of FormatTree's output.
type TreeColumn int

// The columns FormatTree can show after each operation's name.
const (
	// ColumnType shows the operation type and subtype, e.g. STEP/Step.
	ColumnType TreeColumn = iota
	// ColumnStatus shows the status.
	ColumnStatus
	// ColumnAttempts shows a step's finished attempts.
	ColumnAttempts
	// ColumnDuration shows end − start (virtual time), or "running".
	ColumnDuration
	// ColumnID shows the wire id.
	ColumnID
)

// DefaultTreeColumns are type, status, attempts and duration.
func DefaultTreeColumns() []TreeColumn {
	return []TreeColumn{ColumnType, ColumnStatus, ColumnAttempts, ColumnDuration}
}

// FormatTree renders the operations as a tree that follows ParentID,
// one line per operation with the chosen columns (DefaultTreeColumns when
// none are given):
//
//	validate  STEP/Step  SUCCEEDED  attempts=1  0s
//	└── ...
func (r *TestResult) FormatTree(columns ...TreeColumn) string {
	var b strings.Builder
	r.WriteTree(&b, columns...)
	return b.String()
}

// WriteTree writes FormatTree's output to w and returns w's first write
// error, as the testing API reference declares it.
func (r *TestResult) WriteTree(w io.Writer, columns ...TreeColumn) error {
	if len(columns) == 0 {
		columns = DefaultTreeColumns()
	}
	children := map[string][]*TestOperation{}
	known := map[string]bool{}
	for i := range r.Operations {
		known[r.Operations[i].ID] = true
	}
	var roots []*TestOperation
	for i := range r.Operations {
		op := &r.Operations[i]
		if op.ParentID != "" && known[op.ParentID] {
			children[op.ParentID] = append(children[op.ParentID], op)
		} else {
			roots = append(roots, op)
		}
	}
	if _, err := fmt.Fprintf(w, "execution %s\n", r.Status); err != nil {
		return err
	}
	var walk func(ops []*TestOperation, prefix string) error
	walk = func(ops []*TestOperation, prefix string) error {
		for i, op := range ops {
			branch, next := "├── ", "│   "
			if i == len(ops)-1 {
				branch, next = "└── ", "    "
			}
			if _, err := fmt.Fprintf(w, "%s%s%s\n", prefix, branch, treeLine(op, columns)); err != nil {
				return err
			}
			if err := walk(children[op.ID], prefix+next); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(roots, "")
}

func treeLine(op *TestOperation, columns []TreeColumn) string {
	name := op.Name
	if name == "" {
		name = "(unnamed)"
	}
	parts := []string{name}
	for _, c := range columns {
		switch c {
		case ColumnType:
			t := op.Type
			if op.SubType != "" {
				t += "/" + op.SubType
			}
			parts = append(parts, t)
		case ColumnStatus:
			parts = append(parts, op.Status)
		case ColumnAttempts:
			if op.StepDetails != nil {
				parts = append(parts, fmt.Sprintf("attempts=%d", op.StepDetails.Attempt))
			}
		case ColumnDuration:
			if op.EndTime.IsZero() {
				parts = append(parts, "running")
			} else {
				parts = append(parts, op.EndTime.Sub(op.StartTime).Round(time.Millisecond).String())
			}
		case ColumnID:
			parts = append(parts, "id="+op.ID)
		}
	}
	return strings.Join(parts, "  ")
}
