package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/acme/durable-lambda-go/internal/jsonscan"
)

// DecodeInvocationInput decodes an invocation payload into *in, which it
// first resets to the zero value. The result, and whether it is an error,
// are exactly those of json.Unmarshal(data, in) on a zero InvocationInput.
//
// It is the SDK's hot path on every invocation: a decoder written for the
// envelope's shape reads the common form (exact field names, each at most
// once per object, valid UTF-8) without reflection: the decoded strings
// are copied side by side into a few shared buffers (the protocol's enum
// values are not copied at all), the operations slice is allocated once
// and the records' details come from shared blocks. Timestamps of the
// same text in a row share one *Timestamp, so the decoded records are
// read-only. data itself is only read, and not retained.
// Anything else (a syntax error, a type mismatch, a field name in another
// case, a repeated field, a lone surrogate, deep nesting) goes to
// encoding/json, so rare inputs keep its exact semantics and its errors.
func DecodeInvocationInput(data []byte, in *InvocationInput) error {
	*in = InvocationInput{}
	if decodeFast(data, in) {
		return nil
	}
	*in = InvocationInput{}
	return json.Unmarshal(data, in)
}

// DecodeCheckpointOutput decodes the answer of CheckpointDurableExecution
// into *out, which it first resets to the zero value. As with
// DecodeInvocationInput, the result, and whether it is an error, are
// exactly those of json.Unmarshal(data, out) on a zero CheckpointOutput,
// and the common form is read without reflection, so that a function's
// first checkpoint does not build encoding/json's decoders of the
// operation types. Its records are read-only, as DecodeInvocationInput's.
func DecodeCheckpointOutput(data []byte, out *CheckpointOutput) error {
	*out = CheckpointOutput{}
	if decodeTop(data, out, checkpointOutputFields) {
		return nil
	}
	*out = CheckpointOutput{}
	return json.Unmarshal(data, out)
}

// DecodeCheckpointInput decodes a CheckpointDurableExecution request body
// into *in, which it first resets to the zero value. As with
// DecodeInvocationInput, the result, and whether it is an error, are
// exactly those of json.Unmarshal(data, in) on a zero CheckpointInput,
// and the common form is read without reflection: it is the local
// endpoint's work on every step of a sequential workflow.
func DecodeCheckpointInput(data []byte, in *CheckpointInput) error {
	*in = CheckpointInput{}
	if decodeTop(data, in, checkpointInputFields) {
		return nil
	}
	*in = CheckpointInput{}
	return json.Unmarshal(data, in)
}

// decodeFast decodes the common form of an envelope; false means "use
// encoding/json" and leaves *in in an unspecified state.
func decodeFast(data []byte, in *InvocationInput) bool {
	return decodeTop(data, in, invocationInputFields)
}

// decodeTop decodes the common form of a payload whose top-level object
// has fields; false means "use encoding/json" and leaves *x in an
// unspecified state.
func decodeTop[T any](data []byte, x *T, fields []field[T]) bool {
	d := envelopeDecoder{Scanner: jsonscan.Scanner{Data: data}}
	d.WS()
	if d.Peek() != '{' {
		return false
	}
	// Every record carries an "Id" key: an upper bound of the records,
	// so the operations slice and the detail blocks are sized once.
	d.records = countIDKeys(data)
	d.strings.chunk = min(len(data), maxChunk)
	if !object(&d, x, fields) {
		return false
	}
	d.WS()
	return d.Pos == len(d.Data)
}

// countIDKeys counts the `"Id"` in data. It looks for the rare 'I'
// rather than the '"' that starts nearly every token, which makes
// bytes.Count of the whole pattern several times slower.
func countIDKeys(data []byte) int {
	n := 0
	for i := 1; i+2 < len(data); i++ {
		j := bytes.IndexByte(data[i:len(data)-2], 'I')
		if j < 0 {
			break
		}
		i += j
		if data[i-1] == '"' && data[i+1] == 'd' && data[i+2] == '"' {
			n++
		}
	}
	return n
}

