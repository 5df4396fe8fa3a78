package durable

import (
	"errors"
	"strconv"

	"github.com/acme/durable-lambda-go/wire"
)

// ChildOption configures [RunInChildContext], [RunInChildContextAsync],
// [Go] and the combinators ([All], [AllSettled], [Any], [Race]).
type ChildOption interface {
	applyChild(*childConfig)
}

type childOptionFunc func(*childConfig)

func (f childOptionFunc) applyChild(c *childConfig) { f(c) }

type childConfig struct {
	serdes    Serdes
	errMapper func(*ChildContextError) error
	summary   func(any) string
	// encode, when set, serializes the child's result in place of serdes,
	// giving exactly serdes's bytes, or reports false to leave it to serdes.
	encode  func(v any) ([]byte, bool)
	subType string
	virtual bool
}

// WithChildSerdes sets the Serdes of the child's result (default: the
// handler's).
func WithChildSerdes(s Serdes) ChildOption {
	return childOptionFunc(func(c *childConfig) { c.serdes = s })
}

// WithChildErrorMapper maps the *ChildContextError a failed child returns
// (on the first run and on replay alike) to the error the caller sees. The
// recorded failure is unchanged.
func WithChildErrorMapper(m func(*ChildContextError) error) ChildOption {
	return childOptionFunc(func(c *childConfig) { c.errMapper = m })
}

// WithChildSummary sets the payload recorded instead of a result larger
// than 256 KiB (default: empty). Such a result is not stored: on replay the
// child function runs again against its children's records to rebuild it.
// O must be the child's result type; for another type f receives O's zero
// value.
func WithChildSummary[O any](f func(O) string) ChildOption {
	return childOptionFunc(func(c *childConfig) {
		c.summary = func(v any) string {
			o, _ := v.(O)
			return f(o)
		}
	})
}

// WithChildSubType sets the SubType recorded for the child context
// (default "RunInChildContext"): 1 to 32 characters of [A-Za-z0-9_-], not
// one of the SDK's own subtypes. It is part of the child's replay identity.
func WithChildSubType(subType string) ChildOption {
	return childOptionFunc(func(c *childConfig) { c.subType = subType })
}

// WithChildVirtual makes the child virtual: it takes an id like any child
// but records no CONTEXT operation of its own; its operations hang under
// the nearest recorded ancestor (their ids still extend the child's).
// A virtual child's result is never stored, so on replay its function
// runs again against its children's records.
func WithChildVirtual() ChildOption {
	return childOptionFunc(func(c *childConfig) { c.virtual = true })
}

// newChildConfig applies and validates child options; op names the calling
// function in errors.
func newChildConfig(c *execContext, op, name, defaultSubType string, opts []ChildOption) (*childConfig, error) {
	cfg := &childConfig{}
	for _, o := range opts {
		o.applyChild(cfg)
	}
	var err error
	if cfg.subType, err = resolveSubType(op, name, cfg.subType, defaultSubType); err != nil {
		return nil, err
	}
	cfg.serdes = c.inv.opts.serdesOr(cfg.serdes)
	return cfg, nil
}

// errTypeChildContext is the ErrorType of a *ChildContextError returned
// to, and failing, the handler.
const errTypeChildContext = "ChildContextError"

// ChildContextError is the failure of a child context: its function
// returned an error, or the record says so on replay. ErrorType and Message
// are those of the recorded error (e.g. "StepError" for a failed step the
// child returned); Err is the stand-in rebuilt from that record.
type ChildContextError struct {
	OperationError
	// Name is the child context's name.
	Name string
}

// As matches *OperationError.
func (e *ChildContextError) As(target any) bool { return asOperationError(&e.OperationError, target) }

// newChildContextError is the error of a child (or batch item) named name
// whose function's error was recorded as obj.
func newChildContextError(obj ErrorObject, name string) *ChildContextError {
	return &ChildContextError{OperationError: recordedOperationError(obj), Name: name}
}

func (e *ChildContextError) errorObject() ErrorObject { return e.errorObjectAs(errTypeChildContext) }

