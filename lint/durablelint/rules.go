package durablelint

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// The rule names, which are also the analyzers' names and the
// diagnostics' categories.
const (
	RuleGoroutine      = "durablegoroutine"
	RuleNestedOp       = "durablenestedop"
	RuleNondeterminism = "durablenondeterminism"
	RuleChildContext   = "durablechildctx"
	RuleClosure        = "durableclosure"
)

// RuleNames lists the rules in the order of Analyzers.
func RuleNames() []string {
	return []string{RuleGoroutine, RuleNestedOp, RuleNondeterminism, RuleChildContext, RuleClosure}
}

// Goroutine reports durable operations on goroutines the SDK does not
// manage.
var Goroutine = newRule(RuleGoroutine, `report durable operations inside goroutines

A Context belongs to the goroutine that received it; an operation on
another goroutine fails with ErrWrongGoroutine, and its id would depend on
scheduling. The rule reports go statements and (*errgroup.Group).Go/TryGo
and (*sync.WaitGroup).Go calls whose function records operations — a
literal, a named function, a method value or a variable holding one,
also through the functions it calls. Fan out with durable.Go, Map or
Parallel instead.`, runGoroutine)

// NestedOp reports operations inside step bodies.
var NestedOp = newRule(RuleNestedOp, `report durable operations inside step bodies

A step body (the function of Step and StepAsync, the check of
WaitForCondition, the submitter of WaitForCallback) runs once and only its
result is recorded; an operation inside it is not replayed. The rule
reports operations in any function with a StepContext parameter, also
through the functions it calls, and named step bodies that record
operations.`, runNestedOp)

// Nondeterminism reports nondeterministic code outside steps.
var Nondeterminism = newRule(RuleNondeterminism, `report nondeterministic code outside steps

Code outside steps runs again on every invocation and must make the same
operation calls each time. In handler code — every function with a
durable.Context parameter, and the literals inside it except step
bodies — the rule reports time (time.Now, Since, Until, Sleep, After,
Tick, timers), randomness (math/rand and math/rand/v2, *rand.Rand methods,
crypto/rand), UUID constructors, environment, file, network and
database/sql calls, Context.RequestID, a range over a map (or maps.Keys,
Values, All) whose body records operations, and a select over several
channels. Calls are followed into other functions and packages through
facts: a helper that calls time.Now taints every call of it from handler
code.`, runNondeterminism)

// ChildContext reports a captured outer Context used inside a child and
// Contexts kept in struct fields or package variables.
var ChildContext = newRule(RuleChildContext, `report outer Contexts used inside child functions

A child function (of RunInChildContext, RunInChildContextAsync, Go, Map,
Retry, a Parallel or Select Branch, NewTypedBranch) receives its own
Context; an operation on the enclosing one takes an id from the wrong
sequence and fails with ErrWrongContext. The rule reports operations
(and calls of functions that record operations) given a captured outer
Context inside a child function, and struct fields and package-level
variables of type durable.Context, which let a Context outlive its
function.`, runChildContext)

// Closure reports writes to captured variables inside step bodies and
// child functions.
var Closure = newRule(RuleClosure, `report writes to captured variables inside step bodies and child functions

A step body or a finished child does not run again on replay: only its
recorded result comes back. A write it makes to a variable outside it is
lost on replay, so the code after it sees another value. The rule reports
assignments, increments, range assignments, delete and clear that write a
captured or package-level variable, also through a pointer, a field, a
map entry or a slice element. Return the value from the body instead.`, runClosure)

// Analyzers are the durablelint rules, one analyzer each.
var Analyzers = []*analysis.Analyzer{Goroutine, NestedOp, Nondeterminism, ChildContext, Closure}

func newRule(name, doc string, run func(*analysis.Pass, *state)) *analysis.Analyzer {
	return &analysis.Analyzer{
		Name:     name,
		Doc:      doc,
		URL:      "https://github.com/acme/durable-lambda-go/blob/main/docs/durablelint.md#" + name,
		Requires: []*analysis.Analyzer{factsAnalyzer},
		Run: func(pass *analysis.Pass) (any, error) {
			st := pass.ResultOf[factsAnalyzer].(*state)
			st.sup.reportInvalid(pass, name)
			if !st.skip {
				run(pass, st)
			}
			return nil, nil
		},
	}
}

// funcs calls visit for every function declaration and literal of the
// package, with its body and signature.
func funcs(pass *analysis.Pass, visit func(node ast.Node, body *ast.BlockStmt, sig *types.Signature)) {
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Body != nil {
					if fn, ok := pass.TypesInfo.Defs[n.Name].(*types.Func); ok {
						visit(n, n.Body, fn.Type().(*types.Signature))
					}
				}
			case *ast.FuncLit:
				sig, _ := pass.TypesInfo.TypeOf(n).(*types.Signature)
				visit(n, n.Body, sig)
			}
			return true
		})
	}
}

