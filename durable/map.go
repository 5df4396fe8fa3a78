package durable

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/acme/durable-lambda-go/wire"
)

// Map runs fn for each item, each in its own child context (SubType
// MapIteration, named "map-item-<i>" or by [WithItemNamer]), concurrently
// up to [WithMaxConcurrency], and returns the [BatchResult]. The whole map
// is one CONTEXT operation (SubType Map) whose items are numbered below it
// in index order, whatever order they run in.
//
// Items start in index order. By default the map is fail-fast: the first
// failed item completes it; [WithCompletion] sets other thresholds. Items
// still running when the map completes are abandoned: they appear as
// STARTED and never checkpoint again. A failed item does not make Map
// fail: Map returns the result, with a *[BatchError] only when the failure
// tolerance was exceeded (or a custom completion failed it). The batch's
// context records the result (see BatchResult.MarshalJSON), so on replay a
// finished map returns it without running any item; a result over 256 KiB
// is recorded as a summary and rebuilt on replay from the items' records.
//
// A bad option (a max concurrency below 1, a custom completion combined
// with thresholds) is a plain argument error; nothing is recorded.
func Map[I, O any](ctx Context, name string, items []I, fn func(ctx Context, item I, index int) (O, error), opts ...BatchOption) (BatchResult[O], error) {
	spec, err := newBatchSpec("Map", name, len(items), opts)
	if err != nil {
		return BatchResult[O]{}, err
	}
	defaultNames(spec.names, "map-item-")
	return runBatch(ctx, spec, func(k Context, i int) (O, error) { return fn(k, items[i], i) })
}

// defaultNames gives each item of names without one (empty) the name
// prefix followed by its index. The names share one string: a map may
// have thousands of items.
func defaultNames(names []string, prefix string) {
	var b strings.Builder
	b.Grow(len(names) * (len(prefix) + 4))
	ends := make([]int, len(names))
	var num [20]byte
	for i := range names {
		if names[i] == "" {
			b.WriteString(prefix)
			b.Write(strconv.AppendInt(num[:0], int64(i), 10))
		}
		ends[i] = b.Len()
	}
	all, start := b.String(), 0
	for i := range names {
		if names[i] == "" {
			names[i] = all[start:ends[i]]
		}
		start = ends[i]
	}
}

// batchSpec describes one Map or Parallel call.
type batchSpec struct {
	op          string
	name        string
	kind        string // "Map" or "Parallel": the subtype and summary type
	itemSubType string
	names       []string
	cfg         *batchConfig
}

// newBatchSpec validates the options of a batch of n items; names are
// those of WithItemNamer ("" where it gives none).
func newBatchSpec(op, name string, n int, opts []BatchOption) (*batchSpec, error) {
	cfg := &batchConfig{}
	for _, o := range opts {
		o.applyBatch(cfg)
	}
	cc := cfg.completion
	switch {
	case cfg.maxConcurrency != nil && *cfg.maxConcurrency < 1:
		return nil, argumentError(op, name, "max concurrency %d must be at least 1", *cfg.maxConcurrency)
	case cc.ShouldComplete != nil && (cc.MinSuccessful != 0 || cc.ToleratedFailureCount != nil || cc.ToleratedFailurePercentage != nil):
		return nil, argumentError(op, name, "CompletionConfig.ShouldComplete cannot be combined with thresholds")
	case cc.MinSuccessful < 0 || cc.ToleratedFailureCount != nil && *cc.ToleratedFailureCount < 0 ||
		cc.ToleratedFailurePercentage != nil && (*cc.ToleratedFailurePercentage < 0 || *cc.ToleratedFailurePercentage > 100):
		return nil, argumentError(op, name, "completion thresholds must not be negative (and a percentage at most 100)")
	case cfg.nesting != NestingNormal && cfg.nesting != NestingFlat:
		return nil, argumentError(op, name, "unknown nesting mode %d", cfg.nesting)
	}
	spec := &batchSpec{op: op, name: name, kind: "Map", itemSubType: wire.SubTypeMapIteration, names: make([]string, n), cfg: cfg}
	if op != "Map" {
		spec.kind, spec.itemSubType = "Parallel", wire.SubTypeParallelBranch
	}
	if cfg.namer != nil {
		for i := range spec.names {
			spec.names[i] = cfg.namer(i)
		}
	}
	return spec, nil
}

