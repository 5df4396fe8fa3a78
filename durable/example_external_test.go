package durable_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
)

// approval is what the approver posts back.
type approval struct {
	Approved bool   `json:"approved"`
	By       string `json:"by"`
}

func ExampleCreateCallback() {
	handler := func(ctx durable.Context, order string) (string, error) {
		// Callback results are raw text by default; decode this one as JSON.
		cb, err := durable.CreateCallback[approval](ctx, "approval", durable.WithCallbackTimeout(24*time.Hour),
			durable.WithCallbackSerdes(durable.JSONSerdes{}))
		if err != nil {
			return "", err
		}
		// Hand cb.ID() to the approver inside a step, so it is sent once.
		if _, err := durable.Step(ctx, "request-approval", func(sc durable.StepContext) (string, error) {
			return "sent " + cb.ID(), nil
		}); err != nil {
			return "", err
		}
		a, err := cb.Result(ctx) // suspends until the approver answers
		if errors.Is(err, durable.ErrCallbackTimedOut) {
			return order + " expired", nil
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s approved=%v by %s", order, a.Approved, a.By), nil
	}

	r := durabletest.NewLocalRunner(handler)
	res, _ := r.RunUntilComplete("order-7")
	fmt.Println(res.Status, "waiting for", r.OpenCallbacks()[0].Name)

	// The external system posts {"approved":true,"by":"ada"}.
	_ = r.SendCallbackSuccess(r.OpenCallbacks()[0].CallbackID, approval{Approved: true, By: "ada"})
	res, _ = r.RunUntilComplete("order-7")
	out, _ := durabletest.ResultAs[string](res)
	fmt.Println(res.Status, out)
	// Output:
	// PENDING waiting for approval
	// SUCCEEDED order-7 approved=true by ada
}

func ExampleWaitForCallback() {
	handler := func(ctx durable.Context, doc string) (string, error) {
		verdict, err := durable.WaitForCallback[string](ctx, "review", func(sc durable.StepContext, callbackID string) error {
			// Send the id to the reviewer (a queue, an e-mail, a ticket).
			sc.Logger().Info("review requested", "document", doc, "callbackId", callbackID)
			return nil
		}, durable.WithSubmitterRetry(durable.NoRetry()), durable.WithCallbackHeartbeatTimeout(time.Hour))
		var rejected *durable.CallbackExternalError
		if errors.As(err, &rejected) {
			return "rejected: " + rejected.Message, nil
		}
		return verdict, err
	}

	r := durabletest.NewLocalRunner(handler, durable.WithLogHandler(slog.DiscardHandler))
	_, _ = r.RunUntilComplete("design.md")
	_ = r.SendCallbackFailure(r.OpenCallbacks()[0].CallbackID, "Rejected", "needs more diagrams")
	res, _ := r.RunUntilComplete("design.md")
	out, _ := durabletest.ResultAs[string](res)
	fmt.Println(res.Status, out)
	fmt.Print(res.FormatTree(durabletest.ColumnType, durabletest.ColumnStatus))
	// Output:
	// SUCCEEDED rejected: needs more diagrams
	// execution SUCCEEDED
	// └── review  CONTEXT/WaitForCallback  FAILED
	//     ├── (unnamed)  CALLBACK/Callback  FAILED
	//     └── (unnamed)  STEP/Step  SUCCEEDED
}

// price is the pricing service's answer.
type price struct {
	SKU   string `json:"sku"`
	Cents int    `json:"cents"`
}

func ExampleInvoke() {
	handler := func(ctx durable.Context, sku string) (int, error) {
		p, err := durable.Invoke[price](ctx, "get-price", "pricing:live", map[string]string{"sku": sku})
		var failed *durable.InvokeError
		if errors.As(err, &failed) {
			return 0, fmt.Errorf("pricing %s: %w", failed.Status, err)
		}
		return p.Cents, err
	}

	r := durabletest.NewLocalRunner(handler)
	// A plain (non-durable) function stands in for the pricing service.
	r.RegisterFunction("pricing:live", durabletest.PlainFunction(func(_ context.Context, in map[string]string) (price, error) {
		return price{SKU: in["sku"], Cents: 1250}, nil
	}))
	res, _ := r.RunUntilComplete("sku-1")
	out, _ := durabletest.ResultAs[int](res)
	fmt.Println(res.Status, out)
	// Output:
	// SUCCEEDED 1250
}

func ExampleInvokeAsync() {
	handler := func(ctx durable.Context, skus []string) (int, error) {
		futures := make([]*durable.Future[price], len(skus))
		for i, sku := range skus {
			futures[i] = durable.InvokeAsync[price](ctx, "price-"+sku, "pricing:live", map[string]string{"sku": sku})
		}
		prices, err := durable.All(ctx, "all-prices", futures)
		total := 0
		for _, p := range prices {
			total += p.Cents
		}
		return total, err
	}

	r := durabletest.NewLocalRunner(handler)
	r.RegisterFunction("pricing:live", durabletest.PlainFunction(func(_ context.Context, in map[string]string) (price, error) {
		return price{SKU: in["sku"], Cents: 100 * len(in["sku"])}, nil
	}))
	res, _ := r.RunUntilComplete([]string{"a", "bb", "ccc"})
	out, _ := durabletest.ResultAs[int](res)
	fmt.Println(res.Status, out)
	// Output:
	// SUCCEEDED 600
}

// job is the state a poll threads from check to check.
type job struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Polls  int    `json:"polls"`
}

