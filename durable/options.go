package durable

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// MaxStackTraceFrames is the most stack frames recorded for an error or a
// panic when stack traces are enabled.
const MaxStackTraceFrames = 32

// ReplayLogMode says what the replay-aware loggers do while the code that
// logs is replaying.
type ReplayLogMode int

const (
	// ReplayLogModeSuppress drops log records while replaying, so every
	// line is written once per execution (the default).
	ReplayLogModeSuppress ReplayLogMode = iota
	// ReplayLogModeEmit writes them anyway, with the attribute replay=true.
	ReplayLogModeEmit
)

// HandlerOption configures [Wrap] and [Start].
type HandlerOption interface {
	applyHandler(*handlerOptions)
}

type handlerOptionFunc func(*handlerOptions)

func (f handlerOptionFunc) applyHandler(o *handlerOptions) { f(o) }

type handlerOptions struct {
	serdes      Serdes
	logHandler  slog.Handler
	replayLog   ReplayLogMode
	stackTraces bool
	client      ExecutionClient
	// fallbackTick is the period of the checkpoint queue's fallback
	// timer (defaultFallbackTick; tests change it).
	fallbackTick time.Duration
	// callbackDeserializer reads callback results (nil: the default).
	callbackDeserializer Deserializer
	// step is the configuration of a step without options, shared by all
	// of them (it follows serdes).
	step stepConfig
	// plugins are the registered plugins (WithPlugins), in order.
	plugins []Plugin
	// pluginDepth is the deepest operation depth reported to plugins
	// (WithPluginChildOperationsDepth; maxPluginDepth: every depth).
	pluginDepth int
	// pluginSet is plugins with the hooks they implement (nil: none).
	pluginSet *pluginSet
	// plain remembers the result types a fresh step need not decode.
	plain *plainTypes
	// rootIDs keeps the wire ids of the root context's operations.
	rootIDs *rootIDs
}

func newHandlerOptions(opts []HandlerOption) *handlerOptions {
	o := &handlerOptions{serdes: JSONSerdes{}, stackTraces: true, fallbackTick: defaultFallbackTick, pluginDepth: maxPluginDepth,
		plain: &plainTypes{}, rootIDs: &rootIDs{}}
	for _, opt := range opts {
		opt.applyHandler(o)
	}
	if o.pluginDepth < 0 {
		panic(fmt.Sprintf("durable: WithPluginChildOperationsDepth(%d): the depth must not be negative", o.pluginDepth))
	}
	o.step = stepConfig{subType: wire.SubTypeStep, serdes: o.serdes}
	o.pluginSet = newPluginSet(o.plugins, o.pluginDepth)
	return o
}

// serdesOr returns s, or the handler's Serdes when s is nil: the default
// of every operation's Serdes option.
func (o *handlerOptions) serdesOr(s Serdes) Serdes {
	if s != nil {
		return s
	}
	return o.serdes
}

// WithSerdes sets the Serdes used for the handler's event and result and as
// the default of every operation.
func WithSerdes(s Serdes) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.serdes = s })
}

// WithLogHandler sends the replay-aware loggers' records to h instead of
// the default JSON handler on stderr.
func WithLogHandler(h slog.Handler) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.logHandler = h })
}

// WithReplayLogMode chooses whether records logged while replaying are
// dropped (the default) or written with replay=true.
func WithReplayLogMode(m ReplayLogMode) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.replayLog = m })
}

// WithStackTraces turns recording of stack traces for panics and recorded
// errors on (the default) or off. At most [MaxStackTraceFrames] frames are
// kept.
func WithStackTraces(on bool) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.stackTraces = on })
}

// WithExecutionClient replaces the default client of the durable-execution
// API (a SigV4-signed REST client built from the Lambda environment on
// first use). Tests and
// local runners pass an emulator here.
func WithExecutionClient(c ExecutionClient) HandlerOption {
	return handlerOptionFunc(func(o *handlerOptions) { o.client = c })
}
