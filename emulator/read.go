package emulator

import (
	"context"
	"iter"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// GetExecution implements GetDurableExecution. With includeData false the
// input, result and error are omitted.
func (s *Service) GetExecution(ctx context.Context, arn string, includeData bool) (_ wire.Execution, err error) {
	s.lock()
	defer s.unlockRead(&err)
	e, err := s.lookup(arn)
	if err != nil {
		return wire.Execution{}, err
	}
	cfg := e.config
	out := wire.Execution{
		DurableExecutionArn:   e.arn,
		DurableExecutionName:  e.name,
		FunctionArn:           e.fnArn,
		Version:               e.version,
		Status:                e.status,
		StartTimestamp:        wire.At(e.start),
		ExecutionDataIncluded: includeData,
		DurableConfig:         &cfg,
	}
	if e.status.Terminal() {
		out.EndTimestamp = wire.At(e.end)
	}
	if includeData {
		out.InputPayload = wire.String(e.input)
		out.Result = e.result
		out.Error = cloneError(e.err)
	}
	return out, nil
}

// HistoryInput is the request of GetExecutionHistory.
type HistoryInput struct {
	ExecutionArn string
	// IncludeExecutionData false drops the Payload members of event
	// inputs, results and errors.
	IncludeExecutionData bool
	MaxItems             int // default 100, max 1000
	Marker               string
	// ReverseOrder lists newest first.
	ReverseOrder bool
}

// GetExecutionHistory implements GetDurableExecutionHistory: events in
// EventId order (newest first with ReverseOrder), paged by MaxItems.
func (s *Service) GetExecutionHistory(ctx context.Context, in HistoryInput) (_ wire.HistoryOutput, err error) {
	s.lock()
	defer s.unlockRead(&err)
	e, err := s.lookup(in.ExecutionArn)
	if err != nil {
		return wire.HistoryOutput{}, err
	}
	maxItems, err := pageSize(in.MaxItems)
	if err != nil {
		return wire.HistoryOutput{}, err
	}
	n := e.events.len()
	from, err := parseMarker(in.Marker, n)
	if err != nil {
		return wire.HistoryOutput{}, err
	}
	to := min(from+maxItems, n)
	out := wire.HistoryOutput{Events: make([]wire.Event, 0, to-from)}
	for i := from; i < to; i++ {
		ev := *e.events.at(i)
		if in.ReverseOrder {
			ev = *e.events.at(n - 1 - i)
		}
		if !in.IncludeExecutionData {
			ev = withoutData(ev)
		}
		out.Events = append(out.Events, ev)
	}
	if to < n {
		out.NextMarker = strconv.Itoa(to)
	}
	return out, nil
}

// withoutData returns ev with the Payload members of its input, result
// and error wrappers removed.
func withoutData(ev wire.Event) wire.Event {
	in := func(p *wire.EventInput) *wire.EventInput {
		if p == nil {
			return nil
		}
		return &wire.EventInput{Truncated: p.Truncated}
	}
	res := func(d *wire.ResultDetails) *wire.ResultDetails {
		if d == nil || d.Result == nil {
			return d
		}
		return &wire.ResultDetails{Result: &wire.EventResult{Truncated: d.Result.Truncated}}
	}
	errd := func(d *wire.ErrorDetails) *wire.ErrorDetails {
		if d == nil || d.Error == nil {
			return d
		}
		return &wire.ErrorDetails{Error: &wire.EventError{Truncated: d.Error.Truncated}}
	}
	if d := ev.ExecutionStartedDetails; d != nil {
		ev.ExecutionStartedDetails = &wire.ExecutionStartedDetails{Input: in(d.Input), ExecutionTimeout: d.ExecutionTimeout}
	}
	if d := ev.ChainedInvokeStartedDetails; d != nil {
		c := *d
		c.Input = in(d.Input)
		ev.ChainedInvokeStartedDetails = &c
	}
	if d := ev.StepSucceededDetails; d != nil {
		c := *d
		if d.Result != nil {
			c.Result = &wire.EventResult{Truncated: d.Result.Truncated}
		}
		ev.StepSucceededDetails = &c
	}
	if d := ev.StepFailedDetails; d != nil {
		c := *d
		if d.Error != nil {
			c.Error = &wire.EventError{Truncated: d.Error.Truncated}
		}
		ev.StepFailedDetails = &c
	}
	if d := ev.InvocationCompletedDetails; d != nil && d.Error != nil {
		c := *d
		c.Error = &wire.EventError{Truncated: d.Error.Truncated}
		ev.InvocationCompletedDetails = &c
	}
	ev.ExecutionSucceededDetails = res(ev.ExecutionSucceededDetails)
	ev.ContextSucceededDetails = res(ev.ContextSucceededDetails)
	ev.ChainedInvokeSucceededDetails = res(ev.ChainedInvokeSucceededDetails)
	ev.CallbackSucceededDetails = res(ev.CallbackSucceededDetails)
	ev.ExecutionFailedDetails = errd(ev.ExecutionFailedDetails)
	ev.ExecutionTimedOutDetails = errd(ev.ExecutionTimedOutDetails)
	ev.ExecutionStoppedDetails = errd(ev.ExecutionStoppedDetails)
	ev.ContextFailedDetails = errd(ev.ContextFailedDetails)
	ev.WaitCancelledDetails = errd(ev.WaitCancelledDetails)
	ev.ChainedInvokeFailedDetails = errd(ev.ChainedInvokeFailedDetails)
	ev.ChainedInvokeTimedOutDetails = errd(ev.ChainedInvokeTimedOutDetails)
	ev.ChainedInvokeStoppedDetails = errd(ev.ChainedInvokeStoppedDetails)
	ev.CallbackFailedDetails = errd(ev.CallbackFailedDetails)
	ev.CallbackTimedOutDetails = errd(ev.CallbackTimedOutDetails)
	return ev
}

// ListInput is the request of ListExecutions
// (ListDurableExecutionsByFunction).
type ListInput struct {
	// FunctionName is a name or ARN; a qualifier in it filters like
	// Qualifier.
	FunctionName string
	// Qualifier (version or alias) filters by version; empty = all.
	Qualifier     string
	ExecutionName string
	Statuses      []wire.ExecutionStatus
	StartedAfter  time.Time
	StartedBefore time.Time
	// ReverseOrder lists oldest first (the default is newest first).
	ReverseOrder bool
	Marker       string
	MaxItems     int // default 100, max 1000
}

// ListExecutions implements ListDurableExecutionsByFunction.
func (s *Service) ListExecutions(ctx context.Context, in ListInput) (_ wire.ListExecutionsOutput, err error) {
	s.lock()
	defer s.unlockRead(&err)
	fn, q, err := s.resolveFunction(in.FunctionName, in.Qualifier)
	if err != nil {
		return wire.ListExecutionsOutput{}, err
	}
	version := ""
	if q != "" {
		v, ok := fn.version(q)
		if !ok {
			return wire.ListExecutionsOutput{}, wire.NewAPIError(wire.ErrCodeResourceNotFound, "Function not found: %s:%s", fn.arn, q)
		}
		version = v
	}
	maxItems, err := pageSize(in.MaxItems)
	if err != nil {
		return wire.ListExecutionsOutput{}, err
	}
	i, step, err := s.listStart(in.Marker, in.ReverseOrder)
	if err != nil {
		return wire.ListExecutionsOutput{}, err
	}
	out := wire.ListExecutionsOutput{DurableExecutions: []wire.ExecutionSummary{}}
	for ; i >= 0 && i < len(s.order); i += step {
		e := s.order[i]
		switch {
		case e.function != fn.Name,
			version != "" && e.version != version,
			in.ExecutionName != "" && e.name != in.ExecutionName,
			len(in.Statuses) > 0 && !slices.Contains(in.Statuses, e.status),
			!in.StartedAfter.IsZero() && !e.start.After(in.StartedAfter),
			!in.StartedBefore.IsZero() && !e.start.Before(in.StartedBefore):
			continue
		}
		if len(out.DurableExecutions) == maxItems {
			out.NextMarker = strconv.Itoa(e.seq)
			break
		}
		sum := wire.ExecutionSummary{DurableExecutionArn: e.arn, DurableExecutionName: e.name,
			FunctionArn: e.fnArn, Status: e.status, StartTimestamp: wire.At(e.start)}
		if e.status.Terminal() {
			sum.EndTimestamp = wire.At(e.end)
		}
		out.DurableExecutions = append(out.DurableExecutions, sum)
	}
	return out, nil
}

// listStart decodes a ListExecutions marker into the index in s.order
// where the page starts and the direction of the walk (-1: newest first).
// The marker is the start-order number of the page's first execution, so
// a page costs its own length plus the executions the filters skip, not
// the whole list, and paging stays put while executions start or expire.
func (s *Service) listStart(marker string, oldestFirst bool) (int, int, error) {
	step := -1
	if oldestFirst {
		step = 1
	}
	if marker == "" {
		if oldestFirst {
			return 0, step, nil
		}
		return len(s.order) - 1, step, nil
	}
	seq, err := strconv.Atoi(marker)
	if err != nil || seq < 1 {
		return 0, 0, invalidParam("Invalid marker %q", marker)
	}
	// The first execution at or after seq in start order.
	i := sort.Search(len(s.order), func(i int) bool { return s.order[i].seq >= seq })
	if !oldestFirst && (i == len(s.order) || s.order[i].seq > seq) {
		i-- // the newest at or before seq
	}
	return i, step, nil
}

// StopExecution implements StopDurableExecution: a running execution
// becomes STOPPED at once with cause (a default message when nil);
// operations in progress stay as they are and later checkpoints fail.
// Stopping a closed execution returns its original end time.
func (s *Service) StopExecution(ctx context.Context, arn string, cause *wire.ErrorObject) (_ wire.StopOutput, err error) {
	s.lock()
	defer s.unlockWith(&err)
	e, err := s.lookup(arn)
	if err != nil {
		return wire.StopOutput{}, err
	}
	if !e.status.Terminal() {
		if cause == nil {
			cause = &wire.ErrorObject{ErrorMessage: "Execution stopped by StopDurableExecution"}
		}
		s.terminate(e, wire.ExecutionStatusStopped, nil, cause)
	}
	return wire.StopOutput{StopTimestamp: wire.At(e.end)}, nil
}

// Operations returns the execution's full operation log, unfiltered, in
// start order.
func (s *Service) Operations(arn string) ([]wire.Operation, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return nil, err
	}
	return cloneOps(e.ops), nil
}

