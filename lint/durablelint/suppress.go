package durablelint

import (
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Suppression directives. A finding is suppressed by a comment on its line
// or on the line above,
//
//	//durable:ignore durablenondeterminism -- the config is read once per cold start
//
// and every finding of a file by one anywhere in it,
//
//	//durable:ignore-file durablegoroutine,durablechildctx -- this test checks that the SDK rejects misuse
//
// Rules are comma-separated, with or without the "durable" prefix, or
// "all". The reason after " -- " is required: a directive without one
// suppresses nothing and is itself reported.
const (
	directiveLine = "//durable:ignore"
	directiveFile = "//durable:ignore-file"
)

// directive is one parsed suppression comment.
type directive struct {
	pos    token.Pos
	line   int
	file   bool
	rules  []string // full rule names; "all" for every rule
	reason string
	bad    string // why the directive is invalid; empty when valid
}

// suppressions are the directives of a package, by file name.
type suppressions struct {
	fset   *token.FileSet
	byFile map[string][]directive
}

// parseSuppressions reads the directives of files.
func parseSuppressions(fset *token.FileSet, files []*ast.File) *suppressions {
	s := &suppressions{fset: fset, byFile: map[string][]directive{}}
	for _, f := range files {
		name := fset.File(f.Pos()).Name()
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if d, ok := parseDirective(c.Text); ok {
					d.pos = c.Pos()
					d.line = fset.Position(c.Pos()).Line
					s.byFile[name] = append(s.byFile[name], d)
				}
			}
		}
	}
	return s
}

// parseDirective parses one comment; ok is false for other comments.
func parseDirective(text string) (d directive, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(text, directiveFile):
		d.file, rest = true, strings.TrimPrefix(text, directiveFile)
	case strings.HasPrefix(text, directiveLine):
		rest = strings.TrimPrefix(text, directiveLine)
	default:
		return d, false
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return d, false // another word, such as //durable:ignored
	}
	names, reason, found := strings.Cut(rest, "--")
	if !found {
		names, _, _ = strings.Cut(names, "//") // a trailing comment
	}
	d.reason = strings.TrimSpace(reason)
	for _, n := range strings.FieldsFunc(names, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		full := n
		if n != "all" && !strings.HasPrefix(n, "durable") {
			full = "durable" + n
		}
		if full != "all" && !slices.Contains(RuleNames(), full) {
			d.bad = fmt.Sprintf("names an unknown rule %q (rules: %s, all)", n, strings.Join(RuleNames(), ", "))
		}
		d.rules = append(d.rules, full)
	}
	switch {
	case len(d.rules) == 0:
		d.bad = "names no rule"
	case !found || d.reason == "":
		d.bad = "has no reason (write: " + directiveLine + " RULE -- why this is safe)"
	}
	return d, true
}

// names reports whether the directive names rule.
func (d directive) names(rule string) bool {
	return slices.Contains(d.rules, rule) || slices.Contains(d.rules, "all")
}

// suppressed reports whether a valid directive covers rule at pos.
func (s *suppressions) suppressed(rule string, pos token.Pos) bool {
	p := s.fset.Position(pos)
	for _, d := range s.byFile[p.Filename] {
		if d.bad == "" && d.names(rule) && (d.file || d.line == p.Line || d.line == p.Line-1) {
			return true
		}
	}
	return false
}

// reportInvalid reports the invalid directives that name rule; those
// naming no known rule are reported under the nondeterminism rule.
func (s *suppressions) reportInvalid(pass *analysis.Pass, rule string) {
	for _, f := range pass.Files {
		for _, d := range s.byFile[s.fset.File(f.Pos()).Name()] {
			if d.bad == "" {
				continue
			}
			known := slices.ContainsFunc(d.rules, func(r string) bool { return r == "all" || slices.Contains(RuleNames(), r) })
			if d.names(rule) || (!known && rule == RuleNondeterminism) {
				pass.Report(analysis.Diagnostic{Pos: d.pos, Category: rule,
					Message: "invalid //durable:ignore directive: it " + d.bad + "; it suppresses nothing"})
			}
		}
	}
}

// report reports a finding of rule at node unless a directive suppresses
// it.
func report(pass *analysis.Pass, s *suppressions, rule string, node ast.Node, format string, args ...any) {
	if s.suppressed(rule, node.Pos()) {
		return
	}
	pass.Report(analysis.Diagnostic{Pos: node.Pos(), End: node.End(), Category: rule, Message: fmt.Sprintf(format, args...)})
}
