package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/internal/uuid"
	"github.com/acme/durable-lambda-go/wire"
)

// InvokeRequest is one invocation of a hosted function.
type InvokeRequest struct {
	// RequestID is the Lambda request id of this invocation.
	RequestID string
	// FunctionArn is the qualified ARN of the version invoked.
	FunctionArn string
	// Payload is, for a durable function, the JSON wire.InvocationInput;
	// for a plain function, the raw event.
	Payload []byte
	// Deadline is the per-invocation deadline (the function timeout) on the
	// service's Clock. The ctx passed to Invoke carries the same timeout
	// in real time, which is what a virtual clock cannot provide.
	Deadline time.Time
}

// Invoker runs one invocation of a function. An error is an invocation
// failure: a *wire.FunctionError gives the ErrorObject recorded in the
// InvocationCompleted event (for example ErrorType "Runtime.ExitError");
// any other error is recorded with ErrorType "Runtime.Unknown" and its
// message. ctx is cancelled at the request's Deadline.
type Invoker interface {
	Invoke(ctx context.Context, req InvokeRequest) ([]byte, error)
}

// InvokerFunc adapts a function to the Invoker interface.
type InvokerFunc func(ctx context.Context, req InvokeRequest) ([]byte, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, req InvokeRequest) ([]byte, error) {
	return f(ctx, req)
}

// Function is a Lambda function hosted by the service.
type Function struct {
	// Name is the function name (not an ARN).
	Name string
	// Version is the published version number; "1" when empty.
	Version string
	// Aliases maps alias names to versions; {"prod": Version} when nil.
	Aliases map[string]string
	// Durable selects the durable-execution envelope protocol: Invoke of
	// a durable function starts a durable execution (StartExecution). A
	// plain function (false) is invoked as Lambda invokes any function,
	// directly (Service.Invoke) or by a chained invoke, with the raw event.
	Durable bool
	// DurableConfig holds ExecutionTimeout in seconds (default 86400) and
	// RetentionPeriodInDays (default 14).
	DurableConfig wire.DurableConfig
	// Timeout is the per-invocation timeout; 15 minutes when zero, and
	// larger values are rejected.
	Timeout time.Duration
	// Invoker runs the function's invocations.
	Invoker Invoker
}

// FunctionInfo describes a registered function.
type FunctionInfo struct {
	Name        string
	Version     string
	Aliases     map[string]string
	Durable     bool
	FunctionArn string // unqualified function ARN
}

// Config configures a Service. The zero value is usable.
type Config struct {
	// Region and AccountID appear in every ARN; defaults "us-east-1" and
	// "123456789012".
	Region, AccountID string
	// Clock is the service's time source; RealClock() when nil.
	Clock Clock
	// Logger receives diagnostics; discarded when nil.
	Logger *slog.Logger
	// MaxInvocationAttempts is the number of consecutive failed
	// invocations after which the execution FAILS; default 6.
	MaxInvocationAttempts int
	// InvocationRetryDelay is the first backoff after a failed invocation,
	// doubling with each further consecutive failure; default 5s.
	InvocationRetryDelay time.Duration
	// Limits are the size and count limits; zero fields take the
	// defaults of protocol.md §2.7.
	Limits
	// MaxInvokeDepth caps chained-invoke nesting; default 10.
	MaxInvokeDepth int
	// MaxConcurrentInvocations caps the invocations Run keeps in flight at
	// once, like a function's concurrency limit; 0 means no cap. Run starts
	// due work oldest execution first, so under the cap a burst of new
	// executions waits its turn behind the re-invocations of executions
	// already running instead of slowing all of them down.
	MaxConcurrentInvocations int
	// OnStatusChange receives the EventBridge status-change event of every
	// execution status change (RUNNING at start, then the terminal one).
	// It is called without the service's lock held, so it may call back
	// into the service. May be nil.
	OnStatusChange func(wire.StatusChangeEvent)
	// Store persists executions; nil keeps everything in memory. Every
	// change is committed to it before it is acknowledged; a failed commit
	// undoes the change and the API answers ServiceException.
	Store Store
	// KeepClosed keeps closed executions past their retention period. The
	// local test runner sets it: it jumps virtual time far ahead (a
	// year-long wait) and reads the execution afterwards.
	KeepClosed bool
	// QuarantineBad makes New move a stored execution that cannot be
	// loaded aside (Store.Quarantine) with a warning, instead of failing
	// with its *BadRecordError.
	QuarantineBad bool
	// NewID generates execution ids, request ids, checkpoint tokens and
	// callback nonces; random UUIDs when nil.
	NewID func() string
}

