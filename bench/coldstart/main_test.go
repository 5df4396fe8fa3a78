package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/durable-lambda-go/internal/testwait"
)

// TestMain lets the test binary play a Lambda bootstrap: started with
// AWS_LAMBDA_RUNTIME_API set (as measure starts it), it answers every event
// with the event itself after one checkpoint and waits to be killed.
func TestMain(m *testing.M) {
	if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
		playBootstrap("http://"+api, os.Getenv("AWS_ENDPOINT_URL_LAMBDA"))
		time.Sleep(time.Minute)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func playBootstrap(api, endpoint string) {
	for {
		resp, err := http.Get(api + nextPath)
		if err != nil {
			return
		}
		event, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		if id == "" {
			return
		}
		if resp, err := http.Post(endpoint+"/2025-12-01/durable-executions/arn/checkpoint", "application/json", strings.NewReader(`{}`)); err == nil {
			resp.Body.Close()
		}
		if resp, err := http.Post(api+invocationPath+id+"/response", "application/json", bytes.NewReader(event)); err == nil {
			resp.Body.Close()
		}
	}
}

func TestMeasure(t *testing.T) {
	for _, event := range [][]byte{nil, []byte(`{"k":1}`)} {
		results, err := measure([]string{os.Args[0], os.Args[0]}, 3, 10*time.Second, event, []byte(`{"k":2}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 2 {
			t.Fatalf("%d results, want one per binary", len(results))
		}
		for _, r := range results {
			if len(r.next) != 3 {
				t.Fatalf("%d samples, want 3", len(r.next))
			}
			for i, d := range r.next {
				if d <= 0 {
					t.Errorf("sample %v, want a positive duration", d)
				}
				switch {
				case event == nil && len(r.response)+len(r.first)+len(r.warm) != 0:
					t.Errorf("response samples %v %v %v without an event", r.response, r.first, r.warm)
				case event == nil:
				case r.response[i] < d:
					t.Errorf("response at %v, before the first /next at %v", r.response[i], d)
				case r.first[i] != round(r.response[i]-d):
					t.Errorf("first invocation %v, want the first response %v less the first /next %v", r.first[i], r.response[i], d)
				case r.warm[i] < 0 || r.warm[i] >= 10000:
					t.Errorf("warm invocation %v ms, want a time within the timeout", r.warm[i])
				}
			}
		}
	}
}

// TestServesBothEvents checks that the first /next gets the event and the
// second the warm one, with distinct request IDs, and that a third is held.
func TestServesBothEvents(t *testing.T) {
	arrivals := make(chan arrival, 3)
	api := &runtimeAPI{arrivals: arrivals, events: [][]byte{[]byte(`"first"`), []byte(`"warm"`)}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	for _, want := range []struct{ body, id string }{{`"first"`, "coldstart-request-1"}, {`"warm"`, "coldstart-request-2"}} {
		resp, err := http.Get(srv.URL + nextPath)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want.body || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != want.id {
			t.Errorf("/next = %s with request ID %q, want %s with %q", body, resp.Header.Get("Lambda-Runtime-Aws-Request-Id"), want.body, want.id)
		}
	}
	// The third /next: once the server has recorded it, the request is
	// canceled; it must not have been answered by then.
	ctx, cancel := context.WithCancel(testwait.Context(t))
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+nextPath, nil)
	answered := make(chan string, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- ""
			return
		}
		resp.Body.Close()
		answered <- resp.Status
	}()
	testwait.Until(t, "the third /next arrives", func() bool { return len(arrivals) == 3 })
	cancel()
	if status := testwait.Recv(t, "the held third /next returns once canceled", answered); status != "" {
		t.Errorf("a third /next was answered with %s, want it held", status)
	}
}

func TestMeasureFailures(t *testing.T) {
	tests := []struct {
		name, path string
		runs       int
		want       string
	}{
		{"exits without asking", "/bin/true", 1, "exited after 0 of the 1 Runtime API requests expected"},
		{"no runs", os.Args[0], 0, "at least 1"},
		{"not a binary", "/nonexistent/bootstrap", 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := measure([]string{tt.path}, tt.runs, 10*time.Second, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("measure = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	tests := []struct {
		samples []float64
		want    stats
	}{
		{[]float64{3}, stats{Median: 3, Min: 3, Max: 3, Samples: []float64{3}}},
		{[]float64{9, 1, 2}, stats{Median: 2, Min: 1, Max: 9, Samples: []float64{1, 2, 9}}},
		{[]float64{4, 1, 9, 2}, stats{Median: 3, Min: 1, Max: 9, Samples: []float64{1, 2, 4, 9}}},
	}
	for _, tt := range tests {
		if got := statsOf(tt.samples); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("statsOf(%v) = %+v, want %+v", tt.samples, got, tt.want)
		}
	}
}

// TestSummarizeAll checks the figures and ratios of the output lines and
// their JSON names on fixed samples: a baseline whose first invocation
// costs 1 ms more than its warm one, and a binary whose first costs 1.5 ms
// more, so 0.5 ms of its start was deferred to the first invocation.
func TestSummarizeAll(t *testing.T) {
	all := []samples{
		{binary: "bare", next: []float64{2, 3, 4}, response: []float64{3.5, 4.5, 5.5}, first: []float64{1.5, 1.5, 1.5}, warm: []float64{0.5, 0.5, 0.5}},
		{binary: "ours", next: []float64{2.2, 3.3, 4.4}, response: []float64{5.2, 6.3, 7.4}, first: []float64{3, 3, 3}, warm: []float64{1.5, 1.5, 1.5}},
	}
	got := summarizeAll(all)
	line, err := json.Marshal(got[1])
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"bootstrap":"ours","runs":3,` +
		`"next":{"median_ms":3.3,"min_ms":2.2,"max_ms":4.4,"samples_ms":[2.2,3.3,4.4]},"next_ratio_to_first":1.1,` +
		`"response":{"median_ms":6.3,"min_ms":5.2,"max_ms":7.4,"samples_ms":[5.2,6.3,7.4]},"response_ratio_to_first":1.4,` +
		`"first_invocation":{"median_ms":3,"min_ms":3,"max_ms":3,"samples_ms":[3,3,3]},` +
		`"warm_invocation":{"median_ms":1.5,"min_ms":1.5,"max_ms":1.5,"samples_ms":[1.5,1.5,1.5]},` +
		`"first_less_warm":{"median_ms":1.5,"min_ms":1.5,"max_ms":1.5,"samples_ms":[1.5,1.5,1.5]},` +
		`"response_less_warm":{"median_ms":4.8,"min_ms":3.7,"max_ms":5.9,"samples_ms":[3.7,4.8,5.9]},"response_less_warm_ratio_to_first":1.2,` +
		`"deferred_to_first_invocation_ms":0.5}`
	if string(line) != want {
		t.Errorf("ours:\n got %s\nwant %s", line, want)
	}
	if base := got[0]; base.NextRatio != 1 || base.ResponseRatio != 1 || base.ResponseLessWarmRatio != 1 || *base.DeferredToFirstMS != 0 {
		t.Errorf("bare = %+v, want ratios 1 and nothing deferred", base)
	}
	noEvent := summarizeAll([]samples{{binary: "bare", next: []float64{2}}, {binary: "ours", next: []float64{3}}})
	line, err = json.Marshal(noEvent[1])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"bootstrap":"ours","runs":1,"next":{"median_ms":3,"min_ms":3,"max_ms":3,"samples_ms":[3]},"next_ratio_to_first":1.5}`; string(line) != want {
		t.Errorf("without an event:\n got %s\nwant %s", line, want)
	}
}

// TestCopyExecutable checks that the copy measure starts has the binary's
// bytes and is executable, and that an existing file is not overwritten.
func TestCopyExecutable(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("#!/bin/sh\nexit 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := copyExecutable(dst, src); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(dst)
	if err != nil || string(got) != "#!/bin/sh\nexit 0\n" {
		t.Fatalf("copy = %q, %v; want the source's bytes", got, err)
	}
	if err := exec.Command(dst).Run(); err != nil {
		t.Errorf("running the copy: %v", err)
	}
	if err := copyExecutable(dst, src); !errors.Is(err, fs.ErrExist) {
		t.Errorf("copying onto an existing file: %v, want fs.ErrExist", err)
	}
}
