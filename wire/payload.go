package wire

import (
	"encoding/json"
	"strconv"
	"time"
)

// MarshalJSON encodes the invocation payload with its timestamps as
// integer epoch milliseconds, the form protocol.md §1.1 prescribes for the
// payload (SDKs read a number there as milliseconds); REST bodies keep
// epoch seconds. Instants before epoch millisecond 1e11 (March 1973),
// which a reader would take for seconds, are written as epoch seconds.
// Decoding accepts every form (see Timestamp).
func (in InvocationInput) MarshalJSON() ([]byte, error) {
	type plain InvocationInput
	out := struct {
		plain
		InitialExecutionState *payloadState `json:"InitialExecutionState,omitempty"`
	}{plain: plain(in)}
	if st := in.InitialExecutionState; st != nil {
		ps := &payloadState{Operations: make([]payloadOperation, len(st.Operations)), NextMarker: st.NextMarker}
		for i := range st.Operations {
			ps.Operations[i] = newPayloadOperation(&st.Operations[i])
		}
		out.InitialExecutionState = ps
	}
	return json.Marshal(out)
}

// payloadState is ExecutionState with payload timestamps.
type payloadState struct {
	Operations []payloadOperation `json:"Operations"`
	NextMarker string             `json:"NextMarker,omitempty"`
}

// payloadOperation is an Operation whose timestamp fields are shadowed by
// their millisecond forms.
type payloadOperation struct {
	Operation
	StartTimestamp *millis             `json:"StartTimestamp,omitempty"`
	EndTimestamp   *millis             `json:"EndTimestamp,omitempty"`
	StepDetails    *payloadStepDetails `json:"StepDetails,omitempty"`
	WaitDetails    *payloadWaitDetails `json:"WaitDetails,omitempty"`
}

type payloadStepDetails struct {
	StepDetails
	NextAttemptTimestamp *millis `json:"NextAttemptTimestamp,omitempty"`
}

type payloadWaitDetails struct {
	WaitDetails
	ScheduledEndTimestamp *millis `json:"ScheduledEndTimestamp,omitempty"`
}

func newPayloadOperation(op *Operation) payloadOperation {
	p := payloadOperation{Operation: *op, StartTimestamp: millisOf(op.StartTimestamp), EndTimestamp: millisOf(op.EndTimestamp)}
	if d := op.StepDetails; d != nil {
		p.StepDetails = &payloadStepDetails{StepDetails: *d, NextAttemptTimestamp: millisOf(d.NextAttemptTimestamp)}
	}
	if d := op.WaitDetails; d != nil {
		p.WaitDetails = &payloadWaitDetails{WaitDetails: *d, ScheduledEndTimestamp: millisOf(d.ScheduledEndTimestamp)}
	}
	return p
}

// millis is a timestamp encoded as integer epoch milliseconds.
type millis struct{ t time.Time }

func millisOf(ts *Timestamp) *millis {
	if ts == nil {
		return nil
	}
	return &millis{ts.Time}
}

// MarshalJSON encodes m as epoch milliseconds, or as epoch seconds before
// millisThreshold milliseconds.
func (m millis) MarshalJSON() ([]byte, error) {
	if err := checkRange(m.t); err != nil {
		return nil, err
	}
	ms := m.t.UnixMilli()
	if ms < millisThreshold {
		return Timestamp{m.t}.MarshalJSON()
	}
	return strconv.AppendInt(nil, ms, 10), nil
}
