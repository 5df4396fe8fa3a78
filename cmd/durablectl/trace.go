package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
	"github.com/acme/durable-lambda-go/durableotel"
	"github.com/acme/durable-lambda-go/wire"
)

// traceReceiver is an OTLP/HTTP endpoint on loopback that keeps the spans
// the hosted function exports (run --trace points the function's
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT at it).
type traceReceiver struct {
	ln  net.Listener
	srv *http.Server

	mu    sync.Mutex
	spans []*tracepb.Span
}

// maxTraceBody bounds one export request.
const maxTraceBody = 32 << 20

func startTraceReceiver() (*traceReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("trace receiver: %w", err)
	}
	r := &traceReceiver{ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", r.export)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// url is the receiver's OTLP traces URL.
func (r *traceReceiver) url() string { return "http://" + r.ln.Addr().String() + "/v1/traces" }

func (r *traceReceiver) close() { _ = r.srv.Close() }

// export takes one ExportTraceServiceRequest (binary protobuf, optionally
// gzipped).
func (r *traceReceiver) export(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = http.MaxBytesReader(w, req.Body, maxTraceBody)
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = io.LimitReader(zr, maxTraceBody)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &msg); err != nil {
		http.Error(w, "not an OTLP protobuf ExportTraceServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for _, rs := range msg.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			r.spans = append(r.spans, ss.GetSpans()...)
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// traceOf returns the spans received in the trace of the execution arn.
func (r *traceReceiver) traceOf(arn string) []*tracepb.Span {
	tid := durableotel.TraceID(arn)
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range r.spans {
		if bytes.Equal(s.GetTraceId(), tid[:]) {
			out = append(out, s)
		}
	}
	return out
}

// writeSpanTree prints the trace of the execution arn as a tree: each span
// under its parent, siblings in start order, with the span's status
// attribute, its duration and its error.
func writeSpanTree(w io.Writer, arn string, spans []*tracepb.Span) {
	tid := durableotel.TraceID(arn)
	fmt.Fprintf(w, "trace %s (%d span%s)\n", hex.EncodeToString(tid[:]), len(spans), plural(len(spans)))
	// Spans print as the operation tree does: a node per span, labelled
	// with the span's name.
	byID := map[string]*timeline.Operation{}
	nodes := make([]*timeline.Operation, len(spans))
	for i, s := range spans {
		n := &timeline.Operation{
			ID:       string(s.GetSpanId()),
			ParentID: string(s.GetParentSpanId()),
			Kind:     s.GetName(),
			Start:    time.Unix(0, int64(s.GetStartTimeUnixNano())),
			End:      time.Unix(0, int64(s.GetEndTimeUnixNano())),
			Status:   spanStatus(s),
		}
		if s.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
			n.Err = &wire.ErrorObject{ErrorType: stringAttr(s, string(durableotel.AttrErrorType)), ErrorMessage: s.GetStatus().GetMessage()}
		}
		nodes[i] = n
		byID[n.ID] = n
	}
	slices.SortStableFunc(nodes, func(a, b *timeline.Operation) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Kind, b.Kind))
	})
	var roots []*timeline.Operation
	for _, n := range nodes {
		if p := byID[n.ParentID]; p != nil && n.ParentID != "" {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	writeNodes(w, roots)
}

// spanStatus is the durable status a span of the plugin carries.
func spanStatus(s *tracepb.Span) string {
	for _, k := range []string{
		string(durableotel.AttrOperationStatus), string(durableotel.AttrAttemptOutcome),
		string(durableotel.AttrInvocationStatus), string(durableotel.AttrExecutionStatus),
	} {
		if v := stringAttr(s, k); v != "" {
			return v
		}
	}
	return ""
}

func stringAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.GetAttributes() {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// errNoSpans says that --trace received nothing for the execution.
var errNoSpans = errors.New("no spans received: is the function built with the durableotel plugin (durableotel.FromEnv)?")
