package durable

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/acme/durable-lambda-go/wire"
)

// BatchOption configures [Map], [Parallel] and [ParallelMixed].
type BatchOption interface {
	applyBatch(*batchConfig)
}

type batchOptionFunc func(*batchConfig)

func (f batchOptionFunc) applyBatch(c *batchConfig) { f(c) }

type batchConfig struct {
	maxConcurrency *int
	completion     CompletionConfig
	namer          func(int) string
	nesting        NestingMode
	summary        func(any) string
	itemSerdes     Serdes
	resultSerdes   Serdes
}

// NestingMode says how batch items are recorded.
type NestingMode int

const (
	// NestingNormal (the default) records each item as a child context
	// (SubType MapIteration or ParallelBranch) under the batch's context.
	NestingNormal NestingMode = iota
	// NestingFlat records no context per item: an item's operations hang
	// directly under the batch's context (their ids still extend the
	// item's, "P-i-1", ...). It halves the records of small items; an
	// item's result is then kept only in the batch's result.
	NestingFlat
)

// WithMaxConcurrency limits how many items run at once (default:
// unlimited). Items start in index order. n must be positive.
func WithMaxConcurrency(n int) BatchOption {
	return batchOptionFunc(func(c *batchConfig) { c.maxConcurrency = &n })
}

// WithCompletion sets when the batch completes (default: fail-fast, the
// first failed item completes it).
func WithCompletion(cc CompletionConfig) BatchOption {
	return batchOptionFunc(func(c *batchConfig) { c.completion = cc })
}

// WithItemNamer names item i (default "map-item-<i>" and, for an unnamed
// branch, "parallel-branch-<i>"); an empty name falls back to the default.
func WithItemNamer(namer func(index int) string) BatchOption {
	return batchOptionFunc(func(c *batchConfig) { c.namer = namer })
}

// WithNesting chooses how items are recorded (default NestingNormal).
func WithNesting(m NestingMode) BatchOption {
	return batchOptionFunc(func(c *batchConfig) { c.nesting = m })
}

// WithBatchSummary adds f's string, under the key "summary", to the summary
// recorded instead of a batch result larger than 256 KiB. O must be the
// batch's result type.
func WithBatchSummary[O any](f func(BatchResult[O]) string) BatchOption {
	return batchOptionFunc(func(c *batchConfig) {
		c.summary = func(v any) string {
			r, _ := v.(BatchResult[O])
			return f(r)
		}
	})
}

// WithBatchSerdes sets the Serdes of each item's result, as recorded on the
// item's context (default: the handler's).
func WithBatchSerdes(s Serdes) BatchOption {
	return batchOptionFunc(func(c *batchConfig) { c.itemSerdes = s })
}

// WithBatchResultSerdes sets the Serdes of the whole [BatchResult],
// recorded on the batch's context (default: the handler's; JSON encodes it
// as {"all":[...],"completionReason":...}).
func WithBatchResultSerdes(s Serdes) BatchOption {
	return batchOptionFunc(func(c *batchConfig) { c.resultSerdes = s })
}

// CompletionConfig says when a batch completes before all its items have
// run. With no field set the batch is fail-fast. The thresholds compare
// strictly: the tolerance is exceeded when failures > ToleratedFailureCount
// or failures*100 > ToleratedFailurePercentage * (number of items).
// MinSuccessful alone never stops on failures. ShouldComplete replaces the
// thresholds and cannot be combined with them.
type CompletionConfig struct {
	// MinSuccessful completes the batch once that many items succeeded.
	MinSuccessful int
	// ToleratedFailureCount is the most failed items tolerated.
	ToleratedFailureCount *int
	// ToleratedFailurePercentage is the most failed items tolerated, in
	// percent of all items.
	ToleratedFailurePercentage *int
	// ShouldComplete decides after each finished item (and once before
	// the first starts) whether the batch completes.
	ShouldComplete func(BatchProgress) CompletionDecision
}

func (c CompletionConfig) isZero() bool {
	return c.MinSuccessful == 0 && c.ToleratedFailureCount == nil && c.ToleratedFailurePercentage == nil && c.ShouldComplete == nil
}

