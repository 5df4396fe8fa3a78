package boltstore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/boltstore"
)

// commits is a history of commits: a new execution, a change of it that
// replaces a record and adds one, a second execution and its deletion.
var commits = [][]emulator.Change{
	{{Key: "a", Header: []byte(`"a1"`), Items: []emulator.Item{
		{List: emulator.ListOperations, Index: 0, Data: []byte(`"op0"`)},
		{List: emulator.ListEvents, Index: 0, Data: []byte(`"ev0"`)}}}},
	{{Key: "a", Header: []byte(`"a2"`), Items: []emulator.Item{
		{List: emulator.ListOperations, Index: 0, Data: []byte(`"op0 done"`)},
		{List: emulator.ListEvents, Index: 1, Data: []byte(`"ev1"`)}}},
		{Key: "b", Header: []byte(`"b1"`)}},
	{{Key: "b", Delete: true}},
}

// want is the store after commits[:n].
func want(n int) []emulator.StoredExecution {
	switch n {
	case 0:
		return nil
	case 1:
		return []emulator.StoredExecution{{Key: "a", Header: []byte(`"a1"`), Items: []emulator.Item{
			{List: emulator.ListEvents, Index: 0, Data: []byte(`"ev0"`)},
			{List: emulator.ListOperations, Index: 0, Data: []byte(`"op0"`)}}}}
	}
	a := emulator.StoredExecution{Key: "a", Header: []byte(`"a2"`), Items: []emulator.Item{
		{List: emulator.ListEvents, Index: 0, Data: []byte(`"ev0"`)},
		{List: emulator.ListEvents, Index: 1, Data: []byte(`"ev1"`)},
		{List: emulator.ListOperations, Index: 0, Data: []byte(`"op0 done"`)}}}
	if n == 2 {
		return []emulator.StoredExecution{a, {Key: "b", Header: []byte(`"b1"`)}}
	}
	return []emulator.StoredExecution{a}
}

func commitAll(t *testing.T, s *boltstore.Store, cs [][]emulator.Change) {
	t.Helper()
	for i, c := range cs {
		if err := s.Commit(c); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
}

func checkStore(t *testing.T, what string, s *boltstore.Store, want []emulator.StoredExecution) {
	t.Helper()
	got, err := s.Load()
	if err != nil {
		t.Fatalf("%s: Load: %v", what, err)
	}
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%s: Load =\n%s\nwant\n%s", what, show(got), show(want))
	}
	for _, w := range want {
		st, ok, err := s.LoadExecution(w.Key)
		if err != nil || !ok || !reflect.DeepEqual(st, w) {
			t.Fatalf("%s: LoadExecution(%s) = %s, %v, %v; want %s", what, w.Key, show([]emulator.StoredExecution{st}), ok, err, show([]emulator.StoredExecution{w}))
		}
	}
	if _, ok, err := s.LoadExecution("b"); len(want) != 2 && (ok || err != nil) {
		t.Fatalf("%s: LoadExecution(b) = %v, %v; want none", what, ok, err)
	}
}

