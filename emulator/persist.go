package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// snapshot is the header record of a stored execution: everything but its
// lists, which are records of their own (see Store). The EXECUTION
// operation carries the input.
type snapshot struct {
	ARN       string               `json:"arn"`
	Seq       int                  `json:"seq"`
	Function  string               `json:"function"`
	Config    wire.DurableConfig   `json:"config"`
	Depth     int                  `json:"depth"`
	MaxOps    int                  `json:"maxOperations,omitempty"`
	ParentARN string               `json:"parentArn,omitempty"`
	ParentOp  string               `json:"parentOp,omitempty"`
	Status    wire.ExecutionStatus `json:"status"`
	Start     time.Time            `json:"start"`
	End       time.Time            `json:"end"`
	Result    *string              `json:"result,omitempty"`
	Error     *wire.ErrorObject    `json:"error,omitempty"`
	Timers    []snapTimer          `json:"timers"`
	Jobs      []snapJob            `json:"jobs"`
	Updated   []string             `json:"updated"`
	// Due is true when an invocation was due or in flight: an invocation
	// lost in a restart runs again.
	Due      bool         `json:"due"`
	Failures int          `json:"failures"`
	Closing  *snapOutcome `json:"closing,omitempty"`
}

type snapTimer struct {
	Kind TimerKind `json:"kind"`
	At   time.Time `json:"at"`
	OpID string    `json:"opId,omitempty"`
	Seq  uint64    `json:"seq"`
}

type snapJob struct {
	OpID     string `json:"opId"`
	Function string `json:"function"`
	Version  string `json:"version"`
	Payload  []byte `json:"payload"`
}

type snapOutcome struct {
	Status wire.ExecutionStatus `json:"status"`
	Result *string              `json:"result,omitempty"`
	Error  *wire.ErrorObject    `json:"error,omitempty"`
}

// stored is what the Store holds of an execution, so that a commit writes
// only what changed since the previous one.
type stored struct {
	key string
	// Records of the append-only lists already stored.
	events, statusChanges, invocations int
	// ops are the operations added or changed since the last commit.
	ops map[string]struct{}
	// deleted asks the next commit to remove the execution.
	deleted bool
}

// storeKey is the Store key of the execution with start-order number seq:
// zero-padded, so keys sort in start order.
func storeKey(seq int) string { return fmt.Sprintf("%016d", seq) }

// BadRecordError reports a stored execution that cannot be loaded: a
// record that does not decode, a list with a missing record, values the
// service never writes, or an execution that contradicts another.
type BadRecordError struct {
	// Key is the execution's Store key.
	Key string
	// ARN is the execution's ARN, when its header decoded.
	ARN string
	Err error
}

func (e *BadRecordError) Error() string {
	if e.ARN != "" {
		return fmt.Sprintf("emulator: stored execution %s (%s): %v", e.Key, e.ARN, e.Err)
	}
	return fmt.Sprintf("emulator: stored execution %s: %v", e.Key, e.Err)
}

func (e *BadRecordError) Unwrap() error { return e.Err }

// commitGroup is the changes of the locked sections that wait for one
// Store commit: group commit, so that one fsync serves many requests.
type commitGroup struct {
	changes []Change
	execs   []*execution
	// spoiled is the error of a change that could not be encoded: the
	// group is then failed as a whole instead of committed, since the
	// changes queued with it may build on the one that is missing.
	spoiled error
	done    chan struct{} // closed when committed or failed
	err     error
}

// queueDirty adds the changes of the executions changed in this locked
// section to the open commit group and returns it; the caller waits for it
// with awaitCommit after releasing the lock. The stored counts move on at
// once, so the next section writes only what it changes; a failed commit
// replaces the executions anyway (rollback). A change that cannot be
// encoded spoils the group: none of it is written, and every execution in
// it is put back to its stored state once the commits before it are done
// (see awaitCommit). Must hold the lock.
func (s *Service) queueDirty() *commitGroup {
	dirty := make([]*execution, 0, len(s.dirty))
	for e := range s.dirty {
		dirty = append(dirty, e)
	}
	sort.Slice(dirty, func(i, j int) bool { return dirty[i].seq < dirty[j].seq })
	g := s.pending
	if g == nil {
		g = &commitGroup{done: make(chan struct{})}
	}
	s.pending = g
	g.execs = append(g.execs, dirty...)
	for _, e := range dirty {
		e.group = g
	}
	if g.spoiled != nil {
		return g
	}
	n := len(g.changes)
	for _, e := range dirty {
		c, err := e.change()
		if err != nil {
			g.changes, g.spoiled = g.changes[:n], err
			return g
		}
		g.changes = append(g.changes, c)
	}
	for _, e := range dirty {
		e.st.events, e.st.statusChanges, e.st.invocations = e.events.len(), len(e.statusChanges), len(e.invocations)
		clear(e.st.ops)
	}
	s.wakeGatherers()
	return g
}