// envelopeDecoder reads one payload. Its methods return false on anything
// outside the common form.
//
// It never writes to Data, the caller's payload: the decoded strings are
// views of strings, which holds their text.
type envelopeDecoder struct {
	jsonscan.Scanner
	// records is the upper bound of operation records in Data.
	records int
	strings textBuffer
	steps   block[StepDetails]
	stamps  block[Timestamp]
	results block[string]
	// last is the last timestamp decoded and lastText its text: the
	// next one of the same text shares it (records written in the same
	// millisecond, a step's start and end).
	last     *Timestamp
	lastText []byte
}

// textBuffer holds the text of decoded strings side by side in chunks of
// up to maxChunk bytes; a chunk is never written again where a string
// refers to it.
//
// The current chunk's free part is its bytes from used on, and a block's
// free values its values from used on: taking bytes or values moves an
// integer, not a slice, so that no pointer is written per decoded string
// or record (while the GC marks, every pointer written costs a write
// barrier).
type textBuffer struct {
	buf   []byte // the current chunk
	used  int    // the bytes of buf that strings refer to
	chunk int    // the size of a new chunk
}

// maxChunk bounds a textBuffer's chunk: what the strings of a large
// payload leave unused at the end of their last chunk (half a chunk on
// average: 8 KiB chunks cut a 1,000-step envelope's decode from 285 to
// 269 KB, for a few more allocations).
const maxChunk = 8 << 10

// reserve returns an empty slice with room for n bytes, for an append of
// at most n bytes that keep then makes a string of.
func (t *textBuffer) reserve(n int) []byte {
	if n > len(t.buf)-t.used {
		if n > t.chunk/2 {
			return make([]byte, 0, n) // a chunk of its own
		}
		t.buf, t.used = make([]byte, t.chunk), 0
	}
	return t.buf[t.used:t.used]
}

