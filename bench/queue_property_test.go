package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

// TestQueueProperties runs random workflows of steps (at-least-once and
// at-most-once, some sleeping), waits, child contexts, maps and parallels
// through the SDK to their end, and checks what the checkpoint queue sent
// across all their invocations: every update the workflow implies, each
// exactly once (none lost); every update after its parent context's START
// and after its own operation's START (none reordered against its
// parent); and no code that depends on an update continuing before the
// update is acknowledged (a step's SUCCEED before the code after the step,
// an at-most-once START before the body).
func TestQueueProperties(t *testing.T) {
	for seed := range uint64(150) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			prog := genProgram(rng, 3, new(int))
			rec := &recordingClient{inner: bench.NewMemClient(true), acked: map[string]bool{}}
			h := func(ctx durable.Context, _ struct{}) (int, error) { return prog.run(ctx, rec, "") }
			fn := durable.Wrap(h, durable.WithExecutionClient(rec), bench.Quiet())
			deadline, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, _, err := bench.Drive(deadline, fn, rec.inner, []byte(`{}`))
			if err != nil {
				t.Fatalf("%v\nworkflow: %s", err, prog)
			}
			if out.Status != wire.InvocationStatusSucceeded {
				t.Fatalf("status %s, error %+v\nworkflow: %s", out.Status, out.Error, prog)
			}
			if want := fmt.Sprint(prog.leaves()); wire.Deref(out.Result) != want {
				t.Errorf("result %s, want %s", wire.Deref(out.Result), want)
			}
			rec.check(t, prog.expected())
			if t.Failed() {
				t.Logf("workflow: %s", prog)
			}
		})
	}
}

// recordingClient wraps MemClient: it records every update in the order
// the service received them and which ones it acknowledged, and collects
// the violations the workflow's code reports.
type recordingClient struct {
	inner *bench.MemClient

	mu         sync.Mutex
	sent       []wire.OperationUpdate
	acked      map[string]bool // by name|action, once the call answered
	violations []string
}

func (r *recordingClient) Checkpoint(ctx context.Context, in durable.CheckpointInput) (durable.CheckpointOutput, error) {
	r.mu.Lock()
	r.sent = append(r.sent, in.Updates...)
	r.mu.Unlock()
	out, err := r.inner.Checkpoint(ctx, in)
	if err != nil {
		return out, err
	}
	r.mu.Lock()
	for _, u := range in.Updates {
		r.acked[u.Name+"|"+string(u.Action)] = true
	}
	r.mu.Unlock()
	return out, nil
}

func (r *recordingClient) GetExecutionState(ctx context.Context, in durable.GetExecutionStateInput) (durable.GetExecutionStateOutput, error) {
	return r.inner.GetExecutionState(ctx, in)
}

// requireAcked records a violation unless the update of the operation
// named name with action was acknowledged; what says who depends on it.
func (r *recordingClient) requireAcked(name string, action wire.OperationAction, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.acked[name+"|"+string(action)] {
		r.violations = append(r.violations, fmt.Sprintf("%s before %s %s was acknowledged", what, name, action))
	}
}

