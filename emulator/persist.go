package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// DirStore is a Store that keeps one JSON file per execution in a
// directory. Files are replaced atomically (write, then rename).
type DirStore struct {
	dir string
}

// NewDirStore returns a DirStore in dir, creating the directory if needed.
func NewDirStore(dir string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("emulator: creating data directory: %w", err)
	}
	return &DirStore{dir: dir}, nil
}

// Save writes snapshot under key.
func (d *DirStore) Save(key string, snapshot []byte) error {
	sum := sha256.Sum256([]byte(key))
	name := filepath.Join(d.dir, hex.EncodeToString(sum[:16])+".json")
	tmp, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("emulator: saving %s: %w", key, err)
	}
	_, werr := tmp.Write(snapshot)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: saving %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: saving %s: %w", key, err)
	}
	return nil
}

// LoadAll reads every stored snapshot.
func (d *DirStore) LoadAll() ([][]byte, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("emulator: reading data directory: %w", err)
	}
	var out [][]byte
	for _, ent := range entries {
		if ent.IsDir() || !strings.HasSuffix(ent.Name(), ".json") || strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.dir, ent.Name()))
		if err != nil {
			return nil, fmt.Errorf("emulator: reading %s: %w", ent.Name(), err)
		}
		out = append(out, b)
	}
	return out, nil
}

// snapshot is the persisted form of an execution.
type snapshot struct {
	ARN           string                   `json:"arn"`
	Seq           int                      `json:"seq"`
	Function      string                   `json:"function"`
	Input         string                   `json:"input"`
	Config        wire.DurableConfig       `json:"config"`
	Depth         int                      `json:"depth"`
	ParentARN     string                   `json:"parentArn,omitempty"`
	ParentOp      string                   `json:"parentOp,omitempty"`
	Status        wire.ExecutionStatus     `json:"status"`
	Start         time.Time                `json:"start"`
	End           time.Time                `json:"end"`
	Result        *string                  `json:"result,omitempty"`
	Error         *wire.ErrorObject        `json:"error,omitempty"`
	Operations    []wire.Operation         `json:"operations"`
	Events        []wire.Event             `json:"events"`
	StatusChanges []wire.StatusChangeEvent `json:"statusChanges"`
	Invocations   []Invocation             `json:"invocations"`
	Timers        []snapTimer              `json:"timers"`
	Jobs          []snapJob                `json:"jobs"`
	Updated       []string                 `json:"updated"`
	// Due is true when an invocation was due or in flight: an invocation
	// lost in a restart runs again.
	Due      bool         `json:"due"`
	Failures int          `json:"failures"`
	Closing  *snapOutcome `json:"closing,omitempty"`
}

type snapTimer struct {
	Kind TimerKind `json:"kind"`
	At   time.Time `json:"at"`
	OpID string    `json:"opId,omitempty"`
	Seq  uint64    `json:"seq"`
}

type snapJob struct {
	OpID     string `json:"opId"`
	Function string `json:"function"`
	Version  string `json:"version"`
	Payload  []byte `json:"payload"`
}

type snapOutcome struct {
	Status wire.ExecutionStatus `json:"status"`
	Result *string              `json:"result,omitempty"`
	Error  *wire.ErrorObject    `json:"error,omitempty"`
}

// persistDirty saves every execution changed since the last save. Must
// hold the lock.
func (s *Service) persistDirty() error {
	var errs []error
	for e := range s.dirty {
		b, err := json.Marshal(e.snapshot())
		if err == nil {
			err = s.cfg.Store.Save(e.arn, b)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("execution %s: %w", e.arn, err))
		}
	}
	return errors.Join(errs...)
}

func (e *execution) snapshot() snapshot {
	sn := snapshot{
		ARN: e.arn, Seq: e.seq, Function: e.function, Input: e.input, Config: e.config, Depth: e.depth,
		Status: e.status, Start: e.start, End: e.end, Result: e.result, Error: e.err,
		Operations: cloneOps(e.ops), Events: e.events, StatusChanges: e.statusChanges, Invocations: e.invocations,
		Due: e.due || e.inv != nil, Failures: e.failures,
	}
	if e.parent != nil {
		sn.ParentARN, sn.ParentOp = e.parent.arn, e.parent.opID
	}
	for _, t := range e.timers {
		sn.Timers = append(sn.Timers, snapTimer{Kind: t.kind, At: t.at, OpID: t.opID, Seq: t.seq})
	}
	for _, j := range e.jobs {
		sn.Jobs = append(sn.Jobs, snapJob{OpID: j.opID, Function: j.function, Version: j.version, Payload: j.payload})
	}
	for _, op := range e.ops {
		if _, ok := e.updated[op.Id]; ok {
			sn.Updated = append(sn.Updated, op.Id)
		}
	}
	if c := e.closing; c != nil {
		sn.Closing = &snapOutcome{Status: c.status, Result: c.result, Error: c.err}
	}
	return sn
}

// load rebuilds the executions from the Store.
func (s *Service) load() error {
	blobs, err := s.cfg.Store.LoadAll()
	if err != nil {
		return err
	}
	snaps := make([]snapshot, 0, len(blobs))
	for _, b := range blobs {
		var sn snapshot
		if err := json.Unmarshal(b, &sn); err != nil {
			return fmt.Errorf("emulator: decoding a stored execution: %w", err)
		}
		snaps = append(snaps, sn)
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Seq < snaps[j].Seq })
	for _, sn := range snaps {
		e, err := s.restore(sn)
		if err != nil {
			return err
		}
		s.addExecution(e)
	}
	return nil
}

func (s *Service) restore(sn snapshot) (*execution, error) {
	arn, err := wire.ParseExecutionARN(sn.ARN)
	if err != nil {
		return nil, fmt.Errorf("emulator: stored execution: %w", err)
	}
	e := newExecution(arn, sn.Function, sn.Config, sn.Input, sn.Start, sn.Depth)
	e.ops, e.opIndex, e.opPos = nil, map[string]*wire.Operation{}, map[string]int{}
	for i := range sn.Operations {
		op := sn.Operations[i]
		e.addOp(&op)
		if op.Type == wire.OperationTypeCallback && op.CallbackDetails != nil && op.CallbackDetails.CallbackId != "" {
			s.callbacks[op.CallbackDetails.CallbackId] = opRef{arn: e.arn, opID: op.Id}
		}
	}
	if sn.ParentARN != "" {
		e.parent = &opRef{arn: sn.ParentARN, opID: sn.ParentOp}
	}
	e.status, e.end, e.result, e.err = sn.Status, sn.End, sn.Result, sn.Error
	e.events, e.statusChanges, e.invocations = sn.Events, sn.StatusChanges, sn.Invocations
	for _, t := range sn.Timers {
		e.timers = append(e.timers, &timer{kind: t.Kind, at: t.At, opID: t.OpID, seq: t.Seq})
		s.timerSeq = max(s.timerSeq, t.Seq)
	}
	for _, j := range sn.Jobs {
		e.jobs = append(e.jobs, &plainJob{parent: e, opID: j.OpID, function: j.Function, version: j.Version, payload: j.Payload})
	}
	for _, id := range sn.Updated {
		e.updated[id] = struct{}{}
	}
	e.due, e.failures = sn.Due, sn.Failures
	if c := sn.Closing; c != nil {
		// The invocation that sent the EXECUTION update was lost; its
		// outcome stands.
		e.closing = &closeOutcome{status: c.Status, result: c.Result, err: c.Error}
	}
	e.seq = sn.Seq
	if e.status.Terminal() {
		close(e.done)
	}
	return e, nil
}
