package workflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// LogStore writes each record as one structured log line: on Lambda the
// function's log group is the durable sink. It never fails transiently.
type LogStore struct {
	Logger *slog.Logger
}

// Put logs the record under key.
func (s LogStore) Put(ctx context.Context, key, value string) error {
	s.Logger.InfoContext(ctx, "stored message", "key", key, "value", value)
	return nil
}

// HTTPStore PUTs each record to BaseURL/<key> with an Idempotency-Key
// header equal to the key. Throttling (429), server errors (5xx), timeouts
// and connection failures are TransientErrors; any other non-2xx status is
// a permanent error.
type HTTPStore struct {
	BaseURL string
	Client  *http.Client
}

// NewHTTPStore returns an HTTPStore for baseURL with a 10 s request timeout.
func NewHTTPStore(baseURL string) (*HTTPStore, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("workflow: store URL %q: want an absolute http(s) URL", baseURL)
	}
	return &HTTPStore{BaseURL: strings.TrimRight(baseURL, "/"), Client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// Put stores value under key.
func (s *HTTPStore) Put(ctx context.Context, key, value string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.BaseURL+"/"+url.PathEscape(key), strings.NewReader(value))
	if err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := s.Client.Do(req)
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &TransientError{Err: fmt.Errorf("store %s: %w", key, err)}
		}
		return fmt.Errorf("store %s: %w", key, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64*1024))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &TransientError{Err: fmt.Errorf("store %s: HTTP %d", key, resp.StatusCode)}
	default:
		return fmt.Errorf("store %s: HTTP %d", key, resp.StatusCode)
	}
}
