package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
	"github.com/acme/durable-lambda-go/wire"
)

// writeTree prints the execution headline, its operation tree with
// statuses, attempts and durations, and its result or error.
func writeTree(w io.Writer, exec wire.Execution, events []wire.Event) {
	tl := timeline.Build(events)
	start, end := wire.TimeOf(exec.StartTimestamp), wire.TimeOf(exec.EndTimestamp)
	dur := "running"
	if !end.IsZero() {
		dur = "in " + timeline.FormatDuration(end.Sub(start))
	}
	invs := fmt.Sprintf("%d invocation%s", len(tl.Invocations), plural(len(tl.Invocations)))
	if failed := tl.FailedInvocations(); failed > 0 {
		invs += fmt.Sprintf(", %d failed", failed)
	}
	fmt.Fprintf(w, "%s  %s  %s (%s)\n", exec.DurableExecutionName, exec.Status, dur, invs)
	writeNodes(w, tl.Roots)
	switch {
	case exec.Result != nil:
		fmt.Fprintf(w, "result: %s\n", *exec.Result)
	case exec.Error != nil:
		fmt.Fprintf(w, "error: %s\n", timeline.ErrorText(exec.Error))
		writeStack(w, "", exec.Error.StackTrace)
	}
}

// writeNodes prints operations as a tree: label, status, attempts,
// duration and error, in aligned columns.
func writeNodes(w io.Writer, roots []*timeline.Operation) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var walk func(nodes []*timeline.Operation, prefix string)
	walk = func(nodes []*timeline.Operation, prefix string) {
		for i, n := range nodes {
			branch, next := "├─ ", "│  "
			if i == len(nodes)-1 {
				branch, next = "└─ ", "   "
			}
			label := n.Kind
			if n.Name != "" {
				label += " " + n.Name
			}
			attempts := ""
			if n.Attempt > 0 {
				attempts = fmt.Sprintf("%d attempt%s", n.Attempt, plural(n.Attempt))
			}
			d := ""
			if !n.Open() {
				d = timeline.FormatDuration(n.End.Sub(n.Start))
			}
			line := fmt.Sprintf("%s%s%s\t%s\t%s\t%s", prefix, branch, label, n.Status, attempts, d)
			if n.Err != nil {
				line += "\t" + timeline.ErrorText(n.Err)
			}
			fmt.Fprintln(tw, line)
			walk(n.Children, prefix+next)
		}
	}
	walk(roots, "")
	_ = tw.Flush()
}

// writeStack prints a recorded stack trace, one "  at frame" line each
// after indent.
func writeStack(w io.Writer, indent string, trace []string) {
	for _, frame := range trace {
		fmt.Fprintf(w, "%s  at %s\n", indent, frame)
	}
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