func ExampleWaitForCondition() {
	handler := func(ctx durable.Context, id string) (job, error) {
		return durable.WaitForCondition(ctx, "await-job", func(sc durable.StepContext, j job) (job, error) {
			// Ask the job service (here: done on the third look).
			j.Polls++
			if j.Polls == 3 {
				j.Status = "DONE"
			}
			return j, nil
		}, durable.ConditionConfig[job]{
			InitialState: job{ID: id, Status: "RUNNING"},
			WaitStrategy: durable.MustNewWaitStrategy(durable.WaitConfig[job]{
				ShouldContinue: func(j job) bool { return j.Status != "DONE" },
				InitialDelay:   10 * time.Second,
				MaxAttempts:    20,
			}),
		})
	}

	r := durabletest.NewLocalRunner(handler)
	res, _ := r.RunUntilComplete("job-42")
	out, _ := durabletest.ResultAs[job](res)
	fmt.Printf("%s %+v after %d invocations\n", res.Status, out, len(res.Invocations))
	// Output:
	// SUCCEEDED {ID:job-42 Status:DONE Polls:3} after 3 invocations
}

func ExampleNewWaitStrategy() {
	strategy, err := durable.NewWaitStrategy(durable.WaitConfig[int]{
		ShouldContinue: func(pending int) bool { return pending > 0 },
		InitialDelay:   2 * time.Second,
		BackoffRate:    2,
		MaxAttempts:    4,
		Jitter:         durable.JitterNone,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for attempt := 1; attempt <= 4; attempt++ {
		d := strategy(7, attempt)
		fmt.Println(attempt, d.Continue, d.Delay, d.Err)
	}
	fmt.Println(strategy(0, 1).Continue)
	// Output:
	// 1 true 2s <nil>
	// 2 true 4s <nil>
	// 3 true 8s <nil>
	// 4 false 0s the condition was still unmet after 4 attempts
	// false
}

func ExampleCallbackResultSerdes() {
	var s durable.CallbackResultSerdes
	ctx := context.Background()
	for _, posted := range []string{`"approved"`, `approved`, `{"approved":true}`} {
		var text string
		_ = s.Unmarshal(ctx, durable.SerdesContext{}, []byte(posted), &text)
		var a approval
		err := s.Unmarshal(ctx, durable.SerdesContext{}, []byte(posted), &a)
		fmt.Printf("%-18s string %q, struct %+v (error: %v)\n", posted, text, a, err != nil)
	}
	// Output:
	// "approved"         string "approved", struct {Approved:false By:} (error: true)
	// approved           string "approved", struct {Approved:false By:} (error: true)
	// {"approved":true}  string "{\"approved\":true}", struct {Approved:true By:} (error: false)
}

// base64Serdes records values as base64 of their JSON.
var base64Serdes = durable.SerdesOf(
	func(v any) ([]byte, error) {
		b, err := json.Marshal(v)
		return []byte(`"` + base64.StdEncoding.EncodeToString(b) + `"`), err
	},
	func(b []byte) (any, error) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		var v any
		return v, json.Unmarshal(raw, &v)
	})

func ExampleConfigureSerdes() {
	handler := func(ctx durable.Context, _ any) (any, error) {
		// First thing, on every invocation.
		if err := durable.ConfigureSerdes(ctx, durable.SerdesConfig{Serdes: base64Serdes}); err != nil {
			return nil, err
		}
		return durable.Step(ctx, "secret", func(durable.StepContext) (any, error) {
			return map[string]any{"pin": 1234}, nil
		})
	}
	r := durabletest.NewLocalRunner(handler)
	res, _ := r.RunUntilComplete(nil)
	fmt.Println("recorded:", res.Operation("secret").StepDetails.Result)
	fmt.Println("result:  ", res.RawResult)
	// Output:
	// recorded: "eyJwaW4iOjEyMzR9"
	// result:   "eyJwaW4iOjEyMzR9"
}

func ExampleConfigureLogging() {
	// Drop the attributes that vary from run to run.
	stable := func(_ []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case slog.TimeKey, "requestId", "executionArn":
			return slog.Attr{}
		}
		return a
	}
	handler := func(ctx durable.Context, sku string) (string, error) {
		if err := durable.ConfigureLogging(ctx, durable.LogConfig{
			Handler: slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stable}),
			Level:   slog.LevelWarn,
		}); err != nil {
			return "", err
		}
		ctx.Logger().Info("checking stock", "sku", sku)
		ctx.Logger().Warn("low stock", "sku", sku)
		return "ok", nil
	}
	r := durabletest.NewLocalRunner(handler)
	_, _ = r.RunUntilComplete("a-1")
	// Output:
	// level=WARN msg="low stock" sku=a-1
}
