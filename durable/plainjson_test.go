package durable

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
	"unsafe"
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

// plainDecodeTypes are the result types the plain decoder is checked on
// against encoding/json.
type (
	plainSmall struct {
		I  int  `json:"i"`
		OK bool `json:"ok"`
	}
	plainNumbers struct {
		I8  int8
		I16 int16
		I32 int32
		U   uint
		U8  uint8
		U32 uint32
		F32 float32
		F64 float64
	}
	plainNested struct {
		Name  string     `json:"name,omitempty"`
		Inner plainSmall `json:"inner"`
		Pair  [2]int16   `json:"pair"`
		Items [2]plainSmall
		Flag  bool `json:"Flag_1"`
	}
)

// checkPlainDecode decodes data as a T with the plain decoder and with
// encoding/json, fails t when the decoder answers differently, and reports
// whether the decoder answered (false: it left data to encoding/json).
func checkPlainDecode[T any](t *testing.T, p *plainTypes, data string) bool {
	t.Helper()
	var fast T
	ok := p.decode(JSONSerdes{}, reflect.TypeFor[T](), data, unsafe.Pointer(&fast))
	var want T
	err := json.Unmarshal([]byte(data), &want)
	if ok && (err != nil || !reflect.DeepEqual(fast, want)) {
		t.Errorf("%T from %q: plain decoder gave %+v, encoding/json %+v (%v)", want, data, fast, want, err)
	}
	got, gotErr := decodeResult[T](t.Context(), p, JSONSerdes{}, SerdesContext{}, data)
	if fmt.Sprint(gotErr) != fmt.Sprint(err) || (err == nil && !reflect.DeepEqual(got, want)) {
		t.Errorf("%T from %q: decodeResult gave %+v (%v), encoding/json %+v (%v)", want, data, got, gotErr, want, err)
	}
	return ok
}

// plainDecodeCheckers check one input against every type of the table.
var plainDecodeCheckers = []func(*testing.T, *plainTypes, string) bool{
	checkPlainDecode[plainSmall], checkPlainDecode[plainNumbers], checkPlainDecode[plainNested],
	checkPlainDecode[string], checkPlainDecode[int], checkPlainDecode[uint8], checkPlainDecode[float32],
	checkPlainDecode[bool], checkPlainDecode[[3]string], checkPlainDecode[plainItem],
}

