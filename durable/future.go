package durable

import (
	"slices"
	"sync"
	"time"
)

// Void is the result type of operations that produce no value, such as
// [WaitAsync].
type Void struct{}

// Awaitable is implemented by every *[Future], whatever its result type,
// so that futures of different types can be awaited together.
type Awaitable interface {
	// Await blocks until the future's operation has finished and returns
	// its error (nil on success). ctx is the reading code's own Context.
	Await(ctx Context) error

	core() *futureCore
}

// Settled is the outcome of one future in [AllSettled]: its value, or its
// error.
type Settled[O any] struct {
	Value O
	Err   error
}

// Future is the pending result of an operation started with an Async
// function ([StepAsync], [WaitAsync], [RunInChildContextAsync], [Go], ...).
// Read it with Result, or combine several with [All], [AllSettled], [Any]
// or [Race].
//
// The futures of StepAsync and WaitAsync are lazy: the operation takes its
// id when the future is created but runs (and records anything) only once
// the future is awaited; a future nobody awaits records nothing. The
// futures of Go and RunInChildContextAsync are eager: the child starts at
// once on its own goroutine.
//
// A goroutine blocked on a future does not count as running user code: the
// invocation suspends when every goroutine is blocked on the service or on
// futures that wait for it.
type Future[O any] struct {
	c     *futureCore
	value O // set before the core resolves; read after
	own   futureCore
}

// newFuture returns a pending future whose core is its own.
func newFuture[O any](inv *invocation) *Future[O] {
	f := &Future[O]{}
	f.own.inv = inv
	f.c = &f.own
	return f
}

// futureCore is the non-generic state of a Future. Fields after once are
// guarded by inv.mu.
type futureCore struct {
	inv *invocation
	// start runs the operation of a lazy future on its first await.
	start func()
	once  sync.Once

	resolved bool
	err      error
	// live: the outcome was produced by this invocation (not replayed),
	// so code that reads it is no longer replaying.
	live bool
	// watchers are the completion queues told when the future resolves;
	// one holds the first, as most futures have one watcher at most.
	watchers []watcher
	one      [1]watcher
}

// watcher is a completion queue watching a future at position pos.
type watcher struct {
	q   *completionQueue
	pos int
}

// completionQueue collects the positions of watched futures as they
// resolve, for one goroutine that waits for any of them (a batch driver, a
// combinator, Await). Each future is registered once, and resolving it is
// O(1) for the queue, however many futures are watched. Fields are guarded
// by inv.mu.
type completionQueue struct {
	inv   *invocation
	cores []*futureCore // by position
	ready []int         // resolved positions not taken yet
	// wake is closed to wake the taker; nil unless it is blocked.
	wake chan struct{}
}

func newCompletionQueue(inv *invocation, n int) *completionQueue {
	return &completionQueue{inv: inv, cores: make([]*futureCore, n)}
}

// watch starts fc if it is lazy and watches it at position pos.
func (q *completionQueue) watch(pos int, fc *futureCore) {
	fc.begin()
	q.inv.mu.Lock()
	defer q.inv.mu.Unlock()
	q.cores[pos] = fc
	if fc.resolved {
		q.ready = append(q.ready, pos)
		return
	}
	fc.addWatcher(q, pos)
}

// watchNew watches fc, a pending future no other goroutine sees yet, at
// position pos: unlike watch, it takes no lock.
func (q *completionQueue) watchNew(pos int, fc *futureCore) {
	q.cores[pos] = fc
	fc.addWatcher(q, pos)
}

// addWatcher adds q at pos to the watchers of a pending future.
func (fc *futureCore) addWatcher(q *completionQueue, pos int) {
	if fc.watchers == nil {
		fc.watchers = fc.one[:0]
	}
	fc.watchers = append(fc.watchers, watcher{q: q, pos: pos})
}

// pushLocked records that the future at pos resolved and wakes the taker,
// counting it as running again.
func (q *completionQueue) pushLocked(pos int) {
	q.ready = append(q.ready, pos)
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
		q.inv.running++
	}
}

func (f *Future[O]) core() *futureCore { return f.c }

// Result blocks until the operation has finished and returns its value or
// error. ctx is the Context of the calling code (the handler's, or a child
// body's inside [Go]); it may differ from the one that created the future.
// Result may be called any number of times, from any goroutine that owns
// its ctx.
func (f *Future[O]) Result(ctx Context) (O, error) {
	var zero O
	if err := f.Await(ctx); err != nil {
		return zero, err
	}
	return f.value, nil
}

// Await blocks until the operation has finished and returns its error.
func (f *Future[O]) Await(ctx Context) error {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return useError("Future.Result", "", err)
	}
	q := newCompletionQueue(c.inv, 1)
	q.watch(0, f.c)
	if _, err := c.takeResolved(q); err != nil {
		return err
	}
	return f.c.outcome()
}

// outcome returns the error of a resolved future.
func (fc *futureCore) outcome() error {
	fc.inv.mu.Lock()
	defer fc.inv.mu.Unlock()
	return fc.err
}

// begin starts a lazy future's operation (once).
func (fc *futureCore) begin() {
	if fc.start != nil {
		fc.once.Do(fc.start)
	}
}

