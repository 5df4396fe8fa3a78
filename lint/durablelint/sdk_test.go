package durablelint

import (
	"go/types"
	"slices"
	"testing"

	"golang.org/x/tools/go/packages"
)

// notOperations are the SDK functions taking a Context that record
// nothing.
var notOperations = []string{"ExecutionStartTime", "ConfigureLogging", "ConfigureSerdes"}

// TestOperationsMatchTheSDK checks the analyzers' table of operations
// against the real SDK package (the fixtures use a signature-only
// stand-in): every function of the SDK that takes a Context first is
// either an operation or listed in notOperations, every operation exists,
// and each operation's function argument has the parameter its kind
// implies.
func TestOperationsMatchTheSDK(t *testing.T) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedTypes | packages.NeedName}, "github.com/acme/durable-lambda-go/durable")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the SDK does not load")
	}
	scope := pkgs[0].Types.Scope()
	for name, op := range operations {
		fn, ok := scope.Lookup(name).(*types.Func)
		if !ok {
			t.Errorf("operation %s is not a function of the SDK", name)
			continue
		}
		sig := fn.Type().(*types.Signature)
		if sig.Params().Len() == 0 || !isSDKType(sig.Params().At(0).Type(), "Context") {
			t.Errorf("operation %s does not take a Context first", name)
		}
		if op.kind == noBody {
			continue
		}
		if op.bodyArg >= sig.Params().Len() {
			t.Errorf("operation %s has no argument %d", name, op.bodyArg)
			continue
		}
		body, ok := sig.Params().At(op.bodyArg).Type().Underlying().(*types.Signature)
		if !ok {
			t.Errorf("argument %d of %s is not a function", op.bodyArg, name)
			continue
		}
		hasCtx, hasStep := funcParams(body)
		if (op.kind == stepBody) != hasStep || (op.kind == childBody) != hasCtx {
			t.Errorf("argument %d of %s: Context %v, StepContext %v, but the table says kind %d", op.bodyArg, name, hasCtx, hasStep, op.kind)
		}
	}
	for _, name := range scope.Names() {
		fn, ok := scope.Lookup(name).(*types.Func)
		if !ok || !fn.Exported() {
			continue
		}
		sig := fn.Type().(*types.Signature)
		if sig.Params().Len() == 0 || !isSDKType(sig.Params().At(0).Type(), "Context") {
			continue
		}
		if _, isOp := operations[name]; !isOp && !slices.Contains(notOperations, name) {
			t.Errorf("SDK function %s takes a Context first but is neither an operation nor listed in notOperations", name)
		}
	}
	for typ, methods := range awaitMethods {
		named, ok := scope.Lookup(typ).(*types.TypeName)
		if !ok {
			t.Errorf("await type %s is not in the SDK", typ)
			continue
		}
		for m := range methods {
			obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(named.Type()), true, named.Pkg(), m)
			if _, ok := obj.(*types.Func); !ok {
				t.Errorf("(*%s).%s is not a method of the SDK", typ, m)
			}
		}
	}
}
