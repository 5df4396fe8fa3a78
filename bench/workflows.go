// Package bench holds what the benchmarks of the SDK (package durable) and
// of the local runner (package durabletest) share: the workflows of the
// JavaScript anchor (../shared/anchors/js/workflows.mjs) written on the Go
// SDK, and MemClient, an in-memory durable.ExecutionClient with a driver
// that runs a handler to its end without the emulator.
//
// The benchmarks themselves live next to the code they measure:
//
//	go test -run '^$' -bench . -benchmem ./durable/ ./durable/durabletest/
//
// BenchmarkSDK (durable/bench_test.go) calls the handler returned by
// durable.Wrap directly with a MemClient, so it measures the SDK alone;
// BenchmarkRunner (durable/durabletest/bench_test.go) runs the same
// workflows through durabletest.LocalRunner on virtual time. bench/compare.sh
// runs both next to the JavaScript anchor and prints the ratios;
// BENCHMARKS.md at the repository root holds the figures.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/lambda/workflow"
)

// SeqInput is the input of Seq and SeqThenWait: the number of steps.
type SeqInput struct {
	N int `json:"n"`
}

// SeqItem is what each step of Seq returns.
type SeqItem struct {
	I  int  `json:"i"`
	OK bool `json:"ok"`
}

// SeqOutput is the result of Seq and SeqThenWait.
type SeqOutput struct {
	Steps int     `json:"steps"`
	Last  SeqItem `json:"last"`
}

// Seq runs in.N sequential steps "step-<i>", each returning {i, ok: true}
// (the anchor's seq-N).
func Seq(ctx durable.Context, in SeqInput) (SeqOutput, error) {
	return seqSteps(ctx, in.N)
}

// SeqThenWait runs Seq's steps, then waits one second, so that the
// execution's second invocation replays in.N completed steps (the anchor's
// "replay" fixture).
func SeqThenWait(ctx durable.Context, in SeqInput) (SeqOutput, error) {
	out, err := seqSteps(ctx, in.N)
	if err != nil {
		return SeqOutput{}, err
	}
	if err := durable.Wait(ctx, "after-steps", time.Second); err != nil {
		return SeqOutput{}, err
	}
	return out, nil
}

func seqSteps(ctx durable.Context, n int) (SeqOutput, error) {
	var last SeqItem
	for i := range n {
		item, err := durable.Step(ctx, fmt.Sprintf("step-%d", i), func(durable.StepContext) (SeqItem, error) {
			return SeqItem{I: i, OK: true}, nil
		})
		if err != nil {
			return SeqOutput{}, err
		}
		last = item
	}
	return SeqOutput{Steps: n, Last: last}, nil
}

// MapItem is what each item of MapSteps returns.
type MapItem struct {
	Index   int `json:"index"`
	Doubled int `json:"doubled"`
}

// MapOutput is the result of MapSteps. Results is filled for at most 10
// items, as in the anchor.
type MapOutput struct {
	SuccessCount     int       `json:"successCount"`
	FailureCount     int       `json:"failureCount"`
	TotalCount       int       `json:"totalCount"`
	CompletionReason string    `json:"completionReason"`
	Sum              int       `json:"sum"`
	Results          []MapItem `json:"results,omitempty"`
}

// MapSteps maps over the numbers 0..in.N-1, each item running one step
// "process" that doubles it, with the default (unbounded) concurrency (the
// anchor's map-N).
func MapSteps(ctx durable.Context, in SeqInput) (MapOutput, error) {
	items := make([]int, in.N)
	for i := range items {
		items[i] = i
	}
	br, err := durable.Map(ctx, "map", items, func(c durable.Context, item, index int) (MapItem, error) {
		return durable.Step(c, "process", func(durable.StepContext) (MapItem, error) {
			return MapItem{Index: index, Doubled: item * 2}, nil
		})
	})
	if err != nil {
		return MapOutput{}, err
	}
	out := MapOutput{SuccessCount: br.SuccessCount(), FailureCount: br.FailureCount(), TotalCount: br.TotalCount(),
		CompletionReason: br.Reason.String()}
	results := br.Results()
	for _, r := range results {
		out.Sum += r.Doubled
	}
	if in.N <= 10 {
		out.Results = results
	}
	return out, nil
}

// WaitChainItem is what each step of WaitChain returns: its number and
// the time it ran, in Unix milliseconds.
type WaitChainItem struct {
	K  int   `json:"k"`
	At int64 `json:"at"`
}

