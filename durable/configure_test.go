package durable

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/durable-lambda-go/internal/testwait"
	"github.com/acme/durable-lambda-go/wire"
)

// shoutSerdes serializes strings upper-cased (as JSON strings).
var shoutSerdes = SerdesOf(
	func(s string) ([]byte, error) { return []byte(`"` + strings.ToUpper(s) + `"`), nil },
	func(b []byte) (string, error) { return strings.Trim(string(b), `"`), nil })

func TestConfigureSerdes(t *testing.T) {
	f := newFakeClient(executionOp(""))
	rt := Wrap(func(ctx Context, _ any) (string, error) {
		if err := ConfigureSerdes(ctx, SerdesConfig{Serdes: shoutSerdes}); err != nil {
			return "", err
		}
		return Step(ctx, "s", func(StepContext) (string, error) { return "quiet", nil })
	}, testOptions(f)...)
	raw, err := rt(lambdaCtx(), envelope(t, "t", f.log()))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Status":"SUCCEEDED","Result":"\"QUIET\""}`; string(raw) != want {
		t.Errorf("response %s, want %s", raw, want)
	}
	if p := wire.Deref(lastUpdate(f).Payload); p != `"QUIET"` {
		t.Errorf("step payload %q, want the configured serdes'", p)
	}
}

func TestConfigureSerdesPerInvocation(t *testing.T) {
	f := newFakeClient(executionOp(""))
	configure := true
	rt := Wrap(func(ctx Context, _ any) (string, error) {
		if configure {
			if err := ConfigureSerdes(ctx, SerdesConfig{Serdes: shoutSerdes}); err != nil {
				return "", err
			}
		}
		return "quiet", nil
	}, testOptions(f)...)
	var got []string
	for _, c := range []bool{true, false} {
		configure = c
		raw, err := rt(lambdaCtx(), envelope(t, "t", f.log()))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(raw))
	}
	want := []string{`{"Status":"SUCCEEDED","Result":"\"QUIET\""}`, `{"Status":"SUCCEEDED","Result":"\"quiet\""}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("responses %q, want %q", got, want)
	}
}

func TestConfigureCallbackDeserializer(t *testing.T) {
	ops := []Operation{executionOp(""), callbackRecord("SUCCEEDED", wire.String("abc"), nil)}
	f := newFakeClient(ops...)
	h := func(ctx Context, _ any) (string, error) {
		if err := ConfigureSerdes(ctx, SerdesConfig{CallbackDeserializer: upperDeserializer{}}); err != nil {
			return "", err
		}
		cb, err := CreateCallback[string](ctx, "cb")
		if err != nil {
			return "", err
		}
		return cb.Result(ctx)
	}
	out, err := invoke(t, h, envelope(t, "t", ops), testOptions(f)...)
	if err != nil || wire.Deref(out.Result) != `"ABC"` {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestConfigureMisuse(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx Context) error
	}{
		{name: "serdes after an operation", call: func(ctx Context) error {
			if _, err := Step(ctx, "s", func(StepContext) (int, error) { return 1, nil }); err != nil {
				return err
			}
			return ConfigureSerdes(ctx, SerdesConfig{Serdes: shoutSerdes})
		}},
		{name: "logging in a child context", call: func(ctx Context) error {
			_, err := RunInChildContext(ctx, "child", func(k Context) (int, error) {
				return 0, ConfigureLogging(k, LogConfig{})
			})
			return err
		}},
	}
	if checksEnabled { // -tags durablenocheck compiles the goroutine check out
		tests = append(tests, struct {
			name string
			call func(ctx Context) error
		}{name: "logging from another goroutine", call: func(ctx Context) error {
			ch := make(chan error)
			go func() { ch <- ConfigureLogging(ctx, LogConfig{}) }()
			err, waitErr := testwait.Receive("ConfigureLogging returns on the other goroutine", ch)
			if waitErr != nil {
				return waitErr
			}
			if !errors.Is(err, ErrWrongGoroutine) {
				return errors.New("not ErrWrongGoroutine: " + err.Error())
			}
			return err
		}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			h := func(ctx Context, _ any) (string, error) { return "", tt.call(ctx) }
			out, err := invoke(t, h, envelope(t, "t", f.log()), testOptions(f)...)
			if err != nil || out.Status != "FAILED" || out.Error == nil ||
				!strings.Contains(out.Error.ErrorMessage, "Configure") {
				t.Fatalf("%+v %v", out.Error, err)
			}
		})
	}
}

func TestConfigureLogging(t *testing.T) {
	tests := []struct {
		name      string
		cfg       func(buf *bytes.Buffer) LogConfig
		replaying bool
		want      []string
		wantFlag  bool // the first record carries replay=true
	}{
		{name: "handler", cfg: func(buf *bytes.Buffer) LogConfig {
			return LogConfig{Handler: newDefaultLogHandler(buf, slog.LevelDebug, true)}
		}, want: []string{"debug", "info", "warn", "in step"}},
		{name: "level", cfg: func(buf *bytes.Buffer) LogConfig {
			return LogConfig{Handler: newDefaultLogHandler(buf, slog.LevelDebug, true), Level: slog.LevelWarn}
		}, want: []string{"warn", "in step"}},
		{name: "replay suppressed by default", replaying: true, cfg: func(buf *bytes.Buffer) LogConfig {
			return LogConfig{Handler: newDefaultLogHandler(buf, slog.LevelDebug, true)}
		}, want: []string{"in step"}},
		{name: "replay emitted", replaying: true, cfg: func(buf *bytes.Buffer) LogConfig {
			return LogConfig{Handler: newDefaultLogHandler(buf, slog.LevelDebug, true), ReplayMode: ReplayLogModeEmit}
		}, want: []string{"debug", "info", "warn", "in step"}, wantFlag: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := []Operation{executionOp("")}
			if tt.replaying {
				// A recorded wait makes the invocation start in replay.
				ops = append(ops, Operation{Id: WireID("9"), Type: wire.OperationTypeWait, Status: wire.OperationStatusSucceeded})
			}
			f := newFakeClient(ops...)
			var buf, before bytes.Buffer
			h := func(ctx Context, _ any) (string, error) {
				ctx.Logger().Warn("before") // a logger cached before ConfigureLogging is replaced
				if err := ConfigureLogging(ctx, tt.cfg(&buf)); err != nil {
					return "", err
				}
				log := ctx.Logger()
				log.Debug("debug")
				log.Info("info")
				log.Warn("warn")
				return Step(ctx, "s", func(sc StepContext) (string, error) {
					sc.Logger().Warn("in step")
					return "ok", nil
				})
			}
			opts := append(testOptions(f), WithLogHandler(newDefaultLogHandler(&before, slog.LevelInfo, true)))
			if _, err := invoke(t, h, envelope(t, "t", ops), opts...); err != nil {
				t.Fatal(err)
			}
			lines := logLines(t, &buf)
			if got := messages(lines); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages %q, want %q", got, tt.want)
			}
			if len(lines) > 0 && (lines[0]["replay"] == true) != tt.wantFlag {
				t.Errorf("first line %v, want replay=%v", lines[0], tt.wantFlag)
			}
			if len(lines) > 0 && lines[0]["executionArn"] != testARN {
				t.Errorf("first line %v lacks the invocation's attributes", lines[0])
			}
			if strings.Contains(before.String(), "info") || strings.Contains(before.String(), "in step") {
				t.Errorf("records went to the handler option's handler: %s", before.String())
			}
		})
	}
}
