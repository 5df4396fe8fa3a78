package durable_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/acme/durable-lambda-go/durable"
)

func ExampleMap() {
	handler := func(ctx durable.Context, names []string) ([]string, error) {
		res, err := durable.Map(ctx, "greet-all", names, func(cc durable.Context, name string, _ int) (string, error) {
			return durable.Step(cc, "greet", func(durable.StepContext) (string, error) { return "Hello, " + name + "!", nil })
		}, durable.WithMaxConcurrency(2))
		if err != nil {
			return nil, err
		}
		return res.Results(), nil
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`["Ann","Bob"]`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"[\"Hello, Ann!\",\"Hello, Bob!\"]"}
}

func ExampleParallel() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		tolerate := 1
		res, err := durable.Parallel(ctx, "checks", []durable.Branch[string]{
			{Name: "fraud", Func: func(durable.Context) (string, error) { return "clean", nil }},
			{Name: "stock", Func: func(durable.Context) (string, error) { return "", errors.New("warehouse offline") }},
		}, durable.WithCompletion(durable.CompletionConfig{ToleratedFailureCount: &tolerate}))
		if err != nil { // only when more than one branch failed
			return "", err
		}
		fraud, _ := res.Result("fraud")
		_, stockErr := res.Result("stock")
		return fmt.Sprintf("%s; %d failed (%v); %s", fraud, res.FailureCount(), stockErr, res.Reason), nil
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	var env struct{ Result string }
	_ = json.Unmarshal(out, &env)
	fmt.Println(env.Result)
	// Output: "clean; 1 failed (warehouse offline); ALL_COMPLETED"
}

func ExampleParallelMixed() {
	handler := func(ctx durable.Context, _ any) (string, error) {
		name := durable.NewTypedBranch("name", func(durable.Context) (string, error) { return "widget", nil })
		qty := durable.NewTypedBranch("qty", func(durable.Context) (int, error) { return 3, nil })
		res, err := durable.ParallelMixed(ctx, "lookup", []durable.AnyBranch{name, qty})
		if err != nil {
			return "", err
		}
		n, err := name.Result(res)
		if err != nil {
			return "", err
		}
		q, err := qty.Result(res)
		return strings.Repeat(n+" ", q), err
	}
	out, _ := durable.Wrap(handler, durable.WithExecutionClient(&acceptAll{}))(context.Background(), firstInvocation(`null`))
	fmt.Println(string(out))
	// Output: {"Status":"SUCCEEDED","Result":"\"widget widget widget \""}
}
