package otlphttp

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/acme/durable-lambda-go/internal/testwait"
)

var (
	traceID  = trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	spanID   = trace.SpanID{1, 1, 1, 1, 1, 1, 1, 1}
	parentID = trace.SpanID{2, 2, 2, 2, 2, 2, 2, 2}
	linkID   = trace.SpanID{3, 3, 3, 3, 3, 3, 3, 3}
	start    = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
)

// testSpans are two spans of one resource and scope: one with every field
// set, one minimal.
func testSpans() []sdktrace.ReadOnlySpan {
	res := resource.NewSchemaless(attribute.String("service.name", "seed"))
	scope := instrumentation.Scope{Name: "durableotel", Version: "v1"}
	full := tracetest.SpanStub{
		Name: "Step charge",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled,
		}),
		Parent: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: parentID, TraceFlags: trace.FlagsSampled, Remote: true,
		}),
		SpanKind:  trace.SpanKindInternal,
		StartTime: start,
		EndTime:   start.Add(1500 * time.Millisecond),
		Attributes: []attribute.KeyValue{
			attribute.String("s", "v"),
			attribute.Int("i", -3),
			attribute.Bool("b", true),
			attribute.Float64("f", 1.5),
			attribute.StringSlice("ss", []string{"a", "b"}),
			attribute.Int64Slice("is", []int64{1, 2}),
		},
		Events: []sdktrace.Event{{Name: "retry", Time: start.Add(time.Second), Attributes: []attribute.KeyValue{attribute.Int("n", 2)}}},
		Links: []sdktrace.Link{{
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: linkID, TraceFlags: trace.FlagsSampled}),
			Attributes:  []attribute.KeyValue{attribute.String("k", "invocation")},
		}},
		Status:               sdktrace.Status{Code: codes.Error, Description: "boom"},
		Resource:             res,
		InstrumentationScope: scope,
	}
	minimal := tracetest.SpanStub{
		Name:                 "execution",
		SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: parentID}),
		StartTime:            start,
		EndTime:              start.Add(time.Hour),
		Resource:             res,
		InstrumentationScope: scope,
	}
	return tracetest.SpanStubs{full, minimal}.Snapshots()
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intv(v int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}
}

func wantRequest() *coltracepb.ExportTraceServiceRequest {
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", "seed")}},
		ScopeSpans: []*tracepb.ScopeSpans{{
			Scope: &commonpb.InstrumentationScope{Name: "durableotel", Version: "v1"},
			Spans: []*tracepb.Span{
				{
					TraceId:           traceID[:],
					SpanId:            spanID[:],
					ParentSpanId:      parentID[:],
					Name:              "Step charge",
					Kind:              tracepb.Span_SPAN_KIND_INTERNAL,
					StartTimeUnixNano: uint64(start.UnixNano()),
					EndTimeUnixNano:   uint64(start.Add(1500 * time.Millisecond).UnixNano()),
					Attributes: []*commonpb.KeyValue{
						str("s", "v"),
						{Key: "i", Value: intv(-3)},
						{Key: "b", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: true}}},
						{Key: "f", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 1.5}}},
						{Key: "ss", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
							{Value: &commonpb.AnyValue_StringValue{StringValue: "a"}}, {Value: &commonpb.AnyValue_StringValue{StringValue: "b"}},
						}}}}},
						{Key: "is", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{intv(1), intv(2)}}}}},
					},
					Events: []*tracepb.Span_Event{{
						TimeUnixNano: uint64(start.Add(time.Second).UnixNano()),
						Name:         "retry",
						Attributes:   []*commonpb.KeyValue{{Key: "n", Value: intv(2)}},
					}},
					Links: []*tracepb.Span_Link{{
						TraceId:    traceID[:],
						SpanId:     linkID[:],
						Attributes: []*commonpb.KeyValue{str("k", "invocation")},
						Flags:      0x101,
					}},
					Status: &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"},
					Flags:  0x301, // sampled, remote parent
				},
				{
					TraceId:           traceID[:],
					SpanId:            parentID[:],
					Name:              "execution",
					StartTimeUnixNano: uint64(start.UnixNano()),
					EndTimeUnixNano:   uint64(start.Add(time.Hour).UnixNano()),
					Flags:             0x100,
				},
			},
		}},
	}}}
}

// collector is an OTLP/HTTP endpoint that decodes what it receives.
type collector struct {
	t        *testing.T
	status   int
	requests chan *http.Request
	bodies   chan *coltracepb.ExportTraceServiceRequest
}

func newCollector(t *testing.T, status int) (*collector, *httptest.Server) {
	c := &collector{t: t, status: status, requests: make(chan *http.Request, 4), bodies: make(chan *coltracepb.ExportTraceServiceRequest, 4)}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			c.t.Errorf("gzip: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		c.t.Errorf("read body: %v", err)
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		c.t.Errorf("body is not an ExportTraceServiceRequest: %v", err)
	}
	c.requests <- r
	c.bodies <- req
	w.WriteHeader(c.status)
	_, _ = w.Write([]byte("collector says so"))
}

