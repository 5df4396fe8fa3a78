package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/demo"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/testbin"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// Test function binaries, built once for the host.
var (
	demoBinary     string // testdata/fn: the demo workflow on the durable SDK
	callbackBinary string // the httpapi test function, which waits for a callback
	seedBinary     string // the project's seed workflow, ../../lambda
	crashBinary    string // testdata/crashfn: logs every run of a step body
	loopBinary     string // testdata/loopfn: steps and waits, printing each step
	durablectlBin  string // this command, for tests with real processes
)

func TestMain(m *testing.M) {
	testbin.Main(m, map[*string]string{
		&demoBinary:     "./testdata/fn",
		&callbackBinary: "../../emulator/httpapi/testdata/fn",
		&seedBinary:     "../../lambda",
		&crashBinary:    "./testdata/crashfn",
		&loopBinary:     "./testdata/loopfn",
		&durablectlBin:  ".",
	})
}

// cli runs durablectl with args and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// wantLines checks that out holds lines matching the patterns, in order.
func wantLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	rest := out
	for _, p := range patterns {
		loc := regexp.MustCompile("(?m)" + p).FindStringIndex(rest)
		if loc == nil {
			t.Errorf("output lacks (in order) a line matching %q; output:\n%s", p, out)
			return
		}
		rest = rest[loc[1]:]
	}
}

func TestRunShowsProgressThenTheTree(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--binary", demoBinary, "--name", "demo-1", `{"name":"ada","wait":30,"flaky":1}`)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	// Virtual time runs at real speed between jumps, so times carry a few
	// real milliseconds on top of the skipped 30 s wait and 2 s retry delay.
	const ms = `(\.\d+)?s|\d+ms|<1ms`
	wantLines(t, stdout,
		`^ +\+0s  execution "demo-1" started$`,
		`step "greet" succeeded \(attempt 1\)$`,
		`wait "cool-down" started \(for 30s\)$`,
		`^ +\+30(\.\d+)?s  wait "cool-down" succeeded$`,
		`step "charge" failed, will retry \(attempt 1; next in 2s; Error: gateway unavailable \(attempt 1\)\)$`,
		`^ +\+32(\.\d+)?s  step "charge" succeeded \(attempt 2\)$`,
		`execution succeeded$`,
		`^demo-1  SUCCEEDED  in 32(\.\d+)?s \(3 invocations\)$`,
		`^├─ Step greet +SUCCEEDED +1 attempt +(0`+ms+`)$`,
		`^├─ Wait cool-down +SUCCEEDED +30(\.\d+)?s$`,
		`^└─ Step charge +SUCCEEDED +2 attempts +2(\.\d+)?s$`,
		`^result: \{"greeting":"hello ada","attempts":2\}$`,
	)
}

// run builds the --function package and registers it under the name of
// the package's directory.
func TestRunBuildsTheFunctionPackage(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--function", "./testdata/fn", "--json", `{"name":"bo"}`)
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	wantLines(t, stderr, `^building ./testdata/fn for the host\.\.\.$`)
	var res runResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not the JSON result: %v\n%s", err, stdout)
	}
	if arn := res.Execution.DurableExecutionArn; !strings.Contains(arn, ":function:fn:1/durable-execution/") || wire.Deref(res.Execution.Result) != `{"greeting":"hello bo","attempts":1}` {
		t.Errorf("execution %s with result %s, want one of function fn", arn, wire.Deref(res.Execution.Result))
	}
}

