package conformance

import (
	"crypto/sha256"
	"fmt"
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

// requirementsDir is the in-repository copy of the upstream requirements,
// relative to this package's folder (the working directory of its tests).
const requirementsDir = "testdata/requirements"

// sumsDigest is the SHA-256 of requirementsDir/SHA256SUMS, as recorded in
// requirementsDir/UPSTREAM.md.
const sumsDigest = "98a7c5b1fdc0fd6d9d24117e31ca9197de0d7b74e1f70dcead6b6dcf20d62a1e"

// TestRequirementsCopy checks the in-repository copy of the requirements:
// the upstream licence files are there, every suite holds the number of
// requirements upstream has (171 in all), and every file is byte for byte
// the one SHA256SUMS lists, with no file missing or added.
func TestRequirementsCopy(t *testing.T) {
	for _, name := range []string{"LICENSE", "NOTICE", "UPSTREAM.md"} {
		if st, err := os.Stat(filepath.Join(requirementsDir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
	wantCounts := map[string]int{
		"step": 20, "wait": 5, "child": 18, "callback": 19, "invoke": 16,
		"wait_for_condition": 13, "wait_for_callback": 15, "parallel": 22, "map": 20, "plugin": 23,
	}
	total := 0
	for _, s := range AllSuites() {
		reqs, err := LoadSuite(requirementsDir, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != wantCounts[s.Name] {
			t.Errorf("suite %s: %d requirements, want %d", s.Name, len(reqs), wantCounts[s.Name])
		}
		total += len(reqs)
	}
	if total != 171 {
		t.Errorf("%d requirements in all, want 171", total)
	}

	sums, err := os.ReadFile(filepath.Join(requirementsDir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(sums)); got != sumsDigest {
		t.Errorf("SHA256SUMS digest %s, want %s (UPSTREAM.md)", got, sumsDigest)
	}
	listed := map[string]bool{}
	for line := range strings.Lines(string(sums)) {
		sum, name, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", line)
		}
		listed[name] = true
		data, err := os.ReadFile(filepath.Join(requirementsDir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != sum {
			t.Errorf("%s: SHA-256 %s, SHA256SUMS says %s (the copy must stay unchanged)", name, got, sum)
		}
	}
	files, err := filepath.Glob(filepath.Join(requirementsDir, "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel, err := filepath.Rel(requirementsDir, f)
		if err != nil {
			t.Fatal(err)
		}
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("%s: not in SHA256SUMS", rel)
		}
	}
	if len(files) != len(listed) || len(files) != 171 {
		t.Errorf("%d requirement files, %d listed in SHA256SUMS, want 171 each", len(files), len(listed))
	}
}

// TestLoadRequirements loads every requirement file of the copy, so a file
// this loader cannot read is caught here.
func TestLoadRequirements(t *testing.T) {
	for _, s := range AllSuites() {
		reqs, err := LoadSuite(requirementsDir, s.Name)
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
	}
}
