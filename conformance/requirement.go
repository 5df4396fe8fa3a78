package conformance

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Requirement is one conformance requirement, loaded from a YAML document
// with its Variables resolved and substituted.
type Requirement struct {
	// ID is the requirement id, the file name without ".yaml" (e.g. "1-11").
	// A file holding several YAML documents yields ids "<stem>.1", "<stem>.2", ...
	ID string
	// Suite is the folder the file lives in (e.g. "step").
	Suite string
	// Path is the file the requirement was read from.
	Path string
	// Description is the one-line summary.
	Description string
	// Handler and Invocations are the prose the Go handler is written from.
	Handler, Invocations string
	// Optional marks a requirement an SDK may declare as not implemented.
	Optional bool
	// AsyncInvoke says the execution suspends and must be driven to completion.
	AsyncInvoke bool
	// Variables are the resolved values of the requirement's Variables.
	Variables map[string]string
	// Input is the execution's input as a JSON value (nil means JSON null).
	Input any
	// Expected is the expected final status and result; nil when the
	// requirement only checks history.
	Expected *ExpectedResult
	// History is the expected history, still holding its ${NAME} placeholders;
	// variables are bound when a Matcher is created for the requirement.
	History []any
	// Logs are the expected log lines, variables substituted.
	Logs []LogExpectation
	// CallbackActions are what the external system does once a callback with
	// the given name exists, variables substituted.
	CallbackActions []CallbackAction
}

// ExpectedResult is the expected end of an execution.
type ExpectedResult struct {
	// Status is SUCCEEDED, FAILED, TIMED_OUT or STOPPED; empty means unchecked.
	Status string
	// HasResult tells whether Result is checked. It is only checked when the
	// execution succeeded, as the reference validator does.
	HasResult bool
	// Result is the expected decoded result as a JSON value.
	Result any
}

// Callback action operations.
const (
	CallbackSuccess   = "success"
	CallbackFailure   = "failure"
	CallbackHeartbeat = "heartbeat"
)

// CallbackAction is what the external system sends for a callback.
type CallbackAction struct {
	// CallbackName is the callback's operation name, or "*" for any callback.
	CallbackName string
	// Operation is CallbackSuccess, CallbackFailure or CallbackHeartbeat.
	Operation string
	// Result is the success result as JSON text, encoded as the reference
	// validator's external system encodes it; nil when the action has none.
	Result []byte
	// ErrorType and ErrorMessage describe a failure.
	ErrorType, ErrorMessage string
	// Delay is how long after the callback exists the action is sent.
	Delay time.Duration
}

// Matches reports whether the action applies to a callback with this name.
func (a CallbackAction) Matches(name string) bool {
	return a.CallbackName == "*" || a.CallbackName == name
}

// rawRequirement is the YAML shape of one requirement document.
type rawRequirement struct {
	Description              string                  `yaml:"description"`
	Handler                  string                  `yaml:"handler"`
	Invocations              string                  `yaml:"invocations"`
	Optional                 bool                    `yaml:"optional"`
	AsyncInvoke              bool                    `yaml:"AsyncInvoke"`
	Variables                map[string]string       `yaml:"Variables"`
	Input                    any                     `yaml:"Input"`
	ExpectedResult           map[string]any          `yaml:"ExpectedResult"`
	ExpectedExecutionHistory []any                   `yaml:"ExpectedExecutionHistory"`
	ExpectedLogs             []rawLogExpectation     `yaml:"ExpectedLogs"`
	CallbackActions          []rawCallbackActionYAML `yaml:"CallbackActions"`
}

type rawCallbackActionYAML struct {
	CallbackName string    `yaml:"CallbackName"`
	Operation    string    `yaml:"Operation"`
	Payload      yaml.Node `yaml:"Payload"`
	Delay        float64   `yaml:"Delay"`
}

type rawLogExpectation struct {
	Match    map[string]any   `yaml:"match"`
	Count    *int             `yaml:"count"`
	MinCount *int             `yaml:"min_count"`
	MaxCount *int             `yaml:"max_count"`
	After    []map[string]any `yaml:"after"`
}

