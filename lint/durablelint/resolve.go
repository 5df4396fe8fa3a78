package durablelint

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// resolver finds the functions a call or a function value stands for,
// following local variables that hold functions: f := helper; go f().
type resolver struct {
	info *types.Info
	// decls are the package's function declarations with bodies; order
	// lists them in source order.
	decls map[*types.Func]*ast.FuncDecl
	order []*types.Func
	// assigned are the values assigned to each local variable.
	assigned map[*types.Var][]ast.Expr
}

func newResolver(pass *analysis.Pass) *resolver {
	r := &resolver{info: pass.TypesInfo, decls: map[*types.Func]*ast.FuncDecl{}, assigned: map[*types.Var][]ast.Expr{}}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if fn, ok := r.info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
					r.decls[fn] = n
					r.order = append(r.order, fn)
				}
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i, lhs := range n.Lhs {
						r.assign(lhs, n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i, name := range n.Names {
						r.assign(name, n.Values[i])
					}
				}
			}
			return true
		})
	}
	return r
}

func (r *resolver) assign(lhs, rhs ast.Expr) {
	id, ok := ast.Unparen(lhs).(*ast.Ident)
	if !ok {
		return
	}
	obj := r.info.Defs[id]
	if obj == nil {
		obj = r.info.Uses[id]
	}
	if v, ok := obj.(*types.Var); ok && !v.IsField() {
		r.assigned[v] = append(r.assigned[v], rhs)
	}
}

// target is a function a value stands for: a literal or a declared
// function or method.
type target struct {
	lit *ast.FuncLit
	fn  *types.Func
}

// resolve returns the functions e may stand for.
func (r *resolver) resolve(e ast.Expr) []target {
	return r.resolveDepth(e, 0)
}

func (r *resolver) resolveDepth(e ast.Expr, depth int) []target {
	if depth > 8 {
		return nil
	}
	switch x := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		return []target{{lit: x}}
	case *ast.IndexExpr:
		return r.resolveDepth(x.X, depth+1)
	case *ast.IndexListExpr:
		return r.resolveDepth(x.X, depth+1)
	case *ast.SelectorExpr:
		if sel := r.info.Selections[x]; sel != nil {
			if fn, ok := sel.Obj().(*types.Func); ok {
				return []target{{fn: fn.Origin()}}
			}
			return nil
		}
		return r.resolveDepth(x.Sel, depth+1) // a qualified identifier
	case *ast.Ident:
		switch obj := r.info.Uses[x].(type) {
		case *types.Func:
			return []target{{fn: obj.Origin()}}
		case *types.Var:
			var out []target
			for _, v := range r.assigned[obj] {
				out = append(out, r.resolveDepth(v, depth+1)...)
			}
			return out
		}
	}
	return nil
}

// callees returns the declared functions a call may call: its static
// callee or the functions its function value holds.
func (r *resolver) callees(call *ast.CallExpr) []*types.Func {
	if fn := calleeFunc(r.info, call); fn != nil {
		return []*types.Func{fn}
	}
	var out []*types.Func
	for _, t := range r.resolve(call.Fun) {
		if t.fn != nil {
			out = append(out, t.fn)
		}
	}
	return out
}

// inside reports whether pos lies within node.
func inside(pos token.Pos, node ast.Node) bool {
	return node.Pos() <= pos && pos < node.End()
}
