package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/acme/durable-lambda-go/emulator"
	"github.com/acme/durable-lambda-go/internal/uuid"
	"github.com/acme/durable-lambda-go/wire"
)

// API versions in the request paths.
const (
	invokeVersion  = "2015-03-31"
	durableVersion = "2025-12-01"
)

// Request and response headers of Invoke.
const (
	headerInvocationType = "X-Amz-Invocation-Type"
	headerExecutionName  = "X-Amz-Durable-Execution-Name"
	headerExecutionArn   = "X-Amz-Durable-Execution-Arn"
	headerExecutedVer    = "X-Amz-Executed-Version"
	headerFunctionError  = "X-Amz-Function-Error"
	headerErrorType      = "X-Amzn-ErrorType"
	headerRequestID      = "X-Amzn-RequestId"
)

// Request body limits of the operations the service's Limits do not
// cover.
const (
	maxCallbackPayload = 1024 * 1024 // SendDurableExecutionCallbackSuccess
	maxErrorBody       = 1024 * 1024 // bodies that are an ErrorObject
)

// errCodeUnknownOperation answers a path or method no operation serves.
const errCodeUnknownOperation = "UnknownOperationException"

// Handler serves the durable-execution REST API of one emulator.Service.
// Create it with [NewHandler].
type Handler struct {
	svc         *emulator.Service
	log         *slog.Logger
	bodyTimeout time.Duration
}

// DefaultBodyTimeout bounds reading one request body.
const DefaultBodyTimeout = 30 * time.Second

// HandlerOption configures [NewHandler].
type HandlerOption func(*Handler)

// WithBodyTimeout sets how long a client may take to send a request body;
// DefaultBodyTimeout by default. A client that stalls is answered
// InvalidRequestContentException and its connection closed.
func WithBodyTimeout(d time.Duration) HandlerOption {
	return func(h *Handler) { h.bodyTimeout = d }
}

// NewHandler returns the REST API of svc. The service must be driven
// (emulator.Service.Run) for invocations to happen; the handler only
// answers requests. logger may be nil.
func NewHandler(svc *emulator.Service, logger *slog.Logger, opts ...HandlerOption) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{svc: svc, log: logger, bodyTimeout: DefaultBodyTimeout}
	for _, o := range opts {
		o(h)
	}
	return h
}

// route is one operation: its method, path shape and implementation.
type route struct {
	method string
	// pattern holds literal segments and "*" for the single label.
	pattern []string
	name    string
	serve   func(h *Handler, w http.ResponseWriter, r *http.Request, label string) error
}

var routes = []route{
	{http.MethodPost, []string{invokeVersion, "functions", "*", "invocations"}, "Invoke", (*Handler).invoke},
	{http.MethodGet, []string{durableVersion, "durable-executions", "*"}, "GetDurableExecution", (*Handler).getExecution},
	{http.MethodGet, []string{durableVersion, "durable-executions", "*", "history"}, "GetDurableExecutionHistory", (*Handler).getHistory},
	{http.MethodGet, []string{durableVersion, "durable-executions", "*", "state"}, "GetDurableExecutionState", (*Handler).getState},
	{http.MethodPost, []string{durableVersion, "durable-executions", "*", "checkpoint"}, "CheckpointDurableExecution", (*Handler).checkpoint},
	{http.MethodPost, []string{durableVersion, "durable-executions", "*", "stop"}, "StopDurableExecution", (*Handler).stop},
	{http.MethodGet, []string{durableVersion, "functions", "*", "durable-executions"}, "ListDurableExecutionsByFunction", (*Handler).list},
	{http.MethodPost, []string{durableVersion, "durable-execution-callbacks", "*", "succeed"}, "SendDurableExecutionCallbackSuccess", (*Handler).callbackSuccess},
	{http.MethodPost, []string{durableVersion, "durable-execution-callbacks", "*", "fail"}, "SendDurableExecutionCallbackFailure", (*Handler).callbackFailure},
	{http.MethodPost, []string{durableVersion, "durable-execution-callbacks", "*", "heartbeat"}, "SendDurableExecutionCallbackHeartbeat", (*Handler).callbackHeartbeat},
}