// BatchProgress is what a custom completion decides on.
type BatchProgress struct {
	// Total is the number of items; Started, Succeeded and Failed count
	// the items started so far and those finished each way.
	Total, Started, Succeeded, Failed int
	// Items is each item's status, by index.
	Items []BatchItemStatus
}

// CompletionOutcome is the outcome a custom completion gives the batch.
type CompletionOutcome int

const (
	// CompletionOutcomeSucceeded completes the batch as succeeded.
	CompletionOutcomeSucceeded CompletionOutcome = iota
	// CompletionOutcomeFailed completes the batch as failed: the batch
	// returns a *BatchError (or *BatchCompletionError without failed
	// items).
	CompletionOutcomeFailed
)

// CompletionDecision is the answer of CompletionConfig.ShouldComplete.
type CompletionDecision struct {
	complete bool
	outcome  CompletionOutcome
}

// ContinueBatch lets the batch go on.
func ContinueBatch() CompletionDecision { return CompletionDecision{} }

// CompleteBatch completes the batch now with the given outcome; items still
// running are abandoned.
func CompleteBatch(o CompletionOutcome) CompletionDecision {
	return CompletionDecision{complete: true, outcome: o}
}

// CompletionReason says why a batch completed.
type CompletionReason int

const (
	// CompletionAllCompleted: every item finished.
	CompletionAllCompleted CompletionReason = iota
	// CompletionMinSuccessfulReached: MinSuccessful items succeeded
	// before every item finished.
	CompletionMinSuccessfulReached
	// CompletionFailureToleranceExceeded: more items failed than
	// tolerated.
	CompletionFailureToleranceExceeded
	// CompletionCustomSucceeded: ShouldComplete completed it as succeeded.
	CompletionCustomSucceeded
	// CompletionCustomFailed: ShouldComplete completed it as failed.
	CompletionCustomFailed
)

var reasonNames = [...]string{"ALL_COMPLETED", "MIN_SUCCESSFUL_REACHED", "FAILURE_TOLERANCE_EXCEEDED", "CUSTOM_SUCCEEDED", "CUSTOM_FAILED"}

// String returns the recorded name, e.g. "ALL_COMPLETED".
func (r CompletionReason) String() string {
	return enumName(reasonNames[:], "CompletionReason", int(r))
}