// wakeGatherers tells the leaders that gather (see gather) that the open
// group or the invocations in flight changed. Must hold the lock.
func (s *Service) wakeGatherers() {
	if s.joined != nil {
		close(s.joined)
		s.joined = nil
	}
}

// awaitCommit waits until g is committed and returns its error. Whoever
// waits while no commit is under way commits the open group, with every
// section queued until then (group commit); the others wait for their
// group, or for the commit under way to end to lead the next one. A
// failed commit (or a spoiled group) also fails the group queued after
// it, which builds on it, and puts all their executions back to their
// stored state — which is final then: no other commit is under way.
//
// Before it leads a commit, a waiter gathers (see gather): while
// invocations in flight have queued nothing in the open group, it waits
// for them to join it, at most as long as the last commit took.
func (s *Service) awaitCommit(g *commitGroup) error {
	s.mu.Lock()
	var gatherUntil time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-g.done:
			s.mu.Unlock()
			return g.err
		default:
		}
		if c := s.committing; c != nil {
			// Wait for the commit under way, which may be g's.
			s.mu.Unlock()
			select {
			case <-g.done:
			case <-c.done:
			}
			s.mu.Lock()
			continue
		}
		if gatherUntil.IsZero() {
			gatherUntil = time.Now().Add(min(s.lastCommit, maxGather))
		}
		if joined := s.gather(g, gatherUntil); joined != nil {
			if timer == nil {
				timer = time.NewTimer(time.Until(gatherUntil))
			}
			s.mu.Unlock()
			select {
			case <-g.done:
			case <-joined:
			case <-timer.C:
			}
			s.mu.Lock()
			continue
		}
		s.commitPending()
	}
}

// maxGather bounds how long a commit's leader gathers.
const maxGather = 2 * time.Millisecond

// gather decides whether the leader of the open group g waits for more
// sections to join it before it commits: group commit gathers only the
// sections that arrive while a commit is under way, so when a commit
// answers several invocations at once, the first of them to checkpoint
// again would otherwise commit alone and the others would wait for it
// — and for their own commit after it. It waits, until the time until,
// while fewer executions of g are invoked than there are invocations of
// durable executions in flight (a plain function's invocation never
// joins, so it is not counted): it returns the channel closed when a section joins, or nil
// to commit now. Must hold the lock.
func (s *Service) gather(g *commitGroup, until time.Time) <-chan struct{} {
	invoked := 0
	for _, e := range g.execs {
		if e.inv != nil {
			invoked++
		}
	}
	if invoked >= s.invoking || !time.Now().Before(until) {
		return nil
	}
	if s.joined == nil {
		s.joined = make(chan struct{})
	}
	return s.joined
}

// commitPending commits the open group, which is not empty. Must hold the
// lock, which it releases during the Store's commit; no commit may be under
// way.
func (s *Service) commitPending() {
	group := s.pending
	s.pending = nil
	s.committing = group
	s.mu.Unlock()
	err := group.spoiled
	var took time.Duration
	if err == nil {
		start := time.Now()
		err = s.cfg.Store.Commit(group.changes)
		took = time.Since(start)
	}
	s.mu.Lock()
	s.lastCommit = took
	if err != nil {
		later := s.pending
		s.pending = nil
		var execs []*execution
		if later != nil {
			execs = later.execs
		}
		apiErr := s.abandon(group.execs, execs, err)
		group.err = apiErr
		if later != nil {
			later.err = apiErr
			later.changes, later.execs = nil, nil
			close(later.done)
		}
	}
	// Executions keep their last group (see execution.group): it need not
	// keep what it wrote.
	group.changes, group.execs = nil, nil
	close(group.done)
	s.committing = nil
}

