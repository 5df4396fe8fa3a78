// Package workflow is the seed durable workflow that this project deploys:
// a message goes through three checkpointed steps, validate, transform and
// store, and the execution returns a summary.
//
// Each step returns a [StepResult] whose timestamp is taken inside the step,
// so a replay returns the recorded time rather than a new one. The store
// step talks to an outside dependency (a [Store]) and retries transient
// failures with its own retry strategy; the other steps fail fast. Input is
// decoded and checked before any step runs: bad input ends the execution
// FAILED with an [InvalidInputError], never a panic.
//
// The workflow is idempotent by execution name: the service maps one name to
// one execution, and the store is written under a key derived from that
// name, so a repeated start never stores twice.
package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/wire"
)

// MaxMessageBytes is the largest message the workflow accepts.
const MaxMessageBytes = 64 * 1024

// Input is the execution's input.
type Input struct {
	// Message is the text to process. Required, non-blank.
	Message string `json:"message"`
	// ExecutionName is the caller's name for the execution; it keys the
	// stored record. When empty, the name in the execution ARN is used.
	ExecutionName string `json:"execution_name,omitempty"`
}

// StepResult is what each step returns and checkpoints.
type StepResult struct {
	StepName  string    `json:"step_name"`
	Status    string    `json:"status"`
	Result    string    `json:"result"`
	Timestamp time.Time `json:"timestamp"`
}

// Output is the execution's result.
type Output struct {
	ExecutionID    string `json:"execution_id"`
	StepsCompleted int    `json:"steps_completed"`
	FinalResult    string `json:"final_result"`
	Status         string `json:"status"`
}

// StepSucceeded is the Status of a StepResult whose step did its work.
const StepSucceeded = "success"

// InvalidInputError reports input the workflow cannot process. It ends the
// execution FAILED with ErrorType "InvalidInputError".
type InvalidInputError struct {
	Field  string
	Reason string
}

// Error formats the error as "invalid input: <field>: <reason>".
func (e *InvalidInputError) Error() string {
	if e.Field == "" {
		return "invalid input: " + e.Reason
	}
	return fmt.Sprintf("invalid input: %s: %s", e.Field, e.Reason)
}

// Store is the outside dependency the store step writes to. Put must be
// idempotent for a key: the step may call it again after a crash.
type Store interface {
	Put(ctx context.Context, key, value string) error
}

// TransientError marks a Store failure worth retrying (throttling, a 5xx,
// a dropped connection). Other Store errors fail the step at once.
type TransientError struct {
	Err error
}

// Error returns the wrapped error's message.
func (e *TransientError) Error() string { return "transient: " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *TransientError) Unwrap() error { return e.Err }

// Config configures a Workflow. The zero value of each optional field
// selects its default.
type Config struct {
	// Store receives the transformed message. Required.
	Store Store
	// Now returns the time recorded in step results. Default time.Now.
	Now func() time.Time
	// StoreRetry is the retry strategy of the store step. Default: up to 5
	// attempts, 1 s initial delay doubling to at most 30 s with full
	// jitter, retrying only TransientError.
	StoreRetry durable.RetryStrategy
}

// Workflow is the seed workflow; build it with New.
type Workflow struct {
	store      Store
	now        func() time.Time
	storeRetry durable.RetryStrategy
}

// DefaultStoreRetry returns the store step's default retry strategy.
func DefaultStoreRetry() durable.RetryStrategy {
	return durable.MustNewRetryStrategy(durable.RetryConfig{
		MaxAttempts:     5,
		InitialDelay:    time.Second,
		MaxDelay:        30 * time.Second,
		BackoffRate:     2,
		Jitter:          durable.JitterFull,
		RetryableErrors: []durable.ErrorMatcher{durable.ErrorAs[*TransientError]()},
	})
}

// New returns the workflow for cfg.
func New(cfg Config) (*Workflow, error) {
	if cfg.Store == nil {
		return nil, errors.New("workflow: Config.Store is required")
	}
	w := &Workflow{store: cfg.Store, now: cfg.Now, storeRetry: cfg.StoreRetry}
	if w.now == nil {
		w.now = time.Now
	}
	if w.storeRetry == nil {
		w.storeRetry = DefaultStoreRetry()
	}
	return w, nil
}