// ReadOperations calls read with the execution's full operation log,
// unfiltered, in start order, without copying it: read runs holding the
// service's lock, so it must not call the service, must not change the
// operations and must not keep them (or pointers into them) once it
// returns.
func (s *Service) ReadOperations(arn string, read func(ops []*wire.Operation)) error {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return err
	}
	read(e.ops)
	return nil
}

// Invocations returns the execution's finished invocations in order.
func (s *Service) Invocations(arn string) ([]Invocation, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(e.invocations)
	for i := range out {
		out[i].Error = cloneError(out[i].Error)
	}
	return out, nil
}

// History returns the execution's complete history, with data, in
// EventId order.
func (s *Service) History(arn string) ([]wire.Event, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return nil, err
	}
	return e.events.clone(), nil
}

// ReadHistory calls read with the length of the execution's complete
// history and its events, with data, in EventId order, without copying
// them: read runs holding the service's lock, so it must not call the
// service, must not change the events and must not keep them (or
// pointers into them) once it returns.
func (s *Service) ReadHistory(arn string, read func(n int, events iter.Seq[*wire.Event])) error {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return err
	}
	read(e.events.len(), e.events.all)
	return nil
}

// StatusChanges returns the EventBridge status-change events recorded for
// the execution, in order (RUNNING, then the terminal status).
func (s *Service) StatusChanges(arn string) ([]wire.StatusChangeEvent, error) {
	s.lock()
	defer s.mu.Unlock()
	e, err := s.lookup(arn)
	if err != nil {
		return nil, err
	}
	return slices.Clone(e.statusChanges), nil
}

