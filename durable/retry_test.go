package durable

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"testing"
	"time"
)

// delays returns the delay in seconds after attempts 1..n (-1 = no retry).
func delays(s RetryStrategy, n int, err error) []int {
	out := make([]int, n)
	for i := range out {
		d := s(RetryAttempt{Err: err, Attempt: i + 1})
		out[i] = -1
		if d.Retry {
			out[i] = int(d.Delay / time.Second)
		}
	}
	return out
}

func TestRetryDelaysWithoutJitter(t *testing.T) {
	tests := []struct {
		name string
		s    RetryStrategy
		want []int
	}{
		{"exponential default shape", MustNewRetryStrategy(RetryConfig{MaxAttempts: 6, InitialDelay: 5 * time.Second, MaxDelay: time.Minute, BackoffRate: 2, Jitter: JitterNone}),
			[]int{5, 10, 20, 40, 60, -1}},
		{"RetryConfig defaults apart from jitter", MustNewRetryStrategy(RetryConfig{Jitter: JitterNone}), []int{5, 10, -1}},
		{"rate 1.5, rounded", MustNewRetryStrategy(RetryConfig{MaxAttempts: 5, InitialDelay: 3 * time.Second, BackoffRate: 1.5, Jitter: JitterNone}),
			[]int{3, 5, 7, 10, -1}}, // 3, 4.5, 6.75, 10.125
		{"sub-second rounds to 1", MustNewRetryStrategy(RetryConfig{MaxAttempts: 3, InitialDelay: 100 * time.Millisecond, Jitter: JitterNone}), []int{1, 1, -1}},
		{"linear defaults", MustLinearBackoff(LinearRetryConfig{}), []int{1, 2, 3, 4, 5, -1}},
		{"linear capped", MustLinearBackoff(LinearRetryConfig{MaxAttempts: 5, InitialDelay: 10 * time.Second, Increment: 20 * time.Second, MaxDelay: 45 * time.Second}),
			[]int{10, 30, 45, 45, -1}},
		{"no retry", NoRetry(), []int{-1, -1}},
	}
	for _, tt := range tests {
		if got := delays(tt.s, len(tt.want), errors.New("x")); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRetryJitterBounds(t *testing.T) {
	tests := []struct {
		name     string
		s        RetryStrategy
		attempt  int
		min, max int
	}{
		{"default full, attempt 1", ExponentialBackoff(), 1, 1, 5},
		{"default full, attempt 2", ExponentialBackoff(), 2, 1, 10},
		{"default full, capped", ExponentialBackoff(), 5, 1, 60},
		{"half", MustNewRetryStrategy(RetryConfig{InitialDelay: 20 * time.Second, Jitter: JitterHalf}), 1, 10, 20},
		{"linear full", MustLinearBackoff(LinearRetryConfig{InitialDelay: 8 * time.Second, Jitter: JitterFull}), 1, 1, 8},
	}
	for _, tt := range tests {
		for range 500 {
			d := tt.s(RetryAttempt{Err: errors.New("x"), Attempt: tt.attempt})
			secs := d.Delay / time.Second
			if !d.Retry || d.Delay%time.Second != 0 || int(secs) < tt.min || int(secs) > tt.max {
				t.Fatalf("%s: %+v outside [%d, %d] s", tt.name, d, tt.min, tt.max)
			}
		}
	}
	if d := ExponentialBackoff()(RetryAttempt{Err: errors.New("x"), Attempt: 6}); d.Retry {
		t.Error("default retries a 6th failure")
	}
}

func TestRetryConfigValidation(t *testing.T) {
	bad := map[string]RetryConfig{
		"attempts":    {MaxAttempts: -1},
		"initial":     {InitialDelay: -time.Second},
		"max":         {MaxDelay: -time.Second},
		"max<initial": {InitialDelay: time.Minute, MaxDelay: time.Second},
		"rate<1":      {BackoffRate: 0.5},
		"rate NaN":    {BackoffRate: math.NaN()},
		"rate Inf":    {BackoffRate: math.Inf(1)},
		"jitter":      {Jitter: "SOME"},
		"nil matcher": {RetryableErrors: []ErrorMatcher{nil}},
	}
	for name, cfg := range bad {
		if s, err := NewRetryStrategy(cfg); err == nil || s != nil {
			t.Errorf("%s: accepted", name)
		}
	}
	badLinear := map[string]LinearRetryConfig{
		"attempts":  {MaxAttempts: -2},
		"increment": {Increment: -time.Second},
		"jitter":    {Jitter: "x"},
		"max":       {InitialDelay: time.Hour},
	}
	for name, cfg := range badLinear {
		if _, err := LinearBackoff(cfg); err == nil {
			t.Errorf("linear %s: accepted", name)
		}
	}
	for name, f := range map[string]func(){
		"MustNewRetryStrategy": func() { MustNewRetryStrategy(RetryConfig{MaxAttempts: -1}) },
		"MustLinearBackoff":    func() { MustLinearBackoff(LinearRetryConfig{MaxAttempts: -1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

var errSentinel = errors.New("sentinel")

func TestErrorMatchers(t *testing.T) {
	wrapped := fmt.Errorf("ctx: %w", &userErr{code: 42})
	recorded := &StepError{OperationError: OperationError{ErrorType: "Timeout", Message: "t"}}
	tests := []struct {
		name string
		m    ErrorMatcher
		err  error
		want bool
	}{
		{"is", ErrorIs(errSentinel), fmt.Errorf("a: %w", errSentinel), true},
		{"is not", ErrorIs(errSentinel), errors.New("sentinel"), false},
		{"as", ErrorAs[*userErr](), wrapped, true},
		{"as not", ErrorAs[*userErr](), errSentinel, false},
		{"contains", ErrorContains("code"), errors.New("bad code 3"), true},
		{"contains not", ErrorContains("code"), errSentinel, false},
		{"matches", ErrorMatches(regexp.MustCompile(`^user error \d+$`)), &userErr{code: 1}, true},
		{"matches not", ErrorMatches(regexp.MustCompile(`^\d+$`)), &userErr{code: 1}, false},
		{"type of go error", ErrorTypeIs("userErr"), &userErr{}, true},
		{"type plain", ErrorTypeIs("Error"), wrapped, true},
		{"recorded type", ErrorTypeIs("Timeout"), recorded, true},
		{"sdk type", ErrorTypeIs("StepError"), recorded, true},
		{"type not", ErrorTypeIs("Other"), recorded, false},
	}
	for _, tt := range tests {
		if got := tt.m(tt.err); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	s := MustNewRetryStrategy(RetryConfig{RetryableErrors: []ErrorMatcher{ErrorIs(errSentinel), ErrorContains("flaky")}})
	for err, want := range map[error]bool{errSentinel: true, errors.New("flaky net"): true, errors.New("fatal"): false} {
		if got := s(RetryAttempt{Err: err, Attempt: 1}).Retry; got != want {
			t.Errorf("retry %v: %v, want %v", err, got, want)
		}
	}
}

func TestDelaySeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{
		time.Nanosecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, time.Hour: 3600,
		math.MaxInt64: 31_622_400, 400 * 24 * time.Hour: 31_622_400,
	} {
		if got := delaySeconds(d); got != want {
			t.Errorf("delaySeconds(%v) = %d, want %d", d, got, want)
		}
	}
}