func TestRunExitStatusFollowsTheExecution(t *testing.T) {
	tests := []struct {
		name, payload string
		flags         []string
		code          int
		line          string
	}{
		{"succeeds", `{"name":"a"}`, nil, exitOK, `SUCCEEDED`},
		{"succeeds on real time", `{"name":"a"}`, []string{"--time", "real"}, exitOK, `^result: \{"greeting":"hello a","attempts":1\}$`},
		{"succeeds over TCP only", `{"name":"a"}`, []string{"--socket=false"}, exitOK, `SUCCEEDED`},
		{"succeeds in one sandbox", `{"name":"a","flaky":1}`, []string{"--max-sandboxes", "1"}, exitOK, `^result: \{"greeting":"hello a","attempts":2\}$`},
		{"retries exhausted", `{"name":"a","flaky":5}`, nil, exitFailed, `^error: StepError: gateway unavailable \(attempt 3\)$`},
		{"handler error", `{"name":"a","fail":true}`, nil, exitFailed, `^error: Error: the input asked to fail$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--binary", demoBinary}, tt.flags...)
			code, stdout, stderr := cli(t, append(args, tt.payload)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", code, tt.code, stderr, stdout)
			}
			wantLines(t, stdout, tt.line)
		})
	}
}

func TestExitCodeOf(t *testing.T) {
	tests := map[wire.ExecutionStatus]int{
		wire.ExecutionStatusSucceeded: exitOK,
		wire.ExecutionStatusFailed:    exitFailed,
		wire.ExecutionStatusTimedOut:  exitTimedOut,
		wire.ExecutionStatusStopped:   exitStopped,
	}
	for status, want := range tests {
		if got := exitCodeOf(status); got != want {
			t.Errorf("exitCodeOf(%s) = %d, want %d", status, got, want)
		}
	}
}

func TestRunJSON(t *testing.T) {
	code, stdout, stderr := cli(t, "run", "--binary", demoBinary, "--json", "--payload", `{"name":"cy"}`)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var res runResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not the JSON result: %v\n%s", err, stdout)
	}
	if res.Execution.Status != wire.ExecutionStatusSucceeded || len(res.Events) == 0 ||
		res.Events[len(res.Events)-1].EventType != wire.EventExecutionSucceeded {
		t.Errorf("JSON result = %+v", res)
	}
}

func TestUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, exitUsage, "Usage:"},
		{"unknown command", []string{"launch"}, exitUsage, `unknown command "launch"`},
		{"unknown flag", []string{"run", "--nope"}, exitUsage, "flag provided but not defined: -nope"},
		{"unreadable payload", []string{"run", "--payload-file", missing}, exitUsage, "cannot read the payload file"},
		{"payload not JSON", []string{"run", "{name: ada}"}, exitUsage, "the payload is not valid JSON"},
		{"two payloads", []string{"run", "--payload", "{}", "{}"}, exitUsage, "not both"},
		{"bad time mode", []string{"run", "--time", "soon", "{}"}, exitUsage, "--time must be virtual or real"},
		{"show without ARN", []string{"show"}, exitUsage, "missing argument"},
		{"too many arguments", []string{"history", "a", "b"}, exitUsage, `unexpected argument "b"`},
		{"public address", []string{"serve", "--addr", "0.0.0.0:0"}, exitUsage, "non-loopback"},
		{"no sandboxes", []string{"serve", "--max-sandboxes", "0"}, exitUsage, "--max-sandboxes 0: at least one sandbox is needed"},
		{"negative sandboxes", []string{"run", "--max-sandboxes", "-2", "{}"}, exitUsage, "--max-sandboxes -2: at least one sandbox is needed"},
		{"bad callback action", []string{"callback", "approve", "id"}, exitUsage, `unknown callback action "approve"`},
		{"callback help", []string{"callback", "-h"}, exitOK, "durablectl callback heartbeat [flags] ID"},
		{"callback without action", []string{"callback"}, exitUsage, "want callback succeed|fail|heartbeat ID"},
		{"callback flags first", []string{"callback", "--endpoint", "http://127.0.0.1:1", "succeed", "id"}, exitUsage, "the action comes first"},
		{"bad status filter", []string{"list", "--status", "DONE"}, exitUsage, `"DONE" is not one of`},
		{"bad endpoint", []string{"list", "--endpoint", "localhost:9001"}, exitUsage, "is not an http(s) URL"},
		{"function that does not build", []string{"run", "--function", "./no/such/package"}, exitError, "building ./no/such/package"},
		{"unreachable endpoint", []string{"list", "--endpoint", "http://127.0.0.1:1"}, exitError, "cannot reach the endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.msg)
			}
		})
	}
}

// served starts a host of binary as the durable function "seed" on the
// real clock, as serve does, and drives it until the test ends.
func served(t *testing.T, binary string) *host {
	t.Helper()
	h, _ := serveSeed(t, binary, "", 0)
	return h
}

// serveSeed is served for tests and benchmarks: the host keeps its
// executions in memory, or in the data directory dataDir when not empty,
// and runs up to sandboxes function processes (serve's default when 0).
// stop ends Run and closes the host (stopping the function processes and
// waiting for them); it runs at the latest when tb ends.
func serveSeed(tb testing.TB, binary, dataDir string, sandboxes int) (h *host, stop func()) {
	tb.Helper()
	return serveHost(tb, hostConfig{
		functions: []hostedFunction{{name: "seed", binary: binary, durable: true}}, dataDir: dataDir, maxSandboxes: sandboxes,
		output: io.Discard,
	})
}

// serveHost starts the host cfg describes on the real clock, as serve
// does (without logs or build messages), and drives it until tb ends or
// stop is called, which ends Run and closes the host.
func serveHost(tb testing.TB, cfg hostConfig) (h *host, stop func()) {
	tb.Helper()
	cfg.clock, cfg.logger, cfg.progress = emulator.RealClock(), slog.New(slog.DiscardHandler), io.Discard
	h, err := startHost(tb.Context(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.svc.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		testwait.Recv(tb, "the host's Run returns after cancel", ran)
		h.close()
	})
	tb.Cleanup(stop)
	return h, stop
}

// startExecution starts an execution on h and returns its ARN.
func startExecution(t *testing.T, h *host, name, payload string) string {
	t.Helper()
	out, err := h.svc.StartExecution(t.Context(), emulator.StartInput{FunctionName: "seed", Qualifier: functionVersion, ExecutionName: name, Payload: []byte(payload)})
	if err != nil {
		t.Fatal(err)
	}
	return out.ExecutionArn
}

func TestClientCommands(t *testing.T) {
	h := served(t, demoBinary)
	url := h.srv.URL()
	done := startExecution(t, h, "done-1", `{"name":"ed","flaky":1}`)
	if _, err := h.svc.WaitForExecution(testwait.Context(t), done); err != nil {
		t.Fatalf("WaitForExecution(%s): %v", done, err)
	}
	waiting := startExecution(t, h, "waiting-1", `{"name":"fa","wait":3600}`)

	code, stdout, stderr := cli(t, "list", "--endpoint", url)
	if code != exitOK {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	wantLines(t, stdout, `^NAME +STATUS +STARTED +DURATION +ARN$`, `^waiting-1 +RUNNING `, `^done-1 +SUCCEEDED `)

	code, stdout, _ = cli(t, "list", "--endpoint", url, "--status", "succeeded", "--json")
	var list wire.ListExecutionsOutput
	if err := json.Unmarshal([]byte(stdout), &list); code != exitOK || err != nil || len(list.DurableExecutions) != 1 || list.DurableExecutions[0].DurableExecutionArn != done {
		t.Errorf("list --status succeeded --json: exit %d, %v, %s", code, err, stdout)
	}

	code, stdout, stderr = cli(t, "show", done, "--endpoint", url)
	if code != exitOK {
		t.Fatalf("show: exit %d: %s", code, stderr)
	}
	wantLines(t, stdout, "^"+regexp.QuoteMeta(done)+"$", `^done-1  SUCCEEDED  in .* \(2 invocations\)$`, `^└─ Step charge +SUCCEEDED +2 attempts`)

	code, stdout, _ = cli(t, "history", "--endpoint", url, done)
	if code != exitOK {
		t.Fatalf("history: exit %d", code)
	}
	wantLines(t, stdout, `^ID +TIME +EVENT +WHAT$`, `^1 +\S+ +ExecutionStarted +execution "done-1" started$`, `StepFailed +step "charge" failed, will retry`, `ExecutionSucceeded +execution succeeded$`)

	code, stdout, stderr = cli(t, "stop", "--endpoint", url, "--error-message", "enough", waiting)
	if code != exitOK || !strings.HasPrefix(stdout, "stopped "+waiting) {
		t.Fatalf("stop: exit %d, %q, %s", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "stop", "--endpoint", url, done)
	if code != exitOK || !strings.Contains(stdout, "had already ended SUCCEEDED") {
		t.Errorf("stop of a finished execution: exit %d, %q", code, stdout)
	}
	code, stdout, _ = cli(t, "show", "--json", "--endpoint", url, waiting)
	var shown runResult
	if err := json.Unmarshal([]byte(stdout), &shown); code != exitOK || err != nil || shown.Execution.Status != wire.ExecutionStatusStopped {
		t.Errorf("show --json after stop: exit %d, %v, status %s", code, err, shown.Execution.Status)
	}

	missing := strings.Replace(done, "done-1", "nothing", 1)
	for _, cmd := range []string{"show", "history", "stop"} {
		code, _, stderr = cli(t, cmd, "--endpoint", url, missing)
		if code != exitError || !strings.Contains(stderr, "no execution "+missing) {
			t.Errorf("%s of an unknown execution: exit %d, %q", cmd, code, stderr)
		}
	}
}

// openCallback waits until the execution arn of h waits on a callback
// (its invocation ended) and returns the callback's id.
func openCallback(t *testing.T, h *host, arn string) string {
	t.Helper()
	events, cancel := h.svc.Subscribe(arn)
	defer cancel()
	ctx := testwait.Context(t)
	for {
		if open, _ := h.svc.OpenCallbacks(arn); len(open) > 0 {
			if invs, _ := h.svc.Invocations(arn); len(invs) > 0 {
				return open[0].CallbackID
			}
		}
		select {
		case <-events:
		case <-ctx.Done():
			t.Fatalf("no callback was created within %s", testwait.Deadline)
		}
	}
}

func TestCallbackCommands(t *testing.T) {
	h := served(t, callbackBinary)
	url := h.srv.URL()
	callbackID := func(arn string) string { return openCallback(t, h, arn) }

	approved := startExecution(t, h, "approve-1", `{"name":"gu","callback":true}`)
	id := callbackID(approved)
	if code, stdout, stderr := cli(t, "callback", "heartbeat", "--endpoint", url, id); code != exitOK || !strings.Contains(stdout, "heartbeat sent") {
		t.Fatalf("callback heartbeat: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, stderr := cli(t, "callback", "succeed", "--endpoint", url, id, `{"by":"cli"}`); code != exitOK {
		t.Fatalf("callback succeed: exit %d, %s", code, stderr)
	}
	exec, err := h.svc.WaitForExecution(testwait.Context(t), approved)
	if err != nil || exec.Status != wire.ExecutionStatusSucceeded || *exec.Result != `{"approval":{"by":"cli"},"greeting":"hello gu"}` {
		t.Errorf("after callback succeed: %+v, %v", exec, err)
	}
	if code, _, stderr := cli(t, "callback", "succeed", "--endpoint", url, id); code != exitError || !strings.Contains(stderr, wire.ErrCodeCallbackTimeout) {
		t.Errorf("callback succeed on a closed callback: exit %d, %q", code, stderr)
	}

	rejected := startExecution(t, h, "reject-1", `{"name":"ha","callback":true}`)
	id = callbackID(rejected)
	if code, _, stderr := cli(t, "callback", "fail", id, "--endpoint", url, "--error-type", "Rejected", "--error-message", "no"); code != exitOK {
		t.Fatalf("callback fail: exit %d, %s", code, stderr)
	}
	exec, err = h.svc.WaitForExecution(testwait.Context(t), rejected)
	if err != nil || exec.Status != wire.ExecutionStatusFailed || exec.Error.ErrorMessage != "no" {
		t.Errorf("after callback fail: %+v, %v", exec, err)
	}
	if code, _, stderr := cli(t, "callback", "heartbeat", "--endpoint", url, "bm90LWEtY2FsbGJhY2s="); code != exitError || stderr == "" {
		t.Errorf("heartbeat of an unknown callback: exit %d, %q", code, stderr)
	}
}

func TestRunWaitsForACallbackSentToItsEndpoint(t *testing.T) {
	// run prints the endpoint and the callback command when the execution
	// can only go on with outside input; complete it through that endpoint.
	s := start(t.Context(), t, true, "run", "--binary", callbackBinary, `{"name":"io","callback":true}`)
	m := s.await(regexp.MustCompile(`durablectl callback succeed --endpoint (\S+) (\S+) `))
	if code, _, stderr := cli(t, "callback", "succeed", "--endpoint", m[1], m[2], `"ok"`); code != exitOK {
		t.Fatalf("callback succeed: exit %d, %s", code, stderr)
	}
	if code, _ := s.wait(); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, s.other.String())
	}
	wantLines(t, s.other.String(), `callback "approval" started \(callback id `, `callback "approval" succeeded`, `SUCCEEDED`, `"approval":"ok"`)
}

func TestCheckLoopback(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:9001": true, "localhost:9001": true, "[::1]:9001": true, "127.0.0.2:80": true,
		"0.0.0.0:9001": false, "192.168.1.4:9001": false, ":9001": false,
	}
	for addr, ok := range tests {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestServeUntilInterrupted(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		warning bool // the --expose warning on stderr
	}{
		{"loopback", []string{"--addr", "127.0.0.1:0"}, false},
		{"exposed", []string{"--addr", "0.0.0.0:0", "--expose"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, interrupt := context.WithCancel(t.Context())
			defer interrupt()
			s := start(ctx, t, false, append([]string{"serve", "--binary", demoBinary}, tt.args...)...)
			// The banner names a URL that works from this machine, also
			// when serve listens on every interface, and the function by
			// the name derived from its binary (see TestFunctionName).
			url := s.await(regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)\n`))[1]
			name := (&functionFlags{binary: demoBinary}).functionName()
			wantLines(t, s.said.String(), `aws lambda invoke --endpoint-url `+regexp.QuoteMeta(url)+` --function-name `+name+`:1 `)
			if code, stdout, stderr := cli(t, "list", "--endpoint", url, "--function-name", name); code != exitOK || stdout != "no executions of "+name+"\n" {
				t.Errorf("list against serve: exit %d, %q, %q", code, stdout, stderr)
			}
			// The viewer shares the address and lists the hosted function.
			if viewerURL := s.await(regexp.MustCompile(`Viewer: (\S+)\n`))[1]; viewerURL != url+"/ui/" {
				t.Errorf("viewer at %s, want %s/ui/", viewerURL, url)
			}
			resp, err := http.Get(url + "/ui/")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<option value="`+name+`">`) {
				t.Errorf("GET /ui/: %s, without the function %s:\n%s", resp.Status, name, page)
			}
			interrupt()
			if code, _ := s.wait(); code != exitOK {
				t.Errorf("serve: exit %d after the interrupt; stderr:\n%s", code, s.other.String())
			}
			if got := strings.Contains(s.other.String(), "WARNING: listening on"); got != tt.warning {
				t.Errorf("warning on stderr = %v, want %v; stderr:\n%s", got, tt.warning, s.other.String())
			}
		})
	}
}

// panicLine returns the line of demo.go that panics when Input.Panic is
// set.
func panicLine(t *testing.T) int {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("internal", "demo", "demo.go"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(src), "\n") {
		if strings.TrimSpace(line) == "panic(PanicValue)" {
			return i + 1
		}
	}
	t.Fatal("demo.go has no panic(PanicValue) line")
	return 0
}

// A panicking step body is reported with its stack, starting at the line
// that panicked, however run prints.
func TestRunShowsWhereTheFunctionPanicked(t *testing.T) {
	frame := fmt.Sprintf(`demo\.Handler\.func\d+ \(\S+/internal/demo/demo\.go:%d\)`, panicLine(t))
	payload := `{"name":"a","panic":true}`
	t.Run("tree", func(t *testing.T) {
		code, stdout, stderr := cli(t, "run", "--binary", demoBinary, payload)
		if code != exitFailed {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, stderr)
		}
		wantLines(t, stdout,
			`invocation failed \(.*PanicError: durable: panic: `+demo.PanicValue+`\)$`,
			`^ +at \S+/`+frame+`$`,
			`^error: PanicError: durable: panic: `+demo.PanicValue+`$`,
			`^  at \S+/`+frame+`$`,
			`^  at \S+/durable\.Step\[\.\.\.\] `,
		)
	})
	t.Run("logs", func(t *testing.T) {
		code, stdout, stderr := cli(t, "run", "--binary", demoBinary, "--logs", payload)
		if code != exitFailed {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, stderr)
		}
		wantLines(t, stdout, `^error: PanicError: `, `^  at \S+/`+frame+`$`)
		// The Lambda runtime's own report, in the function's output.
		wantLines(t, stderr, fmt.Sprintf(`"errorType":"PanicError","stackTrace":\[\{"path":"\S+/internal/demo/demo\.go","line":%d,`, panicLine(t)))
	})
	t.Run("json", func(t *testing.T) {
		code, stdout, stderr := cli(t, "run", "--binary", demoBinary, "--json", payload)
		var res runResult
		if err := json.Unmarshal([]byte(stdout), &res); code != exitFailed || err != nil {
			t.Fatalf("exit %d, %v; stderr:\n%s", code, err, stderr)
		}
		if e := res.Execution.Error; e == nil || len(e.StackTrace) == 0 || !regexp.MustCompile(frame+`$`).MatchString(e.StackTrace[0]) {
			t.Errorf("the execution's error is %+v, want its StackTrace to start at %s", e, frame)
		}
	})
}