// RunInChildContext runs fn in a child context named name and returns its
// result. The child is one operation of ctx (a CONTEXT record) whose own
// operations are numbered below it; its result is checkpointed, so on
// replay a finished child returns its recorded result (or error) without
// running fn again.
//
// A result whose serialized form is larger than 256 KiB is not stored:
// the child is recorded with an empty payload (or [WithChildSummary]'s)
// and, on replay, fn runs again against its children's records to rebuild
// it. Either way RunInChildContext returns the deserialized serialized
// result, so the first run and replays see the same value.
//
// fn must use only the Context it receives: using ctx inside it returns
// [ErrWrongContext]. A failed child returns a *[ChildContextError]. Once
// fn has returned, nothing fn started (a [Go] it did not await, say) can
// checkpoint any more.
func RunInChildContext[O any](ctx Context, name string, fn func(Context) (O, error), opts ...ChildOption) (O, error) {
	return inChild(ctx, "RunInChildContext", name, opts, fn)
}

// inChild runs fn in a child context of ctx (SubType RunInChildContext) on
// the calling goroutine; op names the calling function in errors.
func inChild[O any](ctx Context, op, name string, opts []ChildOption, fn func(Context) (O, error)) (O, error) {
	var zero O
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError(op, name, err)
	}
	cfg, err := newChildConfig(c, op, name, wire.SubTypeRunInChildContext, opts)
	if err != nil {
		return zero, err
	}
	r, err := startChild(c, name, cfg)
	if err != nil {
		return zero, err
	}
	return runChildInline(c, r, fn)
}

// runChildInline runs a started child of c on the calling goroutine, with
// c marked busy so that using c inside fn is detected.
func runChildInline[O any](c *execContext, r *childRun, fn func(Context) (O, error)) (O, error) {
	c.busy++
	defer func() { c.busy-- }()
	return runChild(r, fn)
}

// RunInChildContextAsync starts fn in a child context on its own goroutine
// and returns a [Future] of its result. Unlike [StepAsync], it is eager: the
// child's id is taken and its start recorded before it returns, whether or
// not the future is awaited. See [RunInChildContext] for the semantics and
// [Go] for the shorter name.
func RunInChildContextAsync[O any](ctx Context, name string, fn func(Context) (O, error), opts ...ChildOption) *Future[O] {
	return goChild(ctx, "RunInChildContextAsync", name, fn, opts)
}

// Go starts fn in a child context on its own goroutine, the durable way to
// fan out: each Go takes its id at the call, in program order, so the ids
// are deterministic however the goroutines interleave. fn receives the
// child's Context, owned by the new goroutine. The returned [Future]
// yields fn's result; Go is [RunInChildContextAsync].
func Go[O any](ctx Context, name string, fn func(Context) (O, error), opts ...ChildOption) *Future[O] {
	return goChild(ctx, "Go", name, fn, opts)
}

func goChild[O any](ctx Context, op, name string, fn func(Context) (O, error), opts []ChildOption) *Future[O] {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return failedFuture[O](c.inv, useError(op, name, err))
	}
	cfg, err := newChildConfig(c, op, name, wire.SubTypeRunInChildContext, opts)
	if err != nil {
		return failedFuture[O](c.inv, err)
	}
	t := &childTask[O]{fn: fn}
	if err := t.r.start(c, name, cfg); err != nil {
		return failedFuture[O](c.inv, err)
	}
	return spawnChild(t, nil, 0)
}

// childTask is a started child context to run on its own goroutine: its
// run, its future and its function, allocated together (a map starts
// thousands). The function is fn or, when fn is nil, item with index.
type childTask[O any] struct {
	f     Future[O]
	r     childRun
	fn    func(Context) (O, error)
	item  func(Context, int) (O, error)
	index int
	// text, when set, receives the result's JSON text when runChildText
	// gives one, before the future resolves.
	text *string
}

