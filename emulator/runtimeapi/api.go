package runtimeapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/acme/durable-lambda-go/wire"
)

// The Runtime API's headers and trailers.
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionArn = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody  = "Lambda-Runtime-Function-Error-Body"
)

// maxErrorBytes bounds an error document posted by the function.
const maxErrorBytes = 1 << 20

// routes is the Runtime API of one sandbox.
func (sb *sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", sb.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", sb.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", sb.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", sb.initError)
	return mux
}

// next blocks until an invocation is dispatched to this sandbox and
// answers with its event and the Lambda headers.
func (sb *sandbox) next(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-sb.work:
		sb.mu.Lock()
		sb.current = inv
		sb.count++
		sb.mu.Unlock()
		h := w.Header()
		h.Set(headerRequestID, inv.req.RequestID)
		h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionArn, inv.req.FunctionArn)
		h.Set(headerTraceID, inv.traceID)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.req.Payload)
	case <-r.Context().Done():
	}
}

// response accepts the result of the current invocation.
func (sb *sandbox) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxResponseBytes+1))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("reading the response body: %v", err))
		return
	}
	if len(body) > wire.MaxResponseBytes {
		// Drain the rest so the trailers (if any) are not left unread.
		_, _ = io.Copy(io.Discard, r.Body)
	}
	inv := sb.answer(r.PathValue("id"))
	if inv == nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequestID", "no invocation in progress with id "+r.PathValue("id"))
		return
	}
	switch {
	case r.Trailer.Get(headerErrorType) != "":
		// aws-lambda-go reports a failure while producing the response in trailers.
		inv.done <- result{err: &wire.FunctionError{ErrorObject: trailerError(r.Trailer)}, keep: true}
	case len(body) > wire.MaxResponseBytes:
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", wire.MaxResponseBytes)
		inv.done <- result{err: &wire.FunctionError{ErrorObject: wire.ErrorObject{ErrorType: "Function.ResponseSizeTooLarge", ErrorMessage: msg}}, keep: true}
		writeStatus(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	default:
		inv.done <- result{payload: body, keep: true}
	}
	writeStatus(w, http.StatusAccepted, "", "")
}

// invocationError accepts the failure of the current invocation.
func (sb *sandbox) invocationError(w http.ResponseWriter, r *http.Request) {
	obj, err := readError(r)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	inv := sb.answer(r.PathValue("id"))
	if inv == nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequestID", "no invocation in progress with id "+r.PathValue("id"))
		return
	}
	inv.done <- result{err: &wire.FunctionError{ErrorObject: obj}, keep: true}
	writeStatus(w, http.StatusAccepted, "", "")
}

// initError records that the process could not initialize. The pending
// invocation fails with the posted error and the sandbox is discarded.
func (sb *sandbox) initError(w http.ResponseWriter, r *http.Request) {
	obj, err := readError(r)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	sb.mu.Lock()
	if sb.initErr != nil || sb.count > 0 {
		sb.mu.Unlock()
		writeStatus(w, http.StatusForbidden, "InvalidStateTransition", "init error after initialization")
		return
	}
	sb.initErr = &obj
	close(sb.initFail)
	sb.mu.Unlock()
	writeStatus(w, http.StatusAccepted, "", "")
}

// answer takes the current invocation if its request id is id.
func (sb *sandbox) answer(id string) *invocation {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.current == nil || sb.current.req.RequestID != id {
		return nil
	}
	inv := sb.current
	sb.current = nil
	return inv
}

// runtimeError is the error document a runtime posts.
type runtimeError struct {
	ErrorMessage string          `json:"errorMessage"`
	ErrorType    string          `json:"errorType"`
	StackTrace   json.RawMessage `json:"stackTrace,omitempty"`
}

// readError decodes a posted error document. A body that is not JSON
// becomes the message; the error type falls back to the
// Lambda-Runtime-Function-Error-Type header, then "Runtime.Unknown".
func readError(r *http.Request) (wire.ErrorObject, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxErrorBytes))
	if err != nil {
		return wire.ErrorObject{}, fmt.Errorf("reading the error body: %w", err)
	}
	return parseError(body, r.Header.Get(headerErrorType)), nil
}

// parseError turns a runtime's error document into an ErrorObject.
func parseError(body []byte, headerType string) wire.ErrorObject {
	var doc runtimeError
	if err := json.Unmarshal(body, &doc); err != nil {
		doc = runtimeError{ErrorMessage: strings.TrimSpace(string(body))}
	}
	obj := wire.ErrorObject{ErrorType: doc.ErrorType, ErrorMessage: doc.ErrorMessage, StackTrace: stackFrames(doc.StackTrace)}
	if obj.ErrorType == "" {
		obj.ErrorType = headerType
	}
	if obj.ErrorType == "" {
		obj.ErrorType = "Runtime.Unknown"
	}
	return obj
}

// stackFrames accepts a list of strings or aws-lambda-go's list of
// {path, line, label} frames.
func stackFrames(raw json.RawMessage) wire.StackTrace {
	if len(raw) == 0 {
		return nil
	}
	var lines []string
	if json.Unmarshal(raw, &lines) == nil {
		return lines
	}
	var frames []struct {
		Path  string `json:"path"`
		Line  int    `json:"line"`
		Label string `json:"label"`
	}
	if json.Unmarshal(raw, &frames) != nil {
		return nil
	}
	out := make(wire.StackTrace, len(frames))
	for i, f := range frames {
		out[i] = fmt.Sprintf("%s (%s:%d)", f.Label, f.Path, f.Line)
	}
	return out
}

// trailerError decodes the error aws-lambda-go sends in response trailers.
func trailerError(t http.Header) wire.ErrorObject {
	body, err := base64.StdEncoding.DecodeString(t.Get(trailerErrorBody))
	if err != nil {
		body = nil
	}
	return parseError(body, t.Get(headerErrorType))
}

// writeStatus answers a Runtime API call: {"status":"OK"} for success,
// {"errorType","errorMessage"} otherwise.
func writeStatus(w http.ResponseWriter, code int, errorType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	var doc any = map[string]string{"status": "OK"}
	if errorType != "" {
		doc = map[string]string{"errorType": errorType, "errorMessage": msg}
	}
	_ = json.NewEncoder(w).Encode(doc)
}
