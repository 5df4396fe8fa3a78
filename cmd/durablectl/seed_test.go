package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/lambda/workflow"
	"github.com/acme/durable-lambda-go/wire"
)

// TestRunTheSeedWorkflow runs the main command as the README gives it: the
// seed workflow, built from its package and hosted as its binary.
func TestRunTheSeedWorkflow(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--function", "../../lambda", "--name", "seed-1", `{"message":"hello"}`)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	wantLines(t, stdout,
		`^building \.\./\.\./lambda for the host\.\.\.$`,
		`step "validate" succeeded \(attempt 1\)$`,
		`step "transform" succeeded \(attempt 1\)$`,
		`step "store" succeeded \(attempt 1\)$`,
		`^seed-1  SUCCEEDED  in .* \(1 invocation\)$`,
		`^├─ Step validate +SUCCEEDED +1 attempt `,
		`^├─ Step transform +SUCCEEDED +1 attempt `,
		`^└─ Step store +SUCCEEDED +1 attempt `,
		`^result: \{.*"steps_completed":3.*"status":"completed"\}$`,
	)
}

func TestRunTheSeedWorkflowWithBadInput(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--binary", seedBinary, `{"message":42}`)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", code, exitFailed, stderr, stdout)
	}
	wantLines(t, stdout, `FAILED`, `^error: InvalidInputError: `)
}

// TestSeedHistoryOverHTTPMatchesTheInProcessRunner compares the shape of
// the seed workflow's history (event types, operation ids, names,
// subtypes, parents) served over HTTP with the local runner's. Step
// results differ between runs: they hold the time the step ran.
func TestSeedHistoryOverHTTPMatchesTheInProcessRunner(t *testing.T) {
	w, err := workflow.New(workflow.Config{Store: workflow.LogStore{Logger: slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	input := json.RawMessage(`{"message":"compare me"}`)
	res, err := durabletest.NewLocalRunner(w.Handle).RunUntilComplete(input)
	if err != nil {
		t.Fatal(err)
	}
	h := served(t, seedBinary)
	arn := startExecution(t, h, "", string(input))
	if _, err := h.svc.WaitForExecution(testwait.Context(t), arn); err != nil {
		t.Fatalf("WaitForExecution(%s): %v", arn, err)
	}
	c := localClient(t, h.srv.URL())
	events, err := c.history(t.Context(), arn)
	if err != nil {
		t.Fatal(err)
	}
	local, remote := shape(wireEvents(t, res.Events)), shape(events)
	if !slices.Equal(local, remote) {
		t.Errorf("history shapes differ\nlocal: %v\nhttp:  %v", local, remote)
	}
	if string(res.Status) != string(wire.ExecutionStatusSucceeded) {
		t.Errorf("local runner: %s", res.Status)
	}
}

// shape describes each event by what does not depend on time.
func shape(events []wire.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		id, name := e.Id, e.Name
		if strings.HasPrefix(string(e.EventType), "Execution") {
			id, name = "", "" // the execution's generated id and name
		}
		out[i] = fmt.Sprintf("%s/%s/%s/%s/%s", e.EventType, e.SubType, id, name, e.ParentId)
	}
	return out
}

// TestRunTraceThroughOTLP runs the demo function with --trace: the
// function exports its spans over OTLP/HTTP to durablectl, which prints the
// execution's span tree: one trace across the three invocations, the
// retried step's attempts under the step. Siblings are in start order,
// which mixes the service's virtual clock (operations) with real time
// (invocations), so each sibling is looked for on its own.
func TestRunTraceThroughOTLP(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--binary", demoBinary, "--trace", "--name", "traced-1", `{"name":"ada","wait":30,"flaky":1}`)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	wantLines(t, stdout,
		`^traced-1  SUCCEEDED  in .* \(3 invocations\)$`,
		`^trace [0-9a-f]{32} \(10 spans\)$`,
		`^└─ execution +SUCCEEDED +`,
	)
	for _, p := range []string{
		`^   [├└]─ Step greet +SUCCEEDED +.*\n   [│ ]  └─ attempt 1 +SUCCEEDED `,
		`^   [├└]─ Wait cool-down +SUCCEEDED +30(\.\d+)?s$`,
		`^   [├└]─ Step charge +SUCCEEDED +.*\n   [│ ]  ├─ attempt 1 +FAILED .*gateway unavailable \(attempt 1\)\n   [│ ]  └─ attempt 2 +SUCCEEDED `,
	} {
		wantLines(t, stdout, p)
	}
	invocations := regexp.MustCompile(`(?m)^   [├└]─ invocation +(PENDING|SUCCEEDED) `).FindAllStringSubmatch(stdout, -1)
	var statuses []string
	for _, m := range invocations {
		statuses = append(statuses, m[1])
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []string{"PENDING", "PENDING", "SUCCEEDED"}) {
		t.Errorf("invocation spans %v, want two PENDING and one SUCCEEDED under the execution; output:\n%s", statuses, stdout)
	}
}
