package durableotel

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/acme/durable-lambda-go/wire"
)

// ExecutionEnded emits the root span of an execution that ended with no
// invocation to see it end, from the execution's EventBridge status-change
// event ("Durable Execution Status Change"): an execution stopped by
// StopDurableExecution or timed out. The plugin emits the root span of any
// other execution from the invocation that ends it, so ExecutionEnded
// emits nothing for other statuses and reports false.
//
// Subscribe a small function to those events (an EventBridge rule on
// source aws.lambda, detail-type "Durable Execution Status Change",
// detail.status STOPPED and TIMED_OUT) and call ExecutionEnded with the
// same span processor set-up as the traced function. The span has the
// execution's root span id, so the invocation and operation spans already
// exported hang under it; it runs from the event's startTimestamp to its
// endTimestamp, with status Error and error.type the execution's status.
// The event carries no error message, and operations still open when the
// execution ended (a wait, a callback) have no span. ExecutionEnded flushes
// sp before it returns, as the plugin does at the end of an invocation.
func ExecutionEnded(ctx context.Context, sp sdktrace.SpanProcessor, ev wire.StatusChangeEvent, opts ...Option) (bool, error) {
	d := ev.Detail
	if d.Status != wire.ExecutionStatusStopped && d.Status != wire.ExecutionStatusTimedOut {
		return false, nil
	}
	start, err := time.Parse(time.RFC3339Nano, d.StartTimestamp)
	if err != nil {
		return false, fmt.Errorf("durableotel: the status change of %s: startTimestamp: %w", d.DurableExecutionArn, err)
	}
	end, err := time.Parse(time.RFC3339Nano, d.EndTimestamp)
	if err != nil {
		return false, fmt.Errorf("durableotel: the status change of %s: endTimestamp: %w", d.DurableExecutionArn, err)
	}
	t := &tracer{sp: sp}
	for _, o := range opts {
		o(t)
	}
	status := string(d.Status)
	s := executionSpan(newExecutionIDs(d.DurableExecutionArn), status, start, end)
	s.status = sdktrace.Status{Code: codes.Error, Description: "execution " + status}
	s.errType = status
	t.emit(s)
	if err := sp.ForceFlush(ctx); err != nil {
		return true, fmt.Errorf("durableotel: flushing the root span of %s: %w", d.DurableExecutionArn, err)
	}
	return true, nil
}
