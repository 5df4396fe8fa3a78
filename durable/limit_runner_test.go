package durable_test

import (
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/wire"
)

// largeResultCase is one size of a child or batch result around the
// operation payload limit.
type largeResultCase struct {
	name string
	// extra is how many bytes the serialized result exceeds the limit by
	// (0: exactly at the limit).
	extra int
	// summarized tells whether the result must be replaced by its summary
	// with ReplayChildren.
	summarized bool
}

var largeResultCases = []largeResultCase{
	{name: "exactly 256 KiB is stored", extra: 0, summarized: false},
	{name: "one byte over is summarized", extra: 1, summarized: true},
}

// checkLargeResult runs handler on the local runner (a Wait after the
// child or batch makes the second invocation replay it) and checks the
// CONTEXT operation named name: at the limit its result is the whole
// 256 KiB payload with no ReplayChildren; over it, the summary with
// ReplayChildren. The execution's result must be want either way, the
// replay rebuilding an unstored result from the children's records.
func checkLargeResult(t *testing.T, handler durable.Handler[int, string], in int, name string, tc largeResultCase, want string) {
	t.Helper()
	r := durabletest.NewLocalRunner(handler)
	res, err := r.RunUntilComplete(in, durabletest.WithMaxInvocations(10))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durabletest.StatusSucceeded {
		t.Fatalf("status %s (%v), want SUCCEEDED", res.Status, res.Error)
	}
	if res.RawResult != want {
		t.Errorf("execution result %.80s, want %.80s", res.RawResult, want)
	}
	op := res.Operation(name)
	if op == nil || op.ContextDetails == nil {
		t.Fatalf("no CONTEXT operation %q with details in %v", name, res.EventTypes())
	}
	got := op.ContextDetails
	if tc.summarized {
		if !got.ReplayChildren || len(got.Result) > 1024 || !strings.Contains(got.Result, "summary") {
			t.Errorf("ReplayChildren %v, result %.80q: want the summary with ReplayChildren", got.ReplayChildren, got.Result)
		}
		return
	}
	if got.ReplayChildren || len(got.Result) != wire.MaxOperationPayloadBytes {
		t.Errorf("ReplayChildren %v, result of %d bytes: want the result itself, %d bytes", got.ReplayChildren, len(got.Result), wire.MaxOperationPayloadBytes)
	}
}

// TestChildResultAtPayloadLimit: a child context's result whose JSON form
// is exactly 256 KiB is checkpointed as it is; one byte more and the
// summary is recorded instead (protocol: results over the limit are not
// stored, the children replay).
func TestChildResultAtPayloadLimit(t *testing.T) {
	for _, tc := range largeResultCases {
		t.Run(tc.name, func(t *testing.T) {
			// A JSON string of n ASCII letters is n+2 bytes.
			n := wire.MaxOperationPayloadBytes - 2 + tc.extra
			handler := func(ctx durable.Context, n int) (string, error) {
				s, err := durable.RunInChildContext(ctx, "big", func(cc durable.Context) (string, error) {
					part, err := durable.Step(cc, "part", func(durable.StepContext) (string, error) { return "x", nil })
					return strings.Repeat(part, n), err
				}, durable.WithChildSummary(func(string) string { return "summary" }))
				if err != nil {
					return "", err
				}
				if err := durable.Wait(ctx, "w", time.Second); err != nil {
					return "", err
				}
				return s[:3] + "…" + string(rune('0'+len(s)%10)), nil
			}
			want := `"xxx…` + string(rune('0'+n%10)) + `"`
			checkLargeResult(t, handler, n, "big", tc, want)
		})
	}
}

// TestBatchResultAtPayloadLimit: a Map whose BatchResult serializes to
// exactly 256 KiB is checkpointed as it is; one byte more and the summary
// is recorded instead.
func TestBatchResultAtPayloadLimit(t *testing.T) {
	// base is the serialized size of the batch result with an empty item;
	// each ASCII letter of the item adds one byte.
	base := batchResultSize(t)
	for _, tc := range largeResultCases {
		t.Run(tc.name, func(t *testing.T) {
			n := wire.MaxOperationPayloadBytes - base + tc.extra
			handler := func(ctx durable.Context, n int) (string, error) {
				br, err := durable.Map(ctx, "big", []int{n}, func(cc durable.Context, n, _ int) (string, error) {
					return strings.Repeat("y", n), nil
				}, durable.WithBatchSummary(func(durable.BatchResult[string]) string { return "summary" }))
				if err != nil {
					return "", err
				}
				if err := durable.Wait(ctx, "w", time.Second); err != nil {
					return "", err
				}
				rs := br.Results()
				if len(rs) != 1 {
					return "", nil
				}
				return rs[0][:3] + "…" + string(rune('0'+len(rs[0])%10)), nil
			}
			want := `"yyy…` + string(rune('0'+n%10)) + `"`
			checkLargeResult(t, handler, n, "big", tc, want)
		})
	}
}

// batchResultSize returns the size of the recorded result of a one-item
// Map of string whose item is empty.
func batchResultSize(t *testing.T) int {
	t.Helper()
	r := durabletest.NewLocalRunner(func(ctx durable.Context, _ int) (int, error) {
		br, err := durable.Map(ctx, "small", []int{0}, func(durable.Context, int, int) (string, error) { return "", nil })
		return br.SuccessCount(), err
	})
	res, err := r.RunUntilComplete(0)
	if err != nil {
		t.Fatal(err)
	}
	op := res.Operation("small")
	if res.Status != durabletest.StatusSucceeded || op == nil || op.ContextDetails == nil || op.ContextDetails.Result == "" {
		t.Fatalf("status %s, operation %+v: want a SUCCEEDED Map with a recorded result", res.Status, op)
	}
	return len(op.ContextDetails.Result)
}