func TestExportSpans(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "gzip"}[gz], func(t *testing.T) {
			c, srv := newCollector(t, http.StatusOK)
			exp, err := New(Config{URL: srv.URL + "/v1/traces", Headers: map[string]string{"X-Api-Key": "k1"}, Gzip: gz})
			if err != nil {
				t.Fatal(err)
			}
			if err := exp.ExportSpans(context.Background(), testSpans()); err != nil {
				t.Fatalf("ExportSpans: %v", err)
			}
			r := testwait.Recv(t, "the collector receives the request", c.requests)
			got := testwait.Recv(t, "the collector decodes the request's body", c.bodies)
			if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
				t.Errorf("request %s %s, want POST /v1/traces", r.Method, r.URL.Path)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
				t.Errorf("Content-Type %q", ct)
			}
			if k := r.Header.Get("X-Api-Key"); k != "k1" {
				t.Errorf("X-Api-Key %q, want k1", k)
			}
			if want := wantRequest(); !proto.Equal(got, want) {
				t.Errorf("request body:\n%s\nwant:\n%s", prototext.Format(got), prototext.Format(want))
			}
		})
	}
}

func TestExportSpansErrors(t *testing.T) {
	_, srv := newCollector(t, http.StatusBadRequest)
	exp, err := New(Config{URL: srv.URL + "/v1/traces"})
	if err != nil {
		t.Fatal(err)
	}
	err = exp.ExportSpans(context.Background(), testSpans())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || se.Body != "collector says so" {
		t.Fatalf("ExportSpans error %v, want a StatusError 400 with the body", err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := exp.ExportSpans(context.Background(), testSpans()); !errors.Is(err, ErrStopped) {
		t.Fatalf("ExportSpans after Shutdown: %v, want ErrStopped", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr bool
	}{
		{name: "defaults", want: Config{URL: DefaultURL}},
		{
			name: "base endpoint",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/"},
			want: Config{URL: "https://collector:4318/v1/traces"},
		},
		{
			name: "traces endpoint as is, traces variables first",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://ignored:4318",
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:9999/custom",
				"OTEL_EXPORTER_OTLP_HEADERS":         "a=1",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS":  "api-key=s%20ecret, b = 2",
				"OTEL_EXPORTER_OTLP_TIMEOUT":         "2500",
				"OTEL_EXPORTER_OTLP_COMPRESSION":     "gzip",
				"OTEL_EXPORTER_OTLP_PROTOCOL":        "http/protobuf",
			},
			want: Config{URL: "http://c:9999/custom", Headers: map[string]string{"api-key": "s ecret", "b": "2"}, Timeout: 2500 * time.Millisecond, Gzip: true},
		},
		{name: "grpc", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, wantErr: true},
		{name: "json", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, wantErr: true},
		{name: "not a URL", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, wantErr: true},
		{name: "bad header", env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, wantErr: true},
		{name: "bad timeout", env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, wantErr: true},
		{name: "bad compression", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ConfigFromEnv = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.URL != tt.want.URL || got.Timeout != tt.want.Timeout || got.Gzip != tt.want.Gzip || len(got.Headers) != len(tt.want.Headers) {
				t.Fatalf("ConfigFromEnv = %+v, want %+v", got, tt.want)
			}
			for k, v := range tt.want.Headers {
				if got.Headers[k] != v {
					t.Errorf("header %q = %q, want %q", k, got.Headers[k], v)
				}
			}
		})
	}
}

// appenderSpan has its attributes only through AppendAttributes, as the
// durableotel plugin's spans have them without a slice of their own.
type appenderSpan struct{ sdktrace.ReadOnlySpan }

// Attributes returns nothing: the encoder must use AppendAttributes.
func (s appenderSpan) Attributes() []attribute.KeyValue { return nil }

// AppendAttributes appends the wrapped span's attributes.
func (s appenderSpan) AppendAttributes(dst []attribute.KeyValue) []attribute.KeyValue {
	return append(dst, s.ReadOnlySpan.Attributes()...)
}

// TestAttributeAppender: spans that append their attributes encode as
// those that return them, the reused slice notwithstanding.
func TestAttributeAppender(t *testing.T) {
	spans := testSpans()
	wrapped := make([]sdktrace.ReadOnlySpan, 0, 2*len(spans))
	for range 2 {
		for _, s := range spans {
			wrapped = append(wrapped, appenderSpan{s})
		}
	}
	want := appendRequest(nil, append(spans, spans...))
	if got := appendRequest(nil, wrapped); string(got) != string(want) {
		t.Fatalf("encoded with AppendAttributes:\n%x\nwant:\n%x", got, want)
	}
}
