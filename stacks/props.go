package stacks

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/acme/durable-lambda-go/wire"
)

// Limits the service enforces on a durable function; validate checks the
// props against them so that a bad value fails `cdk synth` instead of the
// deployment ("DurableConfig validation failed").
const (
	// MinExecutionTimeout is the shortest DurableConfig.ExecutionTimeout.
	MinExecutionTimeout = time.Second
	// MaxExecutionTimeout is the longest DurableConfig.ExecutionTimeout (366 days).
	MaxExecutionTimeout = 366 * 24 * time.Hour
	// MinRetentionDays is the shortest DurableConfig.RetentionPeriodInDays.
	MinRetentionDays = 1
	// MaxRetentionDays is the longest DurableConfig.RetentionPeriodInDays.
	MaxRetentionDays = 90
	// MaxFunctionTimeout is the longest a single Lambda invocation may run.
	MaxFunctionTimeout = 15 * time.Minute
	// MinMemoryMiB and MaxMemoryMiB bound the function's memory size.
	MinMemoryMiB = 128
	// MaxMemoryMiB is the largest memory size Lambda accepts.
	MaxMemoryMiB = 10240
)

// Defaults applied to zero-valued DurableFunctionProps fields.
const (
	// DefaultEntry is the Go main package built when Entry is empty.
	DefaultEntry = "lambda"
	// DefaultExecutionTimeout bounds a whole durable execution when
	// ExecutionTimeout is zero.
	DefaultExecutionTimeout = 24 * time.Hour
	// DefaultRetention is how long closed executions stay readable when
	// Retention is zero.
	DefaultRetention = 14 * 24 * time.Hour
	// DefaultFunctionTimeout bounds one invocation when FunctionTimeout is zero.
	DefaultFunctionTimeout = time.Minute
	// DefaultMemoryMiB is the memory size when MemoryMiB is zero.
	DefaultMemoryMiB = 256
	// DefaultAliasName is the alias every caller invokes when AliasName is empty.
	DefaultAliasName = "prod"
)

// DurableFunctionProps configures a DurableFunction. Every field is optional:
// the zero value of each one selects the documented default.
type DurableFunctionProps struct {
	// Entry is the directory of the Go main package to build, either absolute
	// or relative to the root of the Go module that contains the current
	// directory. Default: DefaultEntry ("lambda").
	Entry string

	// ExecutionTimeout is how long a whole durable execution may run, across
	// all its invocations, waits and retries, before it ends TIMED_OUT.
	// Allowed: whole seconds from 1 s to 366 days.
	// Default: DefaultExecutionTimeout (24 h).
	ExecutionTimeout time.Duration

	// Retention is how long the history of a closed execution stays
	// readable. Allowed: a whole number of days from 1 to 90.
	// Default: DefaultRetention (14 days).
	Retention time.Duration

	// FunctionTimeout bounds one invocation of the function.
	// Allowed: whole seconds from 1 s to 15 minutes.
	// Default: DefaultFunctionTimeout (1 minute).
	FunctionTimeout time.Duration

	// MemoryMiB is the function's memory size in MiB.
	// Allowed: 128 to 10240. Default: DefaultMemoryMiB (256).
	MemoryMiB int

	// Architecture is the instruction set the binary is built for and runs
	// on: awslambda.Architecture_ARM_64() (GOARCH=arm64) or
	// awslambda.Architecture_X86_64() (GOARCH=amd64).
	// Default: awslambda.Architecture_ARM_64().
	Architecture awslambda.Architecture

	// Environment holds the function's environment variables.
	// Default: none.
	Environment map[string]string

	// LogRetention is how long the function's log group keeps its events.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays

	// AliasName names the alias on the current version; every invoke must
	// target it (durable functions reject unqualified invokes). Allowed:
	// 1 to 128 letters, digits, '-' or '_', not all digits.
	// Default: DefaultAliasName ("prod").
	AliasName string

	// StatusFilter lists the execution statuses whose "Durable Execution
	// Status Change" events are published to the status topic, for example
	// FAILED, TIMED_OUT and STOPPED to alert on failures only.
	// Allowed: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED.
	// Default: empty, meaning every status change.
	StatusFilter []wire.ExecutionStatus

	// FileSystem mounts an EFS access point for durable.NewFileSystemSerdes
	// (see FileSystemMount). Default: none.
	FileSystem *FileSystemMount

	// Tracing turns on Lambda active tracing: Lambda records an AWS X-Ray
	// segment for every invocation, and the execution role may send trace
	// data (xray:PutTraceSegments and xray:PutTelemetryRecords, actions
	// that take no resource ARN, so on "*"). The durable execution's own
	// trace — one trace across all its invocations, package durableotel —
	// is exported over OTLP when Environment sets
	// OTEL_EXPORTER_OTLP_ENDPOINT; see docs/tracing.md.
	// Default: false (Lambda's PassThrough mode, no X-Ray permissions).
	Tracing bool
}