// match reports whether the escaped path segments fit the route and
// returns its unescaped label.
func (rt route) match(method string, segs []string) (string, bool, error) {
	if method != rt.method || len(segs) != len(rt.pattern) {
		return "", false, nil
	}
	label := ""
	for i, p := range rt.pattern {
		if p == "*" {
			label = segs[i]
			continue
		}
		if segs[i] != p {
			return "", false, nil
		}
	}
	unescaped, err := url.PathUnescape(label)
	if err != nil || unescaped == "" {
		return "", true, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "malformed path parameter %q", label)
	}
	return unescaped, true, nil
}

// ServeHTTP routes on the escaped path, then runs the operation. Every
// answer carries a request id, as Lambda's do (the AWS SDKs report it with
// errors).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.New()
	w.Header().Set(headerRequestID, requestID)
	segs := strings.Split(strings.TrimPrefix(escapedPath(r.URL), "/"), "/")
	for _, rt := range routes {
		label, ok, err := rt.match(r.Method, segs)
		if !ok {
			continue
		}
		h.log.Debug("request", "operation", rt.name, "label", label, "requestId", requestID)
		if err == nil {
			err = rt.serve(h, w, r, label)
		}
		if err != nil {
			h.log.Debug("request failed", "operation", rt.name, "requestId", requestID, "error", err)
			writeError(w, err)
		}
		return
	}
	writeError(w, &wire.APIError{Code: errCodeUnknownOperation, StatusCode: http.StatusNotFound,
		Message: fmt.Sprintf("no operation serves %s %s", r.Method, r.URL.EscapedPath())})
}

// escapedPath returns the path of a parsed request URL as the client
// escaped it. The parser keeps that text in RawPath whenever it differs
// from Path's default escaping (as an execution ARN's does), so it is
// taken as it is, not checked again by unescaping it as URL.EscapedPath
// does on every call.
func escapedPath(u *url.URL) string {
	if u.RawPath != "" {
		return u.RawPath
	}
	return u.EscapedPath()
}

// invoke serves Invoke: for a durable function it starts (or finds) the
// durable execution and, for RequestResponse, waits for it to close; a
// plain function it invokes as Lambda does (invokePlain).
func (h *Handler) invoke(w http.ResponseWriter, r *http.Request, function string) error {
	invocationType := r.Header.Get(headerInvocationType)
	limits := h.svc.Limits()
	limit := limits.MaxSyncInputBytes
	switch invocationType {
	case "", "RequestResponse":
	case "Event":
		limit = limits.MaxAsyncInputBytes
	default:
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue,
			"X-Amz-Invocation-Type %q is not supported; use RequestResponse or Event", invocationType)
	}
	payload, err := h.readBody(w, r, limit, "Invoke")
	if err != nil {
		return err
	}
	fn, err := h.svc.LookupFunction(function)
	if err != nil {
		return err
	}
	if !fn.Durable {
		return h.invokePlain(w, r, function, invocationType, payload)
	}
	out, err := h.svc.StartExecution(r.Context(), emulator.StartInput{
		FunctionName:  function,
		Qualifier:     r.URL.Query().Get("Qualifier"),
		ExecutionName: r.Header.Get(headerExecutionName),
		Payload:       payload,
	})
	if err != nil {
		return err
	}
	w.Header().Set(headerExecutionArn, out.ExecutionArn)
	if arn, err := wire.ParseExecutionARN(out.ExecutionArn); err == nil {
		w.Header().Set(headerExecutedVer, arn.Qualifier)
	}
	if invocationType == "Event" {
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	exec, err := h.svc.WaitForExecution(r.Context(), out.ExecutionArn)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	if exec.Status == wire.ExecutionStatusSucceeded {
		result := "null"
		if exec.Result != nil && *exec.Result != "" {
			result = *exec.Result
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, result)
		return nil
	}
	w.Header().Set(headerFunctionError, "Unhandled")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(functionErrorBody(exec.Error, "Execution"+statusWord(exec.Status), fmt.Sprintf("durable execution %s", exec.Status)))
}