// keep returns b, appended to a slice from reserve, as a string and takes
// its bytes out of the free part of the chunk.
func (t *textBuffer) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if t.used < len(t.buf) && unsafe.SliceData(b) == &t.buf[t.used] {
		t.used += len(b)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// block hands out pointers into slices of values allocated together: each
// allocation twice the last, from minBlock up to maxBlock, and no more
// than the payload may need (n).
type block[T any] struct {
	buf  []T // the current allocation
	used int // the values of buf handed out
}

// minBlock and maxBlock bound what one allocation of a block reserves.
const (
	minBlock = 16
	maxBlock = 512
)

func (b *block[T]) new(n int) *T {
	if b.used == len(b.buf) {
		b.buf, b.used = make([]T, min(max(2*len(b.buf), minBlock), maxBlock, max(n, 1))), 0
	}
	p := &b.buf[b.used]
	b.used++
	return p
}

// field is a known field of a decoded type T: its JSON name and how its
// value is decoded into a *T. Each type's fields form one table, read by
// object.
type field[T any] struct {
	name   string
	decode func(d *envelopeDecoder, x *T) bool
}

// alloc returns a new T.
func alloc[T any]() *T { return new(T) }

// The values of the enum fields of an operation.
var (
	operationTypes = []string{string(OperationTypeStep), string(OperationTypeContext), string(OperationTypeWait),
		string(OperationTypeCallback), string(OperationTypeChainedInvoke), string(OperationTypeExecution)}
	operationStatuses = []string{string(OperationStatusSucceeded), string(OperationStatusStarted), string(OperationStatusFailed),
		string(OperationStatusPending), string(OperationStatusReady), string(OperationStatusCancelled),
		string(OperationStatusTimedOut), string(OperationStatusStopped)}
	subTypes = []string{SubTypeStep, SubTypeRunInChildContext, SubTypeMapIteration, SubTypeWait, SubTypeWaitForCondition,
		SubTypeCallback, SubTypeWaitForCallback, SubTypeChainedInvoke, SubTypeParallel, SubTypeParallelBranch, SubTypeMap}
)

// The fields of each decoded type. Every decode function is a func literal
// that captures nothing, so the tables are static data: building them
// costs the process's start nothing.
var (
	invocationInputFields = []field[InvocationInput]{
		{"DurableExecutionArn", func(d *envelopeDecoder, x *InvocationInput) bool { return d.str(&x.DurableExecutionArn) }},
		{"CheckpointToken", func(d *envelopeDecoder, x *InvocationInput) bool { return d.str(&x.CheckpointToken) }},
		{"InitialExecutionState", func(d *envelopeDecoder, x *InvocationInput) bool {
			return objectPtr(d, &x.InitialExecutionState, alloc[ExecutionState], executionStateFields)
		}},
		{"UpdatedOperationIds", func(d *envelopeDecoder, x *InvocationInput) bool { return d.stringList(&x.UpdatedOperationIds) }},
	}
	checkpointOutputFields = []field[CheckpointOutput]{
		{"CheckpointToken", func(d *envelopeDecoder, x *CheckpointOutput) bool { return d.str(&x.CheckpointToken) }},
		{"NewExecutionState", func(d *envelopeDecoder, x *CheckpointOutput) bool {
			// Not a pointer: null leaves it unchanged.
			return d.Null() || d.Peek() == '{' && object(d, &x.NewExecutionState, executionStateFields)
		}},
	}
	checkpointInputFields = []field[CheckpointInput]{
		{"CheckpointToken", func(d *envelopeDecoder, x *CheckpointInput) bool { return d.str(&x.CheckpointToken) }},
		{"ClientToken", func(d *envelopeDecoder, x *CheckpointInput) bool { return d.str(&x.ClientToken) }},
		{"Updates", func(d *envelopeDecoder, x *CheckpointInput) bool {
			return objectList(d, &x.Updates, operationUpdateFields)
		}},
	}
	operationUpdateFields = []field[OperationUpdate]{
		{"Id", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.str(&x.Id) }},
		{"ParentId", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.str(&x.ParentId) }},
		{"Name", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.str(&x.Name) }},
		{"Type", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.str((*string)(&x.Type)) }},
		{"SubType", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.str(&x.SubType) }},
		{"Action", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.str((*string)(&x.Action)) }},
		{"Payload", func(d *envelopeDecoder, x *OperationUpdate) bool { return d.strPtr(&x.Payload) }},
		{"Error", func(d *envelopeDecoder, x *OperationUpdate) bool {
			return objectPtr(d, &x.Error, alloc[ErrorObject], errorObjectFields)
		}},
		{"StepOptions", func(d *envelopeDecoder, x *OperationUpdate) bool {
			return objectPtr(d, &x.StepOptions, alloc[StepOptions], stepOptionsFields)
		}},
		{"WaitOptions", func(d *envelopeDecoder, x *OperationUpdate) bool {
			return objectPtr(d, &x.WaitOptions, alloc[WaitOptions], waitOptionsFields)
		}},
		{"CallbackOptions", func(d *envelopeDecoder, x *OperationUpdate) bool {
			return objectPtr(d, &x.CallbackOptions, alloc[CallbackOptions], callbackOptionsFields)
		}},
		{"ChainedInvokeOptions", func(d *envelopeDecoder, x *OperationUpdate) bool {
			return objectPtr(d, &x.ChainedInvokeOptions, alloc[ChainedInvokeOptions], chainedInvokeOptionsFields)
		}},
		{"ContextOptions", func(d *envelopeDecoder, x *OperationUpdate) bool {
			return objectPtr(d, &x.ContextOptions, alloc[ContextOptions], contextOptionsFields)
		}},
	}
	stepOptionsFields = []field[StepOptions]{
		{"NextAttemptDelaySeconds", func(d *envelopeDecoder, x *StepOptions) bool { return d.int(&x.NextAttemptDelaySeconds) }},
	}
	waitOptionsFields = []field[WaitOptions]{
		{"WaitSeconds", func(d *envelopeDecoder, x *WaitOptions) bool { return d.int(&x.WaitSeconds) }},
	}
	callbackOptionsFields = []field[CallbackOptions]{
		{"TimeoutSeconds", func(d *envelopeDecoder, x *CallbackOptions) bool { return d.int(&x.TimeoutSeconds) }},
		{"HeartbeatTimeoutSeconds", func(d *envelopeDecoder, x *CallbackOptions) bool { return d.int(&x.HeartbeatTimeoutSeconds) }},
	}
	chainedInvokeOptionsFields = []field[ChainedInvokeOptions]{
		{"FunctionName", func(d *envelopeDecoder, x *ChainedInvokeOptions) bool { return d.str(&x.FunctionName) }},
		{"TenantId", func(d *envelopeDecoder, x *ChainedInvokeOptions) bool { return d.str(&x.TenantId) }},
		{"XAmznTraceId", func(d *envelopeDecoder, x *ChainedInvokeOptions) bool { return d.str(&x.XAmznTraceId) }},
	}
	contextOptionsFields = []field[ContextOptions]{
		{"ReplayChildren", func(d *envelopeDecoder, x *ContextOptions) bool { return d.bool(&x.ReplayChildren) }},
	}
	executionStateFields = []field[ExecutionState]{
		{"Operations", func(d *envelopeDecoder, x *ExecutionState) bool { return d.operations(&x.Operations) }},
		{"NextMarker", func(d *envelopeDecoder, x *ExecutionState) bool { return d.str(&x.NextMarker) }},
	}
	errorObjectFields = []field[ErrorObject]{
		{"ErrorType", func(d *envelopeDecoder, x *ErrorObject) bool { return d.str(&x.ErrorType) }},
		{"ErrorMessage", func(d *envelopeDecoder, x *ErrorObject) bool { return d.str(&x.ErrorMessage) }},
		{"ErrorData", func(d *envelopeDecoder, x *ErrorObject) bool { return d.str(&x.ErrorData) }},
		{"StackTrace", func(d *envelopeDecoder, x *ErrorObject) bool {
			// StackTrace has its own UnmarshalJSON, which encoding/json
			// calls with the raw value, null included.
			start := d.Pos
			return d.Skip() && x.StackTrace.UnmarshalJSON(d.Data[start:d.Pos]) == nil
		}},
	}
	stepDetailsFields = []field[StepDetails]{
		{"Attempt", func(d *envelopeDecoder, x *StepDetails) bool { return d.int(&x.Attempt) }},
		{"NextAttemptTimestamp", func(d *envelopeDecoder, x *StepDetails) bool { return d.timestamp(&x.NextAttemptTimestamp) }},
		{"Result", func(d *envelopeDecoder, x *StepDetails) bool { return d.strPtr(&x.Result) }},
		{"Error", func(d *envelopeDecoder, x *StepDetails) bool {
			return objectPtr(d, &x.Error, alloc[ErrorObject], errorObjectFields)
		}},
	}
	operationFields = []field[Operation]{
		{"Id", func(d *envelopeDecoder, x *Operation) bool { return d.str(&x.Id) }},
		{"ParentId", func(d *envelopeDecoder, x *Operation) bool { return d.str(&x.ParentId) }},
		{"Name", func(d *envelopeDecoder, x *Operation) bool { return d.str(&x.Name) }},
		{"Type", func(d *envelopeDecoder, x *Operation) bool { return d.enum((*string)(&x.Type), operationTypes) }},
		{"SubType", func(d *envelopeDecoder, x *Operation) bool { return d.enum(&x.SubType, subTypes) }},
		{"Status", func(d *envelopeDecoder, x *Operation) bool { return d.enum((*string)(&x.Status), operationStatuses) }},
		{"StartTimestamp", func(d *envelopeDecoder, x *Operation) bool { return d.timestamp(&x.StartTimestamp) }},
		{"EndTimestamp", func(d *envelopeDecoder, x *Operation) bool { return d.timestamp(&x.EndTimestamp) }},
		{"ExecutionDetails", func(d *envelopeDecoder, x *Operation) bool {
			return objectPtr(d, &x.ExecutionDetails, alloc[ExecutionDetails], executionDetailsFields)
		}},
		{"StepDetails", func(d *envelopeDecoder, x *Operation) bool {
			// Most records are steps: their details come from a block.
			return objectPtr(d, &x.StepDetails, func() *StepDetails { return d.steps.new(d.records) }, stepDetailsFields)
		}},
		{"WaitDetails", func(d *envelopeDecoder, x *Operation) bool {
			return objectPtr(d, &x.WaitDetails, alloc[WaitDetails], waitDetailsFields)
		}},
		{"CallbackDetails", func(d *envelopeDecoder, x *Operation) bool {
			return objectPtr(d, &x.CallbackDetails, alloc[CallbackDetails], callbackDetailsFields)
		}},
		{"ChainedInvokeDetails", func(d *envelopeDecoder, x *Operation) bool {
			return objectPtr(d, &x.ChainedInvokeDetails, alloc[ChainedInvokeDetails], chainedInvokeDetailsFields)
		}},
		{"ContextDetails", func(d *envelopeDecoder, x *Operation) bool {
			return objectPtr(d, &x.ContextDetails, alloc[ContextDetails], contextDetailsFields)
		}},
	}
	executionDetailsFields = []field[ExecutionDetails]{
		{"InputPayload", func(d *envelopeDecoder, x *ExecutionDetails) bool { return d.strPtr(&x.InputPayload) }},
	}
	waitDetailsFields = []field[WaitDetails]{
		{"ScheduledEndTimestamp", func(d *envelopeDecoder, x *WaitDetails) bool { return d.timestamp(&x.ScheduledEndTimestamp) }},
	}
	callbackDetailsFields = []field[CallbackDetails]{
		{"CallbackId", func(d *envelopeDecoder, x *CallbackDetails) bool { return d.str(&x.CallbackId) }},
		{"Result", func(d *envelopeDecoder, x *CallbackDetails) bool { return d.strPtr(&x.Result) }},
		{"Error", func(d *envelopeDecoder, x *CallbackDetails) bool {
			return objectPtr(d, &x.Error, alloc[ErrorObject], errorObjectFields)
		}},
	}
	chainedInvokeDetailsFields = []field[ChainedInvokeDetails]{
		{"Result", func(d *envelopeDecoder, x *ChainedInvokeDetails) bool { return d.strPtr(&x.Result) }},
		{"Error", func(d *envelopeDecoder, x *ChainedInvokeDetails) bool {
			return objectPtr(d, &x.Error, alloc[ErrorObject], errorObjectFields)
		}},
	}
	contextDetailsFields = []field[ContextDetails]{
		{"Result", func(d *envelopeDecoder, x *ContextDetails) bool { return d.strPtr(&x.Result) }},
		{"Error", func(d *envelopeDecoder, x *ContextDetails) bool {
			return objectPtr(d, &x.Error, alloc[ErrorObject], errorObjectFields)
		}},
		{"ReplayChildren", func(d *envelopeDecoder, x *ContextDetails) bool { return d.bool(&x.ReplayChildren) }},
	}
)