// PropError reports a DurableFunctionProps field whose value the service
// would reject. errors.As finds it in the error NewDurableFunction returns.
type PropError struct {
	// Props is the props type the field belongs to: DurableFunctionProps
	// or GoFunctionProps.
	Props string
	// Prop is the field name in Props.
	Prop string
	// Value is the rejected value, as written in Go.
	Value string
	// Allowed describes the values the field accepts.
	Allowed string
}

// Error names the prop, the bad value and the allowed range.
func (e *PropError) Error() string {
	return fmt.Sprintf("invalid %s.%s %s: allowed %s", e.Props, e.Prop, e.Value, e.Allowed)
}

// aliasNamePattern is Lambda's alias name syntax; all-digit names are
// rejected separately because they would be read as version numbers.
var aliasNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// goArchitectures maps a Lambda architecture name to its GOARCH.
var goArchitectures = map[string]string{
	"arm64":  "arm64",
	"x86_64": "amd64",
}

// resolvedProps is DurableFunctionProps with every default applied and every
// value checked.
type resolvedProps struct {
	entry            string
	executionTimeout time.Duration
	retentionDays    int
	functionTimeout  time.Duration
	memoryMiB        int
	architecture     awslambda.Architecture
	goarch           string
	environment      map[string]string
	logRetention     awslogs.RetentionDays
	aliasName        string
	statusFilter     []wire.ExecutionStatus
	tracing          bool
}

// resolve applies the defaults and validates the result. It returns every
// invalid field at once, each as a *PropError of the props type typ,
// joined with errors.Join.
func (p *DurableFunctionProps) resolve(typ string) (resolvedProps, error) {
	var in DurableFunctionProps
	if p != nil {
		in = *p
	}
	r := resolvedProps{
		entry:            orDefault(in.Entry, DefaultEntry),
		executionTimeout: orDefault(in.ExecutionTimeout, DefaultExecutionTimeout),
		functionTimeout:  orDefault(in.FunctionTimeout, DefaultFunctionTimeout),
		memoryMiB:        orDefault(in.MemoryMiB, DefaultMemoryMiB),
		environment:      in.Environment,
		logRetention:     orDefault(in.LogRetention, awslogs.RetentionDays_ONE_MONTH),
		aliasName:        orDefault(in.AliasName, DefaultAliasName),
		statusFilter:     in.StatusFilter,
		tracing:          in.Tracing,
	}
	retention := orDefault(in.Retention, DefaultRetention)

	var errs []error
	if r.executionTimeout < MinExecutionTimeout || r.executionTimeout > MaxExecutionTimeout || r.executionTimeout%time.Second != 0 {
		errs = append(errs, &PropError{Props: typ, Prop: "ExecutionTimeout", Value: r.executionTimeout.String(),
			Allowed: "whole seconds from 1s to 366 days (8784h0m0s)"})
	}
	const day = 24 * time.Hour
	if retention%day != 0 || retention < MinRetentionDays*day || retention > MaxRetentionDays*day {
		errs = append(errs, &PropError{Props: typ, Prop: "Retention", Value: retention.String(),
			Allowed: "a whole number of days from 1 to 90 (24h0m0s to 2160h0m0s)"})
	}
	r.retentionDays = int(retention / day)
	if r.functionTimeout < time.Second || r.functionTimeout > MaxFunctionTimeout || r.functionTimeout%time.Second != 0 {
		errs = append(errs, &PropError{Props: typ, Prop: "FunctionTimeout", Value: r.functionTimeout.String(),
			Allowed: "whole seconds from 1s to 15m0s"})
	}
	if r.memoryMiB < MinMemoryMiB || r.memoryMiB > MaxMemoryMiB {
		errs = append(errs, &PropError{Props: typ, Prop: "MemoryMiB", Value: fmt.Sprint(r.memoryMiB),
			Allowed: fmt.Sprintf("%d to %d", MinMemoryMiB, MaxMemoryMiB)})
	}
	if !aliasNamePattern.MatchString(r.aliasName) || strings.Trim(r.aliasName, "0123456789") == "" {
		errs = append(errs, &PropError{Props: typ, Prop: "AliasName", Value: fmt.Sprintf("%q", r.aliasName),
			Allowed: "1 to 128 letters, digits, '-' or '_', not all digits"})
	}
	for _, s := range r.statusFilter {
		if !s.Valid() {
			errs = append(errs, &PropError{Props: typ, Prop: "StatusFilter", Value: fmt.Sprintf("%q", s),
				Allowed: "RUNNING, SUCCEEDED, FAILED, TIMED_OUT or STOPPED"})
		}
	}
	r.architecture = in.Architecture
	if r.architecture == nil {
		r.architecture = awslambda.Architecture_ARM_64()
	}
	goarch, ok := goArchitectures[*r.architecture.Name()]
	if !ok {
		errs = append(errs, &PropError{Props: typ, Prop: "Architecture", Value: fmt.Sprintf("%q", *r.architecture.Name()),
			Allowed: "arm64 or x86_64"})
	}
	r.goarch = goarch
	return r, errors.Join(errs...)
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