// invokePlain serves Invoke of a plain function: Event queues the
// invocation and answers 202; RequestResponse runs it and answers the
// function's response, or its error with X-Amz-Function-Error: Unhandled.
// A durable execution name is refused: the function has no durable
// executions.
func (h *Handler) invokePlain(w http.ResponseWriter, r *http.Request, function, invocationType string, payload []byte) error {
	if r.Header.Get(headerExecutionName) != "" {
		return wire.NewAPIError(wire.ErrCodeInvalidParameterValue,
			"Function %s is not a durable function (it has no DurableConfig): DurableExecutionName applies only to durable functions", function)
	}
	out, err := h.svc.Invoke(r.Context(), emulator.InvokeInput{
		FunctionName: function,
		Qualifier:    r.URL.Query().Get("Qualifier"),
		Payload:      payload,
		Async:        invocationType == "Event",
	})
	if err != nil {
		return err
	}
	w.Header().Set(headerExecutedVer, out.ExecutedVersion)
	if invocationType == "Event" {
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	if out.FunctionError != nil {
		w.Header().Set(headerFunctionError, "Unhandled")
		w.WriteHeader(http.StatusOK)
		return json.NewEncoder(w).Encode(functionErrorBody(out.FunctionError, "", ""))
	}
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out.Payload)
	return err
}

// functionErrorBody is the Lambda function-error document
// {"errorType","errorMessage","stackTrace"} of e, with the type and
// message given where e has none.
func functionErrorBody(e *wire.ErrorObject, errorType, errorMessage string) map[string]any {
	body := map[string]any{"errorType": errorType, "errorMessage": errorMessage}
	if e != nil {
		if e.ErrorType != "" {
			body["errorType"] = e.ErrorType
		}
		if e.ErrorMessage != "" {
			body["errorMessage"] = e.ErrorMessage
		}
		if len(e.StackTrace) > 0 {
			body["stackTrace"] = e.StackTrace
		}
	}
	return body
}