func runGoroutine(pass *analysis.Pass, st *state) {
	check := func(at ast.Node, fn ast.Expr, how string) {
		for _, t := range st.res.resolve(fn) {
			var via string
			var ok bool
			if t.lit != nil {
				via, ok = st.performsOps(t.lit.Body)
			} else {
				via, ok = st.ops[t.fn]
				if ok {
					via = funcName(t.fn) + " → " + via
				}
			}
			if ok {
				report(pass, st.sup, RuleGoroutine, at,
					"durable operation %s on a goroutine started by %s: a Context belongs to its goroutine; fan out with durable.Go, Map or Parallel", via, how)
				return
			}
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				check(n, n.Call.Fun, "go")
			case *ast.CallExpr:
				if how, ok := goroutineStarter(st.info, n); ok && len(n.Args) > 0 {
					check(n, n.Args[0], how)
				}
			}
			return true
		})
	}
}

// goroutineStarter reports whether call starts its function argument on
// a new goroutine: (*errgroup.Group).Go/TryGo, (*sync.WaitGroup).Go.
func goroutineStarter(info *types.Info, call *ast.CallExpr) (string, bool) {
	fn := calleeFunc(info, call)
	if fn == nil || fn.Pkg() == nil {
		return "", false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return "", false
	}
	named := namedOf(recv.Type())
	if named == nil {
		return "", false
	}
	switch path, typ := fn.Pkg().Path(), named.Obj().Name(); {
	case path == "golang.org/x/sync/errgroup" && typ == "Group" && (fn.Name() == "Go" || fn.Name() == "TryGo"),
		path == "sync" && typ == "WaitGroup" && fn.Name() == "Go":
		return funcName(fn), true
	}
	return "", false
}

func runNestedOp(pass *analysis.Pass, st *state) {
	// Operations in functions with a StepContext parameter.
	funcs(pass, func(node ast.Node, body *ast.BlockStmt, sig *types.Signature) {
		if _, hasStep := funcParams(sig); !hasStep {
			return
		}
		ast.Inspect(body, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok {
				if _, nestedStep := litParams(st.info, lit); nestedStep {
					return false // visited as a step body of its own
				}
			}
			if call, ok := n.(*ast.CallExpr); ok {
				if via, ok := st.opCall(call); ok {
					report(pass, st.sup, RuleNestedOp, call,
						"durable operation %s inside a step body: a step runs once and records only its result; call operations from the handler or a child context", via)
				}
			}
			return true
		})
	})
	// Step bodies that are functions of other packages.
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			arg, kind := bodyArgs(st.info, call)
			if kind != stepBody {
				return true
			}
			for _, t := range st.res.resolve(arg) {
				if t.fn == nil || t.fn.Pkg() == pass.Pkg {
					continue
				}
				if via, ok := st.ops[t.fn]; ok {
					report(pass, st.sup, RuleNestedOp, arg,
						"step body %s records durable operation %s: a step runs once and records only its result", funcName(t.fn), via)
				}
			}
			return true
		})
	}
}

func runNondeterminism(pass *analysis.Pass, st *state) {
	funcs(pass, func(node ast.Node, body *ast.BlockStmt, sig *types.Signature) {
		if hasCtx, _ := funcParams(sig); !hasCtx {
			return
		}
		for _, f := range st.nondetFindings(body, false) {
			switch f.kind {
			case "range":
				report(pass, st.sup, RuleNondeterminism, f.node,
					"range over a map records durable operations (%s) in map order, which changes on every replay; range over sorted keys (slices.Sorted(maps.Keys(m)))", f.what)
			case "select":
				report(pass, st.sup, RuleNondeterminism, f.node,
					"select over several channels picks a ready case at random, so a replay may take another path; use durable.Select or Race, or a single channel")
			default:
				report(pass, st.sup, RuleNondeterminism, f.node,
					"nondeterministic call outside a step: %s differs on every replay; move it into a durable.Step (or use durable.ExecutionStartTime for the time)", f.what)
			}
		}
	})
}

// childBodies returns the function literals the package passes to the
// SDK as child functions: operation arguments, NewTypedBranch functions
// and Branch literals' Func, also through local variables.
func childBodies(pass *analysis.Pass, st *state) []*ast.FuncLit {
	var out []*ast.FuncLit
	seen := map[*ast.FuncLit]bool{}
	add := func(e ast.Expr) {
		for _, t := range st.res.resolve(e) {
			if t.lit != nil && !seen[t.lit] {
				seen[t.lit] = true
				out = append(out, t.lit)
			}
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if arg, kind := bodyArgs(st.info, n); kind == childBody {
					add(arg)
				}
			case *ast.CompositeLit:
				if fn := branchFunc(st.info, n); fn != nil {
					add(fn)
				}
			}
			return true
		})
	}
	return out
}

