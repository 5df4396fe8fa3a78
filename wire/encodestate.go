package wire

import (
	"encoding/json"
	"strconv"
)

// MarshalCheckpointOutput returns json.Marshal(o), its text and its
// error, without reflection when every timestamp is in the protocol's
// range (it falls back to json.Marshal otherwise, for the same error): the
// local endpoint answers every step of a sequential workflow with it.
func MarshalCheckpointOutput(o *CheckpointOutput) ([]byte, error) {
	// Room for a step's record with a small result, so that the buffer
	// seldom grows.
	size := 64
	for i := range o.NewExecutionState.Operations {
		size += 256 + len(o.NewExecutionState.Operations[i].Name)
		if d := o.NewExecutionState.Operations[i].StepDetails; d != nil && d.Result != nil {
			size += len(*d.Result)
		}
	}
	if b, ok := appendCheckpointOutput(make([]byte, 0, size), o); ok {
		return b, nil
	}
	return json.Marshal(o)
}

// appendCheckpointOutput appends o as json.Marshal writes it; false if a
// timestamp is out of range (json.Marshal fails on it).
func appendCheckpointOutput(dst []byte, o *CheckpointOutput) ([]byte, bool) {
	dst = append(dst, '{')
	if o.CheckpointToken != "" {
		dst = append(appendString(append(dst, `"CheckpointToken":`...), o.CheckpointToken), ',')
	}
	dst = append(dst, `"NewExecutionState":{"Operations":`...)
	if o.NewExecutionState.Operations == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range o.NewExecutionState.Operations {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendOperation(dst, &o.NewExecutionState.Operations[i]); !ok {
				return dst, false
			}
		}
		dst = append(dst, ']')
	}
	dst = appendOptString(dst, `,"NextMarker":`, o.NewExecutionState.NextMarker)
	return append(dst, "}}"...), true
}

// appendOperation appends an Operation as encoding/json writes it; false
// if a timestamp is out of range.
func appendOperation(dst []byte, op *Operation) ([]byte, bool) {
	ok := true
	dst = append(dst, `{"Id":`...)
	dst = appendString(dst, op.Id)
	dst = appendOptString(dst, `,"ParentId":`, op.ParentId)
	dst = appendOptString(dst, `,"Name":`, op.Name)
	dst = append(dst, `,"Type":`...)
	dst = appendString(dst, string(op.Type))
	dst = appendOptString(dst, `,"SubType":`, op.SubType)
	dst = append(dst, `,"Status":`...)
	dst = appendString(dst, string(op.Status))
	dst = appendOptTimestamp(dst, `,"StartTimestamp":`, op.StartTimestamp, &ok)
	dst = appendOptTimestamp(dst, `,"EndTimestamp":`, op.EndTimestamp, &ok)
	if d := op.ExecutionDetails; d != nil {
		dst = append(dst, `,"ExecutionDetails":{`...)
		n := len(dst)
		dst = appendOptPayload(dst, `,"InputPayload":`, d.InputPayload)
		dst = closeObject(dst, n)
	}
	if d := op.StepDetails; d != nil {
		dst = append(dst, `,"StepDetails":{`...)
		n := len(dst)
		if d.Attempt != 0 {
			dst = strconv.AppendInt(append(dst, `,"Attempt":`...), int64(d.Attempt), 10)
		}
		dst = appendOptTimestamp(dst, `,"NextAttemptTimestamp":`, d.NextAttemptTimestamp, &ok)
		dst = appendOptPayload(dst, `,"Result":`, d.Result)
		dst = appendOptError(dst, d.Error)
		dst = closeObject(dst, n)
	}
	if d := op.WaitDetails; d != nil {
		dst = append(dst, `,"WaitDetails":{`...)
		n := len(dst)
		dst = appendOptTimestamp(dst, `,"ScheduledEndTimestamp":`, d.ScheduledEndTimestamp, &ok)
		dst = closeObject(dst, n)
	}
	if d := op.CallbackDetails; d != nil {
		dst = append(dst, `,"CallbackDetails":{`...)
		n := len(dst)
		dst = appendOptString(dst, `,"CallbackId":`, d.CallbackId)
		dst = appendOptPayload(dst, `,"Result":`, d.Result)
		dst = appendOptError(dst, d.Error)
		dst = closeObject(dst, n)
	}
	if d := op.ChainedInvokeDetails; d != nil {
		dst = append(dst, `,"ChainedInvokeDetails":{`...)
		n := len(dst)
		dst = appendOptPayload(dst, `,"Result":`, d.Result)
		dst = appendOptError(dst, d.Error)
		dst = closeObject(dst, n)
	}
	if d := op.ContextDetails; d != nil {
		dst = append(dst, `,"ContextDetails":{`...)
		n := len(dst)
		dst = appendOptPayload(dst, `,"Result":`, d.Result)
		dst = appendOptError(dst, d.Error)
		if d.ReplayChildren {
			dst = append(dst, `,"ReplayChildren":true`...)
		}
		dst = closeObject(dst, n)
	}
	return append(dst, '}'), ok
}

// closeObject closes an object whose members, from dst[n:], each start
// with a comma: the first one's is dropped.
func closeObject(dst []byte, n int) []byte {
	if len(dst) > n {
		dst = append(dst[:n], dst[n+1:]...)
	}
	return append(dst, '}')
}

// appendOptPayload appends key and *s unless s is nil (omitempty).
func appendOptPayload(dst []byte, key string, s *string) []byte {
	if s == nil {
		return dst
	}
	return appendString(append(dst, key...), *s)
}

// appendOptError appends an "Error" member unless e is nil.
func appendOptError(dst []byte, e *ErrorObject) []byte {
	if e == nil {
		return dst
	}
	return appendErrorObject(append(dst, `,"Error":`...), e, true)
}

// appendOptTimestamp appends key and t as Timestamp.MarshalJSON writes it
// unless t is nil; an out-of-range t clears *ok.
func appendOptTimestamp(dst []byte, key string, t *Timestamp, ok *bool) []byte {
	if t == nil {
		return dst
	}
	if checkRange(t.Time) != nil {
		*ok = false
		return dst
	}
	return t.appendJSON(append(dst, key...))
}
