package durable

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// DefaultRetryDelay is the delay used when a RetryStrategy decides to retry
// with a zero Delay.
const DefaultRetryDelay = time.Second

// RetryAttempt describes a failed attempt to a RetryStrategy.
type RetryAttempt struct {
	// Err is the attempt's error (a *StepInterruptedError for an
	// interrupted at-most-once attempt).
	Err error
	// Attempt is the 1-based number of the attempt that just failed.
	Attempt int
	// Elapsed is the time since the operation's first attempt started.
	Elapsed time.Duration
}

// RetryDecision is a RetryStrategy's answer. A zero Delay means
// [DefaultRetryDelay]; a negative one fails the operation. Delays are
// rounded up to whole seconds (at least one) when checkpointed.
type RetryDecision struct {
	Retry bool
	Delay time.Duration
}

// RetryStrategy decides whether and when a failed attempt is retried. It
// must be deterministic in its decision to retry (it runs again on replay
// only for interrupted attempts, but a user may rely on it in tests).
type RetryStrategy func(RetryAttempt) RetryDecision

// JitterStrategy randomizes retry delays to spread load.
type JitterStrategy string

// The jitter strategies: FULL draws the delay uniformly from [0, d], HALF
// from [d/2, d], NONE uses d.
const (
	JitterFull JitterStrategy = "FULL"
	JitterHalf JitterStrategy = "HALF"
	JitterNone JitterStrategy = "NONE"
)

// ErrorMatcher selects the errors a strategy retries.
type ErrorMatcher func(error) bool

// ErrorIs matches errors for which errors.Is(err, target) holds.
func ErrorIs(target error) ErrorMatcher {
	return func(err error) bool { return errors.Is(err, target) }
}

// ErrorAs matches errors that have a T in their chain.
func ErrorAs[T error]() ErrorMatcher {
	return func(err error) bool {
		var t T
		return errors.As(err, &t)
	}
}

// ErrorContains matches errors whose message contains s.
func ErrorContains(s string) ErrorMatcher {
	return func(err error) bool { return strings.Contains(err.Error(), s) }
}

// ErrorMatches matches errors whose message matches re.
func ErrorMatches(re *regexp.Regexp) ErrorMatcher {
	return func(err error) bool { return re.MatchString(err.Error()) }
}

// ErrorTypeIs matches errors whose wire ErrorType is wireType: the type the
// SDK would record for the error (see the package doc), or the recorded
// ErrorType of an *OperationError in its chain.
func ErrorTypeIs(wireType string) ErrorMatcher {
	return func(err error) bool {
		var oe *OperationError
		if errors.As(err, &oe) && oe.ErrorType == wireType {
			return true
		}
		return errorObjectOf(err, false).ErrorType == wireType
	}
}

// RetryConfig configures an exponential strategy for [NewRetryStrategy].
// Zero fields take the defaults noted; note that RetryConfig{} (3 attempts,
// 5 min cap) is not [ExponentialBackoff] (6 attempts, 60 s cap).
type RetryConfig struct {
	// MaxAttempts is the total number of attempts (default 3).
	MaxAttempts int
	// InitialDelay is the delay after the first failure (default 5 s).
	InitialDelay time.Duration
	// MaxDelay caps the delay (default 5 min).
	MaxDelay time.Duration
	// BackoffRate multiplies the delay after each failure (default 2;
	// must be at least 1).
	BackoffRate float64
	// Jitter randomizes the delay (default JitterFull).
	Jitter JitterStrategy
	// RetryableErrors, when non-empty, limits retries to errors matched
	// by at least one matcher.
	RetryableErrors []ErrorMatcher
}

// LinearRetryConfig configures a linear strategy for [LinearBackoff].
type LinearRetryConfig struct {
	// MaxAttempts is the total number of attempts (default 6).
	MaxAttempts int
	// InitialDelay is the delay after the first failure (default 1 s).
	InitialDelay time.Duration
	// Increment is added after each further failure (default 1 s).
	Increment time.Duration
	// MaxDelay caps the delay (default 5 min).
	MaxDelay time.Duration
	// Jitter randomizes the delay (default JitterNone).
	Jitter JitterStrategy
}

// ExponentialBackoff is the default strategy of a step: 6 attempts, 5 s
// initial delay doubling up to 60 s, full jitter.
func ExponentialBackoff() RetryStrategy {
	return MustNewRetryStrategy(RetryConfig{MaxAttempts: 6, InitialDelay: 5 * time.Second, MaxDelay: time.Minute, BackoffRate: 2, Jitter: JitterFull})
}

// NoRetry never retries: the first failure is final.
func NoRetry() RetryStrategy {
	return func(RetryAttempt) RetryDecision { return RetryDecision{} }
}

// NewRetryStrategy returns an exponential strategy: after attempt n fails
// the delay is min(InitialDelay × BackoffRate^(n−1), MaxDelay), jittered and
// rounded to whole seconds (at least 1), until MaxAttempts attempts were
// made or an error is not retryable.
func NewRetryStrategy(cfg RetryConfig) (RetryStrategy, error) {
	cfg = withRetryDefaults(cfg)
	if err := validateBackoff("RetryConfig", cfg.MaxAttempts, cfg.InitialDelay, cfg.MaxDelay, cfg.Jitter); err != nil {
		return nil, err
	}
	if err := validateRate("RetryConfig", cfg.BackoffRate); err != nil {
		return nil, err
	}
	for i, m := range cfg.RetryableErrors {
		if m == nil {
			return nil, fmt.Errorf("durable: RetryConfig.RetryableErrors[%d] is nil", i)
		}
	}
	return func(a RetryAttempt) RetryDecision {
		if a.Attempt >= cfg.MaxAttempts || !retryable(cfg.RetryableErrors, a.Err) {
			return RetryDecision{}
		}
		return RetryDecision{Retry: true, Delay: exponentialDelay(cfg.InitialDelay, cfg.MaxDelay, cfg.BackoffRate, cfg.Jitter, a.Attempt)}
	}, nil
}

