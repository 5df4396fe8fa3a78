package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// toJSONValue converts v (a decoded YAML value, a wire struct, ...) to the
// generic JSON form the matcher works on: nil, bool, string, json.Number,
// []any and map[string]any.
func toJSONValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return DecodeJSON(data)
}

// DecodeJSON decodes JSON text into the matcher's generic form, keeping
// numbers as json.Number so integers stay exact.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

// ToEvents converts actual history events (any JSON-encodable slice, such as
// []wire.Event) to the matcher's generic form.
func ToEvents(events any) ([]any, error) {
	v, err := toJSONValue(events)
	if err != nil {
		return nil, fmt.Errorf("conformance: encode history: %w", err)
	}
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("conformance: history is a %T, not a list", v)
	}
	return list, nil
}

// Matcher compares expected values with actual ones by the requirements'
// matching rules, keeping ${NAME} bindings across calls. Create one per
// requirement run with [Requirement.NewMatcher] or [NewMatcher].
type Matcher struct {
	bindings map[string]any
}

// NewMatcher returns a Matcher whose bindings start with the given variables.
func NewMatcher(vars map[string]string) *Matcher {
	m := &Matcher{bindings: make(map[string]any, len(vars))}
	for k, v := range vars {
		m.bindings[k] = v
	}
	return m
}

// Bindings returns a copy of the current placeholder bindings.
func (m *Matcher) Bindings() map[string]any { return maps.Clone(m.bindings) }

// placeholderPattern is a whole-value ${NAME} placeholder; regexPattern is a
// whole-value ${/re/} matcher.
var (
	placeholderPattern = regexp.MustCompile(`^\$\{(.+)\}$`)
	regexPattern       = regexp.MustCompile(`^\$\{/(.+)/\}$`)
)

// Match compares expected with actual and returns the mismatches, each
// prefixed with path. The rules, in order: {} matches anything; '*' matches
// anything; ${/re/} needs the actual value, as a string, to contain a match
// of re; ${NAME} binds NAME to the actual value on first use and must equal
// it afterwards; two objects match when every expected key is present in the
// actual object and its value matches; two lists match element by element
// and must have the same length; anything else must be equal after
// substituting the bound names into expected strings.
func (m *Matcher) Match(path string, expected, actual any) []string {
	var errs []string
	m.match(path, expected, actual, &errs)
	return errs
}

func (m *Matcher) match(path string, expected, actual any, errs *[]string) {
	if obj, ok := expected.(map[string]any); ok && len(obj) == 0 {
		return
	}
	if s, ok := expected.(string); ok {
		if s == "*" {
			return
		}
		if g := regexPattern.FindStringSubmatch(s); g != nil {
			re, err := regexp.Compile(substituteString(g[1], m.stringBindings()))
			if err != nil {
				*errs = append(*errs, fmt.Sprintf("%s: bad regular expression %q: %v", path, g[1], err))
				return
			}
			if !re.MatchString(valueString(actual)) {
				*errs = append(*errs, fmt.Sprintf("%s: %s does not match /%s/", path, show(actual), re))
			}
			return
		}
		if g := placeholderPattern.FindStringSubmatch(s); g != nil {
			name := g[1]
			if bound, ok := m.bindings[name]; ok {
				if !Equal(bound, actual) {
					*errs = append(*errs, fmt.Sprintf("%s: ${%s} is %s, got %s", path, name, show(bound), show(actual)))
				}
				return
			}
			m.bindings[name] = actual
			return
		}
	}
	switch exp := expected.(type) {
	case map[string]any:
		act, ok := actual.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: expected an object, got %s", path, show(actual)))
			return
		}
		for _, k := range slices.Sorted(maps.Keys(exp)) {
			v, ok := act[k]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			m.match(path+"."+k, exp[k], v, errs)
		}
	case []any:
		act, ok := actual.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: expected a list, got %s", path, show(actual)))
			return
		}
		if len(exp) != len(act) {
			*errs = append(*errs, fmt.Sprintf("%s: expected %d elements, got %d", path, len(exp), len(act)))
			return
		}
		for i := range exp {
			m.match(fmt.Sprintf("%s[%d]", path, i), exp[i], act[i], errs)
		}
	case string:
		want := substituteString(exp, m.stringBindings())
		if !Equal(want, actual) {
			*errs = append(*errs, fmt.Sprintf("%s: expected %s, got %s", path, show(want), show(actual)))
		}
	default:
		if !Equal(expected, actual) {
			*errs = append(*errs, fmt.Sprintf("%s: expected %s, got %s", path, show(expected), show(actual)))
		}
	}
}

// stringBindings returns the bindings whose values can be spliced into text.
func (m *Matcher) stringBindings() map[string]string {
	out := make(map[string]string, len(m.bindings))
	for k, v := range m.bindings {
		out[k] = valueString(v)
	}
	return out
}

// MatchHistory matches expected events to actual events by EventId; actual
// events that no expected event names are ignored.
func (m *Matcher) MatchHistory(expected, actual []any) []string {
	byID := make(map[string]any, len(actual))
	for _, ev := range actual {
		if obj, ok := ev.(map[string]any); ok {
			if id, ok := obj["EventId"]; ok {
				byID[valueString(id)] = ev
			}
		}
	}
	var errs []string
	for i, ev := range expected {
		obj, ok := ev.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Sprintf("expected event %d is not an object", i))
			continue
		}
		idv, ok := obj["EventId"]
		if !ok {
			errs = append(errs, fmt.Sprintf("expected event %d has no EventId", i))
			continue
		}
		id := valueString(idv)
		act, ok := byID[id]
		if !ok {
			errs = append(errs, fmt.Sprintf("event %s (%s): no such event (history has %d)", id, valueString(obj["EventType"]), len(actual)))
			continue
		}
		m.match(fmt.Sprintf("event %s", id), ev, act, &errs)
	}
	return errs
}

// Equal reports whether two generic JSON values are equal; numbers compare
// by value (2 equals 2.0).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, errx := strconv.ParseFloat(string(x), 64)
		fy, erry := strconv.ParseFloat(string(y), 64)
		return errx == nil && erry == nil && fx == fy
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// valueString renders a value as text for regular expressions and
// substitution: strings as themselves, everything else as JSON.
func valueString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// show renders a value for a mismatch message, shortened when long.
func show(v any) string {
	var s string
	if v == nil {
		s = "null"
	} else {
		data, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprint(v)
		} else {
			s = string(data)
		}
	}
	const maxShown = 120
	if len(s) > maxShown {
		s = s[:maxShown] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
