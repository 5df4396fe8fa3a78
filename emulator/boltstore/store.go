package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
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
	keyFolded        = []byte("folded")
	keyHeader        = []byte("header")
	keyReason        = []byte("reason")
)

// lockTimeout is how long Open waits for the file lock: long enough for a
// process that is closing the directory, short enough to fail "at once".
const lockTimeout = 500 * time.Millisecond

// DefaultFoldBytes is Options.FoldBytes when zero.
const DefaultFoldBytes = 8 << 20

// Options configure Open. A nil *Options takes the defaults.
type Options struct {
	// Logger receives the failures of folding the log into the database
	// in the background; discarded when nil.
	Logger *slog.Logger
	// FoldBytes is the size the newest log file reaches before its
	// changes are folded into the database in the background;
	// DefaultFoldBytes when zero. It bounds the log replayed on Open and
	// the changes kept in memory until folded.
	FoldBytes int64

	// manualFold, set only by this package's tests, leaves every fold to
	// Fold and Close: no background fold can remove a log file while a
	// test looks at it.
	manualFold bool
}

// Store is an emulator.Store in a data directory. Create it with Open and
// Close it when the Service is done.
type Store struct {
	dir       string
	db        *bolt.DB
	log       *slog.Logger
	foldBytes int64
	// manualFold is Options.manualFold.
	manualFold bool

	// mu guards layers and tailErr, and is held while a frame is
	// appended to the log.
	mu sync.Mutex
	// layers are the log files not yet folded into the database, oldest
	// first; the last one takes new frames.
	layers []*layer
	// frame is the buffer Commit encodes its frame in.
	frame []byte
	// zeros is what extends the newest log file ahead of its frames (see
	// appendFrame); allocated with the first extension.
	zeros []byte
	// tailErr is set when a failed append left bytes after the last whole
	// frame that could not be cut off: no frame is appended until they
	// are.
	tailErr error

	// foldMu makes folds one at a time.
	foldMu sync.Mutex
	// wake asks the folder goroutine for a fold; stop ends it, and it
	// closes folderDone.
	wake, stop, folderDone chan struct{}

	closeOnce sync.Once
	closeErr  error
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
	if filepath.Base(e.Path) != DatabaseFile {
		return fmt.Sprintf("%s is damaged or is not a log of an executions store: %v; "+
			"it holds changes not yet in %s: move it aside to start without them", e.Path, e.Err, DatabaseFile)
	}
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
// the directory until Close. It replays the log files that were not
// folded into the database yet. opts may be nil.
func Open(dir string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
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
	s := &Store{dir: dir, db: db, log: opts.Logger, foldBytes: opts.FoldBytes, manualFold: opts.manualFold,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), folderDone: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.foldBytes <= 0 {
		s.foldBytes = DefaultFoldBytes
	}
	err = s.replay()
	if err == nil {
		err = writeOwner(dir)
	}
	if err != nil {
		s.closeLogs()
		_ = db.Close()
		return nil, err
	}
	go s.folder()
	if len(s.layers) > 1 {
		s.wakeFolder()
	}
	return s, nil
}

// replay reads the log files newer than the last fold into layers and
// starts a new log file for the commits to come; it removes the files a
// fold covered.
func (s *Store) replay() error {
	var folded uint64
	if err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyFolded); v != nil {
			if len(v) != 8 {
				return &CorruptError{Path: filepath.Join(s.dir, DatabaseFile), Err: fmt.Errorf("bad log marker %x", v)}
			}
			folded = binary.BigEndian.Uint64(v)
		}
		return nil
	}); err != nil {
		return err
	}
	gens, err := logFiles(s.dir)
	if err != nil {
		return err
	}
	next := folded + 1
	for i, gen := range gens {
		path := filepath.Join(s.dir, logName(gen))
		if gen <= folded {
			// Folded; a crash came before its removal.
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("boltstore: removing a folded log file: %w", err)
			}
			continue
		}
		l, err := readLog(path, gen, i == len(gens)-1)
		if err != nil {
			return err
		}
		if l != nil {
			s.layers = append(s.layers, l)
		}
		next = gen + 1
	}
	l, f, err := createLog(s.dir, next)
	if err != nil {
		return err
	}
	l.f = f
	s.layers = append(s.layers, l)
	return nil
}

// mmapSize is the address space mapped for the database from the start,
// so that a transaction that grows the file does not remap it: a remap
// copies every record the transaction touched out of the old mapping.
const mmapSize = 1 << 30

