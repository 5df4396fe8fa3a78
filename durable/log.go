package durable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
)

// The cross-SDK field names of the default log handler.
const (
	logKeyTimestamp     = "timestamp"
	logKeyLevel         = "level"
	logKeyMessage       = "message"
	logKeyRequestID     = "requestId"
	logKeyExecutionArn  = "executionArn"
	logKeyTenantID      = "tenantId"
	logKeyOperationID   = "operationId"
	logKeyOperationName = "operationName"
	logKeyAttempt       = "attempt"
	logKeyReplay        = "replay"
	logKeyErrorType     = "errorType"
	logKeyErrorMessage  = "errorMessage"
	logKeyStackTrace    = "stackTrace"
)

// levelFromEnv maps AWS_LAMBDA_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL) to a slog level; INFO when unset or unknown.
func levelFromEnv(v string) slog.Level {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "TRACE":
		return slog.LevelDebug - 4
	case "DEBUG":
		return slog.LevelDebug
	case "WARN", "WARNING":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	case "FATAL":
		return slog.LevelError + 4
	}
	return slog.LevelInfo
}

// newDefaultLogHandler returns the default handler: JSON lines on w with the
// cross-SDK field names, at the level of AWS_LAMBDA_LOG_LEVEL.
func newDefaultLogHandler(w io.Writer, level slog.Level, stackTraces bool) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 {
				switch a.Key {
				case slog.TimeKey:
					a.Key = logKeyTimestamp
				case slog.LevelKey:
					a.Key = logKeyLevel
				case slog.MessageKey:
					a.Key = logKeyMessage
				}
			}
			if err, ok := a.Value.Any().(error); ok {
				return errorAttr(a.Key, err, stackTraces)
			}
			return a
		},
	})
}

// errorAttr expands an error into errorType, errorMessage and stackTrace.
// The stack trace is the error's own (a panic's, a recorded error's) or,
// for an error that carries none, such as one made by errors.New, that of
// the code that logged it.
func errorAttr(key string, err error, stackTraces bool) slog.Attr {
	obj := errorObjectOf(err, stackTraces)
	attrs := []any{slog.String(logKeyErrorType, obj.ErrorType), slog.String(logKeyErrorMessage, obj.ErrorMessage)}
	var pe *PanicError
	switch {
	case !stackTraces:
	case errors.As(err, &pe) && len(pe.Stack) > 0:
		attrs = append(attrs, slog.String(logKeyStackTrace, string(pe.Stack)))
	case len(obj.StackTrace) > 0:
		attrs = append(attrs, slog.Any(logKeyStackTrace, []string(obj.StackTrace)))
	default:
		attrs = append(attrs, slog.Any(logKeyStackTrace, loggingStack()))
	}
	return slog.Group(key, attrs...)
}

// loggingStack returns the stack of the code that is logging, as
// "function (file:line)" lines, innermost first and at most
// MaxStackTraceFrames: the frames of log/slog, of the runtime and of this
// package's internals (the handler at work) are left out.
func loggingStack() []string {
	pcs := make([]uintptr, 64)
	pcs = pcs[:runtime.Callers(2, pcs)]
	frames := runtime.CallersFrames(pcs)
	var out []string
	for len(out) < MaxStackTraceFrames {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "log/slog.") && !isRuntimeFrame(f) && !(isSDKFrame(f) && !isSDKAPIFrame(f)) {
			out = append(out, fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line))
		}
		if !more {
			break
		}
	}
	return out
}

// defaultLogHandler builds the handler used when WithLogHandler is absent.
func defaultLogHandler(stackTraces bool) slog.Handler {
	return newDefaultLogHandler(os.Stderr, levelFromEnv(os.Getenv("AWS_LAMBDA_LOG_LEVEL")), stackTraces)
}

// replaySource tells a replayHandler whether its code is replaying.
type replaySource interface {
	IsReplaying() bool
}

// replayHandler drops (or marks) records logged while its source replays,
// and every record logged after the invocation ended (by code unwinding
// from a suspension).
type replayHandler struct {
	next slog.Handler
	ctx  replaySource
	// logCtx is the logger's context, given to EnrichLogContext for a
	// record logged without one.
	logCtx context.Context
	inv    *invocation
	mode   ReplayLogMode
	// attached are the keys attached with WithAttrs at the current group
	// level, and grouped tells whether a group is open: what a plugin's
	// EnrichLogContext field may not replace. Kept only when a plugin
	// implements EnrichLogContext.
	attached []string
	grouped  bool
}

func (h *replayHandler) suppressed() bool {
	if h.inv.ended.Load() {
		return true
	}
	return h.mode == ReplayLogModeSuppress && h.ctx.IsReplaying()
}

// Enabled reports false for suppressed records.
func (h *replayHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return !h.suppressed() && h.next.Enabled(ctx, l)
}

// Handle passes the record on, marked replay=true in ReplayLogModeEmit.
func (h *replayHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.suppressed() {
		return nil
	}
	if h.mode == ReplayLogModeEmit && h.ctx.IsReplaying() {
		r = r.Clone()
		r.AddAttrs(slog.Bool(logKeyReplay, true))
	}
	if hk := h.inv.hooks; hk != nil && hk.set.enrichLog {
		if ctx == nil || ctx == context.Background() {
			ctx = h.logCtx
		}
		r = hk.enrichRecord(ctx, r, h.attached, h.grouped)
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a replayHandler over next.WithAttrs.
func (h *replayHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if hk := h.inv.hooks; hk != nil && hk.set.enrichLog {
		c.attached = slices.Clip(c.attached)
		for _, a := range attrs {
			c.attached = append(c.attached, a.Key)
		}
	}
	return &c
}

// WithGroup returns a replayHandler over next.WithGroup.
func (h *replayHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	if name != "" {
		c.attached, c.grouped = nil, true
	}
	return &c
}

// liveSource is the replay source of a step body: never replaying.
type liveSource struct{}

func (liveSource) IsReplaying() bool { return false }