func (d *envelopeDecoder) operations(ops *[]Operation) bool {
	return objectList(d, ops, operationFields)
}

// objectList decodes null (leaving *p nil) or an array of objects (or
// nulls, left zero) that each carry an "Id" key, so that the slice is
// sized once. The elements decoded so far are counted apart from the
// slice, whose header is written only when it grows: no pointer is
// written per element (while the GC marks, each costs a write barrier).
func objectList[T any](d *envelopeDecoder, p *[]T, fields []field[T]) bool {
	if d.Null() {
		return true
	}
	var zero T
	list := make([]T, d.records)
	n := 0
	ok := d.Array(func() bool {
		if n == len(list) {
			list = append(list, zero)
			list = list[:cap(list)] // zero beyond the old length
		}
		n++
		if d.Null() {
			return true
		}
		return object(d, &list[n-1], fields)
	})
	*p = list[:n]
	return ok
}

// objectPtr decodes null (leaving *p nil) or an object into a new T from
// alloc.
func objectPtr[T any](d *envelopeDecoder, p **T, alloc func() *T, fields []field[T]) bool {
	if d.Null() {
		return true
	}
	if d.Peek() != '{' {
		return false
	}
	*p = alloc()
	return object(d, *p, fields)
}

// object decodes an object into x, whose known fields are fields. An
// unknown field is skipped, unless it matches a name case-insensitively
// (encoding/json would take it) or is not ASCII; a field seen twice goes
// to encoding/json too.
func object[T any](d *envelopeDecoder, x *T, fields []field[T]) bool {
	empty, ok := d.Open('{', '}')
	if empty || !ok {
		return ok
	}
	var seen uint32
	i := -1
	for {
		// Producers write fields in one order, mostly the table's: the
		// fields after the last one are tried first, at the key's text.
		i = nextField(d, fields, i+1)
		var key []byte
		if i < 0 {
			if key, ok = d.Key(); !ok {
				return false
			}
			i = fieldIndex(fields, key)
			if !d.Colon() {
				return false
			}
		}
		switch {
		case i >= 0:
			if seen&(1<<i) != 0 || !fields[i].decode(d, x) {
				return false
			}
			seen |= 1 << i
		case foldsToField(fields, key):
			return false
		default:
			if !d.Skip() {
				return false
			}
		}
		if d.CommaKey() {
			continue
		}
		if more, ok := d.Next('}'); !more {
			return ok
		}
	}
}