// openDB opens the database; bbolt reports some damage by panicking, and a
// truncated file by a fault reading the mapping past its end: both become
// an error here.
func openDB(path string) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var file *os.File // to release the lock when bolt.Open panics
	defer func() {
		if p := recover(); p != nil {
			if db != nil {
				_ = db.Close()
			} else if file != nil {
				_ = file.Close()
			}
			db, err = nil, fmt.Errorf("%v", p)
			if _, fault := p.(interface{ Addr() uintptr }); fault {
				db, err = nil, fmt.Errorf("reading it faulted, as a file cut short does: %v", p)
			}
		}
	}()
	db, err = bolt.Open(path, 0o644, &bolt.Options{Timeout: lockTimeout, InitialMmapSize: mmapSize,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		}})
	if err != nil {
		return nil, err
	}
	if err := db.View(func(tx *bolt.Tx) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if fi.Size() < tx.Size() {
			return fmt.Errorf("the file is %d bytes, but its pages need %d: it was cut short", fi.Size(), tx.Size())
		}
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

// Close folds the log into the database and releases the directory. A
// failed fold loses nothing: the next Open replays the log. Closing again
// returns the first Close's error.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	close(s.stop)
	<-s.folderDone
	err := s.Fold()
	s.mu.Lock()
	if last := s.layers[len(s.layers)-1]; err == nil && last.empty() {
		_ = last.f.Close()
		last.f = nil
		if rerr := os.Remove(last.path); rerr != nil {
			err = fmt.Errorf("boltstore: removing the empty log file: %w", rerr)
		}
	}
	s.mu.Unlock()
	s.closeLogs()
	_ = os.Remove(filepath.Join(s.dir, OwnerFile))
	return errors.Join(err, s.db.Close())
}

func (s *Store) closeLogs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.layers {
		if l.f != nil {
			_ = l.f.Close()
			l.f = nil
		}
	}
}

// Load returns every stored execution in key order: the database's,
// with the changes of the log not folded into it yet.
func (s *Store) Load() ([]emulator.StoredExecution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	logged := map[string][]*overlay{}
	for _, l := range s.layers {
		for k, o := range merge(l.changes) {
			logged[k] = append(logged[k], o)
		}
	}
	merged := out[:0]
	for _, st := range out {
		if ovs, ok := logged[st.Key]; ok {
			delete(logged, st.Key)
			var found bool
			if st, found = applyOverlays(st, true, ovs); !found {
				continue
			}
		}
		merged = append(merged, st)
	}
	for k, ovs := range logged {
		if st, found := applyOverlays(emulator.StoredExecution{Key: k}, false, ovs); found {
			merged = append(merged, st)
		}
	}
	slices.SortFunc(merged, func(a, b emulator.StoredExecution) int { return strings.Compare(a.Key, b.Key) })
	return merged, nil
}

// overlays returns what the layers hold of execution key, oldest first.
// Must hold mu.
func (s *Store) overlays(key string) []*overlay {
	var ovs []*overlay
	for _, l := range s.layers {
		var changes []emulator.Change
		for _, c := range l.changes {
			if c.Key == key {
				changes = append(changes, c)
			}
		}
		if len(changes) > 0 {
			ovs = append(ovs, merge(changes)[key])
		}
	}
	return ovs
}

// LoadExecution returns the stored execution with key.
func (s *Store) LoadExecution(key string) (emulator.StoredExecution, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	if err != nil {
		return st, false, err
	}
	if !found {
		st.Key = key
	}
	st, found = applyOverlays(st, found, s.overlays(key))
	return st, found, nil
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

// Commit appends changes to the log as one frame and fsyncs it before it
// returns: a kill -9 after that loses none of them. With an error none of
// them is stored, also after a restart: a frame that was cut short is cut
// off (and nothing is appended until it is). The changes are folded into
// the database later, in the background (see Fold).
func (s *Store) Commit(changes []emulator.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	frame, err := appendFrame(s.frame[:0], changes)
	if err != nil {
		return fmt.Errorf("boltstore: %w", err)
	}
	s.frame = frame
	l := s.layers[len(s.layers)-1]
	if err := s.appendFrame(l, frame); err != nil {
		return err
	}
	l.changes = append(l.changes, changes...)
	if l.size >= s.foldBytes {
		s.wakeFolder()
	}
	return nil
}

// writeAheadBytes is how far past a frame that reaches beyond the zeros
// in the log file appendFrame extends the file with zeros. A frame
// written over zeros already in the file changes neither its length nor
// its blocks, so that its fsync writes the data and commits nothing to
// ext4's journal, while an append's fsync does both: 24 KB frames took
// 185-277 µs (p50) and 100-130 µs of CPU to sync over zeros, against
// 324-1,185 µs and 165-290 µs appended (1,800 each, load 12-16).
const writeAheadBytes = 1 << 20

// appendFrame writes frame at the end of l's frames and fsyncs it. Must
// hold mu.
func (s *Store) appendFrame(l *layer, frame []byte) error {
	cut := func() error {
		l.alloc = l.size
		err := l.f.Truncate(l.size)
		if err == nil {
			err = l.f.Sync()
		}
		return err
	}
	if s.tailErr != nil {
		if err := cut(); err != nil {
			return fmt.Errorf("boltstore: cutting off the end of the log %s that an earlier failed write left: %w", l.path, err)
		}
		s.tailErr = nil
	}
	end := l.size + int64(len(frame))
	_, err := l.f.WriteAt(frame, l.size)
	if err == nil && end > l.alloc {
		s.writeAhead(l, end)
	}
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		if cerr := cut(); cerr != nil {
			s.tailErr = cerr
		}
		return fmt.Errorf("boltstore: writing to the log %s: %w", l.path, err)
	}
	l.size = end
	return nil
}

