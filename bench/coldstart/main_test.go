package main

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play a Lambda bootstrap: started with
// AWS_LAMBDA_RUNTIME_API set (as measure starts it), it asks for its first
// event and waits to be killed.
func TestMain(m *testing.M) {
	if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
		resp, err := http.Get("http://" + api + nextPath)
		if err == nil {
			resp.Body.Close()
		}
		time.Sleep(time.Minute)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestMeasure(t *testing.T) {
	samples, err := measure(os.Args[0], 3, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 3 {
		t.Fatalf("%d samples, want 3", len(samples))
	}
	for _, d := range samples {
		if d <= 0 {
			t.Errorf("sample %v, want a positive duration", d)
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
			_, err := measure(tt.path, tt.runs, 10*time.Second)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("measure = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		sorted []time.Duration
		want   time.Duration
	}{
		{[]time.Duration{3 * ms}, 3 * ms},
		{[]time.Duration{1 * ms, 2 * ms, 9 * ms}, 2 * ms},
		{[]time.Duration{1 * ms, 2 * ms, 4 * ms, 9 * ms}, 3 * ms},
	}
	for _, tt := range tests {
		if got := median(tt.sorted); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.sorted, got, tt.want)
		}
	}
}
