package boltstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/emulator/boltstore"
	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// stepFunction is a durable function that checkpoints one step per
// element of its input's "steps", then succeeds with their number ("pad"
// only makes the input bigger). It speaks the envelope directly.
func stepFunction(svc *emulator.Service) emulator.Invoker {
	return emulator.InvokerFunc(func(ctx context.Context, req emulator.InvokeRequest) ([]byte, error) {
		var in wire.InvocationInput
		if err := json.Unmarshal(req.Payload, &in); err != nil {
			return nil, err
		}
		ops := in.InitialExecutionState.Operations
		var input struct{ Steps []string }
		if err := json.Unmarshal([]byte(wire.Deref(ops[0].ExecutionDetails.InputPayload)), &input); err != nil {
			return nil, err
		}
		steps := input.Steps
		done := map[string]bool{}
		for _, op := range ops {
			done[op.Id] = op.Status == wire.OperationStatusSucceeded
		}
		token := in.CheckpointToken
		for _, id := range steps {
			if done[id] {
				continue
			}
			out, err := svc.Checkpoint(ctx, wire.CheckpointInput{DurableExecutionArn: in.DurableExecutionArn, CheckpointToken: token,
				Updates: []wire.OperationUpdate{
					{Id: id, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionStart},
					{Id: id, Type: wire.OperationTypeStep, SubType: wire.SubTypeStep, Action: wire.OperationActionSucceed, Payload: wire.String(`"ok"`)},
				}})
			if err != nil {
				return nil, err
			}
			token = out.CheckpointToken
		}
		return json.Marshal(wire.InvocationOutput{Status: wire.InvocationStatusSucceeded, Result: wire.String(fmt.Sprint(len(steps)))})
	})
}

// newService opens dir and returns a service on it with stepFunction as
// "fn"; the store is closed when the test ends.
func newService(t *testing.T, dir string) (*emulator.Service, *boltstore.Store) {
	t.Helper()
	store, err := boltstore.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc, err := emulator.New(emulator.Config{Clock: emulator.NewVirtualClock(t0), Store: store})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := svc.RegisterFunction(emulator.Function{Name: "fn", Durable: true, Invoker: stepFunction(svc)}); err != nil {
		t.Fatal(err)
	}
	return svc, store
}

func TestExecutionsSurviveReopening(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	svc, store := newService(t, dir)
	var arns []string
	for i := range 3 {
		out, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn:1", ExecutionName: fmt.Sprint("x", i), Payload: []byte(`{"steps":["a","b","c"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, out.ExecutionArn)
	}
	if err := svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := svc.History(arns[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	again, _ := newService(t, dir)
	for _, arn := range arns {
		ex, err := again.GetExecution(ctx, arn, true)
		if err != nil || ex.Status != wire.ExecutionStatusSucceeded || wire.Deref(ex.Result) != "3" {
			t.Errorf("reopened %s: %+v, %v", arn, ex, err)
		}
	}
	after, err := again.History(arns[1])
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Errorf("history after reopening differs:\n%s\n%s", b1, b2)
	}
}

func TestOneOwner(t *testing.T) {
	dir := t.TempDir()
	first, err := boltstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = boltstore.Open(dir, nil)
	var inUse *boltstore.InUseError
	if !errors.As(err, &inUse) || inUse.Owner == nil || inUse.Owner.PID != os.Getpid() ||
		!strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second Open = %v, want an *InUseError naming %s and process %d", err, dir, os.Getpid())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := boltstore.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = second.Close()
}

func TestUnreadableDirectories(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		check   func(err error) bool
		want    string
	}{
		{"garbage file", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, boltstore.DatabaseFile), strings.Repeat("not a database ", 1000))
		}, isCorrupt, "is damaged or is not an executions store"},
		{"truncated database", func(t *testing.T, dir string) {
			svc, store := newService(t, dir)
			for i := range 50 {
				if _, err := svc.StartExecution(context.Background(), emulator.StartInput{FunctionName: "fn:1", Payload: []byte(fmt.Sprintf(`{"pad":"%0500d"}`, i))}); err != nil {
					t.Fatal(err)
				}
			}
			_ = store.Close()
			// Cut the file in the middle of the pages it uses (past them,
			// it is space bbolt grew the file by in advance).
			path := filepath.Join(dir, boltstore.DatabaseFile)
			db, err := bolt.Open(path, 0o644, nil)
			if err != nil {
				t.Fatal(err)
			}
			var used int64
			_ = db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
			_ = db.Close()
			if err := os.Truncate(path, used/2); err != nil {
				t.Fatal(err)
			}
		}, isCorrupt, "is damaged or is not an executions store"},
		{"foreign bbolt database", func(t *testing.T, dir string) {
			db, err := bolt.Open(filepath.Join(dir, boltstore.DatabaseFile), 0o644, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
				t.Fatal(err)
			}
			_ = db.Close()
		}, isCorrupt, "no format marker"},
		{"JSON files of earlier versions", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "0123abcd.json"), `{"arn":"x"}`)
		}, func(err error) bool { var l *boltstore.LegacyFormatError; return errors.As(err, &l) }, "move the *.json files elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.prepare(t, dir)
			store, err := boltstore.Open(dir, nil)
			if err == nil {
				_ = store.Close()
				t.Fatal("Open succeeded")
			}
			if !tt.check(err) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("Open = %v, want an error naming %s and saying %q", err, dir, tt.want)
			}
		})
	}
}