// spawnChild runs a started child on its own goroutine and returns the
// future of its outcome; a child whose record decides resolves at once.
// A non-nil q watches the future at position pos.
func spawnChild[O any](t *childTask[O], q *completionQueue, pos int) *Future[O] {
	inv := t.r.parent.inv
	f := &t.f
	f.own.inv = inv
	f.c = &f.own
	if t.r.recorded() {
		v, err := recordedChild[O](&t.r)
		f.value, f.own.resolved, f.own.err = v, true, err
		if q != nil {
			q.watch(pos, f.c)
		}
		return f
	}
	if q != nil {
		q.watchNew(pos, f.c)
	}
	inv.spawn(f.c, t)
	return f
}

// run runs the child's function (see spawn).
func (t *childTask[O]) run() (err error, live bool) {
	fn := t.fn
	if fn == nil {
		fn = func(k Context) (O, error) { return t.item(k, t.index) }
	}
	v, text, err := runChildText(&t.r, fn)
	t.f.value = v
	if t.text != nil {
		*t.text = text
	}
	return err, true
}

// childRun is the non-generic part of one child context.
type childRun struct {
	parent     *execContext
	positional string
	id         string
	name       string
	cfg        *childConfig
	// takenAt is the parent's takenAt once the child's id was taken: the
	// index of the child's record in the initial log (see
	// execContext.takenAt), read on the parent's goroutine, since the
	// child's context may be set up on another one.
	takenAt int
	// k is the child's context (see context).
	k execContext
	// rec is the child's record (nil when new or virtual).
	rec *Operation
	// replayOnly: the record succeeded with ReplayChildren; fn runs again
	// to rebuild the result and nothing is checkpointed.
	replayOnly bool
}

// startChild takes the child's id at the call site, checks its record and
// queues its START (fire-and-forget) when it is new.
func startChild(c *execContext, name string, cfg *childConfig) (*childRun, error) {
	r := &childRun{}
	if err := r.start(c, name, cfg); err != nil {
		return nil, err
	}
	return r, nil
}

// start is startChild for a zero childRun r.
func (r *childRun) start(c *execContext, name string, cfg *childConfig) error {
	positional, id := c.nextPositional()
	*r = childRun{parent: c, positional: positional, id: id, name: name, cfg: cfg, takenAt: c.takenAt}
	if cfg.virtual {
		return nil
	}
	rec, err := c.replayRecord(id, wire.OperationTypeContext, cfg.subType, name)
	if err != nil {
		return err
	}
	r.rec = rec
	if rec == nil {
		return c.enqueueAsync(r.update(wire.OperationActionStart))
	}
	r.replayOnly = rec.Status == wire.OperationStatusSucceeded && rec.ContextDetails != nil && rec.ContextDetails.ReplayChildren
	return nil
}

func (r *childRun) update(action OperationAction) OperationUpdate {
	return r.parent.update(r.id, wire.OperationTypeContext, r.cfg.subType, r.name, action)
}

func (r *childRun) what() string { return "child context " + strconv.Quote(r.name) }

func (r *childRun) meta() SerdesContext {
	return SerdesContext{OperationID: r.id, DurableExecutionArn: r.parent.inv.arn}
}

// recorded reports whether the record's outcome stands without running
// the child's function.
func (r *childRun) recorded() bool {
	return r.rec != nil && r.rec.Status.Terminal() && !r.replayOnly
}

// context returns the child's Context, owned by the calling goroutine.
func (r *childRun) context() *execContext {
	parentID := r.id
	if r.cfg.virtual {
		parentID = r.parent.parentID
	}
	r.parent.initChild(&r.k, r.positional, parentID, r.takenAt, r.replayOnly)
	return &r.k
}

// runChild runs the child's function (unless its record decides) and
// checkpoints its outcome.
func runChild[O any](r *childRun, fn func(Context) (O, error)) (O, error) {
	v, _, err := runChildText(r, fn)
	return v, err
}