// MustNewRetryStrategy is NewRetryStrategy that panics on a bad config.
func MustNewRetryStrategy(cfg RetryConfig) RetryStrategy {
	s, err := NewRetryStrategy(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// LinearBackoff returns a linear strategy: after attempt n fails the delay
// is min(InitialDelay + Increment × (n−1), MaxDelay), jittered and rounded
// to whole seconds (at least 1), until MaxAttempts attempts were made.
func LinearBackoff(cfg LinearRetryConfig) (RetryStrategy, error) {
	cfg = withLinearDefaults(cfg)
	if err := validateBackoff("LinearRetryConfig", cfg.MaxAttempts, cfg.InitialDelay, cfg.MaxDelay, cfg.Jitter); err != nil {
		return nil, err
	}
	if cfg.Increment < 0 {
		return nil, fmt.Errorf("durable: LinearRetryConfig.Increment %v is negative", cfg.Increment)
	}
	return func(a RetryAttempt) RetryDecision {
		if a.Attempt >= cfg.MaxAttempts {
			return RetryDecision{}
		}
		base := min(float64(cfg.InitialDelay)+float64(cfg.Increment)*float64(a.Attempt-1), float64(cfg.MaxDelay))
		return RetryDecision{Retry: true, Delay: jitteredSeconds(cfg.Jitter, base)}
	}, nil
}

// MustLinearBackoff is LinearBackoff that panics on a bad config.
func MustLinearBackoff(cfg LinearRetryConfig) RetryStrategy {
	s, err := LinearBackoff(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

func withRetryDefaults(cfg RetryConfig) RetryConfig {
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.InitialDelay == 0 {
		cfg.InitialDelay = 5 * time.Second
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = 5 * time.Minute
	}
	if cfg.BackoffRate == 0 {
		cfg.BackoffRate = 2
	}
	if cfg.Jitter == "" {
		cfg.Jitter = JitterFull
	}
	return cfg
}

func withLinearDefaults(cfg LinearRetryConfig) LinearRetryConfig {
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.InitialDelay == 0 {
		cfg.InitialDelay = time.Second
	}
	if cfg.Increment == 0 {
		cfg.Increment = time.Second
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = 5 * time.Minute
	}
	if cfg.Jitter == "" {
		cfg.Jitter = JitterNone
	}
	return cfg
}

func validateBackoff(what string, maxAttempts int, initial, maxDelay time.Duration, j JitterStrategy) error {
	switch {
	case maxAttempts < 1:
		return fmt.Errorf("durable: %s.MaxAttempts %d must be at least 1", what, maxAttempts)
	case initial < 0:
		return fmt.Errorf("durable: %s.InitialDelay %v is negative", what, initial)
	case maxDelay < 0:
		return fmt.Errorf("durable: %s.MaxDelay %v is negative", what, maxDelay)
	case maxDelay < initial:
		return fmt.Errorf("durable: %s.MaxDelay %v is less than InitialDelay %v", what, maxDelay, initial)
	}
	switch j {
	case JitterFull, JitterHalf, JitterNone:
		return nil
	}
	return fmt.Errorf("durable: %s.Jitter %q is not FULL, HALF or NONE", what, string(j))
}

func retryable(matchers []ErrorMatcher, err error) bool {
	if len(matchers) == 0 {
		return true
	}
	for _, m := range matchers {
		if m(err) {
			return true
		}
	}
	return false
}

// validateRate checks the BackoffRate of an exponential strategy.
func validateRate(what string, rate float64) error {
	if rate < 1 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return fmt.Errorf("durable: %s.BackoffRate %v must be a finite number of at least 1", what, rate)
	}
	return nil
}

// exponentialDelay is the delay after attempt n (1-based) of an exponential
// strategy: min(initial × rate^(n−1), maxDelay), jittered and rounded to
// whole seconds (at least 1).
func exponentialDelay(initial, maxDelay time.Duration, rate float64, j JitterStrategy, n int) time.Duration {
	return jitteredSeconds(j, min(float64(initial)*math.Pow(rate, float64(n-1)), float64(maxDelay)))
}

// jitteredSeconds applies jitter to base (nanoseconds) and rounds the
// result to the nearest whole second, at least one.
func jitteredSeconds(j JitterStrategy, base float64) time.Duration {
	d := base
	switch j {
	case JitterFull:
		d = rand.Float64() * base
	case JitterHalf:
		d = base/2 + rand.Float64()*base/2
	}
	secs := max(math.Round(d/float64(time.Second)), 1)
	return time.Duration(secs) * time.Second
}

// delaySeconds converts a retry or wait delay into the whole seconds the
// service takes: rounded up, at least 1, at most the service's maximum.
func delaySeconds(d time.Duration) int {
	if d >= wire.MaxDurationSeconds*time.Second {
		return wire.MaxDurationSeconds
	}
	return int(max((d+time.Second-1)/time.Second, 1))
}