// runBatch runs a batch as a child context of ctx on the calling
// goroutine; run runs item i in its context.
func runBatch[O any](ctx Context, spec *batchSpec, run func(k Context, i int) (O, error)) (BatchResult[O], error) {
	var zero BatchResult[O]
	c := ctx.impl()
	if err := c.checkUse(); err != nil {
		return zero, useError(spec.op, spec.name, err)
	}
	cfg := &childConfig{serdes: spec.cfg.resultSerdes, subType: spec.kind, summary: func(v any) string {
		r, _ := v.(BatchResult[O])
		return summarize(spec.kind, r, spec.cfg.summary)
	}}
	cfg.serdes = c.inv.opts.serdesOr(cfg.serdes)
	d := &batchDriver[O]{spec: spec, run: run}
	cfg.encode = d.encode
	r, err := startChild(c, spec.name, cfg)
	if err != nil {
		return zero, err
	}
	d.batch = r
	res, err := runChildInline(c, r, func(k Context) (BatchResult[O], error) {
		d.k = k.impl()
		if r.replayOnly {
			return d.replay()
		}
		return d.drive()
	})
	if err != nil {
		return zero, err
	}
	var ce *ChildContextError
	for i := range res.Items {
		it := &res.Items[i]
		if it.Index >= 0 && it.Index < len(spec.names) {
			it.Name = spec.names[it.Index]
		}
		if it.Err != nil && errors.As(it.Err, &ce) {
			ce.Name = it.Name
		}
	}
	return res, batchError(spec.name, res)
}

// batchDriver starts a batch's items, collects their outcomes and decides
// when the batch completes. It runs on the goroutine that owns k, the
// batch's context, so items take their ids in index order.
type batchDriver[O any] struct {
	k     *execContext
	batch *childRun
	spec  *batchSpec
	run   func(k Context, i int) (O, error)

	futs   []*Future[O]
	cores  []*futureCore // the futures' cores, by index
	status []BatchItemStatus
	// texts are the items' results as json.Marshal writes them, by index,
	// where runChildText gave them ("" elsewhere).
	texts []string
	// queue receives the indexes of the items as they finish.
	queue             *completionQueue
	running           int
	succeeded, failed int
}

// itemConfig is the child configuration of the items.
func (d *batchDriver[O]) itemConfig() *childConfig {
	return &childConfig{serdes: d.k.inv.opts.serdesOr(d.spec.cfg.itemSerdes), subType: d.spec.itemSubType, virtual: d.spec.cfg.nesting == NestingFlat}
}

// start starts item i on its own goroutine.
func (d *batchDriver[O]) start(i int, cfg *childConfig) {
	d.status[i] = BatchItemStarted
	d.running++
	t := &childTask[O]{item: d.run, index: i, text: &d.texts[i]}
	if err := t.r.start(d.k, d.spec.names[i], cfg); err != nil {
		d.futs[i] = failedFuture[O](d.k.inv, err)
		d.queue.watch(i, d.futs[i].c)
	} else {
		d.futs[i] = spawnChild(t, d.queue, i)
	}
	d.cores[i] = d.futs[i].c
}

// drive runs the batch.
func (d *batchDriver[O]) drive() (BatchResult[O], error) {
	n := len(d.spec.names)
	d.futs, d.cores, d.status, d.texts = make([]*Future[O], n), make([]*futureCore, n), make([]BatchItemStatus, n), make([]string, n)
	d.queue = newCompletionQueue(d.k.inv, n)
	limit := n
	if m := d.spec.cfg.maxConcurrency; m != nil {
		limit = *m
	}
	cfg := d.itemConfig()
	started := 0
	done, reason := d.custom()
	for !done {
		for started < n && d.running < limit {
			d.start(started, cfg)
			started++
		}
		if err := d.collect(); err != nil {
			return BatchResult[O]{}, err
		}
		done, reason = d.evaluate(started)
	}
	res := BatchResult[O]{Items: make([]BatchItem[O], started), Reason: reason}
	for i := range res.Items {
		it := BatchItem[O]{Index: i, Status: d.status[i]}
		switch it.Status {
		case BatchItemSucceeded:
			it.Result = d.futs[i].value
		case BatchItemFailed:
			it.Err = d.futs[i].c.err
		}
		res.Items[i] = it
	}
	return res, nil
}

// encode is the batch context's childConfig.encode. With JSONSerdes it
// writes the result's MarshalJSON text, which is what JSONSerdes gives for
// it (compact, and JSONSerdes would undo only the HTML escapes its
// compaction adds), reusing the items' texts instead of encoding their
// results again. It leaves any other Serdes, and any failure to encode,
// to the Serdes.
func (d *batchDriver[O]) encode(v any) ([]byte, bool) {
	if _, ok := d.batch.cfg.serdes.(JSONSerdes); !ok {
		return nil, false
	}
	r, ok := v.(BatchResult[O])
	if !ok {
		return nil, false
	}
	// Only a succeeded item's text is read: an abandoned item may still
	// be writing its own.
	size := 0
	for i := range r.Items {
		if t := d.text(&r.Items[i]); t != "" {
			size += len(t)
		}
	}
	b, err := r.marshalJSON(size, func(it *BatchItem[O]) ([]byte, error) {
		if t := d.text(it); t != "" {
			return unsafe.Slice(unsafe.StringData(t), len(t)), nil
		}
		return json.Marshal(it.Result)
	})
	return b, err == nil
}

