package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play a Lambda bootstrap: started with
// AWS_LAMBDA_RUNTIME_API set (as measure starts it), it asks for its first
// event, checkpoints once, answers with the event and waits to be killed.
func TestMain(m *testing.M) {
	if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
		playBootstrap("http://"+api, os.Getenv("AWS_ENDPOINT_URL_LAMBDA"))
		time.Sleep(time.Minute)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func playBootstrap(api, endpoint string) {
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
	if resp, err := http.Get(api + nextPath); err == nil {
		resp.Body.Close()
	}
}

func TestMeasure(t *testing.T) {
	for _, event := range [][]byte{nil, []byte(`{"k":1}`)} {
		results, err := measure([]string{os.Args[0], os.Args[0]}, 3, 10*time.Second, event)
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
				case event == nil && len(r.response) != 0:
					t.Errorf("response samples %v without an event", r.response)
				case event != nil && r.response[i] < d:
					t.Errorf("response at %v, before the first /next at %v", r.response[i], d)
				}
			}
		}
	}
}

func TestMeasureFailures(t *testing.T) {
	tests := []struct {
		name, path string
		runs       int
		want       string
	}{
		{"exits without asking", "/bin/true", 1, "exited before its first Runtime API request"},
		{"no runs", os.Args[0], 0, "at least 1"},
		{"not a binary", "/nonexistent/bootstrap", 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := measure([]string{tt.path}, tt.runs, 10*time.Second, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("measure = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		samples []time.Duration
		want    stats
	}{
		{[]time.Duration{3 * ms}, stats{Median: 3, Min: 3, Max: 3, Samples: []float64{3}}},
		{[]time.Duration{9 * ms, 1 * ms, 2 * ms}, stats{Median: 2, Min: 1, Max: 9, Samples: []float64{1, 2, 9}}},
		{[]time.Duration{4 * ms, 1 * ms, 9 * ms, 2 * ms}, stats{Median: 3, Min: 1, Max: 9, Samples: []float64{1, 2, 4, 9}}},
	}
	for _, tt := range tests {
		got := statsOf(tt.samples)
		if got.Median != tt.want.Median || got.Min != tt.want.Min || got.Max != tt.want.Max || len(got.Samples) != len(tt.want.Samples) {
			t.Errorf("statsOf(%v) = %+v, want %+v", tt.samples, got, tt.want)
		}
	}
}