// nextField consumes the key at Pos and the colon after it if the key is
// the name of one of fields[from:], and returns its index; else -1,
// consuming nothing.
func nextField[T any](d *envelopeDecoder, fields []field[T], from int) int {
	if d.Peek() != '"' {
		return -1
	}
	for i := from; i < len(fields); i++ {
		if d.FieldKey(fields[i].name) {
			return i
		}
	}
	return -1
}

func fieldIndex[T any](fields []field[T], key []byte) int {
	for i := range fields {
		if string(key) == fields[i].name {
			return i
		}
	}
	return -1
}

// foldsToField reports whether encoding/json could match key to one of
// fields without an exact match: an ASCII key equal to a name but for
// case, or any key that is not ASCII (Unicode folding).
func foldsToField[T any](fields []field[T], key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, f := range fields {
		if len(f.name) == len(key) && strings.EqualFold(f.name, string(key)) {
			return true
		}
	}
	return false
}

// str decodes a string or null (which leaves *p unchanged, as in
// encoding/json).
func (d *envelopeDecoder) str(p *string) bool {
	if d.Null() {
		return true
	}
	s, ok := d.stringValue()
	*p = s
	return ok
}

// enum decodes a string or null as str does, sharing the string of values
// it spells, if any.
func (d *envelopeDecoder) enum(p *string, values []string) bool {
	if d.Peek() == '"' {
		text := d.Data[d.Pos+1:]
		for _, v := range values {
			if len(v) < len(text) && text[len(v)] == '"' && string(text[:len(v)]) == v {
				*p = v
				d.Pos += len(v) + 2
				return true
			}
		}
	}
	return d.str(p)
}