// newestGroup is the last commit group queued, open or under way; nil when
// everything queued is committed. A locked section that changed nothing
// may still have seen changes of that group or of one before it. Must hold
// the lock.
func (s *Service) newestGroup() *commitGroup {
	if s.pending != nil {
		return s.pending
	}
	return s.committing
}

// durable waits until every change queued so far is committed, and
// returns the error of the last commit group if it failed.
func (s *Service) durable() error {
	s.mu.Lock()
	g := s.newestGroup()
	s.mu.Unlock()
	if g == nil {
		return nil
	}
	return s.awaitCommit(g)
}

// committed waits until the changes of e queued so far are committed;
// an error means they were undone, and e was replaced by its stored
// state.
func (s *Service) committed(e *execution) error {
	s.mu.Lock()
	g := e.group
	s.mu.Unlock()
	if g == nil {
		return nil
	}
	return s.awaitCommit(g)
}

// commitLater commits g, a group of the service's own changes that nobody
// outside has been told of, once someone who has to tell commits it — an
// API call's section queued after it, a read, or an invocation of one of
// its executions (see release) — or after lazyCommitDelay at the latest;
// then it publishes the status-change events of g's sections.
func (s *Service) commitLater(g *commitGroup, notes []wire.StatusChangeEvent) {
	t := time.NewTimer(s.lazyDelay)
	select {
	case <-g.done:
	case <-t.C:
	}
	t.Stop()
	if s.awaitCommit(g) == nil {
		s.publish(notes)
	}
}

// abandon undoes the changes of the executions of a failed commit and
// returns the API error. Must hold the lock.
func (s *Service) abandon(dirty, more []*execution, err error) error {
	s.log.Error("emulator: recording a change failed; it is undone", "executions", len(dirty)+len(more), "err", err)
	s.notes = nil
	s.rollback(append(slices.Clone(dirty), more...))
	return wire.NewAPIError(wire.ErrCodeService, "The change could not be recorded and was not applied: %v", err)
}

// change is e's Change: its header, its changed operations and the
// records appended to its other lists since the last commit.
func (e *execution) change() (Change, error) {
	c := Change{Key: e.st.key}
	if e.st.deleted {
		c.Delete = true
		return c, nil
	}
	var err error
	if c.Header, err = json.Marshal(e.header()); err != nil {
		return c, fmt.Errorf("encoding execution %s: %w", e.arn, err)
	}
	add := func(list string, i int, v any) {
		if err != nil {
			return
		}
		var b []byte
		if b, err = json.Marshal(v); err != nil {
			err = fmt.Errorf("encoding %s record %d of %s: %w", list, i, e.arn, err)
			return
		}
		c.Items = append(c.Items, Item{List: list, Index: i, Data: b})
	}
	for id := range e.st.ops {
		if pos, ok := e.opPos[id]; ok {
			add(ListOperations, pos, e.ops[pos])
		}
	}
	for i := e.st.events; i < e.events.len(); i++ {
		add(ListEvents, i, e.events.at(i))
	}
	for i := e.st.statusChanges; i < len(e.statusChanges); i++ {
		add(ListStatusChanges, i, e.statusChanges[i])
	}
	for i := e.st.invocations; i < len(e.invocations); i++ {
		add(ListInvocations, i, e.invocations[i])
	}
	return c, err
}

func (e *execution) header() snapshot {
	sn := snapshot{
		ARN: e.arn, Seq: e.seq, Function: e.function, Config: e.config, Depth: e.depth, MaxOps: e.maxOps,
		Status: e.status, Start: e.start, End: e.end, Result: e.result, Error: e.err,
		Due: e.due || e.inv != nil, Failures: e.failures,
	}
	if e.parent != nil {
		sn.ParentARN, sn.ParentOp = e.parent.arn, e.parent.opID
	}
	for _, t := range e.timers {
		sn.Timers = append(sn.Timers, snapTimer{Kind: t.kind, At: t.at, OpID: t.opID, Seq: t.seq})
	}
	for _, j := range e.jobs {
		sn.Jobs = append(sn.Jobs, snapJob{OpID: j.opID, Function: j.function, Version: j.version, Payload: j.payload})
	}
	for _, op := range e.ops {
		if _, ok := e.updated[op.Id]; ok {
			sn.Updated = append(sn.Updated, op.Id)
		}
	}
	if c := e.closing; c != nil {
		sn.Closing = &snapOutcome{Status: c.status, Result: c.result, Error: c.err}
	}
	return sn
}

