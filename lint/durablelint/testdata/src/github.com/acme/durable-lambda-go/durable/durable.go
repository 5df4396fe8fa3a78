// Package durable is a signature-only stand-in for the SDK, for the
// analyzers' tests: the analyzers only look at names and types.
package durable

import (
	"context"
	"log/slog"
	"time"
)

type Context interface {
	context.Context
	RequestID() string
	Logger() *slog.Logger
	IsReplaying() bool
}

type StepContext interface {
	context.Context
	Logger() *slog.Logger
	Attempt() int
}

type Handler[I, O any] func(ctx Context, event I) (O, error)

type Void struct{}

type Future[O any] struct{}

func (f *Future[O]) Result(ctx Context) (O, error) { var o O; return o, nil }
func (f *Future[O]) Await(ctx Context) error       { return nil }

type Callback[O any] struct{}

func (cb *Callback[O]) ID() string                    { return "" }
func (cb *Callback[O]) Result(ctx Context) (O, error) { var o O; return o, nil }

type Branch[O any] struct {
	Name string
	Func func(Context) (O, error)
}

type TypedBranch[T any] struct{}

type AnyBranch interface{}

type BatchResult[O any] struct{}

func (r BatchResult[O]) Results() []O { return nil }

type RetryStrategy func(int) bool

type StepOption interface{}
type ChildOption interface{}
type BatchOption interface{}

type ConditionConfig[S any] struct {
	InitialState S
}

func Start[I, O any](handler Handler[I, O]) {}
func Step[O any](ctx Context, name string, fn func(StepContext) (O, error), opts ...StepOption) (O, error) {
	var o O
	return o, nil
}
func StepAsync[O any](ctx Context, name string, fn func(StepContext) (O, error), opts ...StepOption) *Future[O] {
	return nil
}
func Wait(ctx Context, name string, d time.Duration) error              { return nil }
func WaitAsync(ctx Context, name string, d time.Duration) *Future[Void] { return nil }
func RunInChildContext[O any](ctx Context, name string, fn func(Context) (O, error), opts ...ChildOption) (O, error) {
	var o O
	return o, nil
}
func RunInChildContextAsync[O any](ctx Context, name string, fn func(Context) (O, error), opts ...ChildOption) *Future[O] {
	return nil
}
func Go[O any](ctx Context, name string, fn func(Context) (O, error), opts ...ChildOption) *Future[O] {
	return nil
}
func Map[I, O any](ctx Context, name string, items []I, fn func(ctx Context, item I, index int) (O, error), opts ...BatchOption) (BatchResult[O], error) {
	return BatchResult[O]{}, nil
}
func Parallel[O any](ctx Context, name string, branches []Branch[O], opts ...BatchOption) (BatchResult[O], error) {
	return BatchResult[O]{}, nil
}
func Select[O any](ctx Context, name string, branches []Branch[O], opts ...ChildOption) (string, O, error) {
	var o O
	return "", o, nil
}
func NewTypedBranch[T any](name string, fn func(Context) (T, error)) *TypedBranch[T] { return nil }
func Retry[O any](ctx Context, name string, fn func(ctx Context, attempt int) (O, error), strategy RetryStrategy) (O, error) {
	var o O
	return o, nil
}
func WaitForCondition[S any](ctx Context, name string, check func(StepContext, S) (S, error), cfg ConditionConfig[S]) (S, error) {
	var s S
	return s, nil
}
func WaitForCallback[O any](ctx Context, name string, submitter func(sc StepContext, callbackID string) error) (O, error) {
	var o O
	return o, nil
}
func CreateCallback[O any](ctx Context, name string) (*Callback[O], error) { return nil, nil }
func Invoke[O, I any](ctx Context, name, functionID string, input I) (O, error) {
	var o O
	return o, nil
}
func All[O any](ctx Context, name string, fs []*Future[O]) ([]O, error) { return nil, nil }
func ExecutionStartTime(ctx Context) time.Time                          { return time.Time{} }
