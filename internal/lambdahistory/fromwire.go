package lambdahistory

import (
	"iter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/internal/slab"
	"github.com/acme/durable-lambda-go/wire"
)

// FromWire converts a wire event to the AWS SDK's type. Members are
// matched by name, at every depth: the SDK's per-event detail types
// (CallbackFailedDetails, ...) get the fields of the wire's shared ones
// (ErrorDetails, ...). An empty string or number becomes a nil pointer, as
// the SDK decodes an absent member.
func FromWire(ev wire.Event) types.Event {
	var out types.Event
	newConverter(1).event(&out, &ev)
	return out
}

// FromWireSeq converts a history of n events with FromWire. The strings,
// numbers and times the events point to are allocated in blocks shared by
// the history's events; the result shares no memory with the events but
// their strings' bytes.
func FromWireSeq(n int, events iter.Seq[*wire.Event]) []types.Event {
	out := make([]types.Event, n)
	c := newConverter(n)
	i := 0
	for ev := range events {
		if i == len(out) {
			out = append(out, types.Event{})
		}
		c.event(&out[i], ev)
		i++
	}
	return out[:i]
}

// maxBlock caps the length of a converter's blocks.
const maxBlock = 1024

// A converter converts events, member by member: a history is converted
// for every TestResult, thousands of events for a large execution, so
// this is written out rather than done by reflection (the package's test
// checks it against a conversion by reflection that matches every member
// by name). The scalars the SDK's members point to, and the structures
// of step and child context events, are allocated in blocks.
type converter struct {
	strs           slab.Block[string]
	ints           slab.Block[int32]
	bools          slab.Block[bool]
	times          slab.Block[time.Time]
	results        slab.Block[types.EventResult]
	retries        slab.Block[types.RetryDetails]
	stepsSucceeded slab.Block[types.StepSucceededDetails]
	ctxsSucceeded  slab.Block[types.ContextSucceededDetails]
}

func newConverter(events int) *converter {
	n := max(1, min(events, maxBlock))
	return &converter{strs: slab.Of[string](n), ints: slab.Of[int32](n), bools: slab.Of[bool](n), times: slab.Of[time.Time](n),
		results: slab.Of[types.EventResult](n), retries: slab.Of[types.RetryDetails](n),
		stepsSucceeded: slab.Of[types.StepSucceededDetails](n), ctxsSucceeded: slab.Of[types.ContextSucceededDetails](n)}
}

// str returns a pointer to s, nil for an empty string (an absent member).
func (c *converter) str(s string) *string {
	if s == "" {
		return nil
	}
	return c.strs.Value(s)
}

// strPtr is str for an optional string.
func (c *converter) strPtr(s *string) *string {
	if s == nil {
		return nil
	}
	return c.str(*s)
}

// int32 returns a pointer to n, nil for 0 (an absent member).
func (c *converter) int32(n int) *int32 {
	if n == 0 {
		return nil
	}
	return c.ints.Value(int32(n))
}

// bool returns a pointer to true, nil for false (an absent member).
func (c *converter) bool(b bool) *bool {
	if !b {
		return nil
	}
	return c.bools.Value(true)
}

func (c *converter) time(t *wire.Timestamp) *time.Time {
	if t == nil {
		return nil
	}
	return c.times.Value(t.Time)
}

