package bench

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/lambda/workflow"
	"github.com/acme/durable-lambda-go/wire"
)

// Case is one benchmarked workflow configuration, named like the anchor's
// rows ("seq-1000", "replay-100", "wait-chain", ...).
type Case struct {
	Name string
	// Steps is the number of step operations the execution runs (the
	// per-step figures divide by it).
	Steps int
	// Operations is the number of operations the execution records; the
	// runner's execution is limited to exactly that many
	// (durabletest.WithMaxOperations), beyond the service's 3,000.
	Operations int
	// ReplaySteps, when non-zero, makes the SDK-alone benchmark one
	// invocation replaying that many completed steps (ReplayPayload);
	// through the runner, the case is the whole execution.
	ReplaySteps int
	// Concurrent says that operations run concurrently, so how updates
	// are batched into checkpoint calls depends on timing.
	Concurrent bool
	// KeepLog says that the SDK alone needs MemClient's operation log:
	// the execution takes more than one invocation.
	KeepLog bool
	// Input is the serialized input of the execution.
	Input []byte
	// Wrap wraps the case's handler with durable.Wrap.
	Wrap func(opts ...durable.HandlerOption) Invoke
	// RunLocal runs one execution of the handler to its end through a new
	// durabletest.LocalRunner and returns its result and the checkpoint
	// calls the handler made.
	RunLocal func(opts ...durable.HandlerOption) (*durabletest.TestResult, int, error)
	// Check checks the execution's serialized result.
	Check func(result string) error
}

// Cases returns the benchmarked configurations in the order of the
// anchor's table.
func Cases() []Case {
	var cs []Case
	for _, n := range []int{10, 100, 1000, 10000} {
		cs = append(cs, Case{Name: fmt.Sprintf("seq-%d", n), Steps: n, Operations: n,
			Input: mustJSON(SeqInput{N: n}), Wrap: wrapper(Seq), RunLocal: localRunner(Seq, SeqInput{N: n}, n), Check: checkSeq(n)})
	}
	for _, n := range []int{10, 100, 1000, 10000} {
		cs = append(cs, Case{Name: fmt.Sprintf("replay-%d", n), Steps: n, Operations: n + 1, ReplaySteps: n, KeepLog: true,
			Input: mustJSON(SeqInput{N: n}), Wrap: wrapper(SeqThenWait), RunLocal: localRunner(SeqThenWait, SeqInput{N: n}, n+1), Check: checkSeq(n)})
	}
	for _, n := range []int{10, 100, 1000} {
		cs = append(cs, Case{Name: fmt.Sprintf("map-%d", n), Steps: n, Operations: 2*n + 1, Concurrent: true,
			Input: mustJSON(SeqInput{N: n}), Wrap: wrapper(MapSteps), RunLocal: localRunner(MapSteps, SeqInput{N: n}, 2*n+1), Check: checkMap(n)})
	}
	cs = append(cs,
		Case{Name: "wait-chain", Steps: 3, Operations: 5, KeepLog: true, Input: []byte(`{}`),
			Wrap: wrapper(WaitChain), RunLocal: localRunner(WaitChain, struct{}{}, 5), Check: checkEqual(`{"steps":[1,2,3]}`)},
		Case{Name: "retry", Steps: 1, Operations: 1, KeepLog: true, Input: []byte(`{}`),
			Wrap: wrapper(Retry), RunLocal: localRunner(Retry, struct{}{}, 1), Check: checkEqual(`{"ok":true,"attempt":3}`)},
		Case{Name: "seed", Steps: 3, Operations: 3, Input: SeedInput,
			Wrap: wrapper(Seed()), RunLocal: localRunner(Seed(), SeedInput, 3), Check: checkSeed},
	)
	return cs
}

// wrapper returns a Case.Wrap for handler h.
func wrapper[I, O any](h durable.Handler[I, O]) func(opts ...durable.HandlerOption) Invoke {
	return func(opts ...durable.HandlerOption) Invoke { return durable.Wrap(h, opts...) }
}

