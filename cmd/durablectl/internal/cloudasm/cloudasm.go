package cloudasm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/stacks/fnmeta"
	"github.com/acme/durable-lambda-go/wire"
)

// Lambda's defaults for a function whose template leaves them out.
const (
	// DefaultTimeout is a function's timeout when Timeout is absent.
	DefaultTimeout = 3 * time.Second
	// DefaultMemoryMiB is a function's memory size when MemorySize is absent.
	DefaultMemoryMiB = 128
)

// Options says where the assembly is read for.
type Options struct {
	// Module is the Go module the functions are built in; a function
	// recorded in another module is a *ForeignError.
	Module Module
	// Region and AccountID appear in the ARNs that environment values
	// resolve to; they must be the local service's.
	Region, AccountID string
}

// Module is a Go module on this machine.
type Module struct {
	// Path is the module path (go.mod's module line).
	Path string
	// Dir is the module's root directory.
	Dir string
}

// Assembly is what a cloud assembly asks Lambda to run.
type Assembly struct {
	// Dir is the assembly's directory.
	Dir string
	// Functions are the functions that can be hosted, ordered by stack
	// and name.
	Functions []Function
	// Skipped are the functions that cannot be: no Go entry is recorded.
	Skipped []Skipped
}

// Function is one Lambda function of the assembly, with its Go source.
type Function struct {
	// Stack is the id of the stack artifact that defines the function.
	Stack string
	// LogicalID is the function's resource id in the stack's template.
	LogicalID string
	// Name is the name to host it under (fnmeta.Function.Name).
	Name string
	// Package is the absolute directory of its Go main package; empty
	// when the template records none and Binary is set.
	Package string
	// Entry is the package as the template records it.
	Entry string
	// Binary is, for a function whose template records no Go package,
	// the bootstrap of its code asset, an executable this machine runs.
	Binary string
	// Durable is true when the function has a DurableConfig.
	Durable bool
	// DurableConfig is the function's DurableConfig (zero when not durable).
	DurableConfig wire.DurableConfig
	// Timeout is the per-invocation timeout.
	Timeout time.Duration
	// MemoryMiB is the memory size.
	MemoryMiB int
	// Environment holds the variables whose values could be resolved.
	Environment map[string]string
	// Aliases are the names of the function's aliases, sorted.
	Aliases []string
	// Warnings say what of the template could not be reproduced locally.
	Warnings []string
}

// Skipped is a function of the assembly that cannot be hosted.
type Skipped struct {
	Stack, LogicalID string
	// Runtime is the function's Runtime property ("nodejs22.x", ...).
	Runtime string
	// Reason says why it cannot be hosted.
	Reason string
}

// NoEntryError reports a function of a custom runtime (a bootstrap
// binary, as Go functions are) whose template records no Go package and
// whose code asset holds no bootstrap this machine can run.
type NoEntryError struct {
	Stack, LogicalID string
	// Name is the name the function would be hosted under.
	Name string
	// Reason says what is wrong with its asset.
	Reason string
}

func (e *NoEntryError) Error() string {
	return fmt.Sprintf("function %s (%s/%s) cannot be hosted: its template records no Go package (Metadata %s) and %s; "+
		"define it with stacks.NewGoFunction, or record its package with stacks.RecordEntry, and synthesize again",
		e.Name, e.Stack, e.LogicalID, fnmeta.Key, e.Reason)
}

// NoAssemblyError reports a directory that holds no cloud assembly.
type NoAssemblyError struct {
	Dir string
	Err error
}

func (e *NoAssemblyError) Error() string {
	return fmt.Sprintf("no cloud assembly in %s (%v): synthesize the app first (npx cdk synth), or leave out --cdk-out to have serve synthesize it", e.Dir, e.Err)
}

// Unwrap returns the underlying error.
func (e *NoAssemblyError) Unwrap() error { return e.Err }

// AssemblyError reports a file of the assembly that cannot be read.
type AssemblyError struct {
	// File is the file's path.
	File string
	Err  error
}

func (e *AssemblyError) Error() string {
	return fmt.Sprintf("cloud assembly file %s: %v (synthesize the app again)", e.File, e.Err)
}

// Unwrap returns the underlying error.
func (e *AssemblyError) Unwrap() error { return e.Err }