// MarshalText encodes the reason as its String.
func (r CompletionReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a String value; an unknown one decodes to the zero
// value.
func (r *CompletionReason) UnmarshalText(b []byte) error {
	*r = CompletionReason(enumValue(reasonNames[:], b))
	return nil
}

// BatchItemStatus is the state of one item when the batch completed.
type BatchItemStatus int

const (
	// BatchItemNotStarted: the batch completed before the item started.
	BatchItemNotStarted BatchItemStatus = iota
	// BatchItemStarted: the item was still running when the batch
	// completed; it was abandoned and records nothing more.
	BatchItemStarted
	// BatchItemSucceeded: the item returned a result.
	BatchItemSucceeded
	// BatchItemFailed: the item returned an error.
	BatchItemFailed
)

var itemStatusNames = [...]string{"NOT_STARTED", "STARTED", "SUCCEEDED", "FAILED"}

// String returns the recorded name, e.g. "SUCCEEDED".
func (s BatchItemStatus) String() string {
	return enumName(itemStatusNames[:], "BatchItemStatus", int(s))
}

// MarshalText encodes the status as its String.
func (s BatchItemStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a String value; an unknown one decodes to the zero
// value.
func (s *BatchItemStatus) UnmarshalText(b []byte) error {
	*s = BatchItemStatus(enumValue(itemStatusNames[:], b))
	return nil
}

// enumName is the recorded name of value v of an enumeration whose names
// are names, or "<typeName>(<v>)" for a value out of range.
func enumName(names []string, typeName string, v int) string {
	if v >= 0 && v < len(names) {
		return names[v]
	}
	return typeName + "(" + strconv.Itoa(v) + ")"
}

// enumValue is the value whose recorded name is b, or 0 for an unknown
// name.
func enumValue(names []string, b []byte) int {
	for i, n := range names {
		if n == string(b) {
			return i
		}
	}
	return 0
}

// BatchItem is one started item of a batch.
type BatchItem[O any] struct {
	// Index is the item's position in the input.
	Index int
	// Name is the item's name.
	Name string
	// Status is SUCCEEDED, FAILED or STARTED (abandoned).
	Status BatchItemStatus
	// Result is the item's result when it succeeded.
	Result O
	// Err is the item's failure: a *ChildContextError carrying the
	// recorded error's type and message.
	Err error
}

// BatchResult is the outcome of [Map] or [Parallel]: the items that
// started, in index order (items that never started are absent), and why
// the batch completed. Failed items do not make Map or Parallel fail; see
// the methods.
type BatchResult[O any] struct {
	Items  []BatchItem[O]
	Reason CompletionReason
}

// count is the number of items whose status is s.
func (r BatchResult[O]) count(s BatchItemStatus) int {
	n := 0
	for i := range r.Items {
		if r.Items[i].Status == s {
			n++
		}
	}
	return n
}

func (r BatchResult[O]) filter(s BatchItemStatus) []BatchItem[O] {
	var out []BatchItem[O]
	for _, it := range r.Items {
		if it.Status == s {
			out = append(out, it)
		}
	}
	return out
}

// Results returns the results of the succeeded items, in index order.
func (r BatchResult[O]) Results() []O {
	out := make([]O, 0, r.count(BatchItemSucceeded))
	for _, it := range r.Items {
		if it.Status == BatchItemSucceeded {
			out = append(out, it.Result)
		}
	}
	return out
}

// Succeeded returns the succeeded items.
func (r BatchResult[O]) Succeeded() []BatchItem[O] { return r.filter(BatchItemSucceeded) }

// Failed returns the failed items.
func (r BatchResult[O]) Failed() []BatchItem[O] { return r.filter(BatchItemFailed) }

// Started returns the items abandoned while running.
func (r BatchResult[O]) Started() []BatchItem[O] { return r.filter(BatchItemStarted) }

// Errors returns the failed items' errors, in index order.
func (r BatchResult[O]) Errors() []error {
	var out []error
	for _, it := range r.Items {
		if it.Status == BatchItemFailed {
			out = append(out, it.Err)
		}
	}
	return out
}

// HasFailure reports whether an item failed.
func (r BatchResult[O]) HasFailure() bool { return r.FailureCount() > 0 }

// SuccessCount is the number of succeeded items.
func (r BatchResult[O]) SuccessCount() int { return r.count(BatchItemSucceeded) }

// FailureCount is the number of failed items.
func (r BatchResult[O]) FailureCount() int { return r.count(BatchItemFailed) }

// StartedCount is the number of abandoned items.
func (r BatchResult[O]) StartedCount() int { return r.count(BatchItemStarted) }

// TotalCount is the number of started items (whatever their status).
func (r BatchResult[O]) TotalCount() int { return len(r.Items) }

// Status is BatchItemFailed if an item failed, else BatchItemSucceeded.
func (r BatchResult[O]) Status() BatchItemStatus {
	if r.HasFailure() {
		return BatchItemFailed
	}
	return BatchItemSucceeded
}

// Item returns the started item named name.
func (r BatchResult[O]) Item(name string) (BatchItem[O], bool) {
	for _, it := range r.Items {
		if it.Name == name {
			return it, true
		}
	}
	return BatchItem[O]{}, false
}

// Result returns the result of the item named name: its value, its error,
// or a *BranchNotCompletedError when it never started or was abandoned.
func (r BatchResult[O]) Result(name string) (O, error) {
	var zero O
	it, ok := r.Item(name)
	switch {
	case !ok:
		return zero, &BranchNotCompletedError{Name: name, Status: BatchItemNotStarted}
	case it.Status == BatchItemFailed:
		return zero, it.Err
	case it.Status != BatchItemSucceeded:
		return zero, &BranchNotCompletedError{Name: name, Status: it.Status}
	}
	return it.Result, nil
}

// ThrowIfError returns the first failed item's error, or nil.
func (r BatchResult[O]) ThrowIfError() error {
	if errs := r.Errors(); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// batchItemJSON is the recorded form of one item, the one the other SDKs
// record.
type batchItemJSON struct {
	Result json.RawMessage  `json:"result,omitempty"`
	Error  *ErrorObject     `json:"error,omitempty"`
	Index  int              `json:"index"`
	Status *BatchItemStatus `json:"status"`
}

type batchResultJSON struct {
	All              []batchItemJSON  `json:"all"`
	CompletionReason CompletionReason `json:"completionReason"`
}

// MarshalJSON encodes the result as the other SDKs record it:
// {"all":[{"result":...,"index":0,"status":"SUCCEEDED"},{"error":{...},
// "index":1,"status":"FAILED"}],"completionReason":"ALL_COMPLETED"}. Item
// names are not recorded. Only results and errors go through encoding/json
// (results with HTML escaping, as json.Marshal writes them); the rest is
// written directly, without reflection.
func (r BatchResult[O]) MarshalJSON() ([]byte, error) {
	return r.marshalJSON(0, func(it *BatchItem[O]) ([]byte, error) { return json.Marshal(it.Result) })
}

// marshalJSON is MarshalJSON with result giving the JSON of a succeeded
// item's result, which must be what json.Marshal gives for it; size is
// the results' expected total length.
func (r BatchResult[O]) marshalJSON(size int, result func(*BatchItem[O]) ([]byte, error)) ([]byte, error) {
	b := make([]byte, 0, 64+48*len(r.Items)+size)
	b = append(b, `{"all":[`...)
	for i := range r.Items {
		it := &r.Items[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		switch it.Status {
		case BatchItemSucceeded:
			v, err := result(it)
			if err != nil {
				return nil, err
			}
			b = append(append(append(b, `"result":`...), v...), ',')
		case BatchItemFailed:
			v, err := marshalNoEscape(itemErrorObject(it.Err))
			if err != nil {
				return nil, err
			}
			b = append(append(append(b, `"error":`...), v...), ',')
		}
		b = strconv.AppendInt(append(b, `"index":`...), int64(it.Index), 10)
		b = appendJSONName(append(b, `,"status":`...), it.Status.String())
		b = append(b, '}')
	}
	b = appendJSONName(append(b, `],"completionReason":`...), r.Reason.String())
	return append(b, '}'), nil
}

// appendJSONName appends an enumeration's name (letters, digits, '_' and
// parentheses, nothing to escape) as a JSON string.
func appendJSONName(b []byte, name string) []byte {
	return append(append(append(b, '"'), name...), '"')
}

// keptByJSON reports whether UnmarshalJSON gives r back from its
// MarshalJSON: every item succeeded (a failed item's error is rebuilt, an
// abandoned one's result dropped) and has no name (names are not
// recorded), and O's values survive encoding/json's round trip (see
// plainJSON).
func (r BatchResult[O]) keptByJSON(p *plainTypes) bool {
	for _, it := range r.Items {
		if it.Status != BatchItemSucceeded || it.Err != nil || it.Name != "" {
			return false
		}
	}
	return p.lookup(reflect.TypeFor[O]()).keeps
}

// UnmarshalJSON decodes what MarshalJSON encodes. Item errors are rebuilt
// as *ChildContextError; names are left empty.
func (r *BatchResult[O]) UnmarshalJSON(b []byte) error {
	var j batchResultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = BatchResult[O]{Items: make([]BatchItem[O], len(j.All)), Reason: j.CompletionReason}
	for i, it := range j.All {
		item := BatchItem[O]{Index: it.Index}
		if it.Status != nil {
			item.Status = *it.Status
		}
		switch item.Status {
		case BatchItemSucceeded:
			if len(it.Result) > 0 {
				if err := json.Unmarshal(it.Result, &item.Result); err != nil {
					return err
				}
			}
		case BatchItemFailed:
			obj := ErrorObject{ErrorType: errTypePlain}
			if it.Error != nil {
				obj = *it.Error
			}
			item.Err = newChildContextError(obj, "")
		}
		r.Items[i] = item
	}
	return nil
}

// marshalNoEscape encodes v as JSON without HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}

// itemErrorObject is the inverse of newChildContextError: the recorded
// error of an item (its own type and message, not "ChildContextError").
func itemErrorObject(err error) ErrorObject {
	var ce *ChildContextError
	if errors.As(err, &ce) {
		return ErrorObject{ErrorType: ce.ErrorType, ErrorMessage: ce.Message, ErrorData: ce.ErrorData, StackTrace: ce.StackTrace}
	}
	return errorObjectOf(err, false)
}

// The ErrorType strings of the batch errors.
const (
	errTypeBatch           = "BatchError"
	errTypeBatchCompletion = "BatchCompletionError"
)

// BatchError is returned by [Map] and [Parallel], together with the
// result, when the batch failed: more items failed than tolerated (the
// default is fail-fast) or ShouldComplete completed it as failed. Tolerated
// failures are not errors; see BatchResult.Failed.
type BatchError struct {
	OperationError
	// Name is the batch's name.
	Name string
	// Reason is why the batch completed.
	Reason CompletionReason
	// Errors are the failed items' errors.
	Errors []error
}

// As matches *OperationError.
func (e *BatchError) As(target any) bool { return asOperationError(&e.OperationError, target) }

// BatchCompletionError is returned by [Map] and [Parallel], together with
// the result, when ShouldComplete completed the batch as failed while no
// item had failed.
type BatchCompletionError struct {
	OperationError
	// Name is the batch's name.
	Name string
	// Reason is CompletionCustomFailed.
	Reason CompletionReason
}

// As matches *OperationError.
func (e *BatchCompletionError) As(target any) bool {
	return asOperationError(&e.OperationError, target)
}

// BranchNotCompletedError is returned by BatchResult.Result and
// TypedBranch.Result for an item that produced no result: it never
// started, or it was abandoned when the batch completed early.
type BranchNotCompletedError struct {
	// Name is the item's name.
	Name string
	// Status is BatchItemNotStarted or BatchItemStarted.
	Status BatchItemStatus
}

// Error describes the item.
func (e *BranchNotCompletedError) Error() string {
	return fmt.Sprintf("durable: batch item %q did not complete (%s)", e.Name, e.Status)
}

// batchError returns the error Map and Parallel return for a result: a
// *BatchError or *BatchCompletionError for a failed batch, else nil.
func batchError[O any](name string, r BatchResult[O]) error {
	switch {
	case r.Reason == CompletionCustomFailed && !r.HasFailure():
		return &BatchCompletionError{
			OperationError: OperationError{ErrorType: errTypeBatchCompletion,
				Message: fmt.Sprintf("batch %q was completed as failed", name)},
			Name: name, Reason: r.Reason,
		}
	case r.Reason == CompletionFailureToleranceExceeded || r.Reason == CompletionCustomFailed:
		errs := r.Errors()
		return &BatchError{
			OperationError: OperationError{ErrorType: errTypeBatch,
				Message: fmt.Sprintf("batch %q failed: %d of %d started items failed (%s)", name, len(errs), r.TotalCount(), r.Reason),
				Err:     errors.Join(errs...)},
			Name: name, Reason: r.Reason, Errors: errs,
		}
	}
	return nil
}

// batchSummaryJSON is what a batch result over the payload limit is
// recorded as; replay re-drives the items it lists as finished.
type batchSummaryJSON struct {
	Type             string           `json:"type"`
	TotalCount       int              `json:"totalCount"`
	SuccessCount     int              `json:"successCount"`
	FailureCount     int              `json:"failureCount"`
	StartedCount     *int             `json:"startedCount,omitempty"`
	CompletionReason CompletionReason `json:"completionReason"`
	Status           string           `json:"status"`
	ItemStatuses     string           `json:"itemStatuses"`
	Summary          string           `json:"summary,omitempty"`
}

// summarize builds the summary of a batch result of the given kind ("Map"
// or "Parallel"); user adds WithBatchSummary's string.
func summarize[O any](kind string, r BatchResult[O], user func(any) string) string {
	var marks strings.Builder
	for _, it := range r.Items {
		switch it.Status {
		case BatchItemSucceeded:
			marks.WriteByte('S')
		case BatchItemFailed:
			marks.WriteByte('F')
		default:
			marks.WriteByte('-')
		}
	}
	s := batchSummaryJSON{Type: kind + "Result", TotalCount: r.TotalCount(), SuccessCount: r.SuccessCount(),
		FailureCount: r.FailureCount(), CompletionReason: r.Reason, Status: string(wire.OperationStatusSucceeded), ItemStatuses: marks.String()}
	if r.HasFailure() {
		s.Status = string(wire.OperationStatusFailed)
	}
	if kind == "Parallel" {
		n := r.StartedCount()
		s.StartedCount = &n
	}
	if user != nil {
		s.Summary = user(r)
	}
	b, err := marshalNoEscape(s)
	if err != nil {
		return ""
	}
	return string(b)
}
