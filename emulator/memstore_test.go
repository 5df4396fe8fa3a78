package emulator

import (
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"
)

// memStore is a Store in memory that fails on demand, for tests.
type memStore struct {
	mu          sync.Mutex
	execs       map[string]*memExec
	quarantined map[string]string // key -> reason
	commits     int
	// failCommits fails that many of the next commits.
	failCommits int
}

type memExec struct {
	header []byte
	lists  map[string]map[int][]byte
}

var errDiskFull = errors.New("write: no space left on device")

func newMemStore() *memStore {
	return &memStore{execs: map[string]*memExec{}, quarantined: map[string]string{}}
}

// failNext makes the next n commits fail with errDiskFull.
func (m *memStore) failNext(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failCommits = n
}

func (m *memStore) Load() ([]StoredExecution, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := slices.Sorted(maps.Keys(m.execs))
	out := make([]StoredExecution, 0, len(keys))
	for _, k := range keys {
		out = append(out, m.stored(k))
	}
	return out, nil
}

func (m *memStore) LoadExecution(key string) (StoredExecution, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.execs[key]; !ok {
		return StoredExecution{}, false, nil
	}
	return m.stored(key), true, nil
}

func (m *memStore) stored(key string) StoredExecution {
	x := m.execs[key]
	st := StoredExecution{Key: key, Header: x.header}
	for _, list := range slices.Sorted(maps.Keys(x.lists)) {
		idx := slices.Collect(maps.Keys(x.lists[list]))
		sort.Ints(idx)
		for _, i := range idx {
			st.Items = append(st.Items, Item{List: list, Index: i, Data: x.lists[list][i]})
		}
	}
	return st
}

func (m *memStore) Commit(changes []Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failCommits > 0 {
		m.failCommits--
		return errDiskFull
	}
	m.commits++
	for _, c := range changes {
		if c.Delete {
			delete(m.execs, c.Key)
			continue
		}
		x, ok := m.execs[c.Key]
		if !ok {
			x = &memExec{lists: map[string]map[int][]byte{}}
			m.execs[c.Key] = x
		}
		x.header = c.Header
		for _, it := range c.Items {
			if x.lists[it.List] == nil {
				x.lists[it.List] = map[int][]byte{}
			}
			x.lists[it.List][it.Index] = it.Data
		}
	}
	return nil
}

func (m *memStore) Quarantine(key, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.execs, key)
	m.quarantined[key] = reason
	return nil
}
