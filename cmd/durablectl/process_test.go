package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// serveProcess is `durablectl serve` running as a real process.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	exited chan error
}

var bannerURL = regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)\n`)

// startServe starts durablectl serve with args and waits (up to
// testwait.Deadline) for its banner.
func startServe(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	p := &serveProcess{stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(durablectlBin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	// argv[0] as when durablectl is run from PATH (testbin names every
	// executable it builds bootstrap).
	p.cmd.Args[0] = "durablectl"
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var said strings.Builder
		announced := false
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if m := bannerURL.FindStringSubmatch(said.String()); m != nil && !announced {
				announced = true
				found <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.exited <- p.cmd.Wait()
	}()
	select {
	case p.url = <-found:
	case err := <-p.exited:
		t.Fatalf("serve exited before its banner: %v\n%s", err, p.stderr)
	case <-testwait.Context(t).Done():
		_ = p.cmd.Process.Kill()
		t.Fatalf("serve printed no banner in %s\n%s", testwait.Deadline, p.stderr)
	}
	return p
}

// kill9 kills the process with SIGKILL and waits for it.
func (p *serveProcess) kill9(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	testwait.Recv(t, "serve dies of SIGKILL", p.exited)
}

// stop interrupts the process and waits for it to exit.
func (p *serveProcess) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	if _, err := testwait.Receive("serve stops on an interrupt", p.exited); err != nil {
		_ = p.cmd.Process.Kill()
		t.Errorf("%v\n%s", err, p.stderr)
	}
}

// TestOneProcessPerDataDirectory: while serve owns a data directory, a
// second serve and durablectl run on it fail at once, naming the
// directory and the owning process.
func TestOneProcessPerDataDirectory(t *testing.T) {
	dir := t.TempDir()
	owner := startServe(t, "--binary", demoBinary, "--data-dir", dir)
	defer owner.stop(t)
	want := []string{"data directory " + dir + " is in use by process " + strconv.Itoa(owner.cmd.Process.Pid), "durablectl serve"}
	check := func(name string, code int, stderr string) {
		if code != exitError {
			t.Errorf("%s: exit %d, want %d", name, code, exitError)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q lacks %q", name, stderr, w)
			}
		}
	}
	// Another process: a second serve.
	second := exec.Command(durablectlBin, "serve", "--binary", demoBinary, "--data-dir", dir, "--addr", "127.0.0.1:0")
	var stderr bytes.Buffer
	second.Stderr = &stderr
	done := make(chan error, 1)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- second.Wait() }()
	if _, err := testwait.Receive("a second serve on an owned directory exits", done); err != nil {
		_ = second.Process.Kill()
		t.Fatal(err)
	}
	check("second serve", second.ProcessState.ExitCode(), stderr.String())
	// And durablectl run.
	code, _, runErr := cli(t, "run", "--binary", demoBinary, "--data-dir", dir, `{"name":"x"}`)
	check("run", code, runErr)
}

// TestServeSurvivesKill9 kills a serve process with SIGKILL five times at
// random moments while Event invokes arrive, restarting it on the same
// data directory each time. Every execution whose Invoke was acknowledged
// completes exactly once, and no step body runs after its success was
// recorded.
func TestServeSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "steps.log")
	args := []string{"--binary", crashBinary, "--function-name", "crash", "--data-dir", filepath.Join(dir, "data")}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	payload := fmt.Sprintf(`{"steps":4,"log":%q}`, logPath)

	var mu sync.Mutex
	var acked []string
	srv := startServe(t, args...)
	for kill := range 5 {
		ctx, stopInvokes := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for n := 0; ctx.Err() == nil; n++ {
					arn, err := invokeEvent(ctx, srv.url, fmt.Sprintf("k%d-w%d-%d", kill, w, n), payload)
					if err != nil {
						continue // not acknowledged: the server died or is busy
					}
					mu.Lock()
					acked = append(acked, arn)
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(100+rng.IntN(700)) * time.Millisecond)
		srv.kill9(t)
		stopInvokes()
		testwait.Wait(t, "the invoking workers stop", wg.Wait)
		srv = startServe(t, args...)
	}
	defer srv.stop(t)
	t.Logf("%d executions acknowledged across 5 kills", len(acked))
	if len(acked) == 0 {
		t.Fatal("no Invoke was acknowledged")
	}

	c := localClient(t, srv.url)
	for _, arn := range acked {
		var ex wire.Execution
		var err error
		testwait.Until(t, "acknowledged execution "+arn+" ends", func() bool {
			ex, err = readExecution(t, c, arn)
			return err != nil || ex.Status.Terminal()
		})
		if err != nil {
			t.Fatalf("acknowledged execution %s: %v", arn, err)
		}
		if ex.Status != wire.ExecutionStatusSucceeded {
			t.Fatalf("acknowledged execution %s is %s", arn, ex.Status)
		}
	}
	runs := stepRuns(t, logPath)
	again := 0
	for _, r := range runs {
		again += len(r) - 1
	}
	t.Logf("%d step bodies ran more than once (their first run's checkpoint was not acknowledged before a kill)", again)
	for _, arn := range acked {
		events, err := c.history(t.Context(), arn)
		if err != nil {
			t.Fatalf("history of %s: %v", arn, err)
		}
		closed := 0
		for _, ev := range events {
			switch ev.EventType {
			case wire.EventExecutionSucceeded, wire.EventExecutionFailed, wire.EventExecutionTimedOut, wire.EventExecutionStopped:
				closed++
			case wire.EventStepSucceeded:
				for _, at := range runs[arn+"\t"+ev.Name] {
					if at.After(ev.EventTimestamp.Time) {
						t.Errorf("%s: step %s ran at %s, after its success was recorded at %s", arn, ev.Name, at.Format(time.RFC3339Nano), ev.EventTimestamp.Format(time.RFC3339Nano))
					}
				}
			}
		}
		if closed != 1 {
			t.Errorf("%s closed %d times, want once", arn, closed)
		}
	}
}

// invokeEvent sends an Event Invoke and returns the ARN of the
// acknowledged (202) execution.
func invokeEvent(ctx context.Context, url, name, payload string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/2015-03-31/functions/crash:1/invocations", strings.NewReader(payload))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Amz-Invocation-Type", "Event")
	req.Header.Set("X-Amz-Durable-Execution-Name", name)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp.Header.Get("X-Amz-Durable-Execution-Arn"), nil
}

// readExecution reads an execution, within 10 seconds.
func readExecution(t *testing.T, c *client, arn string) (wire.Execution, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return c.getExecution(ctx, arn)
}

// stepRuns reads the step-body log: the start times of each run, by
// "<ARN>\t<step>".
func stepRuns(t *testing.T, path string) map[string][]time.Time {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string][]time.Time{}
	for line := range strings.Lines(string(b)) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 3 {
			continue // a line cut short by a kill
		}
		ns, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			continue
		}
		runs[f[0]+"\t"+f[1]] = append(runs[f[0]+"\t"+f[1]], time.Unix(0, ns))
	}
	return runs
}