// ForeignError reports an assembly that was not synthesized from this Go
// module's app.
type ForeignError struct {
	Dir string
	// Module is this module's path; Other the module the assembly names,
	// empty when it has no function this app's constructs defined.
	Module, Other string
	// Skipped are the functions found, when none could be hosted.
	Skipped []Skipped
}

func (e *ForeignError) Error() string {
	if e.Other != "" {
		return fmt.Sprintf("cloud assembly %s comes from the app of module %s, not of this module (%s): synthesize this app, or run serve in that module", e.Dir, e.Other, e.Module)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cloud assembly %s has no function defined by this app's constructs (stacks.DurableFunction records its Go package in the template); is it from another app?", e.Dir)
	for _, s := range e.Skipped {
		fmt.Fprintf(&b, "\n  %s/%s (%s): %s", s.Stack, s.LogicalID, s.Runtime, s.Reason)
	}
	return b.String()
}

// NoDurableError reports an assembly whose functions are all plain.
type NoDurableError struct {
	Dir string
	// Functions are the plain functions found.
	Functions []string
}

func (e *NoDurableError) Error() string {
	return fmt.Sprintf("the app in %s has no durable function (no DurableConfig on %s): durablectl serve hosts an app of durable functions, with the plain functions beside them; define one with stacks.NewDurableFunction", e.Dir, strings.Join(e.Functions, ", "))
}

// Read reads the cloud assembly in dir. It fails when the directory holds
// no assembly, a file of it is broken, the assembly is another module's,
// no function can be hosted, none is durable, or two share a name.
func Read(dir string, opts Options) (*Assembly, error) {
	a := &Assembly{Dir: dir}
	if err := a.readManifest(dir, opts); err != nil {
		return nil, err
	}
	if len(a.Functions) == 0 {
		return nil, &ForeignError{Dir: dir, Module: opts.Module.Path, Skipped: a.Skipped}
	}
	var plain []string
	byName := map[string]Function{}
	for _, fn := range a.Functions {
		if other, ok := byName[fn.Name]; ok {
			return nil, fmt.Errorf("cloud assembly %s: functions %s/%s and %s/%s are both named %s: give one a different construct id", dir, other.Stack, other.LogicalID, fn.Stack, fn.LogicalID, fn.Name)
		}
		byName[fn.Name] = fn
		if !fn.Durable {
			plain = append(plain, fn.Name)
		}
	}
	if len(plain) == len(a.Functions) {
		return nil, &NoDurableError{Dir: dir, Functions: plain}
	}
	slices.SortFunc(a.Functions, func(x, y Function) int {
		return strings.Compare(x.Stack+"\x00"+x.Name, y.Stack+"\x00"+y.Name)
	})
	return a, nil
}

// manifest is the part of manifest.json Read uses.
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// readManifest reads the assembly whose manifest is in dir, recursing
// into nested assemblies.
func (a *Assembly) readManifest(dir string, opts Options) error {
	path := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && dir == a.Dir {
			return &NoAssemblyError{Dir: dir, Err: err}
		}
		return &AssemblyError{File: path, Err: err}
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return &AssemblyError{File: path, Err: err}
	}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		art := m.Artifacts[id]
		switch art.Type {
		case "aws:cloudformation:stack":
			name := art.Properties.StackName
			if name == "" {
				name = id
			}
			if err := a.readStack(id, name, filepath.Join(dir, art.Properties.TemplateFile), opts); err != nil {
				return err
			}
		case "cdk:cloud-assembly":
			if err := a.readManifest(filepath.Join(dir, art.Properties.DirectoryName), opts); err != nil {
				return err
			}
		}
	}
	return nil
}

// resource is a template resource.
type resource struct {
	Type       string                     `json:"Type"`
	Properties map[string]json.RawMessage `json:"Properties"`
	Metadata   map[string]json.RawMessage `json:"Metadata"`
}

// functionProps are the AWS::Lambda::Function properties Read uses.
type functionProps struct {
	FunctionName any    `json:"FunctionName"`
	Runtime      string `json:"Runtime"`
	Code         struct {
		S3Key any `json:"S3Key"`
	} `json:"Code"`
	Timeout       *int `json:"Timeout"`
	MemorySize    *int `json:"MemorySize"`
	DurableConfig *struct {
		ExecutionTimeout      int `json:"ExecutionTimeout"`
		RetentionPeriodInDays int `json:"RetentionPeriodInDays"`
	} `json:"DurableConfig"`
	Environment struct {
		Variables map[string]any `json:"Variables"`
	} `json:"Environment"`
}