// runChildText is runChild that also returns, when the child's value is
// fn's own and its recorded text is exactly what json.Marshal gives for it
// (see jsonMarshalText), that text; else "".
func runChildText[O any](r *childRun, fn func(Context) (O, error)) (O, string, error) {
	var zero O
	if r.recorded() {
		v, err := recordedChild[O](r)
		return v, "", err
	}
	k := r.context()
	var out O
	var err error
	if h := r.parent.hooksAt(); h != nil && h.set.wrapChild && !r.cfg.virtual {
		out, err = runHookedChild(h, r, k, fn)
	} else {
		out, err = fn(k)
	}
	k.closed.Store(true)
	if err != nil {
		return zero, "", r.fail(err)
	}
	payload, err := encodeChild(r, k, &out)
	if err != nil {
		return zero, "", r.fail(newSerdesError(r.what(), "serialize", err))
	}
	var big any // the result, for the summary of one over the payload limit
	if len(payload) > wire.MaxOperationPayloadBytes {
		big = out
	}
	if err := r.succeed(payload, big); err != nil {
		return zero, "", err
	}
	if keepsValue(r.parent.inv.opts.plain, r.cfg.serdes, out, payload) {
		return out, jsonMarshalText(payload), nil // what decoding payload would give
	}
	var v O
	if err := r.cfg.serdes.Unmarshal(k, r.meta(), payload, &v); err != nil {
		return zero, "", newSerdesError(r.what(), "deserialize", err)
	}
	return v, "", nil
}

// encodeChild serializes the child's result: with cfg.encode when it
// does, else with the Serdes (see encodeResult).
func encodeChild[O any](r *childRun, k *execContext, out *O) ([]byte, error) {
	if r.cfg.encode != nil {
		if b, ok := r.cfg.encode(*out); ok {
			return b, nil
		}
	}
	return encodeResult(k, r.parent.inv.opts.plain, r.cfg.serdes, r.meta(), out, nil)
}

// recordedChild returns the outcome of a finished child from its record.
func recordedChild[O any](r *childRun) (O, error) {
	var v O
	d := r.rec.ContextDetails
	if r.rec.Status == wire.OperationStatusSucceeded {
		if d == nil || d.Result == nil {
			return v, nil
		}
		if err := unmarshalString(r.parent, r.cfg.serdes, r.meta(), *d.Result, &v); err != nil {
			return v, newSerdesError(r.what(), "deserialize", err)
		}
		return v, nil
	}
	var recorded *ErrorObject
	if d != nil {
		recorded = d.Error
	}
	return v, r.errorFromObject(recordedFailure(recorded, errTypePlain, r.what(), r.rec.Status))
}

// succeed checkpoints the child's result (fire-and-forget); a result over
// the payload limit is replaced by its summary of out with ReplayChildren.
func (r *childRun) succeed(payload []byte, out any) error {
	if r.replayOnly || r.cfg.virtual {
		return nil
	}
	u := r.update(wire.OperationActionSucceed)
	if len(payload) > wire.MaxOperationPayloadBytes {
		summary := ""
		if r.cfg.summary != nil {
			summary = r.cfg.summary(out)
		}
		u.Payload = &summary
		u.ContextOptions = &wire.ContextOptions{ReplayChildren: true}
	} else {
		u.Payload = recordedPayload(r.cfg.serdes, payload, nil)
	}
	return r.parent.enqueueAsync(u)
}

// fail checkpoints the child's failure (fire-and-forget) and returns the
// error for the caller. The suspension signal passes through unrecorded; a
// retryable serialization failure ends the invocation instead.
func (r *childRun) fail(err error) error {
	if errors.Is(err, errSuspended) {
		return err
	}
	if r.parent.inv.endIfTransient(err) {
		return err
	}
	obj := errorObjectOf(err, r.parent.inv.opts.stackTraces)
	if !r.replayOnly && !r.cfg.virtual {
		u := r.update(wire.OperationActionFail)
		u.Error = &obj
		if err := r.parent.enqueueAsync(u); err != nil {
			return err
		}
	}
	return r.errorFromObject(obj)
}

// errorFromObject builds the error returned for a failed child from its
// ErrorObject, mapped by WithChildErrorMapper.
func (r *childRun) errorFromObject(obj ErrorObject) error {
	e := newChildContextError(obj, r.name)
	if r.cfg.errMapper != nil {
		return r.cfg.errMapper(e)
	}
	return e
}
