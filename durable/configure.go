package durable

import (
	"context"
	"log/slog"
)

// SerdesConfig is the serialization configuration [ConfigureSerdes]
// installs. Nil fields leave the handler's options in force.
type SerdesConfig struct {
	// Serdes replaces [WithSerdes]'s: the default of every operation and
	// the Serdes of the execution's result (not of its input, which is
	// decoded before the handler runs).
	Serdes Serdes
	// CallbackDeserializer replaces [WithCallbackDeserializer]'s.
	CallbackDeserializer Deserializer
}

// ConfigureSerdes changes the serialization configuration from inside the
// handler, for the current invocation. It claims no operation id, but it
// must run identically on every invocation (results recorded with one
// Serdes are read back with it on replay), so call it unconditionally at
// the start of the handler, on the handler's own Context, before any
// operation and before starting goroutines.
//
// A misplaced call changes nothing and returns the error (ErrWrongGoroutine
// from another goroutine, an argument error after an operation or on a
// child Context): misuse surfaces where it happens, and the documented
// call form, ConfigureSerdes(ctx, cfg) as a statement, compiles unchanged.
func ConfigureSerdes(ctx Context, cfg SerdesConfig) error {
	c := ctx.impl()
	if err := checkConfigure(c, "ConfigureSerdes"); err != nil {
		return err
	}
	if cfg.Serdes != nil {
		c.inv.opts.serdes = cfg.Serdes
		c.inv.opts.step.serdes = cfg.Serdes
	}
	if cfg.CallbackDeserializer != nil {
		c.inv.opts.callbackDeserializer = cfg.CallbackDeserializer
	}
	return nil
}

// LogConfig is the logging configuration [ConfigureLogging] installs.
type LogConfig struct {
	// Handler receives the records (nil: the one of [WithLogHandler], or
	// the default JSON handler).
	Handler slog.Handler
	// Level, when set, drops records below it (on top of the handler's own
	// filtering).
	Level slog.Leveler
	// ReplayMode replaces [WithReplayLogMode]'s (the zero value suppresses
	// records logged while replaying).
	ReplayMode ReplayLogMode
}

// ConfigureLogging changes the logging configuration of the replay-aware
// loggers ([Context.Logger], StepContext.Logger) for the current
// invocation only. It claims no operation id. Call it at the start of the
// handler, on the handler's own Context, before any operation and before
// starting goroutines. A misplaced call changes nothing and returns the
// error, as for [ConfigureSerdes].
func ConfigureLogging(ctx Context, cfg LogConfig) error {
	c := ctx.impl()
	if err := checkConfigure(c, "ConfigureLogging"); err != nil {
		return err
	}
	h := cfg.Handler
	if h == nil {
		h = c.inv.logHandler
	}
	if cfg.Level != nil {
		h = &levelHandler{next: h, level: cfg.Level}
	}
	c.inv.setLogHandler(h)
	c.inv.opts.replayLog = cfg.ReplayMode
	c.logger.Store(nil)
	return nil
}

// checkConfigure enforces where ConfigureSerdes and ConfigureLogging may
// be called: on the root Context, by its goroutine, before its first
// operation.
func checkConfigure(c *execContext, op string) error {
	if err := c.checkUse(); err != nil {
		return useError(op, "", err)
	}
	if c.parent != nil || c.counter > 0 {
		return argumentError(op, "", "call it on the handler's Context before any operation")
	}
	return nil
}

// levelHandler drops records below a level.
type levelHandler struct {
	next  slog.Handler
	level slog.Leveler
}

// Enabled reports whether l reaches the level and the next handler wants
// it.
func (h *levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.next.Enabled(ctx, l)
}

// Handle passes the record on.
func (h *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.level.Level() {
		return nil
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a levelHandler over next.WithAttrs.
func (h *levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelHandler{next: h.next.WithAttrs(attrs), level: h.level}
}

// WithGroup returns a levelHandler over next.WithGroup.
func (h *levelHandler) WithGroup(name string) slog.Handler {
	return &levelHandler{next: h.next.WithGroup(name), level: h.level}
}