// Defaults of Config and Function.
const (
	DefaultRegion                = "us-east-1"
	DefaultAccountID             = "123456789012"
	DefaultMaxInvocationAttempts = 6
	DefaultInvocationRetryDelay  = 5 * time.Second
	DefaultMaxInvokeDepth        = 10
	DefaultExecutionTimeout      = 86400
	DefaultRetentionDays         = 14
	DefaultFunctionTimeout       = 15 * time.Minute
	// MaxFunctionTimeout is Lambda's limit on one invocation.
	MaxFunctionTimeout = 15 * time.Minute
)

// Service is an in-memory (optionally persisted) model of the Lambda
// durable-execution service. Its methods are safe for concurrent use.
type Service struct {
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	functions  map[string]*function
	executions map[string]*execution // by ARN
	order      []*execution          // start order
	byName     map[nameKey]*execution
	callbacks  map[string]opRef
	timerSeq   uint64
	lastSeq    int       // the start-order number of the newest execution
	expiries   expiries  // closed executions by the end of their retention
	tick       time.Time // the locked section's time; see now
	// batch is validateUpdates' scratch map, kept between checkpoints;
	// batchMax is the most updates it has held.
	batch    map[string]batchOp
	batchMax int
	// stampFor and stamp memoize stampAt's last timestamp.
	stampFor time.Time
	stamp    *wire.Timestamp

	// notes and dirty are flushed by unlock.
	notes []wire.StatusChangeEvent
	dirty map[*execution]struct{}
	// pending is the commit group still open for changes; committing is
	// the group being committed, if any.
	pending    *commitGroup
	committing *commitGroup
	// joined is closed when a locked section queues changes into the
	// open group, or an invocation ends, while a commit's leader gathers
	// (see gather); nil when nobody gathers.
	joined chan struct{}
	// lastCommit is how long the last Store commit took (see gather).
	lastCommit time.Duration
	// lazyDelay bounds how long the service's own changes wait for a
	// commit someone else leads (see release).
	lazyDelay time.Duration
	wake      chan struct{}
	// inflight counts the invocations Run started that have not ended;
	// invoking counts those of them that invoke a durable execution (a
	// plain function's never checkpoints, see gather).
	inflight, invoking int
	// async holds the queued asynchronous invocations of plain
	// functions (Invoke with Async), oldest first.
	async []*plainJob
}

type function struct {
	Function
	arn string // unqualified
}

type nameKey struct{ function, name string }

// opRef names an operation of an execution.
type opRef struct {
	arn  string
	opID string
}

// plainJob is an invocation of a plain function: started by a chained
// invoke, it resolves the parent's CHAINED_INVOKE operation when it ends
// and stays on its execution's job list until then; queued by an
// asynchronous Invoke, it has no parent and stays on Service.async.
type plainJob struct {
	parent   *execution
	opID     string
	function string
	version  string
	payload  []byte
	running  bool
}

