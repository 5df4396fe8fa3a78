package durablelint

import (
	"go/ast"
	"go/types"
	"reflect"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// opsFact marks a function that records durable operations, directly or
// through the functions it calls.
type opsFact struct {
	// Via is the chain to the operation: "durable.Step" or
	// "store.save → durable.Step".
	Via string
}

func (*opsFact) AFact()           {}
func (f *opsFact) String() string { return "performs " + f.Via }

// nondetFact marks a function whose code outside step bodies is
// nondeterministic, directly or through the functions it calls.
type nondetFact struct {
	// Via is the chain to the source: "time.Now" or "ids.next → rand.Int".
	Via string
}

func (*nondetFact) AFact()           {}
func (f *nondetFact) String() string { return "nondeterministic via " + f.Via }

// factsAnalyzer computes the facts of every package (dependencies
// included) and hands the rules what they share: the facts of the
// functions the package uses, the callee resolution and the suppression
// directives.
var factsAnalyzer = &analysis.Analyzer{
	Name:       "durablefacts",
	Doc:        "computes which functions record durable operations or are nondeterministic, for the durablelint rules",
	Run:        runFacts,
	FactTypes:  []analysis.Fact{new(opsFact), new(nondetFact)},
	ResultType: reflect.TypeFor[*state](),
}

// state is the facts analyzer's result: what the rules share.
type state struct {
	info   *types.Info
	sup    *suppressions
	res    *resolver
	ops    map[*types.Func]string // functions that record operations, with the chain
	nondet map[*types.Func]string // nondeterministic functions, with the chain
	skip   bool                   // the package is the SDK itself
}

// maxChain bounds the iterations of the package's fixpoint.
const maxChain = 64

func runFacts(pass *analysis.Pass) (any, error) {
	st := &state{info: pass.TypesInfo, sup: parseSuppressions(pass.Fset, pass.Files), res: newResolver(pass),
		ops: map[*types.Func]string{}, nondet: map[*types.Func]string{}, skip: isSDK(pass.Pkg)}
	// The facts of the other packages' functions this package uses.
	for _, obj := range pass.TypesInfo.Uses {
		fn, ok := obj.(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg() == pass.Pkg {
			continue
		}
		fn = fn.Origin()
		var of opsFact
		if pass.ImportObjectFact(fn, &of) {
			st.ops[fn] = of.Via
		}
		var nf nondetFact
		if pass.ImportObjectFact(fn, &nf) {
			st.nondet[fn] = nf.Via
		}
	}
	if st.skip || isStd(pass.Pkg.Path()) {
		// The SDK implements the operations, and the standard library's
		// sources are listed in sources.go: a logger that stamps its
		// records with time.Now is no source of its own.
		return st, nil
	}
	// This package's functions, to a fixpoint: a function inherits the
	// facts of the functions it calls.
	for range maxChain {
		changed := false
		for _, fn := range st.res.order {
			decl := st.res.decls[fn]
			if _, ok := st.ops[fn]; !ok {
				if via, ok := st.performsOps(decl.Body); ok {
					st.ops[fn], changed = via, true
				}
			}
			if _, ok := st.nondet[fn]; !ok {
				if via, ok := st.firstNondet(decl.Body); ok {
					st.nondet[fn], changed = via, true
				}
			}
		}
		if !changed {
			break
		}
	}
	for _, fn := range st.res.order {
		if st.res.decls[fn].Name.Name == "_" {
			continue
		}
		if via, ok := st.ops[fn]; ok {
			pass.ExportObjectFact(fn, &opsFact{Via: via})
		}
		if via, ok := st.nondet[fn]; ok {
			pass.ExportObjectFact(fn, &nondetFact{Via: via})
		}
	}
	return st, nil
}

// opCall returns the operation a call records, directly ("durable.Step")
// or through a function that does ("save → durable.Step").
func (st *state) opCall(call *ast.CallExpr) (string, bool) {
	if name, ok := opName(st.info, call); ok {
		return name, true
	}
	for _, fn := range st.res.callees(call) {
		if via, ok := st.ops[fn]; ok {
			return funcName(fn) + " → " + via, true
		}
	}
	return "", false
}

// performsOps returns the first operation recorded in node (function
// literals included).
func (st *state) performsOps(node ast.Node) (via string, found bool) {
	ast.Inspect(node, func(n ast.Node) bool {
		if found {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok {
			via, found = st.opCall(call)
		}
		return !found
	})
	return via, found
}

// nondetCall returns what makes a call nondeterministic: it is a source,
// or it calls a function with a nondeterministic chain.
func (st *state) nondetCall(call *ast.CallExpr) (string, bool) {
	if src, ok := nondetSource(st.info, call); ok {
		return src, true
	}
	for _, fn := range st.res.callees(call) {
		if via, ok := st.nondet[fn]; ok {
			return funcName(fn) + " → " + via, true
		}
	}
	return "", false
}

// handlerCode visits the nodes of body that run as handler code: it skips
// step bodies (function literals with a StepContext parameter), which run
// once and are recorded, and, unless nested is set, function literals with
// a Context parameter, which are handler code of their own.
func (st *state) handlerCode(body ast.Node, nested bool, visit func(ast.Node) bool) {
	ast.Inspect(body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok && lit != body {
			hasCtx, hasStep := litParams(st.info, lit)
			if hasStep || (hasCtx && !nested) {
				return false
			}
		}
		return visit(n)
	})
}

// nondetFinding is one nondeterministic construct in handler code.
type nondetFinding struct {
	node ast.Node
	what string // the construct and its chain
	kind string // "call", "range" or "select"
}

// nondetFindings lists the unsuppressed nondeterministic constructs of a
// function body's handler code; nested includes the literals with a
// Context parameter.
func (st *state) nondetFindings(body ast.Node, nested bool) []nondetFinding {
	var out []nondetFinding
	st.handlerCode(body, nested, func(n ast.Node) bool {
		var f *nondetFinding
		switch n := n.(type) {
		case *ast.CallExpr:
			if via, ok := st.nondetCall(n); ok {
				f = &nondetFinding{n, via, "call"}
			}
		case *ast.RangeStmt:
			if mapRange(st.info, n) {
				if via, ok := st.performsOps(n.Body); ok {
					f = &nondetFinding{n, via, "range"}
				}
			}
		case *ast.SelectStmt:
			if racySelect(n) {
				f = &nondetFinding{n, "select", "select"}
			}
		}
		if f != nil && !st.sup.suppressed(RuleNondeterminism, f.node.Pos()) {
			out = append(out, *f)
		}
		return true
	})
	return out
}

// firstNondet returns the chain of the first nondeterministic construct of
// a body, for its function's fact.
func (st *state) firstNondet(body ast.Node) (string, bool) {
	fs := st.nondetFindings(body, true)
	if len(fs) == 0 {
		return "", false
	}
	switch fs[0].kind {
	case "range":
		return "a map range recording " + fs[0].what, true
	case "select":
		return "a select over several channels", true
	}
	return fs[0].what, true
}

// isStd reports whether path is a standard-library package: its first
// element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