// readStack adds the functions of one stack's template.
func (a *Assembly) readStack(id, stackName, path string, opts Options) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return &AssemblyError{File: path, Err: err}
	}
	var tpl struct {
		Resources map[string]resource `json:"Resources"`
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		return &AssemblyError{File: path, Err: err}
	}
	st := &stack{id: id, name: stackName, resources: tpl.Resources, opts: opts, names: map[string]string{}}
	type found struct {
		logicalID string
		meta      fnmeta.Function
		props     functionProps
		binary    string // the asset's bootstrap, when meta has no Entry
	}
	var fns []found
	for _, lid := range st.logicalIDs("AWS::Lambda::Function") {
		res := tpl.Resources[lid]
		var p functionProps
		if err := unmarshalProps(res.Properties, &p); err != nil {
			return &AssemblyError{File: path, Err: fmt.Errorf("function %s: %w", lid, err)}
		}
		raw, ok := res.Metadata[fnmeta.Key]
		if !ok {
			if !strings.HasPrefix(p.Runtime, "provided") {
				a.Skipped = append(a.Skipped, Skipped{Stack: id, LogicalID: lid, Runtime: p.Runtime,
					Reason: "no Go package recorded in its Metadata (" + fnmeta.Key + ") and not a custom runtime's bootstrap"})
				continue
			}
			name := unrecordedName(lid, res, p)
			bin, reason := assetBootstrap(filepath.Dir(path), res, p)
			if reason != "" {
				return &NoEntryError{Stack: id, LogicalID: lid, Name: name, Reason: reason}
			}
			st.names[lid] = name
			fns = append(fns, found{lid, fnmeta.Function{Name: name}, p, bin})
			continue
		}
		var meta fnmeta.Function
		if err := json.Unmarshal(raw, &meta); err != nil || meta.Entry == "" || meta.Name == "" {
			return &AssemblyError{File: path, Err: fmt.Errorf("function %s: Metadata %s %s: want an object with Name and Entry", lid, fnmeta.Key, raw)}
		}
		if meta.Module != "" && meta.Module != opts.Module.Path {
			return &ForeignError{Dir: a.Dir, Module: opts.Module.Path, Other: meta.Module}
		}
		st.names[lid] = meta.Name
		fns = append(fns, found{lid, meta, p, ""})
	}
	for _, f := range fns {
		fn := Function{
			Stack: id, LogicalID: f.logicalID, Name: f.meta.Name, Entry: f.meta.Entry,
			Package:   f.meta.Entry,
			Timeout:   DefaultTimeout,
			MemoryMiB: DefaultMemoryMiB,
			Aliases:   st.aliasesOf(f.logicalID),
			Binary:    f.binary,
		}
		if fn.Binary == "" {
			if !filepath.IsAbs(fn.Package) {
				fn.Package = filepath.Join(opts.Module.Dir, filepath.FromSlash(fn.Package))
			}
			if fi, err := os.Stat(fn.Package); err != nil || !fi.IsDir() {
				return fmt.Errorf("function %s: its Go package %s is not a directory of module %s (%s): is the cloud assembly from another app?", fn.Name, fn.Entry, opts.Module.Path, opts.Module.Dir)
			}
		}
		if f.props.Timeout != nil {
			fn.Timeout = time.Duration(*f.props.Timeout) * time.Second
		}
		if f.props.MemorySize != nil {
			fn.MemoryMiB = *f.props.MemorySize
		}
		if dc := f.props.DurableConfig; dc != nil {
			fn.Durable = true
			fn.DurableConfig = wire.DurableConfig{ExecutionTimeout: dc.ExecutionTimeout, RetentionPeriodInDays: dc.RetentionPeriodInDays}
		}
		if vars := f.props.Environment.Variables; len(vars) > 0 {
			fn.Environment = make(map[string]string, len(vars))
			for k, v := range vars {
				s, err := st.resolve(v)
				if err != nil {
					fn.Warnings = append(fn.Warnings, fmt.Sprintf("environment variable %s left out: %v", k, err))
					continue
				}
				fn.Environment[k] = s
			}
		}
		slices.Sort(fn.Warnings)
		a.Functions = append(a.Functions, fn)
	}
	return nil
}

// unmarshalProps decodes a resource's properties into v.
func unmarshalProps(props map[string]json.RawMessage, v any) error {
	data, err := json.Marshal(props)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
