package durable

import "testing"

func TestRecordsFind(t *testing.T) {
	r := records{ops: []Operation{{Id: "a"}, {Id: "b"}, {Id: "c"}}}
	for _, c := range []struct {
		id    string
		after int
		want  int
	}{
		{"a", -1, 0}, {"b", 0, 1}, {"c", 1, 2}, // the record after: no map needed
		{"a", 1, 0}, {"c", -1, 2}, {"b", 2, 1}, // elsewhere: found by the map
		{"x", 0, -1}, {"x", 2, -1}, // absent
	} {
		op, i := r.find(c.id, c.after)
		if i != c.want || (i >= 0) != (op != nil) || op != nil && op != &r.ops[i] {
			t.Errorf("find(%q, %d) = %v, %d; want index %d", c.id, c.after, op, i, c.want)
		}
	}
	if got := r.get("b"); got != &r.ops[1] {
		t.Errorf("get(b) = %v", got)
	}
	if all := r.all(); len(all) != 3 || all["c"] != &r.ops[2] {
		t.Errorf("all() = %v", all)
	}
}

func TestRecordsInOrderBuildsNoIndex(t *testing.T) {
	r := records{ops: []Operation{{Id: "exec"}, {Id: "s1"}, {Id: "s2"}}}
	for i, id := range []string{"s1", "s2"} {
		if op, at := r.find(id, i); op == nil || at != i+1 {
			t.Fatalf("find(%q, %d) = %v, %d", id, i, op, at)
		}
	}
	if r.byID != nil {
		t.Fatal("a lookup in log order built the index")
	}
}
