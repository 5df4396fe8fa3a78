package emulator

// Store persists a Service's executions so that a restarted Service
// resumes them. The Service writes through it incrementally: each locked
// section that changed executions ends with one Commit holding only what
// changed — an execution's small header, and the new or changed records of
// its lists (operations, history events, status changes, invocations) —
// so the cost of a checkpoint does not grow with the execution's history.
// Nothing a Commit covers is acknowledged to an API caller before Commit
// returned nil.
//
// Records are opaque to the Store. Implementations must be safe for use
// by one Service; package boltstore keeps them in a single-file database.
type Store interface {
	// Load returns every stored execution, each with its records in list
	// order.
	Load() ([]StoredExecution, error)
	// LoadExecution returns the stored execution with key, and false if
	// there is none. The Service uses it to undo a failed Commit.
	LoadExecution(key string) (StoredExecution, bool, error)
	// Commit applies changes in one durable transaction: all of them or,
	// with an error, none. It may keep the byte slices of changes: the
	// Service does not modify them afterwards.
	Commit(changes []Change) error
	// Quarantine moves the records of execution key aside, out of what
	// Load returns, keeping them for inspection; reason says why.
	Quarantine(key, reason string) error
}

// StoredExecution is the records of one execution.
type StoredExecution struct {
	// Key identifies the execution in the Store.
	Key string
	// Header is the execution's header record.
	Header []byte
	// Items are the records of its lists, by list and then index.
	Items []Item
}

// Change is what one Commit writes for one execution.
type Change struct {
	// Key identifies the execution in the Store.
	Key string
	// Delete removes the execution and all its records; the other fields
	// are then unused.
	Delete bool
	// Header replaces the header record.
	Header []byte
	// Items add or replace records of the execution's lists.
	Items []Item
}

// Item is one record of one of an execution's lists.
type Item struct {
	List  string
	Index int
	Data  []byte
}

// The lists of an execution's records.
const (
	ListOperations    = "ops"
	ListEvents        = "events"
	ListStatusChanges = "status"
	ListInvocations   = "invocations"
)
