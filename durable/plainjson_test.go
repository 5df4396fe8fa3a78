package durable

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

type plainItem struct {
	Index   int     `json:"index"`
	OK      bool    `json:"ok,omitempty"`
	Name    string  `json:"name"`
	Score   float64 `json:",string"`
	Small   float32
	Counts  [2]uint8
	Nested  struct{ A, B int64 }
	Largest uint64
}

type (
	unexportedField struct {
		A int
		b int
	}
	skippedField struct {
		A int
		B int `json:"-"`
	}
	sameNames struct {
		A int `json:"x"`
		B int `json:"X"`
	}
	embedded   struct{ plainItem }
	customText int
)

func (customText) MarshalText() ([]byte, error) { return []byte("x"), nil }

func TestPlainJSON(t *testing.T) {
	tests := []struct {
		name string
		t    reflect.Type
		want bool
	}{
		{"int", reflect.TypeFor[int](), true},
		{"string", reflect.TypeFor[string](), true},
		{"struct of plain fields", reflect.TypeFor[plainItem](), true},
		{"array", reflect.TypeFor[[3]plainItem](), true},
		{"pointer", reflect.TypeFor[*int](), false},
		{"slice", reflect.TypeFor[[]int](), false},
		{"map", reflect.TypeFor[map[string]int](), false},
		{"interface", reflect.TypeFor[any](), false},
		{"time.Time (a marshaler)", reflect.TypeFor[time.Time](), false},
		{"text marshaler", reflect.TypeFor[customText](), false},
		{"unexported field", reflect.TypeFor[unexportedField](), false},
		{"skipped field", reflect.TypeFor[skippedField](), false},
		{"names equal but for case", reflect.TypeFor[sameNames](), false},
		{"embedded struct", reflect.TypeFor[embedded](), false},
		{"json.RawMessage", reflect.TypeFor[json.RawMessage](), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainJSON(tt.t, 0); got != tt.want {
				t.Errorf("plainJSON(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

// TestPlainTypesKeepValues: for a plain type, what keeps accepts decodes
// to the value that was encoded.
func TestPlainTypesKeepValues(t *testing.T) {
	values := []plainItem{
		{},
		{Index: -7, OK: true, Name: "ünïcode <&>", Score: 0.1, Small: 1.1, Counts: [2]uint8{0, 255}, Largest: 1<<64 - 1},
		{Score: 1e300, Small: -3.4e38, Nested: struct{ A, B int64 }{-1 << 63, 1<<63 - 1}},
	}
	p := &plainTypes{}
	for _, v := range values {
		payload, err := JSONSerdes{}.Marshal(t.Context(), SerdesContext{}, v)
		if err != nil {
			t.Fatal(err)
		}
		if !p.keeps(JSONSerdes{}, reflect.TypeFor[plainItem](), payload) {
			t.Fatalf("%s: not kept", payload)
		}
		var back plainItem
		if err := json.Unmarshal(payload, &back); err != nil || back != v {
			t.Errorf("%s decodes to %+v (%v), want %+v", payload, back, err, v)
		}
	}
	if p.keeps(JSONSerdes{}, reflect.TypeFor[string](), []byte(`"a\u2028b"`)) {
		t.Error("a payload with an escape is kept")
	}
	if p.keeps(RawSerdes{}, reflect.TypeFor[string](), []byte(`abc`)) {
		t.Error("another Serdes's payload is kept")
	}
}

// TestFreshStepReturnsWhatReplayReturns: a fresh step returns what its
// replay returns, for plain results (returned as they are) and for results
// a round trip changes.
func TestFreshStepReturnsWhatReplayReturns(t *testing.T) {
	type withSlice struct {
		List []int `json:"list"`
	}
	tests := []struct {
		name string
		run  func(t *testing.T) (first, replay any)
	}{
		{"plain struct", func(t *testing.T) (any, any) { return firstAndReplay(t, plainItem{Index: 3, Name: "x"}) }},
		{"invalid UTF-8 in a string", func(t *testing.T) (any, any) { return firstAndReplay(t, "a\xffb") }},
		{"empty slice", func(t *testing.T) (any, any) { return firstAndReplay(t, withSlice{List: []int{}}) }},
		{"integer in an interface", func(t *testing.T) (any, any) { return firstAndReplay[any](t, 3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if first, replay := tt.run(t); !reflect.DeepEqual(first, replay) {
				t.Errorf("first run returned %#v, replay %#v", first, replay)
			}
		})
	}
}

// firstAndReplay runs a step whose body returns v, then replays it, and
// returns what Step returned each time.
func firstAndReplay[O any](t *testing.T, v O) (first, replay O) {
	t.Helper()
	var got []O
	h := func(ctx Context, _ any) (int, error) {
		out, err := Step(ctx, "s", func(StepContext) (O, error) { return v, nil })
		got = append(got, out)
		return 0, err
	}
	f := newFakeClient(executionOp(""))
	if _, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...); err != nil {
		t.Fatal(err)
	}
	if _, err := invoke(t, h, envelope(t, "t2", f.log()), testOptions(newFakeClient())...); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("the handler ran %d times, want 2", len(got))
	}
	return got[0], got[1]
}
