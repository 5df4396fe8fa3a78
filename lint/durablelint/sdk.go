package durablelint

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// sdkPaths are the import paths of the durable SDKs the analyzers know:
// this repository's and the official one, whose API it follows.
var sdkPaths = map[string]bool{
	"github.com/acme/durable-lambda-go/durable":           true,
	"github.com/aws/aws-durable-execution-sdk-go/durable": true,
}

// isSDK reports whether p is a durable SDK package.
func isSDK(p *types.Package) bool {
	return p != nil && sdkPaths[p.Path()]
}

// bodyKind is what kind of function an operation's function argument is.
type bodyKind int

const (
	noBody    bodyKind = iota
	stepBody           // a step body, a condition check or a callback submitter: runs once, its result recorded
	childBody          // a child context's function: runs as handler code, replayed
)

// operation describes a durable operation function: the index of its
// function argument, if any, and that function's kind.
type operation struct {
	bodyArg int
	kind    bodyKind
}

// operations are the SDK functions that record operations. Each takes a
// Context first.
var operations = map[string]operation{
	"Step":                   {2, stepBody},
	"StepAsync":              {2, stepBody},
	"WaitForCondition":       {2, stepBody},
	"WaitForCallback":        {2, stepBody},
	"RunInChildContext":      {2, childBody},
	"RunInChildContextAsync": {2, childBody},
	"Go":                     {2, childBody},
	"Map":                    {3, childBody},
	"Retry":                  {2, childBody},
	"Wait":                   {-1, noBody},
	"WaitAsync":              {-1, noBody},
	"Invoke":                 {-1, noBody},
	"InvokeAsync":            {-1, noBody},
	"CreateCallback":         {-1, noBody},
	"Parallel":               {-1, noBody},
	"ParallelMixed":          {-1, noBody},
	"Select":                 {-1, noBody},
	"All":                    {-1, noBody},
	"AllSettled":             {-1, noBody},
	"Any":                    {-1, noBody},
	"Race":                   {-1, noBody},
	"Join":                   {-1, noBody},
}

// awaitMethods are the methods that run or await an operation.
var awaitMethods = map[string]map[string]bool{
	"Future":   {"Result": true, "Await": true},
	"Callback": {"Result": true},
}

// calleeFunc returns the function or method a call statically calls, as
// its generic origin, or nil.
func calleeFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	if fn == nil {
		return nil
	}
	return fn.Origin()
}

// opName returns "durable.Step" (or "(*durable.Future).Result") when call
// records or awaits a durable operation.
func opName(info *types.Info, call *ast.CallExpr) (string, bool) {
	fn := calleeFunc(info, call)
	if fn == nil || !isSDK(fn.Pkg()) {
		return "", false
	}
	sig := fn.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		named := namedOf(recv.Type())
		if named != nil && awaitMethods[named.Obj().Name()][fn.Name()] {
			return "(*durable." + named.Obj().Name() + ")." + fn.Name(), true
		}
		return "", false
	}
	if _, ok := operations[fn.Name()]; ok {
		return "durable." + fn.Name(), true
	}
	return "", false
}

// bodyArgs returns the function arguments of call that the SDK runs as
// step bodies or child functions, with their kind: the function argument
// of an operation and the function of NewTypedBranch.
func bodyArgs(info *types.Info, call *ast.CallExpr) (ast.Expr, bodyKind) {
	fn := calleeFunc(info, call)
	if fn == nil || !isSDK(fn.Pkg()) || fn.Type().(*types.Signature).Recv() != nil {
		return nil, noBody
	}
	if fn.Name() == "NewTypedBranch" && len(call.Args) > 1 {
		return call.Args[1], childBody
	}
	op, ok := operations[fn.Name()]
	if !ok || op.kind == noBody || op.bodyArg >= len(call.Args) {
		return nil, noBody
	}
	return call.Args[op.bodyArg], op.kind
}

// branchFunc returns the Func of a durable.Branch composite literal.
func branchFunc(info *types.Info, lit *ast.CompositeLit) ast.Expr {
	named := namedOf(info.TypeOf(lit))
	if named == nil || !isSDK(named.Obj().Pkg()) || named.Obj().Name() != "Branch" {
		return nil
	}
	for i, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Func" {
				return kv.Value
			}
		} else if i == 1 {
			return elt
		}
	}
	return nil
}

// namedOf returns the named type of t or of what t points to.
func namedOf(t types.Type) *types.Named {
	if t == nil {
		return nil
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}

// isSDKType reports whether t is the SDK's type name (Context,
// StepContext).
func isSDKType(t types.Type, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Name() == name && isSDK(n.Obj().Pkg())
}

// funcParams reports whether sig has a durable.Context and a
// durable.StepContext parameter.
func funcParams(sig *types.Signature) (hasContext, hasStepContext bool) {
	if sig == nil {
		return false, false
	}
	for v := range sig.Params().Variables() {
		hasContext = hasContext || isSDKType(v.Type(), "Context")
		hasStepContext = hasStepContext || isSDKType(v.Type(), "StepContext")
	}
	return hasContext, hasStepContext
}

// litParams is funcParams of a function literal.
func litParams(info *types.Info, lit *ast.FuncLit) (hasContext, hasStepContext bool) {
	sig, _ := info.TypeOf(lit).(*types.Signature)
	return funcParams(sig)
}

// funcName names fn for a message: "time.Now", "(*rand.Rand).Intn",
// "pkg.helper".
func funcName(fn *types.Func) string {
	sig := fn.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		t := recv.Type()
		ptr := ""
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t, ptr = p.Elem(), "*"
		}
		name := types.TypeString(t, func(p *types.Package) string { return p.Name() })
		if i := strings.Index(name, "["); i >= 0 {
			name = name[:i]
		}
		return "(" + ptr + name + ")." + fn.Name()
	}
	if fn.Pkg() == nil {
		return fn.Name()
	}
	return fn.Pkg().Name() + "." + fn.Name()
}