// statusWord turns TIMED_OUT into "TimedOut".
func statusWord(s wire.ExecutionStatus) string {
	var b strings.Builder
	for part := range strings.SplitSeq(strings.ToLower(string(s)), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// getExecution serves GetDurableExecution.
func (h *Handler) getExecution(w http.ResponseWriter, r *http.Request, arn string) error {
	q := r.URL.Query()
	include, err := boolParam(q, "IncludeExecutionData", true)
	if err != nil {
		return err
	}
	out, err := h.svc.GetExecution(r.Context(), arn, include)
	if err != nil {
		return err
	}
	return writeJSON(w, out)
}

// getHistory serves GetDurableExecutionHistory.
func (h *Handler) getHistory(w http.ResponseWriter, r *http.Request, arn string) error {
	q := r.URL.Query()
	include, err := boolParam(q, "IncludeExecutionData", true)
	if err != nil {
		return err
	}
	reverse, err := boolParam(q, "ReverseOrder", false)
	if err != nil {
		return err
	}
	maxItems, err := intParam(q, "MaxItems")
	if err != nil {
		return err
	}
	out, err := h.svc.GetExecutionHistory(r.Context(), emulator.HistoryInput{
		ExecutionArn: arn, IncludeExecutionData: include, MaxItems: maxItems,
		Marker: q.Get("Marker"), ReverseOrder: reverse,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, out)
}

// getState serves GetDurableExecutionState.
func (h *Handler) getState(w http.ResponseWriter, r *http.Request, arn string) error {
	q := r.URL.Query()
	maxItems, err := intParam(q, "MaxItems")
	if err != nil {
		return err
	}
	out, err := h.svc.GetExecutionState(r.Context(), wire.GetStateInput{
		DurableExecutionArn: arn, CheckpointToken: q.Get("CheckpointToken"),
		Marker: q.Get("Marker"), MaxItems: maxItems,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, out)
}

// checkpoint serves CheckpointDurableExecution.
func (h *Handler) checkpoint(w http.ResponseWriter, r *http.Request, arn string) error {
	body, err := h.readBody(w, r, h.svc.Limits().MaxCheckpointRequestBytes, "CheckpointDurableExecution")
	if err != nil {
		return err
	}
	// Every step's request: decoded without reflection, with
	// json.Unmarshal's result and errors.
	var in wire.CheckpointInput
	if err := wire.DecodeCheckpointInput(body, &in); err != nil {
		return badJSON(err)
	}
	in.DurableExecutionArn = arn
	out, err := h.svc.Checkpoint(r.Context(), in)
	if err != nil {
		return err
	}
	body, err = wire.MarshalCheckpointOutput(&out)
	return writeEncoded(w, body, err)
}

// stop serves StopDurableExecution; the body, if any, is the cause.
func (h *Handler) stop(w http.ResponseWriter, r *http.Request, arn string) error {
	cause, err := h.readErrorObject(w, r)
	if err != nil {
		return err
	}
	if cause != nil && cause.ErrorType == "" && cause.ErrorMessage == "" && cause.ErrorData == "" && len(cause.StackTrace) == 0 {
		// The AWS SDKs send {} for a stop without an Error (restJson1
		// sends an absent structure payload as an empty object): the
		// service's default cause applies, as for an empty body.
		cause = nil
	}
	out, err := h.svc.StopExecution(r.Context(), arn, cause)
	if err != nil {
		return err
	}
	return writeJSON(w, out)
}

// list serves ListDurableExecutionsByFunction.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, function string) error {
	q := r.URL.Query()
	in := emulator.ListInput{
		FunctionName:  function,
		Qualifier:     q.Get("Qualifier"),
		ExecutionName: q.Get("DurableExecutionName"),
		Marker:        q.Get("Marker"),
	}
	var err error
	if in.ReverseOrder, err = boolParam(q, "ReverseOrder", false); err != nil {
		return err
	}
	if in.MaxItems, err = intParam(q, "MaxItems"); err != nil {
		return err
	}
	if in.StartedAfter, err = timeParam(q, "StartedAfter"); err != nil {
		return err
	}
	if in.StartedBefore, err = timeParam(q, "StartedBefore"); err != nil {
		return err
	}
	for _, s := range q["Statuses"] {
		status := wire.ExecutionStatus(s)
		if !status.Valid() {
			return wire.NewAPIError(wire.ErrCodeInvalidParameterValue,
				"Statuses: %q is not one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED", s)
		}
		in.Statuses = append(in.Statuses, status)
	}
	out, err := h.svc.ListExecutions(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, out)
}

// callbackSuccess serves SendDurableExecutionCallbackSuccess; the raw body
// is the result.
func (h *Handler) callbackSuccess(w http.ResponseWriter, r *http.Request, id string) error {
	result, err := h.readBody(w, r, maxCallbackPayload, "SendDurableExecutionCallbackSuccess")
	if err != nil {
		return err
	}
	if err := h.svc.SendCallbackSuccess(r.Context(), id, result); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// callbackFailure serves SendDurableExecutionCallbackFailure; the body,
// if any, is the error.
func (h *Handler) callbackFailure(w http.ResponseWriter, r *http.Request, id string) error {
	cause, err := h.readErrorObject(w, r)
	if err != nil {
		return err
	}
	if cause == nil {
		cause = &wire.ErrorObject{}
	}
	if err := h.svc.SendCallbackFailure(r.Context(), id, *cause); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// callbackHeartbeat serves SendDurableExecutionCallbackHeartbeat.
func (h *Handler) callbackHeartbeat(w http.ResponseWriter, r *http.Request, id string) error {
	if err := h.svc.SendCallbackHeartbeat(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// readBody reads at most limit bytes of the request body within the
// handler's body timeout. The read deadline is lifted afterwards: Go's
// server keeps reading the connection in the background while the handler
// runs, and a deadline hit there would cancel a long synchronous Invoke.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, limit int, operation string) ([]byte, error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.bodyTimeout))
	body, err := readAll(io.LimitReader(r.Body, int64(limit)+1), min(r.ContentLength, int64(limit)+1))
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			w.Header().Set("Connection", "close")
			return nil, wire.NewAPIError(wire.ErrCodeInvalidRequestContent, "Timed out reading the request body after %s", h.bodyTimeout)
		}
		return nil, fmt.Errorf("httpapi: reading the request body: %w", err)
	}
	if len(body) > limit {
		return nil, wire.NewAPIError(wire.ErrCodeRequestTooLarge,
			"Request must be smaller than %d bytes for the %s operation", limit, operation)
	}
	return body, nil
}

// readAll is io.ReadAll with a buffer of size bytes to start with (the
// request's Content-Length, when known, plus one for the end of the
// body), so that a body is read without growing its buffer.
func readAll(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, max(size, 511)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// readErrorObject decodes an optional ErrorObject body: nil when empty.
func (h *Handler) readErrorObject(w http.ResponseWriter, r *http.Request) (*wire.ErrorObject, error) {
	body, err := h.readBody(w, r, maxErrorBody, "error")
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var e wire.ErrorObject
	if err := decodeJSON(body, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// decodeJSON decodes a request body into v.
func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return badJSON(err)
	}
	return nil
}

// badJSON is the service's answer to a body that does not decode.
func badJSON(err error) error {
	return wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "could not parse the request body as JSON: %v", err)
}

// boolParam parses an optional boolean query parameter.
func boolParam(q url.Values, name string, def bool) (bool, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "%s: %q is not a boolean", name, s)
	}
	return b, nil
}

// intParam parses an optional integer query parameter; 0 when absent.
func intParam(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "%s: %q is not an integer", name, s)
	}
	return n, nil
}

