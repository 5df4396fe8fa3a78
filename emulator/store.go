package emulator

// Store persists the service's executions as opaque snapshots, one per
// execution, so that a restarted Service resumes them. Implementations
// must be safe for use by one Service; Save replaces the snapshot stored
// under key.
type Store interface {
	Save(key string, snapshot []byte) error
	LoadAll() ([][]byte, error)
}