func show(sts []emulator.StoredExecution) string {
	var b strings.Builder
	for _, st := range sts {
		fmt.Fprintf(&b, "  %s %s:", st.Key, st.Header)
		for _, it := range st.Items {
			fmt.Fprintf(&b, " %s/%d=%s", it.List, it.Index, it.Data)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// crashCopy copies the files of the open store in dir, as a kill -9 would
// leave them, to a new directory.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dst, e.Name()), string(b))
	}
	return dst
}

func logFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "log-*.wal"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func open(t *testing.T, dir string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestLog checks what the store reads after each commit, from the log and
// the database alike: before and after a fold, after a crash, and after
// Close and Open.
func TestLog(t *testing.T) {
	for n := range len(commits) + 1 {
		t.Run(fmt.Sprint(n, " commits"), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			commitAll(t, s, commits[:n])
			checkStore(t, "from the log", s, want(n))
			checkStore(t, "replayed after a crash", open(t, crashCopy(t, dir)), want(n))
			if err := s.Fold(); err != nil {
				t.Fatalf("Fold: %v", err)
			}
			checkStore(t, "folded", s, want(n))
			checkStore(t, "folded, after a crash", open(t, crashCopy(t, dir)), want(n))
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if files := logFiles(t, dir); len(files) != 0 {
				t.Errorf("log files left after Close: %v", files)
			}
			checkStore(t, "reopened", open(t, dir), want(n))
		})
	}
}

// TestLogFoldsInTheBackground: a log that reaches Options.FoldBytes is
// folded into the database without a call to Fold.
func TestLogFoldsInTheBackground(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir, &boltstore.Options{FoldBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commitAll(t, s, commits)
	// The fold ends with the log files it covered removed; wait for that
	// by taking the next fold's turn.
	if err := s.Fold(); err != nil {
		t.Fatal(err)
	}
	if files := logFiles(t, dir); len(files) != 1 {
		t.Errorf("log files after the folds: %v, want only the newest", files)
	}
	checkStore(t, "folded", s, want(len(commits)))
}

// TestLogCrashMidWrite: a frame that a crash cut short at the end of the
// newest log file's frames, over the zeros written ahead or past the
// file's end, was never acknowledged; Open cuts it off and goes on.
func TestLogCrashMidWrite(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	commitAll(t, s, commits[:2])
	for _, tail := range []string{"\x05", "\x40\x00\x00\x00\x01\x02\x03\x04partial", strings.Repeat("\x00", 100)} {
		for _, pastEnd := range []bool{false, true} {
			crashed := crashCopy(t, dir)
			files := logFiles(t, crashed)
			last := files[len(files)-1]
			frames := framesOf(t, last)
			if pastEnd {
				// As an append leaves it when the zeros did not fit.
				if err := os.Truncate(last, int64(len(frames))); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.OpenFile(last, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.WriteAt([]byte(tail), int64(len(frames)))
			_ = f.Close()
			crashMidWrite(t, crashed, last, frames, tail)
		}
	}
}

// framesOf returns the frames of the log file at path, without the zeros
// after them; it fails t when anything else follows them.
func framesOf(t *testing.T, path string) string {
	t.Helper()
	end, err := boltstore.FramesEnd(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:end])
}

// crashMidWrite opens the store in crashed, whose newest log file last
// holds frames and then tail, and checks that it holds commits[:2], that
// tail is cut off and that the next commits go on.
func crashMidWrite(t *testing.T, crashed, last, frames, tail string) {
	t.Helper()
	// Open wakes a background fold of the replayed log, which would
	// remove the file whose cut this checks: fold only on Close.
	again, err := boltstore.Open(crashed, boltstore.ManualFold())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = again.Close() })
	checkStore(t, fmt.Sprintf("after a crash that left %q", tail), again, want(2))
	if got := framesOf(t, last); got != frames {
		t.Errorf("the cut log holds %q, want %q", got, frames)
	}
	commitAll(t, again, commits[2:])
	_ = again.Close()
	checkStore(t, "reopened", open(t, crashed), want(3))
}

// TestDamagedLog: a log file that is not one, or whose frame is damaged
// where no crash can cut a write short (in a log older than the newest),
// stops Open with a *CorruptError naming the file.
func TestDamagedLog(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, files []string)
		want   string
	}{
		{"foreign file", func(t *testing.T, files []string) {
			writeFile(t, files[0], "not a log at all")
		}, "not a log file of this store"},
		{"flipped byte in an older log", func(t *testing.T, files []string) {
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			b[len(framesOf(t, files[0]))-3] ^= 0xff
			writeFile(t, files[0], string(b))
		}, "checksum mismatch"},
		{"a byte in the zeros after an older log's frames", func(t *testing.T, files []string) {
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-3] = 1
			writeFile(t, files[0], string(b))
		}, "frame at byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Two log files, as a crash leaves them after a fold
			// sealed the first: one commit in each.
			var crashed [2]string
			for i := range crashed {
				dir := t.TempDir()
				commitAll(t, open(t, dir), commits[i:i+1])
				crashed[i] = crashCopy(t, dir)
			}
			second := logFiles(t, crashed[1])[0]
			files := []string{logFiles(t, crashed[0])[0], filepath.Join(crashed[0], "log-0000000000000002.wal")}
			if err := os.Rename(second, files[1]); err != nil {
				t.Fatal(err)
			}
			checkStore(t, "undamaged", open(t, crashCopy(t, crashed[0])), want(2))
			tt.damage(t, files)
			_, err := boltstore.Open(crashed[0], nil)
			var corrupt *boltstore.CorruptError
			if !errors.As(err, &corrupt) || corrupt.Path != files[0] || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "move it aside to start without them") {
				t.Fatalf("Open = %v, want a *CorruptError naming %s and saying %q", err, files[0], tt.want)
			}
		})
	}
}

// faultyLog fails the writes to the log: it writes the first half of a
// frame and fails, as a full disk does, and can fail the cutting off of
// that half too.
type faultyLog struct {
	boltstore.LogFile
	failWrites, failSync, failTruncate bool
}

func (f *faultyLog) WriteAt(b []byte, off int64) (int, error) {
	if f.failWrites {
		n, _ := f.LogFile.WriteAt(b[:len(b)/2], off)
		return n, syscall.ENOSPC
	}
	return f.LogFile.WriteAt(b, off)
}

func (f *faultyLog) Sync() error {
	if f.failSync {
		return syscall.EIO
	}
	return f.LogFile.Sync()
}

func (f *faultyLog) Truncate(size int64) error {
	if f.failTruncate {
		return syscall.EIO
	}
	return f.LogFile.Truncate(size)
}

// TestFailedCommit: a Commit that fails stores nothing, not even after a
// crash; the next one that succeeds carries on.
func TestFailedCommit(t *testing.T) {
	tests := []struct {
		name  string
		fault faultyLog
		want  error
	}{
		{"write", faultyLog{failWrites: true}, syscall.ENOSPC},
		{"fsync", faultyLog{failSync: true}, syscall.EIO},
		{"write, and cutting it off", faultyLog{failWrites: true, failTruncate: true}, syscall.ENOSPC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			commitAll(t, s, commits[:1])
			fault := tt.fault
			s.WrapLog(func(f boltstore.LogFile) boltstore.LogFile { fault.LogFile = f; return &fault })
			if err := s.Commit(commits[1]); !errors.Is(err, tt.want) {
				t.Fatalf("Commit = %v, want %v", err, tt.want)
			}
			checkStore(t, "after the failed commit", s, want(1))
			checkStore(t, "after the failed commit and a crash", open(t, crashCopy(t, dir)), want(1))
			if fault.failTruncate {
				// The half frame is still there: nothing can be
				// appended until it is cut off.
				fault.failWrites, fault.failSync = false, false
				if err := s.Commit(commits[1]); !errors.Is(err, syscall.EIO) {
					t.Fatalf("Commit after the failed cut = %v, want EIO", err)
				}
				checkStore(t, "refused after the failed cut", open(t, crashCopy(t, dir)), want(1))
			}
			fault = faultyLog{LogFile: fault.LogFile}
			commitAll(t, s, commits[1:])
			checkStore(t, "after the disk recovered", s, want(3))
			checkStore(t, "after the disk recovered and a crash", open(t, crashCopy(t, dir)), want(3))
		})
	}
}
