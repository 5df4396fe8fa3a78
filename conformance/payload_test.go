package conformance

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestEncodePayload(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"string", `abc`, `"abc"`},
		{"variable", `${V}`, `"vvv"`},
		{"number", `42`, `42`},
		{"float", `1.5`, `1.5`},
		{"bool", `true`, `true`},
		{"null", `null`, `null`},
		{"quoted number stays a string", `'42'`, `"42"`},
		{"object keeps document order and spacing", "status: approved\nid: ${V}\nn: 1", `{"status": "approved", "id": "vvv", "n": 1}`},
		{"list", `[a, 1, {k: v}]`, `["a", 1, {"k": "v"}]`},
		{"timestamp-like string", `'2026-01-01T00:00:00.000Z'`, `"2026-01-01T00:00:00.000Z"`},
		{"escapes", `"q\"b\\n\nt\té\U0001F600"`, `"q\"b\\n\nt\t\u00e9\ud83d\ude00"`},
		{"html characters are not escaped", `"<a&b>"`, `"<a&b>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var node yaml.Node
			if err := yaml.Unmarshal([]byte(tt.yaml), &node); err != nil {
				t.Fatal(err)
			}
			got, err := encodePayload(&node, map[string]string{"V": "vvv"})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCallbackActionWithoutPayload(t *testing.T) {
	p := writeFile(t, t.TempDir(), "s/7-15.yaml", "CallbackActions:\n  - CallbackName: '*'\n    Operation: success\n    Delay: 1\n  - CallbackName: x\n    Operation: heartbeat\n")
	reqs, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	a := reqs[0].CallbackActions
	if a[0].Result != nil || a[1].Result != nil {
		t.Fatalf("want no result, got %q and %q", a[0].Result, a[1].Result)
	}
	if a[1].Operation != CallbackHeartbeat || a[1].Delay != 0 {
		t.Fatalf("heartbeat action = %+v", a[1])
	}
}