// New returns a Service configured by cfg. With a Store it reloads the
// persisted executions; their due timers and pending invocations resume
// when the service is driven (RunDue, AdvanceTo or Run).
func New(cfg Config) (*Service, error) {
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxInvocationAttempts <= 0 {
		cfg.MaxInvocationAttempts = DefaultMaxInvocationAttempts
	}
	if cfg.InvocationRetryDelay <= 0 {
		cfg.InvocationRetryDelay = DefaultInvocationRetryDelay
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.MaxInvokeDepth <= 0 {
		cfg.MaxInvokeDepth = DefaultMaxInvokeDepth
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.New
	}
	s := &Service{
		cfg:        cfg,
		log:        cfg.Logger,
		functions:  map[string]*function{},
		executions: map[string]*execution{},
		byName:     map[nameKey]*execution{},
		callbacks:  map[string]opRef{},
		dirty:      map[*execution]struct{}{},
		wake:       make(chan struct{}, 1),
		batch:      map[string]batchOp{},
		lazyDelay:  lazyCommitDelay,
	}
	if cfg.Store != nil {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// lock takes the service's lock. The time a locked section sees is read
// once, on its first use (see now).
func (s *Service) lock() {
	s.mu.Lock()
	s.tick = time.Time{}
}

// now is the service's time for the current locked section: read from the
// Clock once, so that everything one request does — operations,
// timestamps, events, timers — happens at the same instant.
func (s *Service) now() time.Time {
	if s.tick.IsZero() {
		s.tick = s.cfg.Clock.Now()
	}
	return s.tick
}

// stampAt returns wire.At(t) for an operation or event the service
// records, shared with the previous call's when t is the same: everything
// one request records happens at one instant (see now), and recorded
// timestamps are never modified in place.
func (s *Service) stampAt(t time.Time) *wire.Timestamp {
	if s.stamp == nil || !t.Equal(s.stampFor) {
		s.stampFor, s.stamp = t, wire.At(t)
	}
	return s.stamp
}

// unlock releases the lock, then publishes queued status-change events
// and wakes Run. Before releasing it commits the changed executions to the
// Store; it returns the commit's error, a ServiceException, after which
// the changes are undone. A section that changed nothing waits for the
// commit of what it may have seen instead (see release). Every method
// that answers a caller ends with it (or unlockWith) instead of
// s.mu.Unlock.
func (s *Service) unlock() error { return s.release(releaseAnswer) }

// unlockWith is unlock for a method returning *err: a failed commit
// becomes the method's error.
func (s *Service) unlockWith(err *error) {
	if cerr := s.unlock(); cerr != nil && *err == nil {
		*err = cerr
	}
}

// unlockRead ends a locked section that only read, for a method returning
// *err: it answers once what it read is committed (see release).
func (s *Service) unlockRead(err *error) {
	if cerr := s.release(releaseRead); cerr != nil && *err == nil {
		*err = cerr
	}
}

// How a locked section ends; see release.
type releaseMode int

const (
	// releaseAnswer ends a section whose outcome is told to a caller.
	releaseAnswer releaseMode = iota
	// releaseRead ends a section that only read, for a caller; it does
	// not wake Run.
	releaseRead
	// releaseOwn ends a section of Run's own (invocations begun, timers
	// fired, an invocation's outcome): nobody outside is told of it.
	releaseOwn
)

// lazyCommitDelay is how long the service's own changes may wait
// for a commit that someone else leads (see release).
const lazyCommitDelay = 2 * time.Millisecond

// release ends a locked section. With a Store it keeps this invariant:
// nothing is told outside the service — an API answer, an invocation
// payload (the Runtime API's answer to a function), a status-change event,
// a read — before every change it depends on is durably committed, so
// that a crash can only lose changes nobody was told of.
//
//   - releaseAnswer and releaseRead wait until the section's changes, or
//     if it changed nothing the changes it may have seen (the newest
//     group, since groups commit in order), are committed; a failed
//     commit is the section's error.
//   - releaseOwn queues the section's changes and returns at once: they
//     are committed with the next group someone waits for — an answer, a
//     read, WaitForExecution, or an invocation of one of the executions,
//     which Run starts only once that execution's changes are committed
//     (see committed) — or after lazyDelay. A crash before that loses them
//     as if the section had not run: an invocation that ended is run
//     again, a timer fires again. Their status-change events are published
//     after their commit.
func (s *Service) release(mode releaseMode) error {
	var group *commitGroup
	if s.cfg.Store != nil {
		if len(s.dirty) > 0 {
			group = s.queueDirty()
		} else if mode != releaseOwn {
			group = s.newestGroup()
		}
	}
	clear(s.dirty)
	notes := s.notes
	s.notes = nil
	s.mu.Unlock()
	if mode == releaseOwn && group != nil {
		go s.commitLater(group, notes)
		return nil
	}
	var err error
	if group != nil {
		err = s.awaitCommit(group)
	}
	if err == nil {
		s.publish(notes)
	}
	if mode == releaseAnswer {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return err
}

// publish sends status-change events to Config.OnStatusChange.
func (s *Service) publish(notes []wire.StatusChangeEvent) {
	if s.cfg.OnStatusChange == nil {
		return
	}
	for _, n := range notes {
		s.cfg.OnStatusChange(n)
	}
}

func (s *Service) markDirty(e *execution) { s.dirty[e] = struct{}{} }

// RegisterFunction makes fn invocable. Registering a name again replaces
// the earlier definition for executions started afterwards.
func (s *Service) RegisterFunction(fn Function) error {
	if !validID(fn.Name) {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Invalid function name %q", fn.Name)
	}
	if fn.Invoker == nil {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Function %s has no Invoker", fn.Name)
	}
	if fn.Version == "" {
		fn.Version = "1"
	}
	if fn.Version == "$LATEST" || strings.Trim(fn.Version, "0123456789") != "" {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Invalid version %q: want a version number", fn.Version)
	}
	if fn.Aliases == nil {
		fn.Aliases = map[string]string{"prod": fn.Version}
	}
	for alias, v := range fn.Aliases {
		if v != fn.Version && v != "$LATEST" {
			return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Alias %s points to unknown version %s", alias, v)
		}
	}
	if fn.Timeout == 0 {
		fn.Timeout = DefaultFunctionTimeout
	}
	if fn.Timeout < 0 || fn.Timeout > MaxFunctionTimeout {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Function timeout %s must be between 1s and 15m", fn.Timeout)
	}
	if fn.DurableConfig.ExecutionTimeout == 0 {
		fn.DurableConfig.ExecutionTimeout = DefaultExecutionTimeout
	}
	if fn.DurableConfig.RetentionPeriodInDays == 0 {
		fn.DurableConfig.RetentionPeriodInDays = DefaultRetentionDays
	}
	if t := fn.DurableConfig.ExecutionTimeout; t < 1 || t > wire.MaxDurationSeconds {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "ExecutionTimeout %d must be between 1 and %d", t, wire.MaxDurationSeconds)
	}
	if d := fn.DurableConfig.RetentionPeriodInDays; d < 1 || d > 90 {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "RetentionPeriodInDays %d must be between 1 and 90", d)
	}
	fn.Aliases = maps.Clone(fn.Aliases)
	s.lock()
	defer s.unlock()
	s.functions[fn.Name] = &function{Function: fn, arn: s.functionARN(fn.Name)}
	return nil
}

// info describes f.
func (f *function) info() FunctionInfo {
	return FunctionInfo{Name: f.Name, Version: f.Version, Aliases: maps.Clone(f.Aliases), Durable: f.Durable, FunctionArn: f.arn}
}

func (s *Service) functionARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.cfg.Region, s.cfg.AccountID, name)
}

