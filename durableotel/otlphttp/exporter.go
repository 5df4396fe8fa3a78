// Package otlphttp is a small OpenTelemetry trace exporter for OTLP over
// HTTP with binary protobuf bodies (the OTLP "http/protobuf" protocol, the
// specification's default), configured from the standard
// OTEL_EXPORTER_OTLP_* environment variables.
//
// It exists so that a Lambda bootstrap can export spans without linking
// the OpenTelemetry project's otlptracehttp exporter, whose generated
// protobuf and gRPC packages add about 6 MB to the binary and their
// package initialization to every cold start, traced or not. The request
// body is written with protowire, field by field, from the
// ExportTraceServiceRequest message of opentelemetry-proto; the tests decode
// it with the generated types.
//
// An Exporter is an sdktrace.SpanExporter: give it to a batch (or simple)
// span processor.
//
//	cfg, err := otlphttp.ConfigFromEnv(os.Getenv)
//	exp, err := otlphttp.New(cfg)
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
//
// Each ExportSpans call is one POST; a failed call is returned as an error
// (the span processor reports it through otel.Handle) and is not retried.
package otlphttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Config configures an Exporter.
type Config struct {
	// URL is the full URL spans are POSTed to, such as
	// "http://localhost:4318/v1/traces".
	URL string
	// Headers are added to every request (for example an API key).
	Headers map[string]string
	// Timeout bounds each export request; zero means 10 seconds.
	Timeout time.Duration
	// Gzip compresses request bodies.
	Gzip bool
	// HTTPClient sends the requests; nil means a client of its own.
	HTTPClient *http.Client
}

// Exporter posts spans to an OTLP/HTTP endpoint. It is safe for concurrent
// use.
type Exporter struct {
	cfg    Config
	client *http.Client

	mu      sync.Mutex
	stopped bool
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// ErrStopped is returned by ExportSpans after Shutdown.
var ErrStopped = errors.New("otlphttp: exporter is shut down")

// StatusError is returned by ExportSpans when the endpoint answers with a
// status other than 2xx.
type StatusError struct {
	// StatusCode is the HTTP status code of the response.
	StatusCode int
	// Body is the start of the response body, for the message.
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("otlphttp: export failed: HTTP %d: %s", e.StatusCode, e.Body)
}

// New returns an exporter that posts to cfg.URL.
func New(cfg Config) (*Exporter, error) {
	if cfg.URL == "" {
		return nil, errors.New("otlphttp: no URL")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{}
	}
	return &Exporter{cfg: cfg, client: client}, nil
}

// ExportSpans sends spans in one ExportTraceServiceRequest.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	stopped := e.stopped
	e.mu.Unlock()
	if stopped {
		return ErrStopped
	}
	if len(spans) == 0 {
		return nil
	}
	body := appendRequest(nil, spans)
	if e.cfg.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(body); err != nil {
			return fmt.Errorf("otlphttp: compress: %w", err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("otlphttp: compress: %w", err)
		}
		body = buf.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlphttp: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if e.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range e.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("otlphttp: export: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &StatusError{StatusCode: resp.StatusCode, Body: string(msg)}
	}
	// The body may report a partial success; nothing can be done about it
	// here but to let the connection be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return nil
}

// Shutdown stops the exporter: later exports fail with ErrStopped.
func (e *Exporter) Shutdown(context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	return nil
}