// Subscribe streams the execution's history events as they are recorded
// (events recorded before the call are not replayed). The cancel func
// ends the subscription and closes the channel. Events are buffered, so a
// slow reader never blocks the service. An unknown ARN yields a closed
// channel.
func (s *Service) Subscribe(arn string) (<-chan wire.Event, func()) {
	sub := &subscription{ch: make(chan wire.Event), signal: make(chan struct{}, 1), stop: make(chan struct{})}
	s.lock()
	e, ok := s.executions[arn]
	if ok {
		e.subs = append(e.subs, sub)
	}
	s.mu.Unlock()
	if !ok {
		close(sub.ch)
		return sub.ch, func() {}
	}
	go sub.pump()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			s.lock()
			e.subs = slices.DeleteFunc(e.subs, func(x *subscription) bool { return x == sub })
			s.mu.Unlock()
			close(sub.stop)
		})
	}
}

// subscription buffers events for one Subscribe caller.
type subscription struct {
	ch     chan wire.Event
	signal chan struct{}
	stop   chan struct{}
	mu     sync.Mutex
	queue  []wire.Event
}

func (sub *subscription) push(ev wire.Event) {
	sub.mu.Lock()
	sub.queue = append(sub.queue, ev)
	sub.mu.Unlock()
	select {
	case sub.signal <- struct{}{}:
	default:
	}
}

func (sub *subscription) pump() {
	defer close(sub.ch)
	for {
		select {
		case <-sub.stop:
			return
		case <-sub.signal:
		}
		sub.mu.Lock()
		batch := sub.queue
		sub.queue = nil
		sub.mu.Unlock()
		for _, ev := range batch {
			select {
			case sub.ch <- ev:
			case <-sub.stop:
				return
			}
		}
	}
}