// strPtr decodes a string into a new *string, or null leaving *p nil.
func (d *envelopeDecoder) strPtr(p **string) bool {
	if d.Null() {
		return true
	}
	s, ok := d.stringValue()
	if !ok {
		return false
	}
	r := d.results.new(d.records)
	*r = s
	*p = r
	return true
}

// stringList decodes an array of strings (null elements are ""), or null.
func (d *envelopeDecoder) stringList(p *[]string) bool {
	if d.Null() {
		return true
	}
	list := []string{}
	ok := d.Array(func() bool {
		list = append(list, "")
		return d.str(&list[len(list)-1])
	})
	*p = list
	return ok
}

// stringValue decodes a JSON string into the decoder's text buffer.
// Invalid UTF-8 and lone surrogates (which encoding/json replaces with
// U+FFFD) are left to encoding/json.
func (d *envelopeDecoder) stringValue() (string, bool) {
	if d.Peek() != '"' {
		return "", false
	}
	start := d.Pos + 1
	i := jsonscan.Special(d.Data, start)
	if i < len(d.Data) && d.Data[i] == '"' {
		d.Pos = i + 1
		return d.strings.keep(append(d.strings.reserve(i-start), d.Data[start:i]...)), true
	}
	// An escape or a non-ASCII byte: decoded in one pass into the text
	// buffer, with room for the text so far and escapedSlack more bytes
	// (a longer string grows into an allocation of its own, which keep
	// leaves out of the buffer).
	b, end, ok := appendUnescaped(append(d.strings.reserve(i-start+escapedSlack), d.Data[start:i]...), d.Data, i)
	if !ok {
		return "", false
	}
	d.Pos = end
	return d.strings.keep(b), true
}

