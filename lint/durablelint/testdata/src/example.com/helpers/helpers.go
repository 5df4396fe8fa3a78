// Package helpers is imported by the fixtures to test facts across
// packages.
package helpers

import (
	"math/rand"
	"time"

	"github.com/acme/durable-lambda-go/durable"
)

// Stamp has no Context parameter but reads the clock.
func Stamp() string { return time.Now().String() }

// Jitter reaches rand through another helper.
func Jitter() int { return pick() }

func pick() int { return rand.Intn(10) }

// Pure is deterministic.
func Pure(s string) string { return s + "!" }

// Save records an operation.
func Save(ctx durable.Context, v string) error {
	_, err := durable.Step(ctx, "save", func(durable.StepContext) (string, error) { return v, nil })
	return err
}

// StampInStep reads the clock only inside a step.
func StampInStep(ctx durable.Context) (string, error) {
	return durable.Step(ctx, "stamp", func(durable.StepContext) (string, error) { return time.Now().String(), nil })
}
