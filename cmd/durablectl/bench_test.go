package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/acme/durable-lambda-go/bench"
	"github.com/acme/durable-lambda-go/internal/hostbuild"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// BenchmarkRunBinary measures the local endpoint path: each iteration is
// one `durablectl run --binary seqfn --json '{"n":N}'` in this process —
// the emulator, its REST endpoint and Runtime API, a new bootstrap process
// running bench.Seq with the SDK's default checkpoint client (one HTTP
// checkpoint call per step, each acknowledged before the next step), and
// the JSON output of the execution and its history. cpu-ns/step is the
// CPU time of both processes (this one and the bootstrap, which has ended
// and been waited for when run returns) per step, endpoint-cpu-ns/step
// this process's alone; the bootstrap's start is
// in it, once per execution. The checkpoint calls go over the endpoint's
// Unix socket (unix: run's default) or over loopback TCP (tcp:
// --socket=false); both are the SDK's local transport, the same HTTP/1.1
// requests. BenchmarkLoopbackFloor is the floor of each.
//
//	go test -run '^$' -bench RunBinary -benchtime 5x ./cmd/durablectl/
func BenchmarkRunBinary(b *testing.B) {
	binary := filepath.Join(b.TempDir(), "bootstrap")
	if err := hostbuild.Build(testwait.Context(b), "./testdata/seqfn", binary); err != nil {
		b.Fatal(err)
	}
	for _, transport := range []string{"unix", "tcp"} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/seq-%d", transport, n), func(b *testing.B) {
				benchRunBinary(b, binary, transport == "unix", n)
			})
		}
	}
}

// benchRunBinary runs the seq-n execution of BenchmarkRunBinary, with the
// endpoint's Unix socket or without.
func benchRunBinary(b *testing.B, binary string, socket bool, n int) {
	args := []string{"run", "--binary", binary, "--json", fmt.Sprintf("--socket=%t", socket), "--max-operations", fmt.Sprint(n + 1), fmt.Sprintf(`{"n":%d}`, n)}
	var stdout bytes.Buffer
	cpu, endpoint := bench.StartTreeCPU(), bench.StartCPU()
	for b.Loop() {
		stdout.Reset()
		var stderr strings.Builder
		if code := run(b.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
			b.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
		}
	}
	reportStepCPU(b, cpu, endpoint, n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/step")
	var res struct {
		Execution wire.Execution
		Events    []wire.Event
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		b.Fatalf("the --json output: %v", err)
	}
	if res.Execution.Result == nil {
		b.Fatalf("execution %s has no result", res.Execution.Status)
	}
	var out bench.SeqOutput
	if err := json.Unmarshal([]byte(*res.Execution.Result), &out); err != nil || out.Steps != n {
		b.Fatalf("result %s (%v), want %d steps", *res.Execution.Result, err, n)
	}
}

// BenchmarkServeSeedInvokes measures issue 12's throughput scope: the
// host `durablectl serve` runs (the REST endpoint, the emulator and the
// seed workflow, ../../lambda, as a bootstrap under the Runtime API
// emulator in its sandboxes), in memory and with a data directory, given
// 1,000 Invokes at once over HTTP. Each iteration sends 1,000 concurrent
// Invokes of seed:1, then waits until every execution succeeded:
//
//   - event: X-Amz-Invocation-Type Event, the way a durable function is
//     meant to be started (an execution outlives a synchronous Invoke's
//     15 minutes; the answer is 202 with the execution's ARN at once);
//   - sync: RequestResponse, as `aws lambda invoke` does by default, from
//     1,000 clients waiting for their results.
//
// executions/s is the iterations' executions over their wall time.
// cpu-µs/execution is the CPU time of this process and of the function
// processes (stopped and waited for after the loop) per execution;
// service-cpu-µs/execution is this process's alone (endpoint, emulator,
// store), read right after the loop.
//
//	go test -run '^$' -bench 'ServeSeedInvokes/event/(memory|bbolt)$' -benchtime 3x ./cmd/durablectl/
func BenchmarkServeSeedInvokes(b *testing.B) {
	for _, invocation := range []string{"event", "sync"} {
		for _, store := range []string{"memory", "bbolt"} {
			b.Run(invocation+"/"+store, func(b *testing.B) {
				benchSeedInvokes(b, invocation == "event", store == "bbolt", 0)
			})
		}
	}
}

// BenchmarkServeSeedSandboxes is BenchmarkServeSeedInvokes/event at
// serve's --max-sandboxes 4, 8, 16 and 32, in memory and with a data
// directory: how the cap on the function processes (and on the
// invocations in flight) bounds each side. Compare a store with the
// other at the same cap:
//
//	go test -run '^$' -bench 'ServeSeedSandboxes/sandboxes-16/' -benchtime 3x ./cmd/durablectl/
func BenchmarkServeSeedSandboxes(b *testing.B) {
	for _, sandboxes := range []int{4, 8, 16, 32} {
		for _, store := range []string{"memory", "bbolt"} {
			b.Run(fmt.Sprintf("sandboxes-%d/%s", sandboxes, store), func(b *testing.B) {
				benchSeedInvokes(b, true, store == "bbolt", sandboxes)
			})
		}
	}
}

// benchSeedInvokes runs BenchmarkServeSeedInvokes' loop on a host of the
// seed with a data directory or in memory, running up to sandboxes
// function processes (serve's default when 0); event chooses Event
// Invokes over RequestResponse ones.
func benchSeedInvokes(b *testing.B, event, bbolt bool, sandboxes int) {
	dataDir := ""
	if bbolt {
		dataDir = b.TempDir()
	}
	const n = 1000
	cpu := bench.StartTreeCPU()
	h, stop := serveSeed(b, seedBinary, dataDir, sandboxes)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	url := h.srv.URL() + "/2015-03-31/functions/seed:" + functionVersion + "/invocations"
	round := 0
	service := bench.StartCPU()
	for b.Loop() {
		invokeSeeds(b, client, h, url, event, fmt.Sprintf("r%d", round), n)
		round++
	}
	b.ReportMetric(float64(n*round)/b.Elapsed().Seconds(), "executions/s")
	if ns, ok := service.Per(n * round); ok {
		b.ReportMetric(ns/1e3, "service-cpu-µs/execution")
	}
	stop()
	if ns, ok := cpu.Per(n * round); ok {
		b.ReportMetric(ns/1e3, "cpu-µs/execution")
	}
}

// invokeSeeds sends n concurrent Invokes of the seed workflow to url,
// named prefix-i, as Event or RequestResponse invocations, and waits
// until every execution succeeded; it fails b when one did not.
func invokeSeeds(b *testing.B, client *http.Client, h *host, url string, event bool, prefix string, n int) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if err := invokeSeed(b.Context(), client, h, url, event, fmt.Sprintf("%s-%d", prefix, i)); err != nil {
				errs <- err
			}
		})
	}
	testwait.Wait(b, fmt.Sprintf("the %d executions of round %s succeed", n, prefix), wg.Wait)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// invokeSeed invokes the seed workflow as the execution name and waits