// Suite is one folder of requirements.
type Suite struct {
	// Name is the folder name (e.g. "wait_for_callback").
	Name string
	// Prefix is the first part of its requirement ids (e.g. "7" for 7-1 … 7-15).
	Prefix string
}

// AllSuites returns the requirement suites in id order.
func AllSuites() []Suite {
	return []Suite{
		{"step", "1"}, {"wait", "2"}, {"child", "3"}, {"callback", "4"}, {"invoke", "5"},
		{"wait_for_condition", "6"}, {"wait_for_callback", "7"}, {"parallel", "8"}, {"map", "9"},
		{"plugin", "10"},
	}
}

// LoadSuite loads every requirement of one suite folder, ordered by id
// (1-2 before 1-10).
func LoadSuite(requirementsDir, suite string) ([]*Requirement, error) {
	files, err := filepath.Glob(filepath.Join(requirementsDir, suite, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("conformance: list suite %q: %w", suite, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("conformance: suite %q: no requirement files in %s", suite, filepath.Join(requirementsDir, suite))
	}
	var reqs []*Requirement
	for _, f := range files {
		rs, err := LoadFile(f)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, rs...)
	}
	sort.SliceStable(reqs, func(i, j int) bool { return LessID(reqs[i].ID, reqs[j].ID) })
	return reqs, nil
}

// LoadFile loads the requirements of one YAML file; a file may hold several
// documents separated by "---".
func LoadFile(path string) ([]*Requirement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	suite := filepath.Base(filepath.Dir(path))
	var raws []rawRequirement
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var raw rawRequirement
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("conformance: parse %s: %w", path, err)
		}
		raws = append(raws, raw)
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("conformance: %s holds no requirement", path)
	}
	reqs := make([]*Requirement, 0, len(raws))
	for i, raw := range raws {
		id := stem
		if len(raws) > 1 {
			id = fmt.Sprintf("%s.%d", stem, i+1)
		}
		r, err := buildRequirement(raw)
		if err != nil {
			return nil, fmt.Errorf("conformance: %s (%s): %w", path, id, err)
		}
		r.ID, r.Suite, r.Path = id, suite, path
		reqs = append(reqs, r)
	}
	return reqs, nil
}

func buildRequirement(raw rawRequirement) (*Requirement, error) {
	vars, err := resolveVariables(raw.Variables)
	if err != nil {
		return nil, err
	}
	r := &Requirement{
		Description: raw.Description,
		Handler:     raw.Handler,
		Invocations: raw.Invocations,
		Optional:    raw.Optional,
		AsyncInvoke: raw.AsyncInvoke,
		Variables:   vars,
	}
	if r.Input, err = toJSONValue(substituteVars(raw.Input, vars)); err != nil {
		return nil, fmt.Errorf("Input: %w", err)
	}
	if raw.ExpectedResult != nil {
		exp := &ExpectedResult{}
		if s, ok := raw.ExpectedResult["ExecutionStatus"]; ok {
			if exp.Status, ok = s.(string); !ok {
				return nil, fmt.Errorf("ExpectedResult.ExecutionStatus: want a string, got %T", s)
			}
		}
		if res, ok := raw.ExpectedResult["Result"]; ok {
			exp.HasResult = true
			if exp.Result, err = toJSONValue(substituteVars(res, vars)); err != nil {
				return nil, fmt.Errorf("ExpectedResult.Result: %w", err)
			}
		}
		r.Expected = exp
	}
	for i, ev := range raw.ExpectedExecutionHistory {
		v, err := toJSONValue(ev)
		if err != nil {
			return nil, fmt.Errorf("ExpectedExecutionHistory[%d]: %w", i, err)
		}
		r.History = append(r.History, v)
	}
	for i, l := range raw.ExpectedLogs {
		le, err := buildLogExpectation(l, vars)
		if err != nil {
			return nil, fmt.Errorf("ExpectedLogs[%d]: %w", i, err)
		}
		r.Logs = append(r.Logs, le)
	}
	for i, a := range raw.CallbackActions {
		ca, err := buildCallbackAction(a, vars)
		if err != nil {
			return nil, fmt.Errorf("CallbackActions[%d]: %w", i, err)
		}
		r.CallbackActions = append(r.CallbackActions, ca)
	}
	return r, nil
}