func runChildContext(pass *analysis.Pass, st *state) {
	for _, lit := range childBodies(pass, st) {
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			via, ok := st.opCall(call)
			if !ok {
				return true
			}
			for _, arg := range call.Args {
				id, ok := ast.Unparen(arg).(*ast.Ident)
				if !ok {
					continue
				}
				v, ok := st.info.Uses[id].(*types.Var)
				if ok && isSDKType(v.Type(), "Context") && !inside(v.Pos(), lit) && v.Parent() != v.Pkg().Scope() {
					report(pass, st.sup, RuleChildContext, arg,
						"%s is given the outer Context %s inside a child function: use the child's own Context parameter", via, id.Name)
				}
			}
			// A method call on a captured Context (ctx.Logger) is no
			// operation; an argument of a nested call is seen on its own.
			return true
		})
	}
	// Contexts kept beyond their function.
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.StructType:
				for _, field := range n.Fields.List {
					if isSDKType(st.info.TypeOf(field.Type), "Context") {
						report(pass, st.sup, RuleChildContext, field,
							"struct field of type durable.Context: a Context stored in a struct outlives its function and ends up used by a child or another goroutine; pass it as a parameter")
					}
				}
			case *ast.GenDecl:
				for _, spec := range n.Specs {
					vs, ok := spec.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for _, name := range vs.Names {
						if v, ok := st.info.Defs[name].(*types.Var); ok && v.Parent() == pass.Pkg.Scope() && isSDKType(v.Type(), "Context") {
							report(pass, st.sup, RuleChildContext, name,
								"package-level variable of type durable.Context: a Context stored globally outlives its function; pass it as a parameter")
						}
					}
				}
			}
			return true
		})
	}
}

func runClosure(pass *analysis.Pass, st *state) {
	bodies := childBodies(pass, st)
	isBody := map[*ast.FuncLit]bool{}
	for _, lit := range bodies {
		isBody[lit] = true
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok && !isBody[lit] {
				if _, hasStep := litParams(st.info, lit); hasStep {
					isBody[lit] = true
					bodies = append(bodies, lit)
				}
			}
			return true
		})
	}
	for _, lit := range bodies {
		kind := "child function"
		if _, hasStep := litParams(st.info, lit); hasStep {
			kind = "step body"
		}
		check := func(target ast.Expr) {
			v, how := writtenVar(st.info, target)
			if v == nil || inside(v.Pos(), lit) {
				return
			}
			where := "captured variable"
			if v.Parent() == v.Pkg().Scope() {
				where = "package-level variable"
			}
			report(pass, st.sup, RuleClosure, target,
				"%s writes %s %s%s: the write is lost when the %s is replayed from its record; return the value instead", kind, where, v.Name(), how, kind)
		}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return !isBody[n] // a nested body is checked on its own
			case *ast.AssignStmt:
				if n.Tok != token.DEFINE {
					for _, lhs := range n.Lhs {
						check(lhs)
					}
				}
			case *ast.IncDecStmt:
				check(n.X)
			case *ast.RangeStmt:
				if n.Tok == token.ASSIGN {
					for _, e := range []ast.Expr{n.Key, n.Value} {
						if e != nil {
							check(e)
						}
					}
				}
			case *ast.CallExpr:
				if b, ok := st.info.Uses[calleeIdent(n)].(*types.Builtin); ok && (b.Name() == "delete" || b.Name() == "clear") && len(n.Args) > 0 {
					check(n.Args[0])
				}
			}
			return true
		})
	}
}

// calleeIdent returns the identifier a call calls, or nil.
func calleeIdent(call *ast.CallExpr) *ast.Ident {
	id, _ := ast.Unparen(call.Fun).(*ast.Ident)
	return id
}

// writtenVar returns the variable a write to e changes and how: "" for
// the variable itself, " through a pointer", " through a field", " through
// an element". Writes to locals declared by a pointer dereference of
// something else, and to blank, return nil.
func writtenVar(info *types.Info, e ast.Expr) (*types.Var, string) {
	how := ""
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			v, ok := info.Uses[x].(*types.Var)
			if !ok || v.IsField() {
				return nil, ""
			}
			return v, how
		case *ast.StarExpr:
			e, how = x.X, " through a pointer"
		case *ast.SelectorExpr:
			if _, ok := info.Selections[x]; !ok {
				return nil, "" // a qualified identifier: another package's variable
			}
			if how == "" {
				how = " through a field"
			}
			e = x.X
		case *ast.IndexExpr:
			if how == "" {
				how = " through an element"
				if _, ok := info.TypeOf(x.X).Underlying().(*types.Map); ok {
					how = " through a map entry"
				}
			}
			e = x.X
		default:
			return nil, ""
		}
	}
}
