// Command coldstart measures the cold start of Lambda bootstrap binaries:
// the time from exec of the binary to its first Runtime API request (GET
// /2018-06-01/runtime/invocation/next, when the function is ready for its
// first event) and, with -event, to its first response (the POST of the
// answer to that event, so that work deferred to the first invocation is
// counted too). For each start it serves the Runtime API on a new
// loopback port, starts the binary with AWS_LAMBDA_RUNTIME_API pointing
// there and kills the process at the end. The same server plays the
// durable-execution API
// (AWS_ENDPOINT_URL_LAMBDA): every checkpoint is acknowledged with a new
// token, so a durable function runs its invocations for real, through its
// checkpoint client.
//
// With -event, the process then gets a second event (-warm-event, by
// default the same one) and the second invocation is timed too: the same
// work on a warm process. The first invocation (first /next → first
// response) less the warm one is what only a first invocation pays; the
// first response less the warm invocation is the cold start with the
// work of the event taken out, comparable between a function that does
// real work and one that does none.
//
// Given several binaries it starts them in turn (A B A B ...), so that a
// machine shared with other work affects all of them alike, and prints one
// JSON line per binary with the medians, minimums and maximums in
// milliseconds, the ratio of its medians to the first binary's and, with
// -event, how much more its first invocation costs than the first
// binary's beyond the warm invocations of both.
//
//	go run ./bench/coldstart -n 20 -event bench/coldstart/testdata/seed-event.json \
//	    -warm-event bench/coldstart/testdata/seed-event-2.json /tmp/bare /tmp/bootstrap
//
// Each binary is started from a copy that measure writes into a temporary
// directory, so that all of them are files written the same way, as an
// unzip of a deployment package writes them (not through a mapping). A
// binary as go build leaves it (the linker writes it through a shared
// memory mapping) started 8-16% slower on this benchmark's VM (Linux 6.18,
// ext4) than a byte-identical copy made with cp, so two builds compared
// in place would differ by how their files were written as much as by
// their code.
//
// Build the binaries as the CDK app does (see stacks/build.go), for this
// machine's architecture so that they can run here; bench/coldstart/bare
// is the baseline, an aws-lambda-go function that does nothing, and
// bench/coldstart/barecalls the same plus the seed's three round trips to
// the checkpoint endpoint (what a first invocation's first connection
// costs any function).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// The Runtime API paths the measurement watches.
const (
	nextPath       = "/2018-06-01/runtime/invocation/next"
	invocationPath = "/2018-06-01/runtime/invocation/"
	requestID      = "coldstart-request"
)

func main() {
	runs := flag.Int("n", 20, "number of cold starts of each binary")
	timeout := flag.Duration("timeout", 10*time.Second, "how long one start may take")
	eventFile := flag.String("event", "", "a JSON event to answer the first /next with; the first response and a second, warm invocation are timed too")
	warmFile := flag.String("warm-event", "", "the JSON event of the warm invocation (default: the -event)")
	flag.Parse()
	if flag.NArg() < 1 {
		log.Fatal("usage: coldstart [-n 20] [-timeout 10s] [-event file [-warm-event file]] path/to/bootstrap [more bootstraps]")
	}
	if *warmFile != "" && *eventFile == "" {
		log.Fatal("coldstart: -warm-event needs -event")
	}
	var event, warm []byte
	for _, f := range []struct {
		name string
		into *[]byte
	}{{*eventFile, &event}, {*warmFile, &warm}} {
		if f.name == "" {
			continue
		}
		b, err := os.ReadFile(f.name)
		if err != nil {
			log.Fatal(err)
		}
		*f.into = b
	}
	results, err := measure(flag.Args(), *runs, *timeout, event, warm)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range summarizeAll(results) {
		line, err := json.Marshal(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(line))
	}
}

// samples are the cold starts of one binary, in milliseconds.
type samples struct {
	binary   string
	next     []float64 // exec → first /next
	response []float64 // exec → first response (with events)
	first    []float64 // first /next → first response: the first invocation
	warm     []float64 // second /next → second response: the warm invocation
}

// stats describe a set of samples in milliseconds.
type stats struct {
	Median  float64   `json:"median_ms"`
	Min     float64   `json:"min_ms"`
	Max     float64   `json:"max_ms"`
	Samples []float64 `json:"samples_ms"`
}

