package durable

import "sync"

// records is the operation log at invocation start, immutable, looked up
// by operation id. Operations replay mostly in the order of the log (a
// context's operations follow the record that opened it, each one the
// previous), so a lookup first tries the record after the one the caller
// found last; the map by id is built on the first lookup that misses
// there, once, so that a replay that follows the log never builds it.
type records struct {
	ops  []Operation
	once sync.Once
	byID map[string]int // index in ops
}

// index returns the map of the records' indexes by id, building it on
// first use. Safe for concurrent callers.
func (r *records) index() map[string]int {
	r.once.Do(func() {
		r.byID = make(map[string]int, len(r.ops))
		for i := range r.ops {
			r.byID[r.ops[i].Id] = i
		}
	})
	return r.byID
}

// get returns the record of id, or nil.
func (r *records) get(id string) *Operation {
	op, _ := r.find(id, -1)
	return op
}

// find returns the record of id and its index, or nil and -1, trying
// first the record at index after+1 (after >= -1).
func (r *records) find(id string, after int) (*Operation, int) {
	if i := after + 1; i < len(r.ops) && r.ops[i].Id == id {
		return &r.ops[i], i
	}
	if i, ok := r.index()[id]; ok {
		return &r.ops[i], i
	}
	return nil, -1
}

// all returns every record by id (for the plugins' hooks).
func (r *records) all() map[string]*Operation {
	m := make(map[string]*Operation, len(r.ops))
	for id, i := range r.index() {
		m[id] = &r.ops[i]
	}
	return m
}