// localRunner returns a Case.RunLocal for handler h and event, whose
// execution may record ops operations. The runner's replay check (one more run of the handler against the whole
// history) is off: the JavaScript runner has none, and the benchmark
// compares one execution with one execution.
func localRunner[I, O any](h durable.Handler[I, O], event I, ops int) func(opts ...durable.HandlerOption) (*durabletest.TestResult, int, error) {
	return func(opts ...durable.HandlerOption) (*durabletest.TestResult, int, error) {
		r := durabletest.NewLocalRunner(h, opts...)
		res, err := r.RunUntilComplete(event, durabletest.WithoutReplayCheck(), durabletest.WithMaxOperations(ops))
		return res, r.Checkpoints(), err
	}
}

// ClientUpdates counts the operation updates a handler sent, from the
// event types of the execution's history (TestResult.EventTypes): each update the SDK checkpoints for a step, wait or
// child context records exactly one of these events (the EXECUTION's own
// update records none; the service's timers record the others).
func ClientUpdates(eventTypes []string) int {
	n := 0
	for _, t := range eventTypes {
		switch wire.EventType(t) {
		case wire.EventStepStarted, wire.EventStepSucceeded, wire.EventStepFailed,
			wire.EventWaitStarted, wire.EventWaitCancelled,
			wire.EventContextStarted, wire.EventContextSucceeded, wire.EventContextFailed:
			n++
		}
	}
	return n
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("bench: encoding %T: %v", v, err))
	}
	return b
}

func checkEqual(want string) func(string) error {
	return func(got string) error {
		if got != want {
			return fmt.Errorf("result %s, want %s", got, want)
		}
		return nil
	}
}

func checkSeq(n int) func(string) error {
	return checkEqual(string(mustJSON(SeqOutput{Steps: n, Last: SeqItem{I: n - 1, OK: true}})))
}

func checkMap(n int) func(string) error {
	return func(result string) error {
		var out MapOutput
		if err := json.Unmarshal([]byte(result), &out); err != nil {
			return fmt.Errorf("result %s: %w", result, err)
		}
		if out.SuccessCount != n || out.FailureCount != 0 || out.TotalCount != n || out.Sum != n*(n-1) {
			return fmt.Errorf("result %s, want %d successes summing to %d", result, n, n*(n-1))
		}
		return nil
	}
}

func checkSeed(result string) error {
	var out workflow.Output
	if err := json.Unmarshal([]byte(result), &out); err != nil {
		return fmt.Errorf("result %s: %w", result, err)
	}
	if out.StepsCompleted != 3 || out.Status != "completed" || out.FinalResult != "stored messages/seed-execution-1" {
		return fmt.Errorf("result %s, want 3 steps completed storing messages/seed-execution-1", result)
	}
	return nil
}

// PrepareSDK readies the case for runs through the SDK alone: a fresh
// MemClient, the handler wrapped on it (quiet logs) and, for a replay case,
// the replaying invocation's payload. Pass them to Execute.
func (c Case) PrepareSDK(ctx context.Context) (fn Invoke, client *MemClient, payload []byte, err error) {
	client = NewMemClient(c.KeepLog)
	fn = c.Wrap(durable.WithExecutionClient(client), Quiet())
	if c.ReplaySteps > 0 {
		if payload, err = ReplayPayload(ctx, c.ReplaySteps); err != nil {
			return nil, nil, nil, err
		}
	}
	return fn, client, payload, nil
}

// Execute runs one execution of the case through the SDK alone: fn is
// c.Wrap with client as its execution client. For a replay case, payload
// is ReplayPayload's and only the replaying invocation runs. It returns
// the execution's serialized result.
func (c Case) Execute(ctx context.Context, fn Invoke, client *MemClient, payload []byte) (string, error) {
	if c.ReplaySteps > 0 {
		client.Reset()
		return Replay(ctx, fn, payload)
	}
	out, _, err := Drive(ctx, fn, client, c.Input)
	if err != nil {
		return "", err
	}
	if out.Status != wire.InvocationStatusSucceeded {
		return "", fmt.Errorf("bench: %s answered %s (%v), want SUCCEEDED", c.Name, out.Status, out.Error)
	}
	return wire.Deref(out.Result), nil
}
