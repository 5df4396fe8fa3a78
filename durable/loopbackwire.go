package durable

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// writeRequest writes req on w as http.Request.Write does, for the
// requests the SDK's client makes: HTTP/1.1 with a body of known length
// (or none), no transfer encoding or trailers, and header names and
// values without line breaks. It writes those without Request.Write's
// sorting of the headers, transfer writer and formatting; any other
// request it leaves to Request.Write.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	if !plainRequest(req) {
		return req.Write(w)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	_, _ = w.WriteString(req.Method)
	_ = w.WriteByte(' ')
	_, _ = w.WriteString(req.URL.RequestURI())
	_, _ = w.WriteString(" HTTP/1.1\r\nHost: ")
	_, _ = w.WriteString(host)
	_, _ = w.WriteString("\r\n")
	if _, ok := req.Header["User-Agent"]; !ok {
		_, _ = w.WriteString("User-Agent: Go-http-client/1.1\r\n")
	}
	// Request.Write's rule: a length for a body, and an explicit 0 for
	// methods other than GET and HEAD.
	if req.ContentLength > 0 || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
		_, _ = w.WriteString("Content-Length: ")
		_, _ = w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		_, _ = w.WriteString("\r\n")
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			_, _ = w.WriteString(k)
			_, _ = w.WriteString(": ")
			_, _ = w.WriteString(strings.TrimSpace(v))
			_, _ = w.WriteString("\r\n")
		}
	}
	if _, err := w.WriteString("\r\n"); err != nil {
		return err
	}
	if req.Body == nil {
		return nil
	}
	n, err := io.Copy(w, req.Body)
	_ = req.Body.Close()
	if err == nil && n != req.ContentLength {
		err = fmt.Errorf("durable: request body of %d bytes, ContentLength %d", n, req.ContentLength)
	}
	return err
}

// plainRequest reports whether writeRequest may write req itself.
func plainRequest(req *http.Request) bool {
	if req.URL == nil || req.Close || req.TransferEncoding != nil || req.Trailer != nil ||
		(req.Body == nil) != (req.ContentLength == 0) || req.ContentLength < 0 ||
		hasLineBreak(req.Method) || hasLineBreak(req.Host) || hasLineBreak(req.URL.Host) ||
		hasLineBreak(req.URL.Opaque) || hasLineBreak(req.URL.Path) || hasLineBreak(req.URL.RawQuery) {
		return false
	}
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			// Request.Write writes its own or none.
			return false
		}
		if hasLineBreak(k) || strings.ContainsAny(k, " :") {
			return false
		}
		for _, v := range vs {
			if hasLineBreak(v) {
				return false
			}
		}
	}
	return true
}

// hasLineBreak reports whether s holds a CR, LF or NUL, which a request
// line or header must not.
func hasLineBreak(s string) bool { return strings.ContainsAny(s, "\r\n\x00") }

// readResponse reads an answer to req from r with its whole body. When
// the answer's status line and headers have arrived whole (the endpoint
// writes an answer in one write) and it is a plain HTTP/1.1 answer with a
// Content-Length of at most maxPlainBody, it parses them itself, slicing every header name and
// value from one string; any other answer it leaves to http.ReadResponse.
func readResponse(r *bufio.Reader, req *http.Request) (*http.Response, error) {
	resp, ok := parsePlainResponse(r, req)
	if !ok {
		var err error
		if resp, err = http.ReadResponse(r, req); err != nil {
			return nil, err
		}
	}
	var data []byte
	var err error
	if ok {
		data = make([]byte, resp.ContentLength)
		_, err = io.ReadFull(r, data)
	} else {
		data, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// maxPlainBody bounds the body readResponse reads into one allocation of
// the length the answer claims; a larger one it reads as it arrives.
const maxPlainBody = 64 << 20

// parsePlainResponse parses the status line and headers buffered in r,
// and consumes them, when they are whole and plain (see readResponse);
// otherwise it consumes nothing and reports false.
func parsePlainResponse(r *bufio.Reader, req *http.Request) (*http.Response, bool) {
	buf, _ := r.Peek(r.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 || !bytes.HasPrefix(buf, []byte("HTTP/1.1 ")) {
		return nil, false
	}
	block := string(buf[:end+2])
	statusLine, rest, _ := strings.Cut(block, "\r\n")
	status := statusLine[len("HTTP/1.1 "):]
	code, err := strconv.Atoi(status[:min(3, len(status))])
	if err != nil || code < 200 || code > 999 || len(status) < 3 || (len(status) > 3 && status[3] != ' ') {
		return nil, false
	}
	if code == http.StatusNoContent || code == http.StatusNotModified || req.Method == http.MethodHead {
		return nil, false
	}
	resp := &http.Response{Status: status, StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, strings.Count(rest, "\n")), ContentLength: -1, Request: req}
	for line := range strings.SplitSeq(strings.TrimSuffix(rest, "\r\n"), "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n\x00") {
			return nil, false
		}
		k, v = http.CanonicalHeaderKey(k), strings.TrimSpace(v)
		switch k {
		case "Transfer-Encoding":
			return nil, false
		case "Content-Length":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > maxPlainBody || resp.ContentLength >= 0 {
				return nil, false
			}
			resp.ContentLength = n
		case "Connection":
			// http.ReadResponse drops a Connection: close it obeys.
			if !strings.EqualFold(v, "close") {
				return nil, false
			}
			resp.Close = true
			continue
		}
		resp.Header[k] = append(resp.Header[k], v)
	}
	if resp.ContentLength < 0 {
		return nil, false
	}
	_, _ = r.Discard(end + 4)
	return resp, true
}
