package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
)

// Branch is one branch of [Parallel]: an optional name (default
// "parallel-branch-<i>", or [WithItemNamer]'s) and its function.
type Branch[O any] struct {
	Name string
	Func func(Context) (O, error)
}

// Parallel runs the branches, each in its own child context (SubType
// ParallelBranch), concurrently up to [WithMaxConcurrency], and returns
// the [BatchResult] in branch order. It records and completes exactly like
// [Map] (one CONTEXT operation with SubType Parallel; fail-fast by
// default; a *[BatchError] only when the failure tolerance is exceeded).
func Parallel[O any](ctx Context, name string, branches []Branch[O], opts ...BatchOption) (BatchResult[O], error) {
	spec, err := newBatchSpec("Parallel", name, len(branches), opts)
	if err != nil {
		return BatchResult[O]{}, err
	}
	for i, b := range branches {
		if b.Func == nil {
			return BatchResult[O]{}, argumentError("Parallel", name, "branch %d has no function", i)
		}
		spec.nameBranch(i, b.Name)
	}
	return runBatch(ctx, spec, func(k Context, i int) (O, error) { return branches[i].Func(k) })
}

// nameBranch names branch i: its own name, else the namer's, else the
// default.
func (s *batchSpec) nameBranch(i int, name string) {
	switch {
	case name != "":
		s.names[i] = name
	case s.names[i] == "":
		s.names[i] = "parallel-branch-" + strconv.Itoa(i)
	}
}

// AnyBranch is a branch of [ParallelMixed], built with [NewTypedBranch].
type AnyBranch interface {
	branchName() string
	bind(index int, itemSerdes Serdes)
	runRaw(ctx Context) (json.RawMessage, error)
}

// TypedBranchOption configures a [TypedBranch].
type TypedBranchOption interface {
	applyTypedBranch(*typedBranchConfig)
}

type typedBranchConfig struct{ serdes Serdes }

type typedBranchOptionFunc func(*typedBranchConfig)

func (f typedBranchOptionFunc) applyTypedBranch(c *typedBranchConfig) { f(c) }

// WithTypedBranchSerdes sets the Serdes of the branch's value (default:
// the batch's item serdes, else the handler's).
func WithTypedBranchSerdes(s Serdes) TypedBranchOption {
	return typedBranchOptionFunc(func(c *typedBranchConfig) { c.serdes = s })
}

// TypedBranch is a branch of [ParallelMixed] with its own result type T.
type TypedBranch[T any] struct {
	name string
	fn   func(Context) (T, error)
	cfg  typedBranchConfig

	mu    sync.Mutex
	bound bool
	index int
	// serdes stores the value: the branch's own, else the batch's item
	// serdes (set when the branch is passed to ParallelMixed).
	serdes Serdes
}

// NewTypedBranch returns a branch of [ParallelMixed] named name (empty:
// "parallel-branch-<i>") that runs fn.
func NewTypedBranch[T any](name string, fn func(Context) (T, error), opts ...TypedBranchOption) *TypedBranch[T] {
	b := &TypedBranch[T]{name: name, fn: fn}
	for _, o := range opts {
		o.applyTypedBranch(&b.cfg)
	}
	return b
}

func (b *TypedBranch[T]) branchName() string { return b.name }

func (b *TypedBranch[T]) bind(index int, itemSerdes Serdes) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bound, b.index, b.serdes = true, index, b.cfg.serdes
	if b.serdes == nil {
		b.serdes = itemSerdes
	}
}

// runRaw runs the branch and marshals its value once with its serdes.
func (b *TypedBranch[T]) runRaw(ctx Context) (json.RawMessage, error) {
	v, err := b.fn(ctx)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	s := b.serdes
	b.mu.Unlock()
	out, err := s.Marshal(ctx, SerdesContext{DurableExecutionArn: ctx.ExecutionArn()}, v)
	if err != nil {
		return nil, newSerdesError("branch "+strconv.Quote(b.name), "serialize", err)
	}
	return out, nil
}

// Result returns this branch's value from the result of the ParallelMixed
// call it was passed to: the decoded value, the branch's error when it
// failed, or a *BranchNotCompletedError when it never started or was
// abandoned.
func (b *TypedBranch[T]) Result(res BatchResult[json.RawMessage]) (T, error) {
	var zero T
	b.mu.Lock()
	bound, index, s := b.bound, b.index, b.serdes
	b.mu.Unlock()
	if !bound {
		return zero, fmt.Errorf("durable: branch %q was not passed to ParallelMixed", b.name)
	}
	for _, it := range res.Items {
		if it.Index != index {
			continue
		}
		switch it.Status {
		case BatchItemFailed:
			return zero, it.Err
		case BatchItemSucceeded:
			var v T
			if err := s.Unmarshal(context.Background(), SerdesContext{}, it.Result, &v); err != nil {
				return zero, newSerdesError("branch "+strconv.Quote(it.Name), "deserialize", err)
			}
			return v, nil
		}
		return zero, &BranchNotCompletedError{Name: it.Name, Status: it.Status}
	}
	return zero, &BranchNotCompletedError{Name: b.name, Status: BatchItemNotStarted}
}

// ParallelMixed is [Parallel] over branches of different result types:
// each branch's value is marshaled once by its serdes and kept as raw
// bytes in the result; read it with TypedBranch.Result. It records the
// same operations and payloads as Parallel over the branch values.
func ParallelMixed(ctx Context, name string, branches []AnyBranch, opts ...BatchOption) (BatchResult[json.RawMessage], error) {
	spec, err := newBatchSpec("ParallelMixed", name, len(branches), opts)
	if err != nil {
		return BatchResult[json.RawMessage]{}, err
	}
	itemSerdes := ctx.impl().inv.opts.serdesOr(spec.cfg.itemSerdes)
	for i, b := range branches {
		if b == nil {
			return BatchResult[json.RawMessage]{}, argumentError("ParallelMixed", name, "branch %d is nil", i)
		}
		b.bind(i, itemSerdes)
		spec.nameBranch(i, b.branchName())
	}
	// The branch serdes already produced the stored bytes.
	spec.cfg.itemSerdes = RawSerdes{}
	return runBatch(ctx, spec, func(k Context, i int) (json.RawMessage, error) { return branches[i].runRaw(k) })
}