// timeParam parses an optional ISO-8601 date-time query parameter.
func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, wire.NewAPIError(wire.ErrCodeInvalidParameterValue, "%s: %q is not an ISO-8601 date-time", name, s)
	}
	return t, nil
}

// writeJSON answers 200 with v as JSON.
func writeJSON(w http.ResponseWriter, v any) error {
	body, err := json.Marshal(v)
	return writeEncoded(w, body, err)
}

// writeEncoded answers 200 with body, the JSON encoding of a response,
// or fails with err, the encoding's error.
func writeEncoded(w http.ResponseWriter, body []byte, err error) error {
	if err != nil {
		return fmt.Errorf("httpapi: encoding the response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// errorBody is the JSON shape of a service error.
type errorBody struct {
	Type    string `json:"__type"`
	Fault   string `json:"Type"`
	Message string `json:"message"`
}

// writeError answers err in the service's error shape. A *wire.APIError
// keeps its code and status; anything else is a 500 ServiceException.
func writeError(w http.ResponseWriter, err error) {
	var apiErr *wire.APIError
	if !errors.As(err, &apiErr) {
		msg := err.Error()
		if errors.Is(err, context.Canceled) {
			msg = "the request was cancelled"
		}
		apiErr = wire.NewAPIError(wire.ErrCodeService, "%s", msg)
	}
	status := apiErr.StatusCode
	if status == 0 {
		status = wire.StatusCodeOf(apiErr.Code)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(headerErrorType, apiErr.Code)
	if apiErr.Code == wire.ErrCodeTooManyRequests {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Type: apiErr.Code, Fault: faultOf(status), Message: apiErr.Message})
}

// faultOf is the error body's Type: whose fault an error of the status is.
func faultOf(status int) string {
	if status >= 500 {
		return "Service"
	}
	return "User"
}