// Functions lists the registered functions by name.
func (s *Service) Functions() []FunctionInfo {
	s.lock()
	defer s.mu.Unlock()
	out := make([]FunctionInfo, 0, len(s.functions))
	for _, f := range s.functions {
		out = append(out, f.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// parseFunctionRef splits a function reference — a name, name:qualifier,
// or a full or partial ARN, with an optional separate qualifier — into the
// function name and the qualifier given ("" when unqualified).
func parseFunctionRef(ref, qualifier string) (string, string, error) {
	name, q := ref, ""
	if strings.HasPrefix(ref, "arn:") {
		f := strings.Split(ref, ":")
		if len(f) < 7 || len(f) > 8 || f[2] != "lambda" || f[5] != "function" {
			return "", "", wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Invalid function ARN %q", ref)
		}
		name = f[6]
		if len(f) == 8 {
			q = f[7]
		}
	} else if f := strings.Split(ref, ":"); len(f) >= 3 && f[1] == "function" {
		// partial ARN: <account>:function:<name>[:<qualifier>]
		if len(f) > 4 {
			return "", "", wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Invalid function name %q", ref)
		}
		name = f[2]
		if len(f) == 4 {
			q = f[3]
		}
	} else if n, qq, ok := strings.Cut(ref, ":"); ok {
		name, q = n, qq
	}
	if qualifier != "" {
		if q != "" && q != qualifier {
			return "", "", wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "The derived qualifier from the function name does not match the specified qualifier.")
		}
		q = qualifier
	}
	return name, q, nil
}

// resolveFunction finds the registered function a reference names and
// returns it with the qualifier given ("" when unqualified).
func (s *Service) resolveFunction(ref, qualifier string) (*function, string, error) {
	name, q, err := parseFunctionRef(ref, qualifier)
	if err != nil {
		return nil, "", err
	}
	fn, ok := s.functions[name]
	if !ok {
		return nil, "", wire.NewAPIError(wire.ErrCodeResourceNotFound, "Function not found: %s", s.functionARN(name))
	}
	return fn, q, nil
}

// version resolves a qualifier to $LATEST or the version number.
func (f *function) version(q string) (string, bool) {
	switch {
	case q == "$LATEST" || q == f.Version:
		return q, true
	default:
		v, ok := f.Aliases[q]
		return v, ok
	}
}

// StartInput is the request of StartExecution (the Invoke API).
type StartInput struct {
	// FunctionName is a name, name:qualifier, or a full or partial ARN.
	FunctionName string
	// Qualifier is a version, alias or $LATEST, if not in FunctionName.
	Qualifier string
	// ExecutionName names the execution; a UUID when empty.
	ExecutionName string
	// Payload is the execution's input (the raw event); "{}" when empty.
	Payload []byte
	// MaxOperations caps the operations this execution may record, in
	// place of the service's Limits.MaxOperations when positive (an
	// in-process option: the Invoke API has no such parameter).
	MaxOperations int
}

// StartOutput is the response of StartExecution.
type StartOutput struct {
	ExecutionArn string
	// Existing reports name reuse with an identical payload: no new
	// execution was started.
	Existing bool
}

// StartExecution starts a durable execution of a registered durable
// function, or returns the existing one when the name is reused with the
// same payload (protocol §6.2). It schedules invocation #1 and never runs
// it inline: drive the service with RunDue, AdvanceTo or Run.
func (s *Service) StartExecution(ctx context.Context, in StartInput) (_ StartOutput, err error) {
	if len(in.Payload) > 0 && !json.Valid(in.Payload) {
		var v any
		err := json.Unmarshal(in.Payload, &v)
		return StartOutput{}, wire.NewAPIError(wire.ErrCodeInvalidRequestContent, "Could not parse request body into json: %v", err)
	}
	s.lock()
	defer s.unlockWith(&err)
	fn, q, err := s.resolveFunction(in.FunctionName, in.Qualifier)
	if err != nil {
		return StartOutput{}, err
	}
	if !fn.Durable {
		return StartOutput{}, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Function %s is not a durable function (it has no DurableConfig): invoke it with Invoke, without a durable execution name", fn.Name)
	}
	if q == "" {
		return StartOutput{}, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "You cannot invoke a durable function using an unqualified ARN.")
	}
	version, ok := fn.version(q)
	if !ok {
		return StartOutput{}, wire.NewAPIError(wire.ErrCodeResourceNotFound, "Function not found: %s:%s", fn.arn, q)
	}
	e, existing, err := s.startLocked(fn, version, in.ExecutionName, in.Payload, 0, nil)
	if err != nil {
		return StartOutput{}, err
	}
	if !existing && in.MaxOperations > 0 {
		e.maxOps = in.MaxOperations
	}
	return StartOutput{ExecutionArn: e.arn, Existing: existing}, nil
}

// startLocked creates an execution (or finds the reusable one). parent is
// set for the target of a chained invoke.
func (s *Service) startLocked(fn *function, version, name string, payload []byte, depth int, parent *opRef) (*execution, bool, error) {
	if err := inputSize(len(payload), s.cfg.MaxSyncInputBytes); err != nil {
		return nil, false, err
	}
	input := string(payload)
	if input == "" {
		input = "{}"
	}
	now := s.now()
	if name != "" {
		if !validID(name) {
			return nil, false, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Invalid durable execution name %q: must be 1-64 characters of [a-zA-Z0-9-_]", name)
		}
		if old, ok := s.byName[nameKey{fn.Name, name}]; ok && !old.retentionExpired(now) {
			if old.input != input {
				return nil, false, wire.NewAPIError(wire.ErrCodeAlreadyStarted, "Durable execution with name %s already exists for function %s", name, fn.Name)
			}
			return old, true, nil
		}
	}
	id := s.cfg.NewID()
	if name == "" {
		name = id
	}
	arn := wire.ExecutionARN{Partition: "aws", Region: s.cfg.Region, Account: s.cfg.AccountID,
		Function: fn.Name, Qualifier: version, Name: name, ID: id}
	e := newExecution(arn, fn.Name, fn.DurableConfig, input, now, depth)
	e.parent = parent
	if s.cfg.Store == nil {
		e.st.ops = nil // nothing to commit (see markStored)
	}
	s.addExecution(e)
	e.due = true
	s.emit(e, wire.Event{EventType: wire.EventExecutionStarted, Id: e.id, Name: e.name,
		ExecutionStartedDetails: &wire.ExecutionStartedDetails{
			Input:            &wire.EventInput{Payload: wire.String(input)},
			ExecutionTimeout: e.config.ExecutionTimeout,
		}})
	s.arm(e, TimerExecutionTimeout, now.Add(time.Duration(e.config.ExecutionTimeout)*time.Second), "")
	s.noteStatus(e)
	s.markDirty(e)
	return e, false, nil
}

// addExecution adds e to the service, giving a new execution its
// start-order number and Store key. s.order stays sorted by number.
func (s *Service) addExecution(e *execution) {
	if e.seq == 0 {
		e.seq = s.lastSeq + 1
		e.st.key = storeKey(e.seq)
	}
	s.lastSeq = max(s.lastSeq, e.seq)
	s.executions[e.arn] = e
	i := sort.Search(len(s.order), func(i int) bool { return s.order[i].seq >= e.seq })
	s.order = slices.Insert(s.order, i, e)
	s.byName[nameKey{e.function, e.name}] = e
}

// removeExecution takes e out of the service's indexes and closes its
// gone channel; callers that held e look it up again. Must hold the lock.
func (s *Service) removeExecution(e *execution) {
	if s.executions[e.arn] != e {
		return
	}
	delete(s.executions, e.arn)
	if i := sort.Search(len(s.order), func(i int) bool { return s.order[i].seq >= e.seq }); i < len(s.order) && s.order[i] == e {
		s.order = slices.Delete(s.order, i, i+1)
	}
	if k := (nameKey{e.function, e.name}); s.byName[k] == e {
		delete(s.byName, k)
	}
	for _, op := range e.ops {
		if op.Type == wire.OperationTypeCallback && op.CallbackDetails != nil {
			if ref := s.callbacks[op.CallbackDetails.CallbackId]; ref.arn == e.arn {
				delete(s.callbacks, op.CallbackDetails.CallbackId)
			}
		}
	}
	close(e.gone)
}

// current reports whether e is still the service's copy of its execution
// (a failed commit replaces it). Must hold the lock.
func (s *Service) current(e *execution) bool { return s.executions[e.arn] == e }

// lookup returns the execution with the ARN, InvalidParameterValueException
// when arn is not an execution ARN, or ResourceNotFoundException.
func (s *Service) lookup(arn string) (*execution, error) {
	e, ok := s.executions[arn]
	if !ok {
		if _, err := wire.ParseExecutionARN(arn); err != nil {
			return nil, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "Invalid durable execution ARN %q: %v", arn, err)
		}
		return nil, wire.NewAPIError(wire.ErrCodeResourceNotFound, "Durable execution not found: %s", arn)
	}
	return e, nil
}