// Handle is the durable handler. It takes the raw input so that malformed
// JSON and wrong field types become an InvalidInputError rather than a
// decoding failure inside the SDK.
func (w *Workflow) Handle(ctx durable.Context, raw json.RawMessage) (Output, error) {
	in, err := DecodeInput(raw)
	if err != nil {
		return Output{}, err
	}
	key := idempotencyKey(ctx.ExecutionArn(), in.ExecutionName)

	validated, err := durable.Step(ctx, "validate", func(sc durable.StepContext) (StepResult, error) {
		sc.Logger().Info("validating message", "bytes", len(in.Message))
		return w.result("validate", fmt.Sprintf("valid message of %d characters", utf8.RuneCountInString(in.Message))), nil
	}, durable.WithRetry(durable.NoRetry()))
	if err != nil {
		return Output{}, err
	}

	transformed, err := durable.Step(ctx, "transform", func(sc durable.StepContext) (StepResult, error) {
		out := strings.ToUpper(strings.Join(strings.Fields(in.Message), " "))
		sc.Logger().Info("transformed message", "bytes", len(out))
		return w.result("transform", out), nil
	}, durable.WithRetry(durable.NoRetry()))
	if err != nil {
		return Output{}, err
	}

	stored, err := durable.Step(ctx, "store", func(sc durable.StepContext) (StepResult, error) {
		sc.Logger().Info("storing message", "key", key, "attempt", sc.Attempt())
		if err := w.store.Put(sc, key, transformed.Result); err != nil {
			sc.Logger().Warn("store failed", "key", key, "attempt", sc.Attempt(), "error", err)
			return StepResult{}, err
		}
		return w.result("store", "stored "+key), nil
	}, durable.WithRetry(w.storeRetry))
	if err != nil {
		return Output{}, err
	}

	completed := 0
	for _, r := range []StepResult{validated, transformed, stored} {
		if r.Status == StepSucceeded {
			completed++
		}
	}
	ctx.Logger().Info("workflow completed", "key", key, "steps_completed", completed)
	return Output{
		ExecutionID:    ctx.ExecutionArn(),
		StepsCompleted: completed,
		FinalResult:    stored.Result,
		Status:         "completed",
	}, nil
}

func (w *Workflow) result(step, result string) StepResult {
	return StepResult{StepName: step, Status: StepSucceeded, Result: result, Timestamp: w.now().UTC()}
}

// DecodeInput decodes and checks the execution's input: a JSON object with
// a non-blank string "message" of at most MaxMessageBytes and an optional
// string "execution_name".
func DecodeInput(raw json.RawMessage) (Input, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return Input{}, &InvalidInputError{Reason: `want a JSON object like {"message": "..."}, got no input`}
	}
	if trimmed[0] != '{' {
		return Input{}, &InvalidInputError{Reason: fmt.Sprintf("want a JSON object, got %s", describe(trimmed))}
	}
	var in Input
	if err := json.Unmarshal(trimmed, &in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Input{}, &InvalidInputError{Field: typeErr.Field, Reason: fmt.Sprintf("want a %s, got a JSON %s", typeErr.Type, typeErr.Value)}
		}
		return Input{}, &InvalidInputError{Reason: "not valid JSON: " + err.Error()}
	}
	switch {
	case strings.TrimSpace(in.Message) == "":
		return Input{}, &InvalidInputError{Field: "message", Reason: "required and must not be blank"}
	case len(in.Message) > MaxMessageBytes:
		return Input{}, &InvalidInputError{Field: "message", Reason: fmt.Sprintf("%d bytes, at most %d allowed", len(in.Message), MaxMessageBytes)}
	}
	return in, nil
}

func describe(b []byte) string {
	switch b[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	if json.Valid(b) {
		return "a number"
	}
	return "text that is not JSON"
}

// idempotencyKey names the stored record after the execution: the caller's
// execution_name, or the name segment of the execution ARN.
func idempotencyKey(executionArn, executionName string) string {
	if executionName != "" {
		return "messages/" + executionName
	}
	if a, err := wire.ParseExecutionARN(executionArn); err == nil {
		return "messages/" + a.Name
	}
	return "messages/" + executionArn
}