// resolveLocked records the outcome and wakes the goroutines waiting for
// it, counting them as running again; inv.mu is held.
func (fc *futureCore) resolveLocked(err error, live bool) {
	fc.resolved, fc.err, fc.live = true, err, live
	for _, w := range fc.watchers {
		w.q.pushLocked(w.pos)
	}
	fc.watchers = nil
}

// takeResolved blocks until at least one future watched by q has resolved
// and returns the positions resolved since the last call, in increasing
// order. While blocked, the goroutine does not count as running user
// code. It returns the suspension signal when the invocation ends first.
func (c *execContext) takeResolved(q *completionQueue) ([]int, error) {
	inv := c.inv
	inv.mu.Lock()
	if len(q.ready) == 0 {
		if inv.out.kind != outcomeNone {
			inv.mu.Unlock()
			return nil, errSuspended
		}
		wake := make(chan struct{})
		q.wake = wake
		inv.blockLocked()
		inv.mu.Unlock()
		select {
		case <-wake:
		case <-inv.done:
			return nil, errSuspended
		}
		inv.mu.Lock()
	}
	defer inv.mu.Unlock()
	done := q.ready
	q.ready = nil
	slices.Sort(done)
	for _, pos := range done {
		if q.cores[pos].live {
			c.markLive()
		}
	}
	return done, nil
}

// spawn runs body on a new goroutine that counts as running user code
// until body returns, and then resolves fc with body's outcome (the
// future's value is set by body). A panic in body is an invocation
// failure, and fc stays pending.
func (inv *invocation) spawn(fc *futureCore, body spawnBody) {
	inv.mu.Lock()
	inv.running++
	inv.progress.Add(1)
	inv.mu.Unlock()
	go func() {
		growStack()
		returned := false
		var err error
		var live bool
		defer func() {
			inv.mu.Lock()
			if returned {
				fc.resolveLocked(err, live)
			}
			inv.blockLocked()
			inv.mu.Unlock()
		}()
		defer inv.recoverPanic(&returned)
		err, live = body.run()
		returned = true
	}()
}

// spawnBody is what spawn runs: a function (spawnFunc) or a child
// context's task, which needs no closure of its own.
type spawnBody interface {
	run() (err error, live bool)
}

// spawnFunc is a function spawn runs.
type spawnFunc func() (err error, live bool)

func (f spawnFunc) run() (error, bool) { return f() }

// failedFuture returns a future that is already resolved with err.
func failedFuture[O any](inv *invocation, err error) *Future[O] {
	f := newFuture[O](inv)
	f.own.resolved, f.own.err = true, err
	return f
}

// lazyFuture returns a future whose operation, run by op on a stand-in of c
// (see execContext.shadow), starts on a new goroutine when the future is
// first awaited.
func lazyFuture[O any](c *execContext, op func(*execContext) (O, error)) *Future[O] {
	f := newFuture[O](c.inv)
	takenAt := c.takenAt // on c's goroutine: the stand-in's starts later on its own
	f.c.start = func() {
		c.inv.spawn(f.c, spawnFunc(func() (error, bool) {
			sc := c.shadow(takenAt)
			v, err := op(sc)
			f.value = v
			return err, !sc.IsReplaying()
		}))
	}
	return f
}

// StepAsync is the asynchronous form of [Step]: it takes the step's id now
// and returns a lazy [Future] whose step runs on its own goroutine once the
// future is awaited. A future nobody awaits records nothing.
func StepAsync[O any](ctx Context, name string, fn func(StepContext) (O, error), opts ...StepOption) *Future[O] {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return failedFuture[O](c.inv, useError("StepAsync", name, err))
	}
	cfg, err := newStepConfig(c, "StepAsync", name, opts)
	if err != nil {
		return failedFuture[O](c.inv, err)
	}
	id := c.nextID()
	return lazyFuture(c, func(sc *execContext) (O, error) {
		return runStep(sc, id, name, fn, cfg)
	})
}

// WaitAsync is the asynchronous form of [Wait]: it takes the wait's id now
// and returns a lazy [Future] whose wait starts once the future is
// awaited. A bad duration resolves the future with a plain argument error
// and takes no id.
func WaitAsync(ctx Context, name string, d time.Duration, opts ...WaitOption) *Future[Void] {
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return failedFuture[Void](c.inv, useError("WaitAsync", name, err))
	}
	if err := checkWaitDuration("WaitAsync", name, d); err != nil {
		return failedFuture[Void](c.inv, err)
	}
	id, secs := c.nextID(), delaySeconds(d)
	return lazyFuture(c, func(sc *execContext) (Void, error) {
		return Void{}, runWait(sc, id, name, secs)
	})
}

// growStackFrame is the frame of growStack: enough that a goroutine's
// starting stack (2 KiB) grows at once to one that fits the SDK's calls
// of a typical step or child (a step's id, its JSON encoding, the
// checkpoint).
const growStackFrame = 2500

// growStack, called first by a spawned goroutine, grows its stack while
// it holds a single frame: the runtime copies a stack frame by frame when
// it grows, and growing it deep inside the SDK, as every map item or
// parallel branch would, costs more than the item's own work.
//
//go:noinline
func growStack() {
	var frame [growStackFrame]byte
	keepFrame(frame[:])
}

// keepFrame keeps growStack's frame from being optimized away.
//
//go:noinline
func keepFrame([]byte) {}