// summary is the output line of one binary; the ratios are of its medians
// to the first binary's.
type summary struct {
	Binary        string  `json:"bootstrap"`
	Runs          int     `json:"runs"`
	Next          stats   `json:"next"`
	NextRatio     float64 `json:"next_ratio_to_first"`
	Response      *stats  `json:"response,omitempty"`
	ResponseRatio float64 `json:"response_ratio_to_first,omitempty"`
	// The invocations: the first, the warm one, and per start the first
	// less the warm one (what only a first invocation pays).
	FirstInvocation *stats `json:"first_invocation,omitempty"`
	WarmInvocation  *stats `json:"warm_invocation,omitempty"`
	FirstLessWarm   *stats `json:"first_less_warm,omitempty"`
	// Per start, exec → first response less the warm invocation: the cold
	// start with the event's work taken out, and its ratio to the first
	// binary's.
	ResponseLessWarm      *stats  `json:"response_less_warm,omitempty"`
	ResponseLessWarmRatio float64 `json:"response_less_warm_ratio_to_first,omitempty"`
	// What this binary's first invocation pays beyond the first binary's,
	// both less their warm invocations (medians of first_less_warm): the
	// cost deferred from its start to its first invocation.
	DeferredToFirstMS *float64 `json:"deferred_to_first_invocation_ms,omitempty"`
}

// summarizeAll summarizes each binary's samples, with ratios to the first
// binary's.
func summarizeAll(all []samples) []summary {
	out := make([]summary, len(all))
	for i, s := range all {
		out[i] = summary{Binary: s.binary, Runs: len(s.next), Next: statsOf(s.next)}
		out[i].NextRatio = ratio(out[i].Next.Median, out[0].Next.Median)
		if len(s.response) == 0 {
			continue
		}
		base := &out[0]
		r, first, warm := statsOf(s.response), statsOf(s.first), statsOf(s.warm)
		firstLess, respLess := statsOf(minus(s.first, s.warm)), statsOf(minus(s.response, s.warm))
		out[i].Response, out[i].FirstInvocation, out[i].WarmInvocation = &r, &first, &warm
		out[i].FirstLessWarm, out[i].ResponseLessWarm = &firstLess, &respLess
		out[i].ResponseRatio = ratio(r.Median, base.Response.Median)
		out[i].ResponseLessWarmRatio = ratio(respLess.Median, base.ResponseLessWarm.Median)
		d := round(firstLess.Median - base.FirstLessWarm.Median)
		out[i].DeferredToFirstMS = &d
	}
	return out
}

// minus returns a[i] - b[i], rounded to microseconds.
func minus(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = round(a[i] - b[i])
	}
	return d
}

func ratio(x, base float64) float64 {
	if base == 0 {
		return 0
	}
	return round(x / base)
}

func statsOf(ms []float64) stats {
	sorted := slices.Clone(ms)
	slices.Sort(sorted)
	n := len(sorted)
	med := sorted[n/2]
	if n%2 == 0 {
		med = round((sorted[n/2-1] + sorted[n/2]) / 2)
	}
	return stats{Median: med, Min: sorted[0], Max: sorted[n-1], Samples: sorted}
}

// millis returns d in milliseconds, rounded to microseconds.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

// arrival is a Runtime API request the server saw, and when.
type arrival struct {
	response bool // the POST of a response or error, not /next
	at       time.Time
}

// timing is one start: when its first two /next requests and responses
// arrived, after exec; the second ones only with events.
type timing struct {
	next, response, next2, response2 time.Duration
}

