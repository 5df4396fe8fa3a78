// Command coldstart measures the cold start of Lambda bootstrap binaries:
// the time from exec of the binary to its first Runtime API request (GET
// /2018-06-01/runtime/invocation/next, when the function is ready for its
// first event) and, with -event, to its first response (the POST of the
// answer to that event, so that work deferred to the first invocation is
// counted too). It serves the Runtime API on a loopback port, starts the
// binary with AWS_LAMBDA_RUNTIME_API pointing there and kills the process
// after each start. The same server plays the durable-execution API for
// the first invocation (AWS_ENDPOINT_URL_LAMBDA): every checkpoint is
// acknowledged with a new token, so a durable function runs its first
// invocation for real, through its checkpoint client.
//
// Given several binaries it starts them in turn (A B A B ...), so that a
// machine shared with other work affects all of them alike, and prints one
// JSON line per binary with the medians, minimums and maximums in
// milliseconds and the ratio of its medians to the first binary's.
//
//	go run ./bench/coldstart -n 20 -event bench/coldstart/testdata/seed-event.json /tmp/bootstrap /tmp/bare
//
// Build the binaries as the CDK app does (see stacks/build.go), for this
// machine's architecture so that they can run here; bench/coldstart/bare
// is the baseline, an aws-lambda-go function that does nothing.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
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
	eventFile := flag.String("event", "", "a JSON event to answer the first /next with; the first response is timed too")
	flag.Parse()
	if flag.NArg() < 1 {
		log.Fatal("usage: coldstart [-n 20] [-timeout 10s] [-event file] path/to/bootstrap [more bootstraps]")
	}
	var event []byte
	if *eventFile != "" {
		var err error
		if event, err = os.ReadFile(*eventFile); err != nil {
			log.Fatal(err)
		}
	}
	results, err := measure(flag.Args(), *runs, *timeout, event)
	if err != nil {
		log.Fatal(err)
	}
	var first *summary
	for _, r := range results {
		s := summarize(r)
		if first == nil {
			first = &s
		}
		s.NextRatio = round(s.Next.Median / first.Next.Median)
		if event != nil {
			s.ResponseRatio = round(s.Response.Median / first.Response.Median)
		}
		line, err := json.Marshal(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(line))
	}
}

// samples are the cold starts of one binary.
type samples struct {
	binary   string
	next     []time.Duration // exec → first /next
	response []time.Duration // exec → first response (with -event)
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
}

func summarize(s samples) summary {
	out := summary{Binary: s.binary, Runs: len(s.next), Next: statsOf(s.next)}
	if len(s.response) > 0 {
		r := statsOf(s.response)
		out.Response = &r
	}
	return out
}

func statsOf(ds []time.Duration) stats {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	ms := make([]float64, len(sorted))
	for i, d := range sorted {
		ms[i] = round(float64(d.Microseconds()) / 1000)
	}
	n := len(ms)
	med := ms[n/2]
	if n%2 == 0 {
		med = round((ms[n/2-1] + ms[n/2]) / 2)
	}
	return stats{Median: med, Min: ms[0], Max: ms[n-1], Samples: ms}
}

func round(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// arrival is a Runtime API request the server saw, and when.
type arrival struct {
	response bool // the POST of a response or error, not /next
	at       time.Time
}

// measure starts each binary runs times, in turn, and returns their
// samples in the order of binaries.
func measure(binaries []string, runs int, timeout time.Duration, event []byte) ([]samples, error) {
	if runs < 1 {
		return nil, errors.New("coldstart: -n must be at least 1")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	arrivals := make(chan arrival, 4)
	api := &runtimeAPI{arrivals: arrivals, event: event}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()

	out := make([]samples, len(binaries))
	for i, b := range binaries {
		out[i].binary = b
	}
	for range runs {
		for i, b := range binaries {
			api.served.Store(false)
			next, resp, err := startOnce(b, ln.Addr().String(), arrivals, timeout, event != nil)
			if err != nil {
				return nil, err
			}
			out[i].next = append(out[i].next, next)
			if event != nil {
				out[i].response = append(out[i].response, resp)
			}
		}
	}
	return out, nil
}

// runtimeAPI serves the Runtime API requests of one start at a time: the
// first /next gets event (or is held, without one), later ones are held
// until the process is killed; a response or error is acknowledged. It
// acknowledges every durable-execution checkpoint with a new token.
type runtimeAPI struct {
	arrivals chan<- arrival
	event    []byte
	served   atomic.Bool // the event went out in this start
	tokens   atomic.Int64
}

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == nextPath:
		a.arrivals <- arrival{at: time.Now()}
		if a.event == nil || a.served.Swap(true) {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", requestID)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:coldstart")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(a.event)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, invocationPath):
		_, _ = io.Copy(io.Discard, r.Body)
		a.arrivals <- arrival{response: true, at: time.Now()}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/checkpoint"):
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"CheckpointToken":"token-%d","NewExecutionState":{"Operations":[]}}`, a.tokens.Add(1))
	default:
		http.NotFound(w, r)
	}
}

// startOnce execs the binary and returns the time to its first /next and,
// when wantResponse, to its first response.
func startOnce(path, api string, arrivals <-chan arrival, timeout time.Duration, wantResponse bool) (next, response time.Duration, err error) {
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
	}
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
		// Drop what the killed process's requests left behind.
		for {
			select {
			case <-arrivals:
			default:
				return
			}
		}
	}()
	for {
		select {
		case a := <-arrivals:
			switch {
			case a.response:
				return next, a.at.Sub(start), nil
			case next == 0:
				next = a.at.Sub(start)
				if !wantResponse {
					return next, 0, nil
				}
			}
		case err := <-exited:
			exited <- err
			return 0, 0, fmt.Errorf("coldstart: %s exited before its first Runtime API request or response: %v", path, err)
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("coldstart: %s did not answer within %v", path, timeout)
		}
	}
}