// record is a decoded stored execution.
type record struct {
	key           string
	header        snapshot
	ops           []wire.Operation
	events        []wire.Event
	statusChanges []wire.StatusChangeEvent
	invocations   []Invocation
}

// decodeRecord decodes and checks a stored execution.
func decodeRecord(st StoredExecution) (*record, error) {
	r := &record{key: st.Key}
	bad := func(format string, args ...any) (*record, error) {
		return nil, &BadRecordError{Key: st.Key, ARN: r.header.ARN, Err: fmt.Errorf(format, args...)}
	}
	if err := json.Unmarshal(st.Header, &r.header); err != nil {
		return bad("header: %w", err)
	}
	h := &r.header
	arn, err := wire.ParseExecutionARN(h.ARN)
	if err != nil {
		return bad("header: %w", err)
	}
	if h.Seq <= 0 || storeKey(h.Seq) != st.Key {
		return bad("header: sequence number %d does not match the key", h.Seq)
	}
	if !h.Status.Valid() {
		return bad("header: unknown status %q", h.Status)
	}
	lists := map[string]func(i int, b []byte) error{
		ListOperations: func(i int, b []byte) error {
			return appendDecoded(&r.ops, i, b)
		},
		ListEvents:        func(i int, b []byte) error { return appendDecoded(&r.events, i, b) },
		ListStatusChanges: func(i int, b []byte) error { return appendDecoded(&r.statusChanges, i, b) },
		ListInvocations:   func(i int, b []byte) error { return appendDecoded(&r.invocations, i, b) },
	}
	for _, it := range st.Items {
		dec, ok := lists[it.List]
		if !ok {
			return bad("unknown list %q", it.List)
		}
		if err := dec(it.Index, it.Data); err != nil {
			return bad("%s record %d: %w", it.List, it.Index, err)
		}
	}
	if len(r.ops) == 0 || r.ops[0].Type != wire.OperationTypeExecution || r.ops[0].Id != arn.ID {
		return bad("operation 0 is not the EXECUTION operation %s", arn.ID)
	}
	seen := map[string]bool{}
	for i, op := range r.ops {
		if seen[op.Id] {
			return bad("operation %d: id %s appears twice", i, op.Id)
		}
		seen[op.Id] = true
		if !op.Type.Valid() || !op.Status.Valid() {
			return bad("operation %d (%s): unknown type %q or status %q", i, op.Id, op.Type, op.Status)
		}
	}
	for i, ev := range r.events {
		if ev.EventId != i+1 {
			return bad("event record %d has EventId %d", i, ev.EventId)
		}
	}
	return r, nil
}

