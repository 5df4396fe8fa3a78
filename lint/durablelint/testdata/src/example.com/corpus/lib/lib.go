// Package lib holds helpers the corpus handlers call from another
// package, so findings through them need facts.
package lib

import (
	"math/rand"
	"os"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Clock reads the clock with no Context parameter.
func Clock() time.Time { return time.Now() }

// Token draws from a seeded generator: still different per invocation
// order, and a blind spot of the official analyzer.
func Token(r *rand.Rand) int { return r.Intn(1 << 20) }

// Region reads the environment two calls deep.
func Region() string { return region() }

func region() string { return os.Getenv("AWS_REGION") }

// Record records a step.
func Record(ctx durable.Context, name string) error {
	_, err := durable.Step(ctx, name, func(durable.StepContext) (bool, error) { return true, nil })
	return err
}

// Notify records through Record.
func Notify(ctx durable.Context, who string) error { return Record(ctx, "notify-"+who) }

// Format is pure.
func Format(s string, n int) string { return s + ":" + string(rune('0'+n%10)) }

// Stamped reads the clock only inside a step.
func Stamped(ctx durable.Context) (time.Time, error) {
	return durable.Step(ctx, "stamp", func(durable.StepContext) (time.Time, error) { return time.Now(), nil })
}

// Clock is an interface whose implementations may read the clock.
type Source interface{ Now() time.Time }

// WallClock is a Source reading the wall clock.
type WallClock struct{}

// Now returns the wall-clock time.
func (WallClock) Now() time.Time { return time.Now() }
