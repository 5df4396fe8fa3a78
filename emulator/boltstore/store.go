package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/acme/durable-lambda-go/emulator"
)

// Files in the data directory.
const (
	// DatabaseFile is the bbolt database.
	DatabaseFile = "executions.db"
	// OwnerFile names the process that has the directory open.
	OwnerFile = "owner.json"
)

// format is the marker of this package's layout in bucket "meta".
const format = "durable-lambda-go/emulator executions v1"

var (
	bucketMeta       = []byte("meta")
	bucketExecutions = []byte("executions")
	bucketQuarantine = []byte("quarantine")
	keyFormat        = []byte("format")
	keyHeader        = []byte("header")
	keyReason        = []byte("reason")
)

// lockTimeout is how long Open waits for the file lock: long enough for a
// process that is closing the directory, short enough to fail "at once".
const lockTimeout = 500 * time.Millisecond

// Store is an emulator.Store in a data directory. Create it with Open and
// Close it when the Service is done.
type Store struct {
	dir string
	db  *bolt.DB
}

// Owner describes the process that has a data directory open.
type Owner struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
}

func (o Owner) String() string {
	return fmt.Sprintf("process %d (%s) on %s since %s", o.PID, o.Command, o.Host, o.Since.Format(time.RFC3339))
}

// InUseError is returned by Open when another process has the directory.
type InUseError struct {
	Dir string
	// Owner is the owning process, when OwnerFile could be read.
	Owner *Owner
}

func (e *InUseError) Error() string {
	who := "another process (" + OwnerFile + " is unreadable)"
	if e.Owner != nil {
		who = e.Owner.String()
	}
	return fmt.Sprintf("data directory %s is in use by %s; stop it, or use another directory", e.Dir, who)
}

// CorruptError is returned by Open when the database file is damaged or
// is not one of this package's stores.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is damaged or is not an executions store: %v; move it aside to start with an empty directory", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// LegacyFormatError is returned by Open for a directory holding the JSON
// files of earlier versions, which this package does not read.
type LegacyFormatError struct {
	Dir   string
	Files int
}

func (e *LegacyFormatError) Error() string {
	return fmt.Sprintf("data directory %s holds %d executions in the one-JSON-file-per-execution format of earlier versions, "+
		"which is no longer read: move the *.json files elsewhere (or delete them) to use the directory", e.Dir, e.Files)
}

// Open opens (creating if needed) the store in dir and takes ownership of
// the directory until Close.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("boltstore: creating data directory: %w", err)
	}
	if n := legacyFiles(dir); n > 0 {
		return nil, &LegacyFormatError{Dir: dir, Files: n}
	}
	path := filepath.Join(dir, DatabaseFile)
	db, err := openDB(path)
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, &InUseError{Dir: dir, Owner: readOwner(dir)}
	}
	if err != nil {
		return nil, &CorruptError{Path: path, Err: err}
	}
	if err := db.Update(initBuckets); err != nil {
		_ = db.Close()
		return nil, &CorruptError{Path: path, Err: err}
	}
	if err := writeOwner(dir); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Store{dir: dir, db: db}, nil
}

