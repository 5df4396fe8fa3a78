// Package lambdahistory converts durable-execution history events, and the
// executions they belong to, between the protocol's JSON types (package
// wire) and the AWS SDK for Go v2's Lambda types, which name the same
// members: durabletest reports the SDK's types, as the official SDK's test
// runner does, and durablectl's client commands read through the SDK's
// client, while the emulator and the tools' output work on the wire types.
package lambdahistory

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/wire"
)

// ToWire converts an AWS SDK event to the wire type (see viaJSON).
func ToWire(ev types.Event) (wire.Event, error) {
	return viaJSON[wire.Event](ev, "a "+string(ev.EventType)+" history event")
}

// ExecutionToWire converts GetDurableExecution's output to the wire type
// (see viaJSON).
func ExecutionToWire(out *lambda.GetDurableExecutionOutput) (wire.Execution, error) {
	return viaJSON[wire.Execution](out, "an execution")
}

// SummariesToWire converts entries of ListDurableExecutionsByFunction to
// the wire type (see viaJSON).
func SummariesToWire(list []types.Execution) ([]wire.ExecutionSummary, error) {
	return viaJSON[[]wire.ExecutionSummary](list, "a list of executions")
}

// viaJSON converts an AWS SDK value to the wire type W. The SDK's members
// encode to JSON under the wire's names (timestamps as RFC 3339, which
// wire.Timestamp accepts), so the conversion goes through JSON; what
// names the value for errors.
func viaJSON[W any](v any, what string) (W, error) {
	var w W
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	if err != nil {
		return w, fmt.Errorf("lambdahistory: converting %s: %w", what, err)
	}
	return w, nil
}

// ToWireAll converts a history with ToWire.
func ToWireAll(events []types.Event) ([]wire.Event, error) {
	out := make([]wire.Event, len(events))
	for i, ev := range events {
		w, err := ToWire(ev)
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}