// writeAhead extends l's file with writeAheadBytes zeros from end, where
// the frame being appended ends, for the next frames to overwrite (the
// fsync of the frame makes them durable too). Only the speed of those
// commits depends on it: when the zeros do not fit, they are cut off
// again, so that they take no room the frames need. Must hold mu.
func (s *Store) writeAhead(l *layer, end int64) {
	if s.zeros == nil {
		s.zeros = make([]byte, writeAheadBytes)
	}
	if _, err := l.f.WriteAt(s.zeros, end); err != nil {
		l.alloc = end
		if err := l.f.Truncate(end); err != nil {
			s.log.Warn("boltstore: cutting off the zeros that did not fit after the log's end", "log", l.path, "err", err)
		}
		return
	}
	l.alloc = end + writeAheadBytes
}

func (s *Store) wakeFolder() {
	if s.manualFold {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// folder folds the log into the database when Commit asks for it.
func (s *Store) folder() {
	defer close(s.folderDone)
	for {
		select {
		case <-s.stop:
			return
		case <-s.wake:
			if err := s.Fold(); err != nil {
				s.log.Error("boltstore: folding the log into the database failed; the log keeps the changes, and the fold is tried again as it grows", "dir", s.dir, "err", err)
			}
		}
	}
}

// Fold writes the changes in the log into the database in one
// transaction and removes the log files it covered. Commits go on
// meanwhile, into a new log file. The store folds by itself in the
// background, as the log grows (Options.FoldBytes), and on Close.
func (s *Store) Fold() error {
	s.foldMu.Lock()
	defer s.foldMu.Unlock()
	return s.fold()
}

// fold is Fold; must hold foldMu.
func (s *Store) fold() error {
	s.mu.Lock()
	if last := s.layers[len(s.layers)-1]; !last.empty() {
		if s.tailErr != nil {
			s.mu.Unlock()
			return fmt.Errorf("boltstore: the log %s has an unfinished frame: %w", last.path, s.tailErr)
		}
		l, f, err := createLog(s.dir, last.gen+1)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		l.f = f
		_ = last.f.Close()
		last.f = nil
		s.layers = append(s.layers, l)
	}
	sealed := slices.Clone(s.layers[:len(s.layers)-1])
	s.mu.Unlock()
	if len(sealed) == 0 {
		return nil
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return writeLayers(tx, sealed) }); err != nil {
		return fmt.Errorf("boltstore: folding the log into %s: %w", filepath.Join(s.dir, DatabaseFile), err)
	}
	s.mu.Lock()
	s.layers = slices.Clone(s.layers[len(sealed):])
	s.mu.Unlock()
	var errs []error
	for _, l := range sealed {
		if err := os.Remove(l.path); err != nil {
			errs = append(errs, fmt.Errorf("boltstore: removing a folded log file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// fillPercent is how full a fold fills the pages it splits: records are
// mostly appended (new executions, new records of a list), so a page split
// leaves little room in the page on the left.
const fillPercent = 0.9

// writeLayers writes what layers hold, oldest first, into the executions'
// buckets, and records the newest layer's generation as folded.
func writeLayers(tx *bolt.Tx, layers []*layer) error {
	execs := tx.Bucket(bucketExecutions)
	execs.FillPercent = fillPercent
	for _, l := range layers {
		merged := merge(l.changes)
		keys := make([]string, 0, len(merged))
		for k := range merged {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := writeOverlay(execs, k, merged[k]); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(bucketMeta).Put(keyFolded, binary.BigEndian.AppendUint64(nil, layers[len(layers)-1].gen))
}

func writeOverlay(execs *bolt.Bucket, key string, o *overlay) error {
	if o.deleted {
		if err := execs.DeleteBucket([]byte(key)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
	}
	if o.header == nil && len(o.items) == 0 {
		return nil
	}
	b, err := execs.CreateBucketIfNotExists([]byte(key))
	if err != nil {
		return err
	}
	b.FillPercent = fillPercent
	if o.header != nil {
		if err := b.Put(keyHeader, o.header); err != nil {
			return err
		}
	}
	items := make([]itemKey, 0, len(o.items))
	for k := range o.items {
		items = append(items, k)
	}
	slices.SortFunc(items, func(a, b itemKey) int {
		if c := strings.Compare(a.list, b.list); c != 0 {
			return c
		}
		return a.index - b.index
	})
	for _, k := range items {
		lb, err := b.CreateBucketIfNotExists([]byte(k.list))
		if err != nil {
			return err
		}
		lb.FillPercent = fillPercent
		if err := lb.Put(binary.BigEndian.AppendUint64(nil, uint64(k.index)), o.items[k]); err != nil {
			return err
		}
	}
	return nil
}

// Quarantine moves execution key into the quarantine bucket with reason.
// It folds the log first.
func (s *Store) Quarantine(key, reason string) error {
	s.foldMu.Lock()
	defer s.foldMu.Unlock()
	if err := s.fold(); err != nil {
		return err
	}
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