// escapedSlack is the room stringValue reserves for the rest of a string
// after its first escape or non-ASCII byte: a short serialized result
// such as {\"i\":1,\"ok\":true} fits.
const escapedSlack = 64

// appendUnescaped appends the decoded form of the string text at data[i:]
// to b, up to its closing quote, and returns the index after the quote.
// Invalid UTF-8 and lone surrogates are not ok.
func appendUnescaped(b, data []byte, i int) (_ []byte, end int, ok bool) {
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return b, i + 1, true
		case c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, 0, false
			}
			b = append(b, data[i:i+n]...)
			i += n
		case c != '\\':
			j := jsonscan.Special(data, i+1)
			b = append(b, data[i:j]...)
			i = j
		default:
			if i+1 >= len(data) {
				return nil, 0, false
			}
			e := data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
			case 'b':
				e = '\b'
			case 'f':
				e = '\f'
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 't':
				e = '\t'
			case 'u':
				r, ok := jsonscan.Hex4(data[i:])
				if !ok {
					return nil, 0, false
				}
				i += 4
				if 0xD800 <= r && r < 0xE000 {
					// A surrogate pair, or a lone surrogate for encoding/json.
					lo, ok := rune(0), false
					if r < 0xDC00 && i+6 <= len(data) && data[i] == '\\' && data[i+1] == 'u' {
						lo, ok = jsonscan.Hex4(data[i+2:])
					}
					if !ok || lo < 0xDC00 || lo >= 0xE000 {
						return nil, 0, false
					}
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return nil, 0, false
			}
			b = append(b, e)
		}
	}
	return nil, 0, false
}

// int decodes an integer literal (no fraction or exponent, which
// encoding/json rejects for an int) of up to 18 digits, or null.
func (d *envelopeDecoder) int(p *int) bool {
	if d.Null() {
		return true
	}
	i := d.Pos
	neg := i < len(d.Data) && d.Data[i] == '-'
	if neg {
		i++
	}
	start := i
	n := 0
	for i < len(d.Data) && '0' <= d.Data[i] && d.Data[i] <= '9' {
		n = n*10 + int(d.Data[i]-'0')
		i++
		if d.Data[start] == '0' {
			break
		}
	}
	if i == start || i-start > 18 {
		return false
	}
	if i < len(d.Data) {
		switch d.Data[i] {
		case '.', 'e', 'E':
			return false
		}
	}
	if neg {
		n = -n
	}
	*p = n
	d.Pos = i
	return true
}

// bool decodes true, false or null.
func (d *envelopeDecoder) bool(p *bool) bool {
	if v, ok := d.Bool(); ok {
		*p = v
		return true
	}
	return d.Null()
}

// valueEnd reports whether c may follow a value: a separator, the end of
// its container or whitespace.
func valueEnd(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// timestamp decodes null (leaving *p nil) or a number or string with
// Timestamp.UnmarshalJSON, as encoding/json does.
func (d *envelopeDecoder) timestamp(p **Timestamp) bool {
	if d.Null() {
		return true
	}
	if c := d.Peek(); c != '"' && c != '-' && (c < '0' || c > '9') {
		return false
	}
	if n := len(d.lastText); n > 0 && bytes.HasPrefix(d.Data[d.Pos:], d.lastText) &&
		(d.Pos+n == len(d.Data) || valueEnd(d.Data[d.Pos+n])) {
		// The text of the last timestamp, whole.
		d.Pos += n
		*p = d.last
		return true
	}
	start := d.Pos
	if !d.Skip() {
		return false
	}
	t := d.stamps.new(2 * d.records)
	var err error
	if d.Data[start] == '"' {
		err = t.UnmarshalJSON(d.Data[start:d.Pos])
	} else {
		// What UnmarshalJSON does with a number, without copying it
		// (setEpoch keeps no part of its argument).
		err = t.setEpoch(unsafe.String(&d.Data[start], d.Pos-start))
	}
	if err != nil {
		return false
	}
	*p = t
	d.last, d.lastText = t, d.Data[start:d.Pos]
	return true
}