// text returns the JSON text of a succeeded item's result, if known.
func (d *batchDriver[O]) text(it *BatchItem[O]) string {
	if it.Status != BatchItemSucceeded || it.Index < 0 || it.Index >= len(d.texts) {
		return ""
	}
	return d.texts[it.Index]
}

// collect waits until at least one running item has finished and records
// the outcomes of the finished ones.
func (d *batchDriver[O]) collect() error {
	if d.running == 0 {
		return nil
	}
	resolved, err := d.k.takeResolved(d.queue)
	if err != nil {
		return err
	}
	for _, i := range resolved {
		switch err := d.cores[i].err; {
		case errors.Is(err, errSuspended):
			return err
		case err != nil:
			d.status[i] = BatchItemFailed
			d.failed++
		default:
			d.status[i] = BatchItemSucceeded
			d.succeeded++
		}
	}
	d.running -= len(resolved)
	return nil
}

// custom consults CompletionConfig.ShouldComplete, if any.
func (d *batchDriver[O]) custom() (bool, CompletionReason) {
	should := d.spec.cfg.completion.ShouldComplete
	if should == nil {
		return false, 0
	}
	p := BatchProgress{Total: len(d.status), Succeeded: d.succeeded, Failed: d.failed, Items: append([]BatchItemStatus(nil), d.status...)}
	for _, s := range d.status {
		if s != BatchItemNotStarted {
			p.Started++
		}
	}
	dec := should(p)
	switch {
	case !dec.complete:
		return false, 0
	case dec.outcome == CompletionOutcomeFailed:
		return true, CompletionCustomFailed
	}
	return true, CompletionCustomSucceeded
}

// evaluate decides whether the batch has completed once started items
// have been started: tolerance first, then every item finished, then the
// minimum of successes. With no completion config the batch is fail-fast.
func (d *batchDriver[O]) evaluate(started int) (bool, CompletionReason) {
	cc := d.spec.cfg.completion
	if cc.ShouldComplete != nil {
		if done, reason := d.custom(); done {
			return true, reason
		}
	} else if d.toleranceExceeded(cc) {
		return true, CompletionFailureToleranceExceeded
	}
	if started == len(d.status) && d.running == 0 {
		return true, CompletionAllCompleted
	}
	if cc.ShouldComplete == nil && cc.MinSuccessful > 0 && d.succeeded >= cc.MinSuccessful {
		return true, CompletionMinSuccessfulReached
	}
	return false, 0
}

// toleranceExceeded applies the failure thresholds (strictly greater; the
// percentage is of all items).
func (d *batchDriver[O]) toleranceExceeded(cc CompletionConfig) bool {
	if cc.isZero() {
		return d.failed > 0
	}
	if cc.ToleratedFailureCount != nil && d.failed > *cc.ToleratedFailureCount {
		return true
	}
	return cc.ToleratedFailurePercentage != nil && d.failed*100 > *cc.ToleratedFailurePercentage*len(d.status)
}

// replay rebuilds the result of a batch recorded as a summary (its result
// was over the payload limit): the items the summary lists as finished are
// driven again, one by one, against their records; abandoned ones are
// reported as started. Nothing is checkpointed.
func (d *batchDriver[O]) replay() (BatchResult[O], error) {
	var sum batchSummaryJSON
	var raw string
	if det := d.batch.rec.ContextDetails; det != nil && det.Result != nil {
		raw = *det.Result
	}
	if err := json.Unmarshal([]byte(raw), &sum); err != nil || len(sum.ItemStatuses) > len(d.spec.names) {
		return BatchResult[O]{}, newSerdesError(d.batch.what(), "deserialize", errors.New("the recorded batch summary is unreadable: "+strconv.Quote(raw)))
	}
	cfg := d.itemConfig()
	res := BatchResult[O]{Items: make([]BatchItem[O], len(sum.ItemStatuses)), Reason: sum.CompletionReason}
	for i := range res.Items {
		it := BatchItem[O]{Index: i, Status: BatchItemStarted}
		r, err := startChild(d.k, d.spec.names[i], cfg)
		if err != nil {
			return BatchResult[O]{}, err
		}
		if sum.ItemStatuses[i] != '-' {
			v, err := runChild(r, func(cc Context) (O, error) { return d.run(cc, i) })
			switch {
			case errors.Is(err, errSuspended):
				return BatchResult[O]{}, err
			case err != nil:
				it.Status, it.Err = BatchItemFailed, err
			default:
				it.Status, it.Result = BatchItemSucceeded, v
			}
		}
		res.Items[i] = it
	}
	return res, nil
}