// measure starts each binary runs times, in turn, and returns their
// samples in the order of binaries. With an event, each start runs two
// invocations: event, then warm (nil: event again).
func measure(binaries []string, runs int, timeout time.Duration, event, warm []byte) ([]samples, error) {
	if runs < 1 {
		return nil, errors.New("coldstart: -n must be at least 1")
	}
	var events [][]byte
	if event != nil {
		if warm == nil {
			warm = event
		}
		events = [][]byte{event, warm}
	}
	dir, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	copies := make([]string, len(binaries))
	out := make([]samples, len(binaries))
	for i, b := range binaries {
		out[i].binary = b
		copies[i] = filepath.Join(dir, fmt.Sprint(i, "-", filepath.Base(b)))
		if err := copyExecutable(copies[i], b); err != nil {
			return nil, err
		}
	}
	for range runs {
		for i, b := range copies {
			t, err := startOnce(b, timeout, events)
			if err != nil {
				return nil, err
			}
			out[i].next = append(out[i].next, millis(t.next))
			if len(events) > 0 {
				next, resp := millis(t.next), millis(t.response)
				out[i].response = append(out[i].response, resp)
				out[i].first = append(out[i].first, round(resp-next))
				out[i].warm = append(out[i].warm, round(millis(t.response2)-millis(t.next2)))
			}
		}
	}
	return out, nil
}

// copyExecutable writes a copy of the file src, executable, to the new file
// dst (see measure).
func copyExecutable(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("coldstart: copying %s: %w", src, err)
	}
	return out.Close()
}

// runtimeAPI serves the Runtime API requests of one start: the first
// /next requests get the events in turn (request IDs
// coldstart-request-1, -2), later ones are held until the process is
// killed; a response or error is acknowledged. It acknowledges every
// durable-execution checkpoint with a new token.
type runtimeAPI struct {
	arrivals chan<- arrival
	events   [][]byte
	served   atomic.Int64 // the /next requests so far
	tokens   atomic.Int64
}

// ServeHTTP serves one Runtime API or checkpoint request (see runtimeAPI).
func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == nextPath:
		a.arrive(r, false)
		n := a.served.Add(1)
		if n > int64(len(a.events)) {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", fmt.Sprint(requestID, "-", n))
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:coldstart")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(a.events[n-1])
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, invocationPath):
		_, _ = io.Copy(io.Discard, r.Body)
		a.arrive(r, true)
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/checkpoint"):
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"CheckpointToken":"token-%d","NewExecutionState":{"Operations":[]}}`, a.tokens.Add(1))
	default:
		http.NotFound(w, r)
	}
}

// arrive reports a request, unless its connection is closed first (the
// measurement is over).
func (a *runtimeAPI) arrive(r *http.Request, response bool) {
	select {
	case a.arrivals <- arrival{response: response, at: time.Now()}:
	case <-r.Context().Done():
	}
}

// startOnce execs the binary and returns the time to its first /next and,
// with events, to its first response and to the second /next and
// response. Each start has its own server, so that no request of an
// earlier process, still on its way when that process was killed, counts
// in this one.
func startOnce(path string, timeout time.Duration, events [][]byte) (timing, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return timing{}, err
	}
	api := ln.Addr().String()
	arrivals := make(chan arrival, 2*len(events)+1)
	srv := &http.Server{Handler: &runtimeAPI{arrivals: arrivals, events: events}}
	go srv.Serve(ln)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + api,
		"AWS_ENDPOINT_URL_LAMBDA=http://" + api,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDCOLDSTART",
		"AWS_SECRET_ACCESS_KEY=coldstart",
		"AWS_LAMBDA_FUNCTION_NAME=coldstart",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"_HANDLER=bootstrap",
		// As Lambda sets it: without it, the first time.Local (the first
		// log line's timestamp) reads /etc/localtime.
		"TZ=:UTC",
	}
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return timing{}, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	// The arrivals in order: /next, or a /next and a response per event.
	var seen []time.Duration
	for want := max(1, 2*len(events)); len(seen) < want; {
		select {
		case a := <-arrivals:
			if a.response != (len(seen)%2 == 1) {
				return timing{}, fmt.Errorf("coldstart: %s: Runtime API request %d is not the expected alternation of /next and responses", path, len(seen)+1)
			}
			seen = append(seen, a.at.Sub(start))
		case err := <-exited:
			exited <- err
			return timing{}, fmt.Errorf("coldstart: %s exited after %d of the %d Runtime API requests expected: %v", path, len(seen), want, err)
		case <-ctx.Done():
			return timing{}, fmt.Errorf("coldstart: %s did not answer within %v", path, timeout)
		}
	}
	t := timing{next: seen[0]}
	if len(events) > 0 {
		t.response, t.next2, t.response2 = seen[1], seen[2], seen[3]
	}
	return t, nil
}
