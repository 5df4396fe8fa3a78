package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/acme/durable-lambda-go/wire"
)

// client calls the durable-execution REST API of a running endpoint
// (durablectl serve, or anything else that speaks it). It decodes
// responses into the wire types, which are the API's JSON shapes.
type client struct {
	base string
	http *http.Client
}

// unreachableError reports that no endpoint answered at all.
type unreachableError struct {
	endpoint string
	err      error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach the endpoint %s (is `durablectl serve` running?): %v", e.endpoint, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// escapeLabel escapes a path label the way AWS clients do: every byte
// outside A-Z a-z 0-9 - . _ ~.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Content types of request bodies.
const (
	contentJSON = "application/json"
	// contentBinary is SendDurableExecutionCallbackSuccess's: its body is
	// the raw result (protocol.md §3.1).
	contentBinary = "application/octet-stream"
)

// do sends one request, with body (if not nil) of the given content type,
// and decodes a JSON answer into out (if not nil). Service errors come back
// as *wire.APIError.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body []byte, contentType string, out any) error {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &unreachableError{endpoint: c.base, err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the response of %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return decodeAPIError(resp, data)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding the response of %s %s: %w", method, path, err)
	}
	return nil
}

// decodeAPIError reads the service's error shape.
func decodeAPIError(resp *http.Response, data []byte) error {
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &doc)
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = doc.Type
	}
	if code == "" {
		code = resp.Status
	}
	if doc.Message == "" {
		doc.Message = strings.TrimSpace(string(data))
	}
	return &wire.APIError{Code: code, StatusCode: resp.StatusCode, Message: doc.Message}
}

// getExecution calls GetDurableExecution.
func (c *client) getExecution(ctx context.Context, arn string) (wire.Execution, error) {
	var out wire.Execution
	err := c.do(ctx, http.MethodGet, "/2025-12-01/durable-executions/"+escapeLabel(arn), nil, nil, "", &out)
	return out, err
}

// history calls GetDurableExecutionHistory until every page is read.
func (c *client) history(ctx context.Context, arn string) ([]wire.Event, error) {
	var events []wire.Event
	marker := ""
	for {
		q := url.Values{"MaxItems": {"1000"}}
		if marker != "" {
			q.Set("Marker", marker)
		}
		var page wire.HistoryOutput
		if err := c.do(ctx, http.MethodGet, "/2025-12-01/durable-executions/"+escapeLabel(arn)+"/history", q, nil, "", &page); err != nil {
			return nil, err
		}
		events = append(events, page.Events...)
		if page.NextMarker == "" {
			return events, nil
		}
		marker = page.NextMarker
	}
}

// list calls ListDurableExecutionsByFunction until every page is read.
func (c *client) list(ctx context.Context, function string, q url.Values) ([]wire.ExecutionSummary, error) {
	var all []wire.ExecutionSummary
	for {
		var page wire.ListExecutionsOutput
		if err := c.do(ctx, http.MethodGet, "/2025-12-01/functions/"+escapeLabel(function)+"/durable-executions", q, nil, "", &page); err != nil {
			return nil, err
		}
		all = append(all, page.DurableExecutions...)
		if page.NextMarker == "" {
			return all, nil
		}
		q.Set("Marker", page.NextMarker)
	}
}

// stop calls StopDurableExecution.
func (c *client) stop(ctx context.Context, arn string, cause *wire.ErrorObject) (wire.StopOutput, error) {
	var body []byte
	if cause != nil {
		var err error
		if body, err = json.Marshal(cause); err != nil {
			return wire.StopOutput{}, err
		}
	}
	var out wire.StopOutput
	err := c.do(ctx, http.MethodPost, "/2025-12-01/durable-executions/"+escapeLabel(arn)+"/stop", nil, body, contentJSON, &out)
	return out, err
}

// callback calls SendDurableExecutionCallback{Success,Failure,Heartbeat};
// action is succeed (body: the raw result), fail (body: a JSON
// ErrorObject) or heartbeat.
func (c *client) callback(ctx context.Context, id, action string, body []byte) error {
	contentType := contentJSON
	if action == "succeed" {
		contentType = contentBinary
	}
	return c.do(ctx, http.MethodPost, "/2025-12-01/durable-execution-callbacks/"+escapeLabel(id)+"/"+action, nil, body, contentType, nil)
}

// isNotFound reports whether err is the service's ResourceNotFoundException.
func isNotFound(err error) bool {
	var apiErr *wire.APIError
	return errors.As(err, &apiErr) && apiErr.Code == wire.ErrCodeResourceNotFound
}
