package conformance

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// LogRecord is one captured log line as flat fields: "message", "level" and
// every attribute, group members joined with "." (e.g. "req.id").
type LogRecord map[string]string

// LogExpectation is one entry of a requirement's ExpectedLogs: the log lines
// whose fields all match Fields must occur Count times (or at least MinCount,
// at most MaxCount). With no bound at all, at least one line must match.
// Every matching line must also come after a line matching each entry of
// After (the plugin suite's ordering between hooks).
type LogExpectation struct {
	// Fields maps a field name to a pattern: "/re/" must match somewhere in
	// the field's value; any other text must equal it. ${NAME} placeholders
	// bound by the history match are substituted first.
	Fields map[string]string
	// Count, MinCount and MaxCount bound the number of matching lines.
	Count, MinCount, MaxCount *int
	// After are field patterns (as Fields) of lines that must each precede
	// every matching line.
	After []map[string]string
}

func buildLogExpectation(raw rawLogExpectation, vars map[string]string) (LogExpectation, error) {
	le := LogExpectation{Fields: make(map[string]string, len(raw.Match)), Count: raw.Count, MinCount: raw.MinCount, MaxCount: raw.MaxCount}
	if len(raw.Match) == 0 {
		return le, fmt.Errorf("match is required")
	}
	for k, v := range raw.Match {
		le.Fields[k] = substituteString(valueString(v), vars)
	}
	for i, a := range raw.After {
		if len(a) == 0 {
			return le, fmt.Errorf("after[%d] is empty", i)
		}
		fields := make(map[string]string, len(a))
		for k, v := range a {
			fields[k] = substituteString(valueString(v), vars)
		}
		le.After = append(le.After, fields)
	}
	return le, nil
}

// matchFields reports whether a record has every field of a pattern set,
// with bindings substituted into the patterns.
func matchFields(fields map[string]string, rec LogRecord, bindings map[string]string) (bool, error) {
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		pattern := substituteString(fields[k], bindings)
		v, ok := rec[k]
		if !ok {
			return false, nil
		}
		if len(pattern) >= 2 && strings.HasPrefix(pattern, "/") && strings.HasSuffix(pattern, "/") {
			re, err := regexp.Compile(pattern[1 : len(pattern)-1])
			if err != nil {
				return false, fmt.Errorf("bad regular expression %s: %w", pattern, err)
			}
			if !re.MatchString(v) {
				return false, nil
			}
			continue
		}
		if v != pattern {
			return false, nil
		}
	}
	return true, nil
}

// String renders the expectation's fields for mismatch messages.
func (le LogExpectation) String() string { return showFields(le.Fields) }

func showFields(fields map[string]string) string {
	parts := make([]string, 0, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		parts = append(parts, k+"="+fields[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// CheckLogs counts the records matching each expected log entry and returns
// the entries whose count is out of bounds or whose lines come before a
// line they must follow. bindings are the placeholders the history match
// bound (${ID1}, ...; nil for none).
func (r *Requirement) CheckLogs(records []LogRecord, bindings map[string]string) []string {
	var errs []string
	for i, le := range r.Logs {
		matched, err := matchingLines(le.Fields, records, bindings)
		if err != nil {
			errs = append(errs, fmt.Sprintf("logs[%d]: %v", i, err))
			continue
		}
		n := len(matched)
		switch {
		case le.Count != nil && n != *le.Count:
			errs = append(errs, fmt.Sprintf("logs[%d] %s: expected %d lines, got %d", i, le, *le.Count, n))
		case le.Count == nil && le.MinCount != nil && n < *le.MinCount:
			errs = append(errs, fmt.Sprintf("logs[%d] %s: expected at least %d lines, got %d", i, le, *le.MinCount, n))
		case le.Count == nil && le.MaxCount != nil && n > *le.MaxCount:
			errs = append(errs, fmt.Sprintf("logs[%d] %s: expected at most %d lines, got %d", i, le, *le.MaxCount, n))
		case le.Count == nil && le.MinCount == nil && le.MaxCount == nil && n == 0:
			errs = append(errs, fmt.Sprintf("logs[%d] %s: expected at least one line, got none", i, le))
		}
		if n == 0 {
			continue
		}
		for _, after := range le.After {
			before, err := matchingLines(after, records, bindings)
			if err != nil {
				errs = append(errs, fmt.Sprintf("logs[%d]: after: %v", i, err))
				continue
			}
			if len(before) == 0 || before[0] >= matched[0] {
				errs = append(errs, fmt.Sprintf("logs[%d] %s: line %d does not come after a line %s", i, le, matched[0], showFields(after)))
			}
		}
	}
	return errs
}

// matchingLines returns the indexes of the records matching fields.
func matchingLines(fields map[string]string, records []LogRecord, bindings map[string]string) ([]int, error) {
	var out []int
	for j, rec := range records {
		ok, err := matchFields(fields, rec, bindings)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, j)
		}
	}
	return out, nil
}

// LogRecorder is a slog.Handler that keeps every record it handles, at all
// levels, so a run's log lines can be checked afterwards. Handlers derived
// with WithAttrs and WithGroup share the recorder's records. It is safe for
// concurrent use.
type LogRecorder struct {
	store  *logStore
	attrs  []slog.Attr // already qualified with their group prefix
	prefix string      // open groups, each followed by "."
}

type logStore struct {
	mu      sync.Mutex
	records []LogRecord
}

// NewLogRecorder returns an empty recorder.
func NewLogRecorder() *LogRecorder { return &LogRecorder{store: &logStore{}} }

// Records returns a copy of the records captured so far, in order.
func (h *LogRecorder) Records() []LogRecord {
	h.store.mu.Lock()
	defer h.store.mu.Unlock()
	return slices.Clone(h.store.records)
}

// Enabled reports true for every level.
func (h *LogRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle captures the record.
func (h *LogRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := LogRecord{"message": r.Message, "level": r.Level.String()}
	for _, a := range h.attrs {
		addAttr(rec, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(rec, h.prefix, a)
		return true
	})
	h.store.mu.Lock()
	h.store.records = append(h.store.records, rec)
	h.store.mu.Unlock()
	return nil
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *LogRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := *h
	out.attrs = slices.Clone(h.attrs)
	for _, a := range attrs {
		out.attrs = append(out.attrs, slog.Attr{Key: h.prefix + a.Key, Value: a.Value})
	}
	return &out
}

// WithGroup returns a handler that qualifies later attributes with name.
func (h *LogRecorder) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	out := *h
	out.prefix = h.prefix + name + "."
	return &out
}

func addAttr(rec LogRecord, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p = prefix + a.Key + "."
		}
		for _, m := range v.Group() {
			addAttr(rec, p, m)
		}
		return
	}
	if a.Key == "" {
		return
	}
	rec[prefix+a.Key] = v.String()
}