// event stores ev's conversion into out, which is zero: the members of
// the events of a long history are written in place, not copied.
func (c *converter) event(out *types.Event, ev *wire.Event) {
	out.EventType = types.EventType(ev.EventType)
	out.SubType = c.str(ev.SubType)
	out.EventId = c.int32(ev.EventId)
	out.Id = c.str(ev.Id)
	out.Name = c.str(ev.Name)
	out.ParentId = c.str(ev.ParentId)
	out.EventTimestamp = c.time(ev.EventTimestamp)
	if d := ev.ExecutionStartedDetails; d != nil {
		out.ExecutionStartedDetails = &types.ExecutionStartedDetails{Input: c.input(d.Input), ExecutionTimeout: c.int32(d.ExecutionTimeout)}
	}
	if d := ev.ExecutionSucceededDetails; d != nil {
		out.ExecutionSucceededDetails = &types.ExecutionSucceededDetails{Result: c.result(d.Result)}
	}
	if d := ev.ExecutionFailedDetails; d != nil {
		out.ExecutionFailedDetails = &types.ExecutionFailedDetails{Error: c.error(d.Error)}
	}
	if d := ev.ExecutionTimedOutDetails; d != nil {
		out.ExecutionTimedOutDetails = &types.ExecutionTimedOutDetails{Error: c.error(d.Error)}
	}
	if d := ev.ExecutionStoppedDetails; d != nil {
		out.ExecutionStoppedDetails = &types.ExecutionStoppedDetails{Error: c.error(d.Error)}
	}
	if ev.ContextStartedDetails != nil {
		out.ContextStartedDetails = &types.ContextStartedDetails{}
	}
	if d := ev.ContextSucceededDetails; d != nil {
		out.ContextSucceededDetails = c.ctxsSucceeded.Value(types.ContextSucceededDetails{Result: c.result(d.Result)})
	}
	if d := ev.ContextFailedDetails; d != nil {
		out.ContextFailedDetails = &types.ContextFailedDetails{Error: c.error(d.Error)}
	}
	if d := ev.WaitStartedDetails; d != nil {
		out.WaitStartedDetails = &types.WaitStartedDetails{Duration: c.int32(d.Duration), ScheduledEndTimestamp: c.time(d.ScheduledEndTimestamp)}
	}
	if d := ev.WaitSucceededDetails; d != nil {
		out.WaitSucceededDetails = &types.WaitSucceededDetails{Duration: c.int32(d.Duration)}
	}
	if d := ev.WaitCancelledDetails; d != nil {
		out.WaitCancelledDetails = &types.WaitCancelledDetails{Error: c.error(d.Error)}
	}
	if ev.StepStartedDetails != nil {
		out.StepStartedDetails = &types.StepStartedDetails{}
	}
	if d := ev.StepSucceededDetails; d != nil {
		out.StepSucceededDetails = c.stepsSucceeded.Value(types.StepSucceededDetails{Result: c.result(d.Result), RetryDetails: c.retry(d.RetryDetails)})
	}
	if d := ev.StepFailedDetails; d != nil {
		out.StepFailedDetails = &types.StepFailedDetails{Error: c.error(d.Error), RetryDetails: c.retry(d.RetryDetails)}
	}
	if d := ev.ChainedInvokeStartedDetails; d != nil {
		out.ChainedInvokeStartedDetails = &types.ChainedInvokeStartedDetails{FunctionName: c.str(d.FunctionName), Input: c.input(d.Input),
			TenantId: c.str(d.TenantId), ExecutedVersion: c.str(d.ExecutedVersion), DurableExecutionArn: c.str(d.DurableExecutionArn)}
	}
	if d := ev.ChainedInvokeSucceededDetails; d != nil {
		out.ChainedInvokeSucceededDetails = &types.ChainedInvokeSucceededDetails{Result: c.result(d.Result)}
	}
	if d := ev.ChainedInvokeFailedDetails; d != nil {
		out.ChainedInvokeFailedDetails = &types.ChainedInvokeFailedDetails{Error: c.error(d.Error)}
	}
	if d := ev.ChainedInvokeTimedOutDetails; d != nil {
		out.ChainedInvokeTimedOutDetails = &types.ChainedInvokeTimedOutDetails{Error: c.error(d.Error)}
	}
	if d := ev.ChainedInvokeStoppedDetails; d != nil {
		out.ChainedInvokeStoppedDetails = &types.ChainedInvokeStoppedDetails{Error: c.error(d.Error)}
	}
	if d := ev.CallbackStartedDetails; d != nil {
		out.CallbackStartedDetails = &types.CallbackStartedDetails{CallbackId: c.str(d.CallbackId), Timeout: c.int32(d.Timeout),
			HeartbeatTimeout: c.int32(d.HeartbeatTimeout)}
	}
	if d := ev.CallbackSucceededDetails; d != nil {
		out.CallbackSucceededDetails = &types.CallbackSucceededDetails{Result: c.result(d.Result)}
	}
	if d := ev.CallbackFailedDetails; d != nil {
		out.CallbackFailedDetails = &types.CallbackFailedDetails{Error: c.error(d.Error)}
	}
	if d := ev.CallbackTimedOutDetails; d != nil {
		out.CallbackTimedOutDetails = &types.CallbackTimedOutDetails{Error: c.error(d.Error)}
	}
	if d := ev.InvocationCompletedDetails; d != nil {
		out.InvocationCompletedDetails = &types.InvocationCompletedDetails{StartTimestamp: c.time(d.StartTimestamp),
			EndTimestamp: c.time(d.EndTimestamp), RequestId: c.str(d.RequestId), Error: c.error(d.Error)}
	}
}

func (c *converter) input(in *wire.EventInput) *types.EventInput {
	if in == nil {
		return nil
	}
	return &types.EventInput{Payload: c.strPtr(in.Payload), Truncated: c.bool(in.Truncated)}
}

func (c *converter) result(r *wire.EventResult) *types.EventResult {
	if r == nil {
		return nil
	}
	return c.results.Value(types.EventResult{Payload: c.strPtr(r.Payload), Truncated: c.bool(r.Truncated)})
}

func (c *converter) error(e *wire.EventError) *types.EventError {
	if e == nil {
		return nil
	}
	out := &types.EventError{Truncated: c.bool(e.Truncated)}
	if p := e.Payload; p != nil {
		out.Payload = &types.ErrorObject{ErrorType: c.str(p.ErrorType), ErrorMessage: c.str(p.ErrorMessage),
			ErrorData: c.str(p.ErrorData)}
		if p.StackTrace != nil {
			out.Payload.StackTrace = append(make([]string, 0, len(p.StackTrace)), p.StackTrace...)
		}
	}
	return out
}

func (c *converter) retry(r *wire.RetryDetails) *types.RetryDetails {
	if r == nil {
		return nil
	}
	out := c.retries.Value(types.RetryDetails{CurrentAttempt: int32(r.CurrentAttempt)})
	if r.NextAttemptDelaySeconds != nil {
		out.NextAttemptDelaySeconds = c.int32(*r.NextAttemptDelaySeconds)
	}
	return out
}
