package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// logLines decodes JSON log lines.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func messages(lines []map[string]any) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l["message"].(string))
	}
	return out
}

// TestReplayAwareLogging logs around a replayed step, a wait the service
// finished since the last invocation, and a new step.
func TestReplayAwareLogging(t *testing.T) {
	f := newFakeClient(executionOp(""))
	h := func(ctx Context, _ any) (string, error) {
		log := ctx.Logger()
		log.Info("start")
		if _, err := Step(ctx, "one", func(sc StepContext) (int, error) { sc.Logger().Info("in one"); return 1, nil }); err != nil {
			return "", err
		}
		log.Info("after one")
		if err := Wait(ctx, "w", 1e9); err != nil {
			return "", err
		}
		log.Info("after wait")
		return Step(ctx, "two", func(sc StepContext) (string, error) { sc.Logger().Info("in two"); return "ok", nil })
	}
	var buf bytes.Buffer
	opts := append(testOptions(f), WithLogHandler(newDefaultLogHandler(&buf, slog.LevelInfo, true)))
	if _, err := invoke(t, h, envelope(t, "t", f.log()), opts...); err != nil {
		t.Fatal(err)
	}
	updated := f.fireTimers()
	if _, err := invoke(t, h, envelope(t, "t2", f.log(), updated...), opts...); err != nil {
		t.Fatal(err)
	}
	want := []string{"start", "in one", "after one", "after wait", "in two"}
	if got := messages(logLines(t, &buf)); !reflect.DeepEqual(got, want) {
		t.Fatalf("logged %q, want %q", got, want)
	}

	buf.Reset()
	emit := append(opts, WithReplayLogMode(ReplayLogModeEmit))
	if _, err := invoke(t, h, envelope(t, "t3", f.log(), updated...), emit...); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, &buf)
	if got := messages(lines); !reflect.DeepEqual(got, []string{"start", "after one", "after wait"}) {
		t.Fatalf("emit mode logged %q", got)
	}
	if lines[0]["replay"] != true || lines[1]["replay"] != true || lines[2]["replay"] != nil {
		t.Fatalf("replay marks: %v", lines)
	}
}

func TestLogFields(t *testing.T) {
	f := newFakeClient(executionOp(""))
	var buf bytes.Buffer
	h := func(ctx Context, _ any) (int, error) {
		ctx.Logger().Warn("root", "err", &userErr{code: 5})
		ctx.Logger().Debug("hidden")
		return Step(ctx, "s", func(sc StepContext) (int, error) { sc.Logger().Info("body"); return 1, nil })
	}
	opts := append(testOptions(f), WithLogHandler(newDefaultLogHandler(&buf, slog.LevelInfo, true)))
	if _, err := invoke(t, h, envelope(t, "t", f.log()), opts...); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, &buf)
	if len(lines) != 2 {
		t.Fatalf("lines %v", lines)
	}
	root, body := lines[0], lines[1]
	for _, k := range []string{"timestamp", "level", "message", "requestId", "executionArn"} {
		if root[k] == nil || body[k] == nil {
			t.Errorf("missing %s: %v / %v", k, root, body)
		}
	}
	if root["level"] != "WARN" || root["requestId"] != "req-1" || root["executionArn"] != testARN {
		t.Errorf("root line %v", root)
	}
	if e, _ := root["err"].(map[string]any); e["errorType"] != "userErr" || e["errorMessage"] != "user error 5" {
		t.Errorf("error attr %v", root["err"])
	}
	if body["operationId"] != WireID("1") || body["operationName"] != "s" || body["attempt"] != float64(1) {
		t.Errorf("step line %v", body)
	}
}

func TestPanicErrorLogAttr(t *testing.T) {
	a := errorAttr("err", &PanicError{Value: "boom", Stack: []byte("stack")}, true)
	got := map[string]string{}
	for _, g := range a.Value.Group() {
		got[g.Key] = g.Value.String()
	}
	if got["errorType"] != "PanicError" || got["stackTrace"] != "stack" || got["errorMessage"] != "durable: panic: boom" {
		t.Fatalf("%v", got)
	}
	a = errorAttr("err", &OperationError{ErrorType: "E", Message: "m", StackTrace: []string{"f1"}, Err: errors.New("x")}, true)
	if len(a.Value.Group()) != 3 {
		t.Fatalf("%v", a)
	}
}

func TestLevelFromEnv(t *testing.T) {
	for v, want := range map[string]slog.Level{
		"": slog.LevelInfo, "info": slog.LevelInfo, "DEBUG": slog.LevelDebug, "TRACE": slog.LevelDebug - 4,
		"WARN": slog.LevelWarn, "ERROR": slog.LevelError, "FATAL": slog.LevelError + 4, "bogus": slog.LevelInfo,
	} {
		if got := levelFromEnv(v); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

// TestLogTenantAndStackTrace: the default handler's lines carry tenantId
// when the invocation has one (a tenant-isolated function) and none
// otherwise, and a logged error that carries no stack trace of its own gets
// the stack of the code that logged it, starting at the handler.
func TestLogTenantAndStackTrace(t *testing.T) {
	tests := []struct {
		name       string
		tenant     string
		stacks     bool
		wantTenant any // nil: no tenantId member
		wantStack  bool
	}{
		{name: "tenant and stack", tenant: "tenant-7", stacks: true, wantTenant: "tenant-7", wantStack: true},
		{name: "no tenant", stacks: true, wantStack: true},
		{name: "stack traces off", tenant: "tenant-7", wantTenant: "tenant-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeClient(executionOp(""))
			var buf bytes.Buffer
			h := func(ctx Context, _ any) (int, error) {
				ctx.Logger().Error("failed", "err", errors.New("plain"))
				return 0, nil
			}
			opts := append(testOptions(f), WithStackTraces(tt.stacks), WithLogHandler(newDefaultLogHandler(&buf, slog.LevelInfo, tt.stacks)))
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1", TenantID: tt.tenant})
			if _, err := Wrap(h, opts...)(ctx, envelope(t, "t", f.log())); err != nil {
				t.Fatal(err)
			}
			lines := logLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("lines %v", lines)
			}
			line := lines[0]
			if line["tenantId"] != tt.wantTenant {
				t.Errorf("tenantId = %v, want %v", line["tenantId"], tt.wantTenant)
			}
			e, _ := line["err"].(map[string]any)
			stack, _ := e["stackTrace"].([]any)
			if !tt.wantStack {
				if e["stackTrace"] != nil {
					t.Errorf("stackTrace %v with stack traces off", e["stackTrace"])
				}
				return
			}
			if len(stack) == 0 || len(stack) > MaxStackTraceFrames {
				t.Fatalf("stackTrace %v, want 1 to %d frames", e["stackTrace"], MaxStackTraceFrames)
			}
			top, _ := stack[0].(string)
			if !strings.Contains(top, "TestLogTenantAndStackTrace") || !strings.Contains(top, "log_test.go:") {
				t.Errorf("stackTrace starts at %q, want the logging handler in this test", top)
			}
			for _, fr := range stack {
				if s, _ := fr.(string); strings.HasPrefix(s, "log/slog.") {
					t.Errorf("stackTrace has the logger's own frame %q", s)
				}
			}
		})
	}
}