// TestPlainDecode: the plain decoder decodes the common forms itself, to
// the value encoding/json gives, and leaves the rest to encoding/json.
func TestPlainDecode(t *testing.T) {
	p := &plainTypes{}
	tests := []struct {
		name  string
		check func(*testing.T, *plainTypes, string) bool
		data  string
		fast  bool // the plain decoder answers
	}{
		{"struct", checkPlainDecode[plainSmall], `{"i":42,"ok":true}`, true},
		{"struct with spaces", checkPlainDecode[plainSmall], " { \"i\" : -1 ,\n\"ok\":false } ", true},
		{"unknown fields skipped", checkPlainDecode[plainSmall], `{"x":[1,{"y":null}],"i":1,"z":"\u00e9"}`, true},
		{"null fields", checkPlainDecode[plainSmall], `{"i":null,"ok":null}`, true},
		{"null", checkPlainDecode[plainSmall], `null`, true},
		{"empty object", checkPlainDecode[plainSmall], `{}`, true},
		{"numbers", checkPlainDecode[plainNumbers], `{"I8":-128,"I16":32767,"I32":-5,"U":18446744073709551615,"U8":255,"U32":7,"F32":3.4e38,"F64":-1.5e-300}`, true},
		{"nested", checkPlainDecode[plainNested], `{"name":"ünï <&>","inner":{"i":3},"pair":[1,2,3],"Items":[{"ok":true}],"Flag_1":true}`, true},
		{"string", checkPlainDecode[string], `"abc"`, true},
		{"int", checkPlainDecode[int], `-9223372036854775808`, true},
		{"float32", checkPlainDecode[float32], `1e-46`, true},
		{"bool", checkPlainDecode[bool], `true`, true},
		{"array of strings", checkPlainDecode[[3]string], `["a","b"]`, true},
		// Left to encoding/json:
		{"escape", checkPlainDecode[string], `"a\nb"`, false},
		{"invalid UTF-8", checkPlainDecode[string], "\"a\xffb\"", false},
		{"key in another case", checkPlainDecode[plainSmall], `{"I":1}`, false},
		{"non-ASCII key", checkPlainDecode[plainSmall], `{"ı":1}`, false},
		{"repeated key", checkPlainDecode[plainSmall], `{"i":1,"i":2}`, false},
		{"overflow", checkPlainDecode[uint8], `256`, false},
		{"negative unsigned", checkPlainDecode[uint8], `-1`, false},
		{"float32 overflow", checkPlainDecode[float32], `3.5e38`, false},
		{"fraction into an int", checkPlainDecode[int], `1.0`, false},
		{"string into an int", checkPlainDecode[int], `"1"`, false},
		{"number into a string", checkPlainDecode[string], `1`, false},
		{"syntax error", checkPlainDecode[plainSmall], `{"i":1,}`, false},
		{"trailing text", checkPlainDecode[int], `1 2`, false},
		{"empty", checkPlainDecode[int], ``, false},
		{"leading zero", checkPlainDecode[int], `01`, false},
		{"string option", checkPlainDecode[plainItem], `{"index":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(t, p, tt.data); got != tt.fast {
				t.Errorf("plain decoder answered: %v, want %v", got, tt.fast)
			}
			for _, check := range plainDecodeCheckers {
				check(t, p, tt.data)
			}
		})
	}
}

// FuzzPlainDecode: on any input, the plain decoder gives encoding/json's
// value or leaves the input to it, for every type of the table.
func FuzzPlainDecode(f *testing.F) {
	for _, s := range []string{`{"i":42,"ok":true}`, `{"name":"x","inner":{"i":3},"pair":[1,2,3],"Items":[{"ok":true}]}`,
		`{"I8":-128,"U":1,"F32":1.5,"F64":2e10}`, `"abc"`, `12`, `true`, `["a",null,"b","c"]`, `{"index":1,"Score":"0.5"}`} {
		f.Add(s)
	}
	p := &plainTypes{}
	f.Fuzz(func(t *testing.T, data string) {
		for _, check := range plainDecodeCheckers {
			check(t, p, data)
		}
	})
}

// plainEncoded is a result type with every kind encode writes.
type plainEncoded struct {
	I     int    `json:"i"`
	OK    bool   `json:"ok,omitempty"`
	Name  string `json:"name,omitempty"`
	I8    int8
	U16   uint16 `json:",omitempty"`
	U64   uint64
	Inner plainSmall `json:"inner,omitempty"`
	Pair  [2]int32
	None  [0]bool `json:",omitempty"`
}

// checkPlainEncode encodes v with the plain encoder and with JSONSerdes,
// fails t when the encoder answers differently, and reports whether it
// answered.
func checkPlainEncode[T any](t *testing.T, p *plainTypes, v T) bool {
	t.Helper()
	want, err := JSONSerdes{}.Marshal(t.Context(), SerdesContext{}, v)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.encode(JSONSerdes{}, reflect.TypeFor[T](), unsafe.Pointer(&v), nil)
	if ok && string(got) != string(want) {
		t.Errorf("%#v: plain encoder wrote %s, JSONSerdes %s", v, got, want)
	}
	// Into a short buffer of the caller's, which it outgrows or not.
	if got, ok := p.encode(JSONSerdes{}, reflect.TypeFor[T](), unsafe.Pointer(&v), []byte("[1,2,3,4]")); ok && string(got) != string(want) {
		t.Errorf("%#v: plain encoder wrote %s into a buffer, JSONSerdes %s", v, got, want)
	}
	if b, err := encodeResult(t.Context(), p, JSONSerdes{}, SerdesContext{}, &v, nil); err != nil || string(b) != string(want) {
		t.Errorf("%#v: encodeResult wrote %s (%v), JSONSerdes %s", v, b, err, want)
	}
	return ok
}

// TestPlainEncode: the plain encoder writes what JSONSerdes writes, for
// the values it takes, and leaves the rest to JSONSerdes.
func TestPlainEncode(t *testing.T) {
	p := &plainTypes{}
	tests := []struct {
		name  string
		check func(*testing.T, *plainTypes) bool
		fast  bool
	}{
		{"zero struct", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, plainEncoded{}) }, true},
		{"full struct", func(t *testing.T, p *plainTypes) bool {
			return checkPlainEncode(t, p, plainEncoded{I: -1 << 63, OK: true, Name: "a <&> b~\x7f", I8: -128, U16: 65535, U64: 1<<64 - 1,
				Inner: plainSmall{I: 3, OK: true}, Pair: [2]int32{-1, 1 << 30}})
		}, true},
		{"small struct", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, plainSmall{I: 42, OK: true}) }, true},
		{"int", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, 7) }, true},
		{"bool", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, false) }, true},
		{"string", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, "") }, true},
		{"array", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, [3]string{"a", "b"}) }, true},
		// Left to JSONSerdes:
		{"quote", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, `a"b`) }, false},
		{"backslash", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, `a\b`) }, false},
		{"control character", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, "a\nb") }, false},
		{"non-ASCII", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, "é\u2028") }, false},
		{"invalid UTF-8", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, "a\xffb") }, false},
		{"string in a struct", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, plainEncoded{Name: "\t"}) }, false},
		{"float", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, 1.5) }, false},
		{"struct with a float", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, plainNumbers{F64: 1}) }, false},
		{"string option", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, plainItem{}) }, false},
		{"slice", func(t *testing.T, p *plainTypes) bool { return checkPlainEncode(t, p, []int{1}) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(t, p); got != tt.fast {
				t.Errorf("plain encoder answered: %v, want %v", got, tt.fast)
			}
		})
	}
}

// FuzzPlainEncode: for any value, the plain encoder writes what
// JSONSerdes writes or leaves the value to it.
func FuzzPlainEncode(f *testing.F) {
	f.Add(int64(1), true, "name", int8(-3), uint16(9), uint64(1<<63), int32(-7), "x")
	f.Add(int64(0), false, "", int8(0), uint16(0), uint64(0), int32(0), "<\x7f>")
	p := &plainTypes{}
	f.Fuzz(func(t *testing.T, i int64, ok bool, name string, i8 int8, u16 uint16, u64 uint64, i32 int32, s string) {
		checkPlainEncode(t, p, plainEncoded{I: int(i), OK: ok, Name: name, I8: i8, U16: u16, U64: u64,
			Inner: plainSmall{I: int(i32), OK: !ok}, Pair: [2]int32{i32, -i32}})
		checkPlainEncode(t, p, s)
		checkPlainEncode(t, p, [2]string{s, name})
	})
}
