package durablelint

import (
	"go/ast"
	"go/types"
	"strings"
)

// nondeterministic lists, per package path, the functions whose result
// differs from one invocation to the next; "*" means every function and
// method of the package except those listed in deterministic.
var nondeterministic = map[string][]string{
	"time":         {"Now", "Since", "Until", "Sleep", "After", "Tick", "NewTimer", "NewTicker", "AfterFunc"},
	"math/rand":    {"*"},
	"math/rand/v2": {"*"},
	"crypto/rand":  {"*"},
	"os": {"Getenv", "LookupEnv", "Environ", "ExpandEnv", "ReadFile", "ReadDir", "Open", "OpenFile", "Create",
		"Stat", "Lstat", "Hostname", "Getpid", "Getppid", "Getwd", "Executable", "Getuid", "Getgid", "DirFS",
		"CreateTemp", "MkdirTemp", "WriteFile", "Remove", "RemoveAll", "Mkdir", "MkdirAll", "Rename"},
	"io/ioutil":    {"ReadFile", "ReadDir", "WriteFile", "TempFile", "TempDir"},
	"net":          {"*"},
	"net/http":     {"Get", "Post", "Head", "PostForm"},
	"database/sql": {"*"},
}

// deterministic are the exceptions to "*" in nondeterministic: seeded
// constructors and pure helpers.
var deterministic = map[string]map[string]bool{
	"math/rand":    {"New": true, "NewSource": true, "NewZipf": true},
	"math/rand/v2": {"New": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true},
	"net":          {"ParseIP": true, "ParseCIDR": true, "ParseMAC": true, "JoinHostPort": true, "SplitHostPort": true, "IPv4": true, "IPv4Mask": true, "CIDRMask": true},
	"database/sql": {"Named": true, "Register": true, "Drivers": true},
}

// nondeterministicMethods lists, per package path, the receiver types
// whose every method is nondeterministic ("*" for every type).
var nondeterministicMethods = map[string][]string{
	"math/rand":    {"Rand"},
	"math/rand/v2": {"Rand", "PCG", "ChaCha8"},
	"os":           {"File"},
	"net/http":     {"Client", "Transport"},
	"net":          {"*"},
	"database/sql": {"*"},
}

// nondetSource returns a description when call is a source of
// nondeterminism: time, randomness, UUIDs, the environment, files, the
// network, databases or the Context's request id.
func nondetSource(info *types.Info, call *ast.CallExpr) (string, bool) {
	fn := calleeFunc(info, call)
	if fn == nil || fn.Pkg() == nil {
		return "", false
	}
	path, name := fn.Pkg().Path(), fn.Name()
	if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
		if isSDK(fn.Pkg()) && name == "RequestID" {
			return "Context.RequestID (a new id on every invocation)", true
		}
		named := namedOf(recv.Type())
		if named == nil {
			return "", false
		}
		for _, typ := range nondeterministicMethods[path] {
			if typ == "*" || typ == named.Obj().Name() {
				return funcName(fn), true
			}
		}
		return "", false
	}
	if isUUIDPackage(path) && strings.HasPrefix(name, "New") && name != "NewMD5" && name != "NewSHA1" && name != "NewHash" {
		return funcName(fn) + " (a random UUID)", true
	}
	for _, n := range nondeterministic[path] {
		if (n == "*" && !deterministic[path][name]) || n == name {
			return funcName(fn), true
		}
	}
	return "", false
}

// isUUIDPackage reports whether path is a UUID package
// (github.com/google/uuid, github.com/gofrs/uuid/v5, ...).
func isUUIDPackage(path string) bool {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = parts[len(parts)-2]
	}
	return last == "uuid"
}

// mapRange reports whether a range statement iterates over a map, directly
// or through maps.Keys, maps.Values or maps.All.
func mapRange(info *types.Info, rs *ast.RangeStmt) bool {
	if _, ok := info.TypeOf(rs.X).Underlying().(*types.Map); ok {
		return true
	}
	call, ok := ast.Unparen(rs.X).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := calleeFunc(info, call)
	return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "maps" &&
		(fn.Name() == "Keys" || fn.Name() == "Values" || fn.Name() == "All")
}

// racySelect reports whether a select statement has more than one
// communication case: when several are ready, the runtime picks one at
// random.
func racySelect(s *ast.SelectStmt) bool {
	n := 0
	for _, c := range s.Body.List {
		if cc, ok := c.(*ast.CommClause); ok && cc.Comm != nil {
			n++
		}
	}
	return n > 1
}