func buildCallbackAction(a rawCallbackActionYAML, vars map[string]string) (CallbackAction, error) {
	ca := CallbackAction{
		CallbackName: substituteString(a.CallbackName, vars),
		Operation:    strings.ToLower(a.Operation),
		Delay:        time.Duration(a.Delay * float64(time.Second)),
	}
	if ca.CallbackName == "" {
		return ca, errors.New("CallbackName is required")
	}
	hasPayload := !a.Payload.IsZero() && a.Payload.Tag != "!!null"
	switch ca.Operation {
	case CallbackSuccess:
		if hasPayload {
			data, err := encodePayload(&a.Payload, vars)
			if err != nil {
				return ca, fmt.Errorf("Payload: %w", err)
			}
			ca.Result = data
		}
	case CallbackFailure:
		if hasPayload {
			var m map[string]any
			if err := a.Payload.Decode(&m); err != nil {
				return ca, fmt.Errorf("failure Payload must be a mapping with ErrorType/ErrorMessage: %w", err)
			}
			ca.ErrorType = substituteString(fmt.Sprint(valueOr(m["ErrorType"], "")), vars)
			ca.ErrorMessage = substituteString(fmt.Sprint(valueOr(m["ErrorMessage"], "")), vars)
		}
	case CallbackHeartbeat:
	default:
		return ca, fmt.Errorf("Operation %q: want success, failure or heartbeat", a.Operation)
	}
	return ca, nil
}

func valueOr(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

// genStrPattern is a Variables value that asks for a fresh random string.
var genStrPattern = regexp.MustCompile(`^\$\{GEN_STR:(\d+)\}$`)

const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// resolveVariables turns ${GEN_STR:N} into a fresh random alphanumeric
// string of length N; any other value is taken literally.
func resolveVariables(raw map[string]string) (map[string]string, error) {
	vars := make(map[string]string, len(raw))
	for name, spec := range raw {
		m := genStrPattern.FindStringSubmatch(spec)
		if m == nil {
			vars[name] = spec
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("variable %s: bad length in %q", name, spec)
		}
		s, err := randomAlphanumeric(n)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		vars[name] = s
	}
	return vars, nil
}

func randomAlphanumeric(n int) (string, error) {
	b := make([]byte, n)
	limit := big.NewInt(int64(len(alphanumerics)))
	for i := range b {
		k, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", err
		}
		b[i] = alphanumerics[k.Int64()]
	}
	return string(b), nil
}

// varRef is a ${NAME} reference inside a string.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// substituteString replaces every ${NAME} whose NAME is bound; other text,
// including unbound references and ${/regex/} matchers, is left alone.
func substituteString(s string, vars map[string]string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if v, ok := vars[ref[2:len(ref)-1]]; ok {
			return v
		}
		return ref
	})
}

// substituteVars substitutes variables in every string of a decoded YAML value.
func substituteVars(v any, vars map[string]string) any {
	switch x := v.(type) {
	case string:
		return substituteString(x, vars)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substituteVars(e, vars)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substituteVars(e, vars)
		}
		return out
	default:
		return v
	}
}

// LessID orders requirement ids numerically part by part ("1-2" < "1-10").
func LessID(a, b string) bool {
	pa, pb := idParts(a), idParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	if len(pa) != len(pb) {
		return len(pa) < len(pb)
	}
	return a < b
}

func idParts(id string) []int {
	fields := strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '.' })
	parts := make([]int, 0, len(fields))
	for _, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil {
			n = -1
		}
		parts = append(parts, n)
	}
	return parts
}