// WaitChainOutput is the result of WaitChain: the steps' numbers in the
// order they returned.
type WaitChainOutput struct {
	Steps []int `json:"steps"`
}

// WaitChain runs steps "step-1".."step-3" with a one-hour wait between
// each (the anchor's wait-chain): three invocations.
func WaitChain(ctx durable.Context, _ struct{}) (WaitChainOutput, error) {
	var out WaitChainOutput
	for k := 1; k <= 3; k++ {
		item, err := durable.Step(ctx, fmt.Sprintf("step-%d", k), func(durable.StepContext) (WaitChainItem, error) {
			return WaitChainItem{K: k, At: time.Now().UnixMilli()}, nil
		})
		if err != nil {
			return WaitChainOutput{}, err
		}
		out.Steps = append(out.Steps, item.K)
		if k < 3 {
			if err := durable.Wait(ctx, fmt.Sprintf("wait-%d", k), time.Hour); err != nil {
				return WaitChainOutput{}, err
			}
		}
	}
	return out, nil
}

// RetryOutput is the result of Retry: the attempt that succeeded.
type RetryOutput struct {
	OK      bool `json:"ok"`
	Attempt int  `json:"attempt"`
}

// errTransient is the failure of Retry's first two attempts.
var errTransient = errors.New("transient failure")

// retryStrategy is Retry's schedule: 3 attempts, 1 s then 2 s, no jitter.
var retryStrategy = durable.MustNewRetryStrategy(durable.RetryConfig{
	MaxAttempts:  3,
	InitialDelay: time.Second,
	BackoffRate:  2,
	Jitter:       durable.JitterNone,
})

// Retry runs one step "flaky" that fails on attempts 1 and 2 and succeeds
// on attempt 3 (the anchor's retry): three invocations.
func Retry(ctx durable.Context, _ struct{}) (RetryOutput, error) {
	return durable.Step(ctx, "flaky", func(sc durable.StepContext) (RetryOutput, error) {
		if sc.Attempt() < 3 {
			return RetryOutput{}, fmt.Errorf("attempt %d: %w", sc.Attempt(), errTransient)
		}
		return RetryOutput{OK: true, Attempt: sc.Attempt()}, nil
	}, durable.WithRetry(retryStrategy))
}

// SeedInput is the anchor's input of the seed workflow.
var SeedInput = json.RawMessage(`{"message":"hello durable world","execution_name":"seed-execution-1"}`)

// Seed returns the deployed seed workflow (package lambda/workflow) with a
// store that keeps nothing, so that only the SDK's work is measured.
func Seed() durable.Handler[json.RawMessage, workflow.Output] {
	w, err := workflow.New(workflow.Config{Store: discardStore{}})
	if err != nil {
		panic(fmt.Sprintf("bench: building the seed workflow: %v", err))
	}
	return w.Handle
}

// discardStore accepts every Put.
type discardStore struct{}

func (discardStore) Put(context.Context, string, string) error { return nil }

// CallbackOutput is the result of Callback.
type CallbackOutput struct {
	Before struct {
		Ready bool `json:"ready"`
	} `json:"before"`
	Answer string `json:"answer"`
	After  struct {
		Got string `json:"got"`
	} `json:"after"`
}

// Callback runs step "before", a WaitForCallback "approval" with a 1-hour
// timeout whose submitter does nothing, and step "after" holding the
// callback's answer (the anchor's callback reference workflow). The answer
// is the callback's text, read with the default Serdes.
func Callback(ctx durable.Context, _ struct{}) (CallbackOutput, error) {
	var out CallbackOutput
	var err error
	if out.Before, err = durable.Step(ctx, "before", func(durable.StepContext) (struct {
		Ready bool `json:"ready"`
	}, error) {
		return struct {
			Ready bool `json:"ready"`
		}{Ready: true}, nil
	}); err != nil {
		return out, err
	}
	if out.Answer, err = durable.WaitForCallback[string](ctx, "approval", func(durable.StepContext, string) error { return nil },
		durable.WithCallbackTimeout(time.Hour)); err != nil {
		return out, err
	}
	out.After, err = durable.Step(ctx, "after", func(durable.StepContext) (struct {
		Got string `json:"got"`
	}, error) {
		return struct {
			Got string `json:"got"`
		}{Got: out.Answer}, nil
	})
	return out, err
}