func isCorrupt(err error) bool {
	var c *boltstore.CorruptError
	return errors.As(err, &c)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestQuarantineMovesTheRecordAside(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	svc, store := newService(t, dir)
	var arns []string
	for i := range 2 {
		out, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn:1", ExecutionName: fmt.Sprint("q", i), Payload: []byte(`{"steps":["a"]}`)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, out.ExecutionArn)
	}
	_ = store.Close()
	// Damage the first execution's header behind the store's back.
	db, err := bolt.Open(filepath.Join(dir, boltstore.DatabaseFile), 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("executions")).Bucket([]byte(fmt.Sprintf("%016d", 1)))
		return b.Put([]byte("header"), []byte(`{"arn":`))
	}); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	store, err = boltstore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = emulator.New(emulator.Config{Store: store})
	var bad *emulator.BadRecordError
	if !errors.As(err, &bad) || bad.Key != fmt.Sprintf("%016d", 1) {
		t.Fatalf("New = %v, want a *BadRecordError for record %016d", err, 1)
	}
	svc, err = emulator.New(emulator.Config{Store: store, QuarantineBad: true})
	if err != nil {
		t.Fatalf("New with QuarantineBad: %v", err)
	}
	if _, err := svc.GetExecution(ctx, arns[1], false); err != nil {
		t.Errorf("the good execution: %v", err)
	}
	q, err := store.Quarantined()
	if err != nil || len(q) != 1 {
		t.Fatalf("Quarantined = %v, %v; want one record", q, err)
	}
	for name, reason := range q {
		if !strings.HasPrefix(name, bad.Key) || !strings.Contains(reason, "header") {
			t.Errorf("quarantined %s: %q", name, reason)
		}
	}
	_ = store.Close()
}

// TestFullFilesystem fills a real 4 MiB tmpfs: the commit that does not
// fit fails with a ServiceException and is undone, and once there is room
// again the same call succeeds. It needs to mount a filesystem (root).
func TestFullFilesystem(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v); the failing commit path is tested with a failing Store in package emulator", err)
	}
	defer func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) }()
	ctx := context.Background()
	svc, store := newService(t, filepath.Join(dir, "data"))
	ballast := filepath.Join(dir, "ballast")
	// Fill the filesystem, then free a little room at a time until the
	// next start fits: every failing start must be refused cleanly.
	if out, err := exec.CommandContext(testwait.Context(t), "dd", "if=/dev/zero", "of="+ballast, "bs=64k").CombinedOutput(); err == nil {
		t.Fatalf("dd filled nothing? %s", out)
	}
	payload := []byte(`{"steps":["a"],"pad":"` + strings.Repeat("p", 200*1024) + `"}`)
	refused := 0
	var arn string
	for size := fileSize(t, ballast); ; size -= 256 * 1024 {
		if size < 0 {
			t.Fatal("the start never fit")
		}
		if err := os.Truncate(ballast, size); err != nil {
			t.Fatal(err)
		}
		out, err := svc.StartExecution(ctx, emulator.StartInput{FunctionName: "fn:1", ExecutionName: "big", Payload: payload})
		if err == nil {
			arn = out.ExecutionArn
			break
		}
		var apiErr *wire.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !strings.Contains(apiErr.Message, "no space left on device") {
			t.Fatalf("start on a full disk: %v, want a 500 ServiceException saying the disk is full", err)
		}
		refused++
		if list, _ := svc.ListExecutions(ctx, emulator.ListInput{FunctionName: "fn"}); len(list.DurableExecutions) != 0 {
			t.Fatalf("a refused start left %d executions", len(list.DurableExecutions))
		}
	}
	if refused == 0 {
		t.Fatal("no start was refused: the filesystem was not full")
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	if err := svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	_ = store.Close()
	again, _ := newService(t, filepath.Join(dir, "data"))
	ex, err := again.GetExecution(ctx, arn, true)
	if err != nil || ex.Status != wire.ExecutionStatusSucceeded {
		t.Errorf("after reopening: %+v, %v", ex, err)
	}
	t.Logf("%d starts refused on the full filesystem before one fit", refused)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestFailedLogWriteAcknowledgesNothing: a start whose log write fails is
// answered with a ServiceException and leaves no execution, in the
// service or on disk after a crash; once the disk works the same start
// succeeds.
func TestFailedLogWriteAcknowledgesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	svc, store := newService(t, dir)
	fault := &faultyLog{failWrites: true}
	store.WrapLog(func(f boltstore.LogFile) boltstore.LogFile { fault.LogFile = f; return fault })
	in := emulator.StartInput{FunctionName: "fn:1", ExecutionName: "x", Payload: []byte(`{"steps":["a"]}`)}
	_, err := svc.StartExecution(ctx, in)
	var apiErr *wire.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Code != wire.ErrCodeService {
		t.Fatalf("start with a failing log = %v, want a 500 ServiceException", err)
	}
	if list, err := svc.ListExecutions(ctx, emulator.ListInput{FunctionName: "fn"}); err != nil || len(list.DurableExecutions) != 0 {
		t.Fatalf("after the refused start: %+v, %v; want no execution", list, err)
	}
	crashed, _ := newService(t, crashCopy(t, dir))
	if list, err := crashed.ListExecutions(ctx, emulator.ListInput{FunctionName: "fn"}); err != nil || len(list.DurableExecutions) != 0 {
		t.Fatalf("after the refused start and a crash: %+v, %v; want no execution", list, err)
	}
	fault.failWrites = false
	out, err := svc.StartExecution(ctx, in)
	if err != nil {
		t.Fatalf("start once the log works: %v", err)
	}
	if err := svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := newService(t, crashCopy(t, dir))
	if ex, err := again.GetExecution(ctx, out.ExecutionArn, true); err != nil || ex.Status != wire.ExecutionStatusSucceeded {
		t.Fatalf("after a crash: %+v, %v; want the execution succeeded", ex, err)
	}
}
