// Command coldstart measures a Lambda bootstrap binary's cold start: the
// time from exec of the binary to its first Runtime API request (GET
// /2018-06-01/runtime/invocation/next), which is when the function is ready
// for its first event. It serves that request on a loopback port, starts
// the binary with AWS_LAMBDA_RUNTIME_API pointing there, records the
// arrival and kills the process; it repeats this and prints one JSON line
// with the median, the minimum and the maximum in milliseconds.
//
//	go run ./bench/coldstart -n 20 /tmp/bootstrap
//
// Build the binary as the CDK app does (see stacks/build.go), for this
// machine's architecture so that it can run here.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"time"
)

// nextPath is the Runtime API request a function makes when it is ready.
const nextPath = "/2018-06-01/runtime/invocation/next"

func main() {
	runs := flag.Int("n", 20, "number of cold starts")
	timeout := flag.Duration("timeout", 10*time.Second, "how long one start may take")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: coldstart [-n 20] [-timeout 10s] path/to/bootstrap")
	}
	samples, err := measure(flag.Arg(0), *runs, *timeout)
	if err != nil {
		log.Fatal(err)
	}
	slices.Sort(samples)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	all := make([]float64, len(samples))
	for i, d := range samples {
		all[i] = ms(d)
	}
	line, err := json.Marshal(map[string]any{"bootstrap": flag.Arg(0), "runs": len(samples),
		"median_ms": ms(median(samples)), "min_ms": all[0], "max_ms": all[len(all)-1], "samples_ms": all})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(line))
}

// median returns the median of sorted samples.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// measure starts the binary runs times and returns each time to its first
// Runtime API request.
func measure(path string, runs int, timeout time.Duration) ([]time.Duration, error) {
	if runs < 1 {
		return nil, errors.New("coldstart: -n must be at least 1")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	arrived := make(chan time.Time, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == nextPath {
			select {
			case arrived <- time.Now():
			default:
			}
		}
		// Hold the request until the process is killed, as a Runtime API
		// with no event yet would.
		<-r.Context().Done()
	})}
	go srv.Serve(ln)
	defer srv.Close()

	var samples []time.Duration
	for range runs {
		d, err := startOnce(path, ln.Addr().String(), arrived, timeout)
		if err != nil {
			return nil, err
		}
		samples = append(samples, d)
	}
	return samples, nil
}

// startOnce execs the binary and waits for its first request.
func startOnce(path, api string, arrived <-chan time.Time, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + api,
		"AWS_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=coldstart",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"_HANDLER=bootstrap",
	}
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	select {
	case at := <-arrived:
		return at.Sub(start), nil
	case err := <-exited:
		exited <- err
		return 0, fmt.Errorf("coldstart: %s exited before its first Runtime API request: %v", path, err)
	case <-ctx.Done():
		return 0, fmt.Errorf("coldstart: no Runtime API request from %s within %v", path, timeout)
	}
}
