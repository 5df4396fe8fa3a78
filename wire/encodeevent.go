package wire

import (
	"encoding/json"
	"strconv"
)

// AppendEvent appends ev as json.Marshal writes it, and returns
// json.Marshal's error, without reflection when every timestamp is in
// the protocol's range (it falls back to json.Marshal otherwise, for the
// same error): durablectl's --json output writes two events per step.
func AppendEvent(dst []byte, ev *Event) ([]byte, error) {
	if b, ok := appendEvent(dst, ev); ok {
		return b, nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendEvent appends ev as encoding/json writes it; false if a timestamp
// is out of range.
func appendEvent(dst []byte, ev *Event) ([]byte, bool) {
	ok := true
	dst = appendString(append(dst, `{"EventType":`...), string(ev.EventType))
	dst = appendOptString(dst, `,"SubType":`, ev.SubType)
	dst = strconv.AppendInt(append(dst, `,"EventId":`...), int64(ev.EventId), 10)
	dst = appendOptString(dst, `,"Id":`, ev.Id)
	dst = appendOptString(dst, `,"Name":`, ev.Name)
	dst = appendOptString(dst, `,"ParentId":`, ev.ParentId)
	dst = appendNullTimestamp(dst, `,"EventTimestamp":`, ev.EventTimestamp, &ok)
	if d := ev.ExecutionStartedDetails; d != nil {
		dst = append(dst, `,"ExecutionStartedDetails":{`...)
		if d.Input != nil {
			dst = append(appendEventPayload(append(dst, `"Input":`...), d.Input.Payload, d.Input.Truncated), ',')
		}
		dst = append(strconv.AppendInt(append(dst, `"ExecutionTimeout":`...), int64(d.ExecutionTimeout), 10), '}')
	}
	dst = appendResultDetails(dst, `,"ExecutionSucceededDetails":`, ev.ExecutionSucceededDetails)
	dst = appendErrorDetails(dst, `,"ExecutionFailedDetails":`, ev.ExecutionFailedDetails)
	dst = appendErrorDetails(dst, `,"ExecutionTimedOutDetails":`, ev.ExecutionTimedOutDetails)
	dst = appendErrorDetails(dst, `,"ExecutionStoppedDetails":`, ev.ExecutionStoppedDetails)
	if ev.ContextStartedDetails != nil {
		dst = append(dst, `,"ContextStartedDetails":{}`...)
	}
	dst = appendResultDetails(dst, `,"ContextSucceededDetails":`, ev.ContextSucceededDetails)
	dst = appendErrorDetails(dst, `,"ContextFailedDetails":`, ev.ContextFailedDetails)
	if d := ev.WaitStartedDetails; d != nil {
		dst = strconv.AppendInt(append(dst, `,"WaitStartedDetails":{"Duration":`...), int64(d.Duration), 10)
		dst = append(appendOptTimestamp(dst, `,"ScheduledEndTimestamp":`, d.ScheduledEndTimestamp, &ok), '}')
	}
	if d := ev.WaitSucceededDetails; d != nil {
		dst = append(strconv.AppendInt(append(dst, `,"WaitSucceededDetails":{"Duration":`...), int64(d.Duration), 10), '}')
	}
	dst = appendErrorDetails(dst, `,"WaitCancelledDetails":`, ev.WaitCancelledDetails)
	if ev.StepStartedDetails != nil {
		dst = append(dst, `,"StepStartedDetails":{}`...)
	}
	if d := ev.StepSucceededDetails; d != nil {
		dst = append(dst, `,"StepSucceededDetails":{`...)
		n := len(dst)
		if d.Result != nil {
			dst = appendEventPayload(append(dst, `,"Result":`...), d.Result.Payload, d.Result.Truncated)
		}
		dst = closeObject(appendRetryDetails(dst, d.RetryDetails), n)
	}
	if d := ev.StepFailedDetails; d != nil {
		dst = append(dst, `,"StepFailedDetails":{`...)
		n := len(dst)
		dst = closeObject(appendRetryDetails(appendEventError(dst, `,"Error":`, d.Error), d.RetryDetails), n)
	}
	if d := ev.ChainedInvokeStartedDetails; d != nil {
		dst = appendString(append(dst, `,"ChainedInvokeStartedDetails":{"FunctionName":`...), d.FunctionName)
		if d.Input != nil {
			dst = appendEventPayload(append(dst, `,"Input":`...), d.Input.Payload, d.Input.Truncated)
		}
		dst = appendOptString(dst, `,"TenantId":`, d.TenantId)
		dst = appendOptString(dst, `,"ExecutedVersion":`, d.ExecutedVersion)
		dst = append(appendOptString(dst, `,"DurableExecutionArn":`, d.DurableExecutionArn), '}')
	}
	dst = appendResultDetails(dst, `,"ChainedInvokeSucceededDetails":`, ev.ChainedInvokeSucceededDetails)
	dst = appendErrorDetails(dst, `,"ChainedInvokeFailedDetails":`, ev.ChainedInvokeFailedDetails)
	dst = appendErrorDetails(dst, `,"ChainedInvokeTimedOutDetails":`, ev.ChainedInvokeTimedOutDetails)
	dst = appendErrorDetails(dst, `,"ChainedInvokeStoppedDetails":`, ev.ChainedInvokeStoppedDetails)
	if d := ev.CallbackStartedDetails; d != nil {
		dst = appendString(append(dst, `,"CallbackStartedDetails":{"CallbackId":`...), d.CallbackId)
		if d.Timeout != 0 {
			dst = strconv.AppendInt(append(dst, `,"Timeout":`...), int64(d.Timeout), 10)
		}
		if d.HeartbeatTimeout != 0 {
			dst = strconv.AppendInt(append(dst, `,"HeartbeatTimeout":`...), int64(d.HeartbeatTimeout), 10)
		}
		dst = append(dst, '}')
	}
	dst = appendResultDetails(dst, `,"CallbackSucceededDetails":`, ev.CallbackSucceededDetails)
	dst = appendErrorDetails(dst, `,"CallbackFailedDetails":`, ev.CallbackFailedDetails)
	dst = appendErrorDetails(dst, `,"CallbackTimedOutDetails":`, ev.CallbackTimedOutDetails)
	if d := ev.InvocationCompletedDetails; d != nil {
		dst = append(dst, `,"InvocationCompletedDetails":{`...)
		dst = appendNullTimestamp(dst, `"StartTimestamp":`, d.StartTimestamp, &ok)
		dst = appendNullTimestamp(dst, `,"EndTimestamp":`, d.EndTimestamp, &ok)
		dst = appendString(append(dst, `,"RequestId":`...), d.RequestId)
		dst = append(appendEventError(dst, `,"Error":`, d.Error), '}')
	}
	return append(dst, '}'), ok
}

// appendResultDetails appends key and d unless d is nil (omitempty).
func appendResultDetails(dst []byte, key string, d *ResultDetails) []byte {
	if d == nil {
		return dst
	}
	dst = append(dst, key...)
	if d.Result == nil {
		return append(dst, "{}"...)
	}
	return append(appendEventPayload(append(dst, `{"Result":`...), d.Result.Payload, d.Result.Truncated), '}')
}

// appendErrorDetails appends key and d unless d is nil (omitempty).
func appendErrorDetails(dst []byte, key string, d *ErrorDetails) []byte {
	if d == nil {
		return dst
	}
	dst = append(dst, key...)
	if d.Error == nil {
		return append(dst, "{}"...)
	}
	return append(appendEventError(append(dst, '{'), `"Error":`, d.Error), '}')
}

// appendEventPayload appends an EventInput or EventResult.
func appendEventPayload(dst []byte, payload *string, truncated bool) []byte {
	dst = append(dst, '{')
	if payload != nil {
		dst = append(appendString(append(dst, `"Payload":`...), *payload), ',')
	}
	return append(strconv.AppendBool(append(dst, `"Truncated":`...), truncated), '}')
}

// appendEventError appends key and e unless e is nil (omitempty).
func appendEventError(dst []byte, key string, e *EventError) []byte {
	if e == nil {
		return dst
	}
	dst = append(dst, key...)
	dst = append(dst, '{')
	if e.Payload != nil {
		dst = append(appendErrorObject(append(dst, `"Payload":`...), e.Payload, true), ',')
	}
	return append(strconv.AppendBool(append(dst, `"Truncated":`...), e.Truncated), '}')
}

// appendRetryDetails appends a "RetryDetails" member unless r is nil.
func appendRetryDetails(dst []byte, r *RetryDetails) []byte {
	if r == nil {
		return dst
	}
	dst = strconv.AppendInt(append(dst, `,"RetryDetails":{"CurrentAttempt":`...), int64(r.CurrentAttempt), 10)
	if r.NextAttemptDelaySeconds != nil {
		dst = strconv.AppendInt(append(dst, `,"NextAttemptDelaySeconds":`...), int64(*r.NextAttemptDelaySeconds), 10)
	}
	return append(dst, '}')
}

// appendNullTimestamp appends key and t as Timestamp.MarshalJSON writes
// it, or null when t is nil (a member without omitempty); an
// out-of-range t clears *ok.
func appendNullTimestamp(dst []byte, key string, t *Timestamp, ok *bool) []byte {
	if t == nil {
		return append(append(dst, key...), "null"...)
	}
	return appendOptTimestamp(dst, key, t, ok)
}