// until the execution succeeded.
func invokeSeed(ctx context.Context, client *http.Client, h *host, url string, event bool, name string) error {
	arn, err := invoke(ctx, client, url, event, name, `{"message":"hello"}`)
	if err != nil {
		return err
	}
	out, err := h.svc.WaitForExecution(ctx, arn)
	if err != nil {
		return err
	}
	if out.Status != wire.ExecutionStatusSucceeded {
		return fmt.Errorf("execution %s: %s", name, out.Status)
	}
	return nil
}

// invoke sends one Invoke of payload to url over HTTP, as an Event or a
// RequestResponse invocation, starting the execution name, and returns
// the execution's ARN once the answer came.
func invoke(ctx context.Context, client *http.Client, url string, event bool, name, payload string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(payload))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Amz-Durable-Execution-Name", name)
	want := http.StatusOK
	if event {
		req.Header.Set("X-Amz-Invocation-Type", "Event")
		want = http.StatusAccepted
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.StatusCode != want || resp.Header.Get("X-Amz-Function-Error") != "" {
		return "", fmt.Errorf("invoke %s: %s %s", name, resp.Status, body)
	}
	return resp.Header.Get("X-Amz-Durable-Execution-Arn"), nil
}

// BenchmarkLoopbackFloor is the floor under BenchmarkRunBinary's
// cpu-ns/step: one HTTP round trip per step and nothing else. A child
// process (testdata/loopclient) POSTs a 450-byte body over one keep-alive
// connection to a net/http server in this process, which reads it and
// answers 350 bytes; cpu-ns/step is the CPU of both processes per round
// trip, the child's start included, endpoint-cpu-ns/step the server's.
// The sub-benchmarks name the client and the connection: serial-unix and
// serial-tcp are the SDK's local transport (each request written and its
// answer read on the calling goroutine) over a Unix socket and loopback
// TCP, the floors of RunBinary/unix and RunBinary/tcp; nethttp-tcp is
// net/http's client over TCP, which the SDK used before. Run it with
// RunBinary to compare them at the same load:
//
//	go test -run '^$' -bench 'RunBinary|LoopbackFloor' -benchtime 2x ./cmd/durablectl/
func BenchmarkLoopbackFloor(b *testing.B) {
	client := filepath.Join(b.TempDir(), "loopclient")
	if err := hostbuild.Build(testwait.Context(b), "./testdata/loopclient", client); err != nil {
		b.Fatal(err)
	}
	answer := bytes.Repeat([]byte("y"), 350)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	socket := filepath.Join(b.TempDir(), "floor.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Config.Serve(ln) }()
	const n = 10000
	for _, tt := range []struct{ name, client, socket string }{
		{"serial-unix", "serial", socket},
		{"serial-tcp", "serial", ""},
		{"nethttp-tcp", "nethttp", ""},
	} {
		b.Run(tt.name, func(b *testing.B) {
			args := []string{tt.client, srv.URL + "/checkpoint", fmt.Sprint(n)}
			if tt.socket != "" {
				args = append(args, tt.socket)
			}
			cpu, server := bench.StartTreeCPU(), bench.StartCPU()
			for b.Loop() {
				out, err := exec.CommandContext(testwait.Context(b), client, args...).CombinedOutput()
				if err != nil {
					b.Fatalf("loopclient: %v\n%s", err, out)
				}
			}
			reportStepCPU(b, cpu, server, n)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/step")
		})
	}
}

// reportStepCPU reports the CPU time per step of both processes (tree,
// cpu-ns/step) and of this one, the endpoint's side (self,
// endpoint-cpu-ns/step); the child's is the difference.
func reportStepCPU(b *testing.B, tree, self bench.CPUMeter, n int) {
	if perStep, ok := tree.Per(b.N * n); ok {
		b.ReportMetric(perStep, "cpu-ns/step")
	}
	if perStep, ok := self.Per(b.N * n); ok {
		b.ReportMetric(perStep, "endpoint-cpu-ns/step")
	}
}
