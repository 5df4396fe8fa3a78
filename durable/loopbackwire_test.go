package durable

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// TestWriteRequestAsRequestWrite checks that writeRequest writes what
// http.Request.Write writes, as a server reads it: the client's own
// requests, and others that it leaves to Request.Write.
func TestWriteRequestAsRequestWrite(t *testing.T) {
	body := `{"CheckpointToken":"t","Updates":[]}`
	newReq := func(method, target, body string, header http.Header) *http.Request {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: header, Host: u.Host}
		if body != "" {
			req.ContentLength = int64(len(body))
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		return req
	}
	c := &restClient{endpoint: &url.URL{Scheme: "http", Host: "127.0.0.1:9001"}, host: "127.0.0.1:9001", region: "us-east-1",
		creds: func() (sigv4Credentials, error) {
			return sigv4Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "ST"}, nil
		},
		signer: newSigV4Signer("us-east-1", signingName)}
	checkpoint, err := c.request(t.Context(), http.MethodPost, "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/n/id", "/checkpoint", "", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	state, err := c.request(t.Context(), http.MethodGet, "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/n/id", "/state", "CheckpointToken=a%2Fb&MaxItems=5", nil)
	if err != nil {
		t.Fatal(err)
	}
	chunked := newReq(http.MethodPost, "http://h/c", body, http.Header{})
	chunked.ContentLength = -1
	closing := newReq(http.MethodGet, "http://h/x", "", http.Header{})
	closing.Close = true
	for name, mk := range map[string]func() *http.Request{
		"checkpoint": func() *http.Request { return checkpoint.Clone(t.Context()) },
		"state":      func() *http.Request { return state.Clone(t.Context()) },
		"empty POST": func() *http.Request { return newReq(http.MethodPost, "http://h/p?q=1", "", http.Header{}) },
		"own User-Agent": func() *http.Request {
			return newReq(http.MethodPut, "http://h/u", "x", http.Header{"User-Agent": {"me"}, "X-Two": {"a", " b "}})
		},
		"chunked":           func() *http.Request { return chunked.Clone(t.Context()) },
		"Connection: close": func() *http.Request { return closing.Clone(t.Context()) },
		"Host header":       func() *http.Request { return newReq(http.MethodGet, "http://h/x", "", http.Header{"Host": {"other"}}) },
	} {
		t.Run(name, func(t *testing.T) {
			read := func(write func(*bufio.Writer, *http.Request) error) (*http.Request, string) {
				t.Helper()
				req := mk()
				if req.Body != nil && req.GetBody != nil {
					req.Body, _ = req.GetBody()
				} else if req.Body != nil {
					req.Body = io.NopCloser(strings.NewReader(body))
					if req.ContentLength > 0 {
						req.Body = io.NopCloser(strings.NewReader(body[:req.ContentLength]))
					}
				}
				var buf bytes.Buffer
				w := bufio.NewWriter(&buf)
				if err := write(w, req); err != nil {
					t.Fatal(err)
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				got, err := http.ReadRequest(bufio.NewReader(&buf))
				if err != nil {
					t.Fatalf("%q: %v", buf.String(), err)
				}
				data, err := io.ReadAll(got.Body)
				if err != nil {
					t.Fatal(err)
				}
				got.Body = nil
				return got, string(data)
			}
			if plain := name == "checkpoint" || name == "state" || name == "empty POST" || name == "own User-Agent"; plainRequest(mk()) != plain {
				t.Errorf("plainRequest = %v, want %v", !plain, plain)
			}
			got, gotBody := read(writeRequest)
			want, wantBody := read(func(w *bufio.Writer, r *http.Request) error { return r.Write(w) })
			if got.Method != want.Method || got.RequestURI != want.RequestURI || got.Host != want.Host ||
				!reflect.DeepEqual(got.Header, want.Header) || got.ContentLength != want.ContentLength ||
				!reflect.DeepEqual(got.TransferEncoding, want.TransferEncoding) || got.Close != want.Close || gotBody != wantBody {
				t.Errorf("writeRequest: %s %s host %s %v length %d %q\nRequest.Write: %s %s host %s %v length %d %q",
					got.Method, got.RequestURI, got.Host, got.Header, got.ContentLength, gotBody,
					want.Method, want.RequestURI, want.Host, want.Header, want.ContentLength, wantBody)
			}
		})
	}
}

// TestReadResponseAsReadResponse checks that readResponse reads what
// http.ReadResponse reads, whether it parses the answer itself or not.
func TestReadResponseAsReadResponse(t *testing.T) {
	get := &http.Request{Method: http.MethodGet}
	for name, raw := range map[string]string{
		"checkpoint answer": "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nContent-Type: application/json\r\nDate: Mon, 07 Dec 2026 23:00:00 GMT\r\nX-Amzn-Requestid: 0b7e4c1e\r\n\r\n{\"a\":\"b\"}\r\n",
		"error":             "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nX-Amzn-Errortype: InvalidParameterValueException\r\nContent-Length: 2\r\n\r\n{}",
		"closing":           "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		"two values":        "HTTP/1.1 200 OK\r\nx-two: a\r\nX-Two:  b \r\nContent-Length: 1\r\n\r\nz",
		"no reason":         "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nz",
		"chunked":           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"until close":       "HTTP/1.1 200 OK\r\n\r\nall of it",
		"HTTP/1.0":          "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz",
		"no content":        "HTTP/1.1 204 No Content\r\n\r\n",
		"folded header":     "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 1\r\n\r\nz",
		"two lengths":       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz",
	} {
		for _, split := range []bool{false, true} {
			reader := func() *bufio.Reader {
				var r io.Reader = strings.NewReader(raw)
				if split { // the headers arrive a byte at a time: not whole in the buffer
					r = iotest.OneByteReader(r)
				}
				br := bufio.NewReader(r)
				_, _ = br.Peek(1)
				return br
			}
			plain := !split && (name == "checkpoint answer" || name == "error" || name == "closing" || name == "two values" || name == "no reason")
			if _, ok := parsePlainResponse(reader(), get); ok != plain {
				t.Errorf("%s (split %v): parsed itself %v, want %v", name, split, ok, plain)
			}
			got, gotErr := readResponse(reader(), get)
			want, wantErr := http.ReadResponse(reader(), get)
			if (gotErr != nil) != (wantErr != nil) {
				t.Errorf("%s (split %v): readResponse error %v, http.ReadResponse %v", name, split, gotErr, wantErr)
				continue
			}
			if wantErr != nil {
				continue
			}
			wantBody, wantErr := io.ReadAll(want.Body)
			gotBody, gotErr := io.ReadAll(got.Body)
			if (gotErr != nil) != (wantErr != nil) || !bytes.Equal(gotBody, wantBody) || got.StatusCode != want.StatusCode ||
				got.Status != want.Status || got.Close != want.Close || got.ContentLength != want.ContentLength ||
				!reflect.DeepEqual(got.Header, want.Header) {
				t.Errorf("%s (split %v):\nreadResponse      %q %d close %v length %d %v %q (%v)\nhttp.ReadResponse %q %d close %v length %d %v %q (%v)", name, split,
					got.Status, got.StatusCode, got.Close, got.ContentLength, got.Header, gotBody, gotErr,
					want.Status, want.StatusCode, want.Close, want.ContentLength, want.Header, wantBody, wantErr)
			}
		}
	}
}

// TestReadResponseClaimedLength: an answer that claims a body larger than
// maxPlainBody is read as it arrives, not into one allocation of what it
// claims; cut short, it is an error.
func TestReadResponseClaimedLength(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\nshort"))
	_, _ = br.Peek(1)
	if _, err := readResponse(br, &http.Request{Method: http.MethodGet}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("readResponse: %v, want %v", err, io.ErrUnexpectedEOF)
	}
}
