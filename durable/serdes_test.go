package durable

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

func TestJSONSerdes(t *testing.T) {
	ctx := context.Background()
	b, err := JSONSerdes{}.Marshal(ctx, SerdesContext{}, map[string]string{"h": "<a&b>"})
	if err != nil || string(b) != `{"h":"<a&b>"}` {
		t.Fatalf("%s %v", b, err)
	}
	var back map[string]string
	if err := (JSONSerdes{}).Unmarshal(ctx, SerdesContext{}, b, &back); err != nil || back["h"] != "<a&b>" {
		t.Fatalf("%v %v", back, err)
	}
	if _, err := (JSONSerdes{}).Marshal(ctx, SerdesContext{}, make(chan int)); err == nil {
		t.Fatal("channel serialized")
	}
}

func TestRawSerdes(t *testing.T) {
	ctx := context.Background()
	for _, v := range []any{"text", []byte("text"), json.RawMessage("text")} {
		if b, err := (RawSerdes{}).Marshal(ctx, SerdesContext{}, v); err != nil || string(b) != "text" {
			t.Errorf("%T: %s %v", v, b, err)
		}
	}
	if _, err := (RawSerdes{}).Marshal(ctx, SerdesContext{}, 3); err == nil {
		t.Error("int serialized")
	}
	var s string
	var bs []byte
	var rm json.RawMessage
	for _, p := range []any{&s, &bs, &rm} {
		if err := (RawSerdes{}).Unmarshal(ctx, SerdesContext{}, []byte("raw"), p); err != nil {
			t.Errorf("%T: %v", p, err)
		}
	}
	if s != "raw" || string(bs) != "raw" || string(rm) != "raw" {
		t.Errorf("%q %q %q", s, bs, rm)
	}
	var n int
	if err := (RawSerdes{}).Unmarshal(ctx, SerdesContext{}, []byte("1"), &n); err == nil {
		t.Error("into *int")
	}
}

func TestSerdesOf(t *testing.T) {
	ctx := context.Background()
	s := SerdesOf(func(n int) ([]byte, error) { return []byte(strconv.Itoa(n * 10)), nil },
		func(b []byte) (int, error) { n, err := strconv.Atoi(string(b)); return n / 10, err })
	b, err := s.Marshal(ctx, SerdesContext{}, 4)
	if err != nil || string(b) != "40" {
		t.Fatalf("%s %v", b, err)
	}
	var n int
	if err := s.Unmarshal(ctx, SerdesContext{}, b, &n); err != nil || n != 4 {
		t.Fatalf("%d %v", n, err)
	}
	if _, err := s.Marshal(ctx, SerdesContext{}, "four"); err == nil {
		t.Error("wrong type serialized")
	}
	var str string
	if err := s.Unmarshal(ctx, SerdesContext{}, b, &str); err == nil {
		t.Error("wrong target accepted")
	}
	if err := s.Unmarshal(ctx, SerdesContext{}, []byte("x"), &n); err == nil {
		t.Error("unmarshal error lost")
	}
}

func TestRetryableSerdesError(t *testing.T) {
	cause := errors.New("disk")
	err := RetryableSerdesError(cause)
	if !errors.Is(err, ErrRetryableSerdes) || !errors.Is(err, cause) {
		t.Fatal(err)
	}
}

// TestSerdesContextAndStepSerdes checks the metadata a Serdes receives and
// that WithStepSerdes and WithSerdes are used where they belong.
func TestSerdesContextAndStepSerdes(t *testing.T) {
	var metas []SerdesContext
	rec := recordingSerdes{inner: JSONSerdes{}, metas: &metas}
	f := newFakeClient(executionOp(`"in"`))
	h := func(ctx Context, in string) (string, error) {
		return Step(ctx, "raw", func(StepContext) (string, error) { return in + "!", nil }, WithStepSerdes(RawSerdes{}))
	}
	out, err := invoke(t, h, envelope(t, "t", f.log()), append(testOptions(f), WithSerdes(rec))...)
	if err != nil || wire.Deref(out.Result) != `"in!"` {
		t.Fatalf("%+v %v", out, err)
	}
	if p := wire.Deref(lastUpdate(f).Payload); p != "in!" {
		t.Errorf("step payload %q, want the raw string", p)
	}
	want := []SerdesContext{{DurableExecutionArn: testARN}, {DurableExecutionArn: testARN}}
	if len(metas) != 2 || metas[0] != want[0] || metas[1] != want[1] {
		t.Errorf("handler serdes saw %+v", metas)
	}
}

type recordingSerdes struct {
	inner Serdes
	metas *[]SerdesContext
}

func (r recordingSerdes) Marshal(ctx context.Context, m SerdesContext, v any) ([]byte, error) {
	*r.metas = append(*r.metas, m)
	return r.inner.Marshal(ctx, m, v)
}

func (r recordingSerdes) Unmarshal(ctx context.Context, m SerdesContext, b []byte, v any) error {
	*r.metas = append(*r.metas, m)
	return r.inner.Unmarshal(ctx, m, b, v)
}
