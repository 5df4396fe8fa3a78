package conformance

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sampleRequirement = `---
description: Sample
optional: true
handler: |
  A handler.
invocations: |
  - It runs.
AsyncInvoke: true
Variables:
  NAME: ${GEN_STR:10}
  FIXED: plain
Input:
  who: ${NAME}
  n: 3
ExpectedResult:
  ExecutionStatus: SUCCEEDED
  Result: Hello, ${NAME}!
CallbackActions:
  - CallbackName: ${NAME}
    Operation: SUCCESS
    Payload: ${FIXED}
    Delay: 1.5
  - CallbackName: '*'
    Operation: failure
    Payload:
      ErrorType: RejectedError
      ErrorMessage: not ${FIXED}
ExpectedExecutionHistory:
  - EventType: CallbackStarted
    EventId: 2
    Id: ${ID1}
    Name: ${NAME}
ExpectedLogs:
  - match:
      message: '/for: ${NAME}/'
    count: 1
`

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "step/1-3.yaml", sampleRequirement)
	reqs, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 {
		t.Fatalf("got %d requirements, want 1", len(reqs))
	}
	r := reqs[0]
	name := r.Variables["NAME"]
	if !regexp.MustCompile(`^[A-Za-z0-9]{10}$`).MatchString(name) {
		t.Fatalf("NAME = %q, want 10 alphanumerics", name)
	}
	checks := []struct {
		what string
		got  any
		want any
	}{
		{"id", r.ID, "1-3"},
		{"suite", r.Suite, "step"},
		{"description", r.Description, "Sample"},
		{"optional", r.Optional, true},
		{"async", r.AsyncInvoke, true},
		{"handler", r.Handler, "A handler.\n"},
		{"fixed variable", r.Variables["FIXED"], "plain"},
		{"status", r.Expected.Status, "SUCCEEDED"},
		{"has result", r.Expected.HasResult, true},
		{"result", r.Expected.Result, "Hello, " + name + "!"},
		{"callbacks", len(r.CallbackActions), 2},
		{"callback name", r.CallbackActions[0].CallbackName, name},
		{"callback op lowercased", r.CallbackActions[0].Operation, CallbackSuccess},
		{"callback result", string(r.CallbackActions[0].Result), `"plain"`},
		{"callback delay", r.CallbackActions[0].Delay, 1500 * time.Millisecond},
		{"failure type", r.CallbackActions[1].ErrorType, "RejectedError"},
		{"failure message", r.CallbackActions[1].ErrorMessage, "not plain"},
		{"wildcard callback matches any", r.CallbackActions[1].Matches("whatever"), true},
		{"named callback matches its name only", r.CallbackActions[0].Matches("other"), false},
		{"history kept with placeholders", r.History[0].(map[string]any)["Id"], "${ID1}"},
		{"log pattern substituted", r.Logs[0].Fields["message"], "/for: " + name + "/"},
	}
	for _, c := range checks {
		if !Equal(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	in, ok := r.Input.(map[string]any)
	if !ok || in["who"] != name || !Equal(in["n"], mustJSON(t, "3")) {
		t.Errorf("Input = %#v, want who=%s n=3", r.Input, name)
	}
	// Variables are fresh per load.
	again, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Variables["NAME"] == name {
		t.Errorf("GEN_STR produced the same value twice: %q", name)
	}
}

func TestLoadFileMultiDocument(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "wait/2-9.yaml", "---\ndescription: one\nInput:\n---\ndescription: two\nInput: x\n")
	reqs, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 2 || reqs[0].ID != "2-9.1" || reqs[1].ID != "2-9.2" || reqs[1].Input != "x" || reqs[0].Input != nil {
		t.Fatalf("got %+v", reqs)
	}
	if reqs[0].Expected != nil {
		t.Errorf("no ExpectedResult should give nil Expected")
	}
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"bad yaml", "description: [", "parse"},
		{"bad callback op", "CallbackActions:\n  - CallbackName: a\n    Operation: cancel\n", "Operation"},
		{"callback without name", "CallbackActions:\n  - Operation: success\n", "CallbackName"},
		{"failure payload not a mapping", "CallbackActions:\n  - CallbackName: a\n    Operation: failure\n    Payload: x\n", "mapping"},
		{"log entry without match", "ExpectedLogs:\n  - count: 1\n", "match is required"},
		{"status not a string", "ExpectedResult:\n  ExecutionStatus: [1]\n", "ExecutionStatus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "s/1-1.yaml", tt.content)
			_, err := LoadFile(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadSuiteOrdersByID(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"1-10", "1-2", "1-1"} {
		writeFile(t, dir, "step/"+id+".yaml", "description: d"+id+"\n")
	}
	reqs, err := LoadSuite(dir, "step")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r.ID)
	}
	if got := strings.Join(ids, ","); got != "1-1,1-2,1-10" {
		t.Fatalf("order = %s", got)
	}
	if _, err := LoadSuite(dir, "nosuch"); err == nil {
		t.Fatal("an empty suite must be an error")
	}
}

func TestLessID(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1-2", "1-10", true},
		{"1-10", "1-2", false},
		{"2-1", "10-1", true},
		{"1-2", "1-2.1", true},
		{"1-2.1", "1-2.2", true},
		{"1-1", "1-1", false},
	}
	for _, tt := range tests {
		if got := LessID(tt.a, tt.b); got != tt.want {
			t.Errorf("LessID(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFindRequirementsDir(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "main")
	writeFile(t, repo, "go.mod", "module x\n")
	writeFile(t, repo, "conformance/x.go", "package conformance\n")
	if _, err := FindRequirementsDir(filepath.Join(repo, "conformance")); err == nil {
		t.Fatal("want an error when shared/ is missing")
	}
	writeFile(t, root, "shared/conformance/requirements/step/1-1.yaml", "description: d\n")
	got, err := FindRequirementsDir(filepath.Join(repo, "conformance"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "shared", "conformance", "requirements"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestLoadSharedRequirements loads every requirement file of the shared
// conformance folder, so a file this loader cannot read is caught here.
func TestLoadSharedRequirements(t *testing.T) {
	dir, err := FindRequirementsDir(".")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range AllSuites() {
		reqs, err := LoadSuite(dir, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			if r.Description == "" || len(r.History) == 0 {
				t.Errorf("%s: no description or no expected history", r.ID)
			}
			if !strings.HasPrefix(r.ID, s.Prefix+"-") {
				t.Errorf("%s in suite %s: want ids %s-N", r.ID, s.Name, s.Prefix)
			}
		}
		total += len(reqs)
	}
	if total != 171 {
		t.Errorf("loaded %d requirements, want 171", total)
	}
}
