package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkServeBurst measures issue 12's fairness through serve's host:
// real function processes under the Runtime API emulator and HTTP
// Invokes. 100 running executions of testdata/loopfn alternate a step and
// a 1-second durable wait (a re-invocation of a function process every
// second each, when the wait's timer fires). Then 2,000 Event Invokes of
// the seed arrive at once over HTTP. Over the burst — from the first
// Invoke until all 2,000 executions succeeded — it reports the running
// executions' steps per second against their rate in the second before
// (running-rate-%), how many of the 100 progressed, the longest time one
// of them went without completing a step (running-max-stall-s; their
// rhythm is a step a second, so about 1 s is no stall), and the burst's
// duration; in memory and with a data directory, at --max-sandboxes 4
// and 16. A step counts when loopfn prints that it ran it, right after
// its checkpoint was answered.
//
//	go test -run '^$' -bench 'ServeBurst' -benchtime 1x ./cmd/durablectl/
func BenchmarkServeBurst(b *testing.B) {
	for _, sandboxes := range []int{4, 16} {
		for _, store := range []string{"memory", "bbolt"} {
			b.Run(fmt.Sprintf("sandboxes-%d/%s", sandboxes, store), func(b *testing.B) {
				for b.Loop() {
					runServeBurst(b, store == "bbolt", sandboxes)
				}
			})
		}
	}
}

func runServeBurst(b *testing.B, bbolt bool, sandboxes int) {
	const running, burst = 100, 2000
	dataDir := ""
	if bbolt {
		dataDir = b.TempDir()
	}
	steps := newStepLog(running)
	h, stop := serveHost(b, hostConfig{functions: []hostedFunction{
		{name: "loop", binary: loopBinary, durable: true},
		{name: "seed", binary: seedBinary, durable: true},
	}, dataDir: dataDir, maxSandboxes: sandboxes, output: steps})
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: burst}}
	defer client.CloseIdleConnections()
	functionURL := func(name string) string {
		return h.srv.URL() + "/2015-03-31/functions/" + name + ":" + functionVersion + "/invocations"
	}
	for i := range running {
		if _, err := invoke(b.Context(), client, functionURL("loop"), true, fmt.Sprint("loop-", i),
			fmt.Sprintf(`{"id":%d,"steps":1000,"waitSeconds":1}`, i)); err != nil {
			b.Fatal(err)
		}
	}
	// Let every running execution get into its rhythm, then measure its
	// rate for a second.
	time.Sleep(2 * time.Second)
	before := steps.total()
	time.Sleep(time.Second)
	baseline := float64(steps.total() - before)

	at := steps.measure(true)
	start, from := time.Now(), steps.total()
	invokeSeeds(b, client, h, functionURL("seed"), true, "burst", burst)
	elapsed := time.Since(start)
	steps.measure(false)
	during := float64(steps.total()-from) / elapsed.Seconds()
	moved, maxStall := steps.since(at)
	b.ReportMetric(baseline, "running-steps/s-before")
	b.ReportMetric(during, "running-steps/s-during")
	b.ReportMetric(100*during/baseline, "running-rate-%")
	b.ReportMetric(float64(moved), "running-progressed")
	b.ReportMetric(maxStall.Seconds(), "running-max-stall-s")
	b.ReportMetric(elapsed.Seconds(), "burst-s")
}

// stepLog is the functions' output: it counts the "loopfn-step ID"
// lines loopfn prints, per ID, and while measuring, the longest time an
// ID went without one.
type stepLog struct {
	mu        sync.Mutex
	steps     []int
	measuring bool
	last      []time.Time // while measuring: each ID's last step
	maxStall  time.Duration
}

func newStepLog(ids int) *stepLog {
	return &stepLog{steps: make([]int, ids), last: make([]time.Time, ids)}
}

// Write takes one write of a function process's output: whole lines, as
// loopfn writes each line with one call.
func (l *stepLog) Write(p []byte) (int, error) {
	const marker = "loopfn-step "
	if !bytes.Contains(p, []byte(marker)) {
		return len(p), nil
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range bytes.Lines(p) {
		rest, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte(marker))
		if !ok {
			continue
		}
		id, err := strconv.Atoi(string(rest))
		if err != nil || id < 0 || id >= len(l.steps) {
			continue
		}
		l.steps[id]++
		if l.measuring {
			l.maxStall = max(l.maxStall, now.Sub(l.last[id]))
			l.last[id] = now
		}
	}
	return len(p), nil
}

// total returns the steps counted so far.
func (l *stepLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.steps {
		n += s
	}
	return n
}

// measure starts (on) or ends measuring stalls from now and returns each
// ID's steps so far.
func (l *stepLog) measure(on bool) []int {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id := range l.last {
		if l.measuring {
			l.maxStall = max(l.maxStall, now.Sub(l.last[id]))
		}
		l.last[id] = now
	}
	l.measuring = on
	return append([]int(nil), l.steps...)
}

// since returns how many IDs progressed since the counts at, and the
// longest stall measured.
func (l *stepLog) since(at []int) (moved int, maxStall time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, n := range l.steps {
		if n > at[id] {
			moved++
		}
	}
	return moved, l.maxStall
}
