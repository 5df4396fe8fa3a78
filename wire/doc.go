// Package wire holds the JSON shapes of the Lambda durable-execution protocol:
// the invocation envelope a durable function receives and returns, the
// operation records and updates exchanged through CheckpointDurableExecution
// and GetDurableExecutionState, the history events of
// GetDurableExecutionHistory and the EventBridge status-change event.
//
// It is the only package that both sides of the protocol import. The SDK
// (package durable) and the service emulator never import each other; they
// agree on these types and nothing else, so the emulator can host any
// function that speaks the protocol, including a real bootstrap binary.
//
// Field names and enum strings are exactly those of the Lambda REST API
// (restJson1): absent members are omitted, never sent as null. Payloads and
// results are strings that carry already-serialized data ("double encoded").
//
// Timestamps are [Timestamp] values. They encode as JSON numbers of epoch
// seconds, the form the REST API and the AWS SDK clients use, and decode from
// epoch seconds, epoch milliseconds or RFC 3339 strings, because the
// invocation envelope has been seen in each of those forms.
package wire