// appendDecoded decodes b as the record at index i of list, which must
// come next.
func appendDecoded[T any](list *[]T, i int, b []byte) error {
	if i != len(*list) {
		return fmt.Errorf("record %d is missing", len(*list))
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*list = append(*list, v)
	return nil
}

// load rebuilds the executions from the Store. A bad record stops it with
// a *BadRecordError, unless Config.QuarantineBad moves it aside.
func (s *Service) load() error {
	all, err := s.cfg.Store.Load()
	if err != nil {
		return err
	}
	for _, st := range all {
		r, err := decodeRecord(st)
		if err == nil {
			err = s.checkConsistent(r)
		}
		if err != nil {
			if !s.cfg.QuarantineBad {
				return err
			}
			if qerr := s.cfg.Store.Quarantine(st.Key, err.Error()); qerr != nil {
				return errors.Join(err, qerr)
			}
			s.log.Warn("emulator: a bad stored execution was moved aside", "key", st.Key, "err", err)
			continue
		}
		s.addExecution(s.restore(r))
	}
	return nil
}

// checkConsistent refuses an execution that contradicts one loaded
// before it: the same ARN, or the same name for the same function while
// both are retained.
func (s *Service) checkConsistent(r *record) error {
	bad := func(format string, args ...any) error {
		return &BadRecordError{Key: r.key, ARN: r.header.ARN, Err: fmt.Errorf(format, args...)}
	}
	if old, ok := s.executions[r.header.ARN]; ok {
		return bad("the execution is also stored under %s", old.st.key)
	}
	arn, _ := wire.ParseExecutionARN(r.header.ARN)
	if old, ok := s.byName[nameKey{r.header.Function, arn.Name}]; ok && !old.retentionExpired(s.cfg.Clock.Now()) {
		return bad("execution name %s of function %s is also used by %s (%s)", arn.Name, r.header.Function, old.st.key, old.arn)
	}
	return nil
}

// restore rebuilds an execution from its record.
func (s *Service) restore(r *record) *execution {
	sn := r.header
	arn, _ := wire.ParseExecutionARN(sn.ARN)
	e := newExecution(arn, sn.Function, sn.Config, wire.Deref(r.ops[0].ExecutionDetails.InputPayload), sn.Start, sn.Depth)
	e.maxOps = sn.MaxOps
	e.ops, e.opPos = nil, map[string]int{}
	for i := range r.ops {
		op := r.ops[i]
		e.addOp(&op)
		if op.Type == wire.OperationTypeCallback && op.CallbackDetails != nil && op.CallbackDetails.CallbackId != "" {
			s.callbacks[op.CallbackDetails.CallbackId] = opRef{arn: e.arn, opID: op.Id}
		}
	}
	clear(e.st.ops)
	if sn.ParentARN != "" {
		e.parent = &opRef{arn: sn.ParentARN, opID: sn.ParentOp}
	}
	e.status, e.end, e.result, e.err = sn.Status, sn.End, sn.Result, sn.Error
	e.events, e.statusChanges, e.invocations = newEventLog(r.events), r.statusChanges, r.invocations
	e.st.key, e.st.events, e.st.statusChanges, e.st.invocations = r.key, len(r.events), len(r.statusChanges), len(r.invocations)
	for _, t := range sn.Timers {
		e.timers = append(e.timers, &timer{kind: t.Kind, at: t.At, opID: t.OpID, seq: t.Seq})
		s.timerSeq = max(s.timerSeq, t.Seq)
	}
	for _, j := range sn.Jobs {
		e.jobs = append(e.jobs, &plainJob{parent: e, opID: j.OpID, function: j.Function, version: j.Version, payload: j.Payload})
	}
	for _, id := range sn.Updated {
		e.updated[id] = struct{}{}
	}
	e.due, e.failures = sn.Due, sn.Failures
	if c := sn.Closing; c != nil {
		// The invocation that sent the EXECUTION update was lost; its
		// outcome stands.
		e.closing = &closeOutcome{status: c.Status, result: c.Result, err: c.Error}
	}
	e.seq = sn.Seq
	if e.status.Terminal() {
		close(e.done)
		s.retain(e)
	}
	return e
}

// rollback puts the executions back to their stored state after a failed
// commit: each is replaced by a fresh copy loaded from the Store, or
// removed if it was never stored. Invocations in flight for a replaced
// copy are ignored when they end (see current); the stored state says
// whether one is due again. Must hold the lock.
func (s *Service) rollback(dirty []*execution) {
	seen := map[string]bool{}
	for _, changed := range dirty {
		if seen[changed.st.key] {
			continue
		}
		seen[changed.st.key] = true
		old := changed
		if cur, ok := s.executions[changed.arn]; ok {
			old = cur
		}
		s.removeExecution(old)
		st, ok, err := s.cfg.Store.LoadExecution(old.st.key)
		if err != nil {
			s.log.Error("emulator: reloading an execution after a failed commit", "execution", old.arn, "err", err)
			continue
		}
		if !ok {
			continue
		}
		r, err := decodeRecord(st)
		if err != nil {
			s.log.Error("emulator: reloading an execution after a failed commit", "execution", old.arn, "err", err)
			continue
		}
		e := s.restore(r)
		e.subs, old.subs = old.subs, nil
		s.addExecution(e)
	}
	clear(s.dirty)
}