// check compares what was sent with the updates expected by type and
// action, and checks the order against parents.
func (r *recordingClient) check(t *testing.T, want map[string]int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.violations {
		t.Error(v)
	}
	got := map[string]int{}
	seen := map[string]int{} // id|action -> position
	for i, u := range r.sent {
		if u.Type == wire.OperationTypeExecution {
			continue
		}
		got[string(u.Type)+":"+string(u.Action)]++
		key := u.Id + "|" + string(u.Action)
		if j, dup := seen[key]; dup {
			t.Errorf("update %d (%s %s %q) sent again at %d", j, u.Type, u.Action, u.Name, i)
		}
		seen[key] = i
		if u.ParentId != "" {
			if _, ok := seen[u.ParentId+"|"+string(wire.OperationActionStart)]; !ok {
				t.Errorf("update %d (%s %s %q) sent before its parent context's START", i, u.Type, u.Action, u.Name)
			}
		}
		if u.Action != wire.OperationActionStart && u.Type != wire.OperationTypeWait {
			if _, ok := seen[u.Id+"|"+string(wire.OperationActionStart)]; !ok {
				t.Errorf("update %d (%s %s %q) sent before its own START", i, u.Type, u.Action, u.Name)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("updates sent %v, want %v", got, want)
	}
}

// node is one operation of a random workflow.
type node struct {
	kind  string // step, wait, child, map, parallel
	name  string
	once  bool          // step: at-most-once
	sleep time.Duration // step: the body sleeps
	items int           // map: the number of items
	conc  int           // map: max concurrency (0: unbounded)
	body  program       // child and map item: the sub-workflow
	arms  []program     // parallel: the branches
}

// program is a sequence of nodes.
type program []*node

// genProgram returns a random program of 1 to 4 nodes, nesting at most
// depth levels; n numbers the nodes.
func genProgram(rng *rand.Rand, depth int, n *int) program {
	var p program
	for range 1 + rng.IntN(4) {
		*n++
		nd := &node{name: fmt.Sprintf("n%d", *n)}
		switch k := rng.IntN(10); {
		case depth > 0 && k == 0:
			nd.kind, nd.body = "child", genProgram(rng, depth-1, n)
		case depth > 0 && k == 1:
			nd.kind, nd.items, nd.body = "map", 1+rng.IntN(6), genProgram(rng, depth-1, n)
			if rng.IntN(2) == 0 {
				nd.conc = 1 + rng.IntN(3)
			}
		case depth > 0 && k == 2:
			nd.kind = "parallel"
			for range 1 + rng.IntN(4) {
				nd.arms = append(nd.arms, genProgram(rng, depth-1, n))
			}
		case k == 3:
			nd.kind = "wait"
		default:
			nd.kind = "step"
			nd.once = rng.IntN(3) == 0
			if rng.IntN(4) == 0 {
				nd.sleep = time.Duration(rng.IntN(3)) * time.Millisecond
			}
		}
		p = append(p, nd)
	}
	return p
}

func (p program) String() string {
	parts := make([]string, len(p))
	for i, nd := range p {
		switch nd.kind {
		case "step":
			parts[i] = fmt.Sprintf("step(once=%v,sleep=%v)", nd.once, nd.sleep)
		case "wait":
			parts[i] = "wait"
		case "child":
			parts[i] = fmt.Sprintf("child[%s]", nd.body)
		case "map":
			parts[i] = fmt.Sprintf("map(%d,conc=%d)[%s]", nd.items, nd.conc, nd.body)
		case "parallel":
			arms := make([]string, len(nd.arms))
			for j, a := range nd.arms {
				arms[j] = a.String()
			}
			parts[i] = fmt.Sprintf("parallel[%s]", strings.Join(arms, " | "))
		}
	}
	return strings.Join(parts, "; ")
}

// leaves returns how many steps and waits the program runs: its result.
func (p program) leaves() int {
	n := 0
	for _, nd := range p {
		switch nd.kind {
		case "step", "wait":
			n++
		case "child":
			n += nd.body.leaves()
		case "map":
			n += nd.items * nd.body.leaves()
		case "parallel":
			for _, a := range nd.arms {
				n += a.leaves()
			}
		}
	}
	return n
}

// expected returns the updates the program sends, by type and action.
func (p program) expected() map[string]int {
	want := map[string]int{}
	p.count(want, 1)
	return want
}

func (p program) count(want map[string]int, times int) {
	for _, nd := range p {
		switch nd.kind {
		case "step":
			want["STEP:START"] += times
			want["STEP:SUCCEED"] += times
		case "wait":
			want["WAIT:START"] += times
		case "child":
			want["CONTEXT:START"] += times
			want["CONTEXT:SUCCEED"] += times
			nd.body.count(want, times)
		case "map":
			want["CONTEXT:START"] += times * (1 + nd.items)
			want["CONTEXT:SUCCEED"] += times * (1 + nd.items)
			nd.body.count(want, times*nd.items)
		case "parallel":
			want["CONTEXT:START"] += times * (1 + len(nd.arms))
			want["CONTEXT:SUCCEED"] += times * (1 + len(nd.arms))
			for _, a := range nd.arms {
				a.count(want, times)
			}
		}
	}
}

// run runs the program in ctx; path makes the names of a map item's
// operations unique. It returns the number of steps and waits run.
func (p program) run(ctx durable.Context, rec *recordingClient, path string) (int, error) {
	total := 0
	for _, nd := range p {
		name := path + nd.name
		var n int
		var err error
		switch nd.kind {
		case "step":
			n, err = runStep(ctx, rec, nd, name)
		case "wait":
			if err = durable.Wait(ctx, name, time.Second); err == nil {
				rec.requireAcked(name, wire.OperationActionStart, "code after the wait")
				n = 1
			}
		case "child":
			n, err = durable.RunInChildContext(ctx, name, func(c durable.Context) (int, error) {
				return nd.body.run(c, rec, path)
			})
		case "map":
			var opts []durable.BatchOption
			if nd.conc > 0 {
				opts = append(opts, durable.WithMaxConcurrency(nd.conc))
			}
			var br durable.BatchResult[int]
			br, err = durable.Map(ctx, name, make([]int, nd.items), func(c durable.Context, _, i int) (int, error) {
				return nd.body.run(c, rec, fmt.Sprintf("%s.%d/", name, i))
			}, opts...)
			n = sumBatch(br)
		case "parallel":
			branches := make([]durable.Branch[int], len(nd.arms))
			for i, a := range nd.arms {
				branches[i].Func = func(c durable.Context) (int, error) { return a.run(c, rec, path) }
			}
			var br durable.BatchResult[int]
			br, err = durable.Parallel(ctx, name, branches)
			n = sumBatch(br)
		}
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// runStep runs a step node and checks that its START (at-most-once) is
// acknowledged before the body and its SUCCEED before the code after it.
func runStep(ctx durable.Context, rec *recordingClient, nd *node, name string) (int, error) {
	var opts []durable.StepOption
	if nd.once {
		opts = append(opts, durable.WithSemantics(durable.AtMostOncePerRetry))
	}
	v, err := durable.Step(ctx, name, func(durable.StepContext) (json.Number, error) {
		if nd.once {
			rec.requireAcked(name, wire.OperationActionStart, "the at-most-once body")
		}
		time.Sleep(nd.sleep)
		return "1", nil
	}, opts...)
	if err != nil {
		return 0, err
	}
	rec.requireAcked(name, wire.OperationActionSucceed, "code after the step")
	n, err := v.Int64()
	return int(n), err
}

// sumBatch adds a batch's results (the workflows have no failing item; one
// would show as a wrong result).
func sumBatch(br durable.BatchResult[int]) int {
	n := 0
	for _, v := range br.Results() {
		n += v
	}
	return n
}