// openDB opens the database; bbolt reports some damage by panicking, which
// becomes an error here.
func openDB(path string) (db *bolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	db, err = bolt.Open(path, 0o644, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	if err := db.View(func(tx *bolt.Tx) error {
		for cerr := range tx.Check() {
			return cerr
		}
		return nil
	}); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// initBuckets creates the buckets of a new store and checks the format
// marker of an existing one.
func initBuckets(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if tx.Bucket(bucketExecutions) != nil || hasBuckets(tx) {
			return errors.New("the database has no format marker")
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		if err := meta.Put(keyFormat, []byte(format)); err != nil {
			return err
		}
	}
	if got := string(meta.Get(keyFormat)); got != format {
		return fmt.Errorf("format %q, want %q", got, format)
	}
	for _, name := range [][]byte{bucketExecutions, bucketQuarantine} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

func hasBuckets(tx *bolt.Tx) bool {
	found := false
	_ = tx.ForEach(func([]byte, *bolt.Bucket) error { found = true; return nil })
	return found
}

// legacyFiles counts the execution files of the old JSON format.
func legacyFiles(dir string) int {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	n := 0
	for _, m := range matches {
		if filepath.Base(m) != OwnerFile {
			n++
		}
	}
	return n
}

func writeOwner(dir string) error {
	host, _ := os.Hostname()
	b, err := json.Marshal(Owner{PID: os.Getpid(), Command: strings.Join(os.Args, " "), Host: host, Since: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, OwnerFile), b, 0o644); err != nil {
		return fmt.Errorf("boltstore: writing %s: %w", OwnerFile, err)
	}
	return nil
}

func readOwner(dir string) *Owner {
	b, err := os.ReadFile(filepath.Join(dir, OwnerFile))
	if err != nil {
		return nil
	}
	var o Owner
	if json.Unmarshal(b, &o) != nil {
		return nil
	}
	return &o
}

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the directory.
func (s *Store) Close() error {
	_ = os.Remove(filepath.Join(s.dir, OwnerFile))
	return s.db.Close()
}

// Load returns every stored execution in key order.
func (s *Store) Load() ([]emulator.StoredExecution, error) {
	var out []emulator.StoredExecution
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketExecutions).ForEachBucket(func(k []byte) error {
			st, err := read(tx.Bucket(bucketExecutions).Bucket(k), string(k))
			out = append(out, st)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: loading %s: %w", s.dir, err)
	}
	return out, nil
}

// LoadExecution returns the stored execution with key.
func (s *Store) LoadExecution(key string) (emulator.StoredExecution, bool, error) {
	var st emulator.StoredExecution
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketExecutions).Bucket([]byte(key))
		if b == nil {
			return nil
		}
		found = true
		var err error
		st, err = read(b, key)
		return err
	})
	return st, found, err
}

// read reads one execution's bucket. A record whose key is not an index
// gets Index -1, which the emulator's checks report, naming the record.
func read(b *bolt.Bucket, key string) (emulator.StoredExecution, error) {
	st := emulator.StoredExecution{Key: key, Header: b.Get(keyHeader)}
	err := b.ForEachBucket(func(list []byte) error {
		return b.Bucket(list).ForEach(func(k, v []byte) error {
			index := -1
			if len(k) == 8 && v != nil {
				index = int(binary.BigEndian.Uint64(k))
			}
			st.Items = append(st.Items, emulator.Item{List: string(list), Index: index, Data: v})
			return nil
		})
	})
	return st, err
}

// Commit applies changes in one transaction, fsynced before it returns.
func (s *Store) Commit(changes []emulator.Change) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		execs := tx.Bucket(bucketExecutions)
		for _, c := range changes {
			if c.Delete {
				if err := execs.DeleteBucket([]byte(c.Key)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
					return err
				}
				continue
			}
			b, err := execs.CreateBucketIfNotExists([]byte(c.Key))
			if err != nil {
				return err
			}
			if err := b.Put(keyHeader, c.Header); err != nil {
				return err
			}
			for _, it := range c.Items {
				lb, err := b.CreateBucketIfNotExists([]byte(it.List))
				if err != nil {
					return err
				}
				if err := lb.Put(binary.BigEndian.AppendUint64(nil, uint64(it.Index)), it.Data); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Quarantine moves execution key into the quarantine bucket with reason.
func (s *Store) Quarantine(key, reason string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		src := tx.Bucket(bucketExecutions).Bucket([]byte(key))
		if src == nil {
			return nil
		}
		name := fmt.Sprintf("%s-%d", key, time.Now().UnixNano())
		dst, err := tx.Bucket(bucketQuarantine).CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		if err := dst.Put(keyReason, []byte(reason)); err != nil {
			return err
		}
		if err := copyBucket(dst, src); err != nil {
			return err
		}
		return tx.Bucket(bucketExecutions).DeleteBucket([]byte(key))
	})
}

func copyBucket(dst, src *bolt.Bucket) error {
	return src.ForEach(func(k, v []byte) error {
		if v != nil {
			return dst.Put(k, v)
		}
		sub, err := dst.CreateBucket(k)
		if err != nil {
			return err
		}
		return copyBucket(sub, src.Bucket(k))
	})
}

// Quarantined lists the quarantined executions with the reasons.
func (s *Store) Quarantined() (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		q := tx.Bucket(bucketQuarantine)
		return q.ForEachBucket(func(k []byte) error {
			out[string(k)] = string(q.Bucket(k).Get(keyReason))
			return nil
		})
	})
	return out, err
}
