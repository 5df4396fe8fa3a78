package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durable/durabletest"
	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/runnerhook"
	"github.com/acme/durable-lambda-go/wire"
)

// maxDriveSteps bounds the driver's loop; each step runs what is due,
// answers callbacks or moves virtual time to the next timer, so a run that
// needs more is stuck.
const maxDriveSteps = 500

// runLocal runs handler for requirement r on a fresh local runner and
// returns what the requirement is checked against. opts go to durable.Wrap,
// after the log recorder.
func runLocal[I, O any](r *Requirement, handler durable.Handler[I, O], opts ...durable.HandlerOption) (Execution, error) {
	return runOn(r, handler, nil, opts...)
}

// runOn is runLocal with a hook that registers chained-invoke targets on
// the runner before the execution starts.
func runOn[I, O any](r *Requirement, handler durable.Handler[I, O], register func(func(string, durabletest.Function)), opts ...durable.HandlerOption) (Execution, error) {
	return runWith(r, handler, register, nil, opts...)
}

// runPlugins is runLocal with the plugins plugins builds; they write their
// records to the run's log through the pluginLog they get, among the
// handler's own log lines.
func runPlugins[I, O any](r *Requirement, handler durable.Handler[I, O], plugins func(*pluginLog) []durable.Plugin) (Execution, error) {
	return runWith(r, handler, nil, plugins)
}

// runWith is runOn with optional plugins (see runPlugins).
func runWith[I, O any](r *Requirement, handler durable.Handler[I, O], register func(func(string, durabletest.Function)), plugins func(*pluginLog) []durable.Plugin, opts ...durable.HandlerOption) (Execution, error) {
	var event I
	data, err := json.Marshal(r.Input)
	if err != nil {
		return Execution{}, fmt.Errorf("encode input: %w", err)
	}
	if err := json.Unmarshal(data, &event); err != nil {
		return Execution{}, fmt.Errorf("decode input %s into %T: %w", data, event, err)
	}
	logs := NewLogRecorder()
	opts = append([]durable.HandlerOption{durable.WithLogHandler(logs)}, opts...)
	if plugins != nil {
		opts = append(opts, durable.WithPlugins(plugins(newPluginLog(logs))...))
	}
	runner := durabletest.NewLocalRunner(handler, opts...)
	if register != nil {
		register(runner.RegisterFunction)
	}
	first, err := runner.Run(event)
	if err != nil {
		return Execution{}, fmt.Errorf("first invocation: %w", err)
	}
	d := &driver{svc: runnerhook.Service(runner), arn: first.ExecutionArn, now: runner.Now, advance: runner.AdvanceClock, actions: r.CallbackActions,
		used: make(map[int]bool), handled: make(map[string]bool)}
	driveErr := d.drive()
	ctx := context.Background()
	ex, err := d.svc.GetExecution(ctx, d.arn, true)
	if err != nil {
		return Execution{}, fmt.Errorf("read execution: %w", err)
	}
	events, err := d.svc.History(d.arn)
	if err != nil {
		return Execution{}, fmt.Errorf("read history: %w", err)
	}
	history, err := ToEvents(events)
	if err != nil {
		return Execution{}, err
	}
	out := Execution{Status: string(ex.Status), Result: ex.Result, History: history, Logs: logs.Records(), Sent: d.sent}
	return out, driveErr
}

// driver runs an execution to its end the way the reference validator's
// world does, on virtual time: everything due runs at once; a callback,
// once it exists, gets its CallbackAction after the action's Delay (time
// in between fires timers and runs the invocations they cause, in time
// order); when nothing else is left, time moves to the next armed timer of
// any kind — waits, retries, callback and heartbeat timeouts, the
// execution timeout.
//
// The runner's RunUntilComplete is not used for this: it jumps straight to
// the next wait or retry timer, so a callback answered "one second later"
// would be answered after a five-second wait has already fired, and
// callback timeouts would fire after later waits' invocations, reordering
// the history the requirements pin down.
type driver struct {
	svc     *emulator.Service
	arn     string
	now     func() time.Time
	advance func(time.Duration) error
	actions []CallbackAction
	used    map[int]bool    // actions already sent
	handled map[string]bool // callback ids with a terminal action sent or none to send
	sent    []SentAction    // actions delivered, with their virtual time
	errs    []error
}

func (d *driver) drive() error {
	ctx := context.Background()
	for range maxDriveSteps {
		if err := d.advance(0); err != nil {
			return fmt.Errorf("run due work: %w", err)
		}
		ex, err := d.svc.GetExecution(ctx, d.arn, false)
		if err != nil {
			return err
		}
		if ex.Status.Terminal() {
			return errors.Join(d.errs...)
		}
		acted, err := d.answerCallbacks(ctx)
		if err != nil {
			return err
		}
		if acted {
			continue
		}
		timers := d.svc.Timers()
		if len(timers) == 0 {
			return errors.Join(append(d.errs, errors.New("execution is stuck: running, nothing due, no timer armed"))...)
		}
		if err := d.advance(timers[0].At.Sub(d.now())); err != nil {
			return fmt.Errorf("advance time: %w", err)
		}
	}
	return errors.Join(append(d.errs, fmt.Errorf("execution still running after %d driver steps", maxDriveSteps))...)
}

// answerCallbacks sends the action of every callback that appeared and has
// not been answered, in history order, each after its delay. It reports
// whether it sent anything.
func (d *driver) answerCallbacks(ctx context.Context) (bool, error) {
	events, err := d.svc.History(d.arn)
	if err != nil {
		return false, err
	}
	acted := false
	for _, ev := range events {
		if ev.EventType != wire.EventCallbackStarted || ev.CallbackStartedDetails == nil {
			continue
		}
		id := ev.CallbackStartedDetails.CallbackId
		if d.handled[id] {
			continue
		}
		idx := d.findAction(ev.Name)
		if idx < 0 {
			// With no actions at all the callback is meant to time out;
			// otherwise the requirement forgot one.
			if len(d.actions) > 0 {
				d.errs = append(d.errs, fmt.Errorf("no CallbackAction for callback %q", ev.Name))
			}
			d.handled[id] = true
			continue
		}
		a := d.actions[idx]
		d.used[idx] = true
		if a.Operation != CallbackHeartbeat {
			d.handled[id] = true
		}
		if err := d.advance(a.Delay); err != nil {
			return false, fmt.Errorf("advance time: %w", err)
		}
		if err := d.send(ctx, id, a); err != nil {
			d.errs = append(d.errs, fmt.Errorf("callback %s for %q: %w", a.Operation, ev.Name, err))
		} else {
			d.sent = append(d.sent, SentAction{CallbackID: id, Operation: a.Operation, At: d.now()})
		}
		acted = true
	}
	return acted, nil
}

// findAction returns the index of the first unused action for a callback
// name, or -1.
func (d *driver) findAction(name string) int {
	for i, a := range d.actions {
		if !d.used[i] && a.Matches(name) {
			return i
		}
	}
	return -1
}

// send delivers an action as the external system would.
func (d *driver) send(ctx context.Context, callbackID string, a CallbackAction) error {
	switch a.Operation {
	case CallbackSuccess:
		return d.svc.SendCallbackSuccess(ctx, callbackID, a.Result)
	case CallbackFailure:
		return d.svc.SendCallbackFailure(ctx, callbackID, wire.ErrorObject{ErrorType: a.ErrorType, ErrorMessage: a.ErrorMessage})
	default:
		return d.svc.SendCallbackHeartbeat(ctx, callbackID)
	}
}
