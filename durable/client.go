package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Timeouts of the default client's HTTP transport.
const (
	clientConnectTimeout  = 5 * time.Second
	clientResponseTimeout = 50 * time.Second
	clientTotalTimeout    = 55 * time.Second
)

// The REST API of the two calls (restJson1, API version 2025-12-01).
const (
	apiVersionPath = "/2025-12-01/durable-executions/"
	signingName    = "lambda"
)

// Retries of a call that failed with a throttle, a server error or a
// network failure, as the AWS SDK's standard retryer would make them.
const (
	clientMaxAttempts = 3
	clientRetryBase   = 50 * time.Millisecond
)

// restClient is the default ExecutionClient: the two REST calls of the
// Lambda durable-execution API over net/http, signed with SigV4, their
// bodies the wire package's JSON types, their errors *wire.APIError. It
// replaces the AWS SDK's generated Lambda client, whose package
// initialization (the service's schemas) and middleware stack cost a
// function's cold start and every checkpoint.
//
// A sequential workflow makes one checkpoint call per step, so the
// per-call work is kept small: the request is built without parsing a
// URL, the signing key is derived once a day, the path of the last
// execution is escaped once, and the connection is kept alive.
type restClient struct {
	http     *http.Client
	endpoint *url.URL
	host     string // the Host header: the endpoint's, without a default port
	basePath string // the endpoint's path, without a trailing "/"
	region   string
	creds    func() (sigv4Credentials, error)
	signer   *sigv4Signer
	// unsigned: the requests go over the Unix socket of a local endpoint
	// (wire.EndpointSocketEnv), which only local processes reach and
	// which does not authenticate them, so they carry no signature.
	unsigned bool

	// paths caches the escaped path prefix of the last execution.
	paths struct {
		sync.Mutex
		arn, escaped string
	}
}

// newDefaultClient builds the default client from the environment the
// Lambda runtime sets: AWS_REGION, the execution role's credentials in
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and an
// optional endpoint override in AWS_ENDPOINT_URL_LAMBDA or
// AWS_ENDPOINT_URL (else https://lambda.<region>.amazonaws.com), and
// with an override, the Unix socket it also listens on in
// DURABLE_LAMBDA_ENDPOINT_SOCKET (wire.EndpointSocketEnv).
func newDefaultClient(getenv func(string) string) (ExecutionClient, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return nil, errors.New("durable: AWS_REGION is not set: the default checkpoint client needs the Lambda runtime's environment (or pass WithExecutionClient)")
	}
	endpoint, socket := "https://lambda."+region+".amazonaws.com", ""
	for _, key := range []string{"AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"} {
		if u := getenv(key); u != "" {
			endpoint, socket = u, getenv(wire.EndpointSocketEnv)
			break
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("durable: the Lambda endpoint %q is not an absolute URL (%v)", endpoint, err)
	}
	return &restClient{
		http:     httpClientFor(u, socket),
		endpoint: u,
		host:     hostHeader(u),
		basePath: strings.TrimSuffix(u.EscapedPath(), "/"),
		region:   region,
		creds:    environmentCredentials(getenv),
		signer:   newSigV4Signer(region, signingName),
		unsigned: socket != "",
	}, nil
}

// httpClientFor returns the HTTP client for the endpoint u: for a local
// endpoint (see loopbackTransport), one without net/http's Transport;
// otherwise net/http's, with the SDK's timeouts.
func httpClientFor(u *url.URL, socket string) *http.Client {
	if t, ok := newLoopbackTransport(u, socket); ok {
		// The transport bounds each request by clientTotalTimeout itself:
		// http.Client's Timeout would start a goroutine per request.
		return &http.Client{Transport: t}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: clientConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	transport.ResponseHeaderTimeout = clientResponseTimeout
	return &http.Client{Transport: transport, Timeout: clientTotalTimeout}
}

// hostHeader returns the Host header of requests to u: its host, without
// the scheme's default port (the form SigV4 signs).
func hostHeader(u *url.URL) string {
	host, port := u.Hostname(), u.Port()
	if port == "" || (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return u.Host
}

// environmentCredentials reads the execution role's credentials from the
// environment on every retrieval.
func environmentCredentials(getenv func(string) string) func() (sigv4Credentials, error) {
	return func() (sigv4Credentials, error) {
		c := sigv4Credentials{
			AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    getenv("AWS_SESSION_TOKEN"),
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return sigv4Credentials{}, errors.New("durable: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		}
		return c, nil
	}
}

// Checkpoint calls CheckpointDurableExecution.
func (c *restClient) Checkpoint(ctx context.Context, in CheckpointInput) (CheckpointOutput, error) {
	body := wire.AppendCheckpointInput(nil, &in)
	var out CheckpointOutput
	err := c.call(ctx, http.MethodPost, in.DurableExecutionArn, "/checkpoint", "", body, &out)
	return out, err
}

// GetExecutionState calls GetDurableExecutionState.
func (c *restClient) GetExecutionState(ctx context.Context, in GetExecutionStateInput) (GetExecutionStateOutput, error) {
	// The canonical query (SigV4): keys in order, values escaped but for
	// unreserved characters.
	q := "CheckpointToken=" + escapeLabel(in.CheckpointToken)
	if in.Marker != "" {
		q += "&Marker=" + escapeLabel(in.Marker)
	}
	if in.MaxItems > 0 {
		q += "&MaxItems=" + strconv.Itoa(in.MaxItems)
	}
	var out GetExecutionStateOutput
	err := c.call(ctx, http.MethodGet, in.DurableExecutionArn, "/state", q, nil, &out)
	return out, err
}

// call makes one API call, retrying throttles, server errors and network
// failures, and decodes a 2xx answer into out.
func (c *restClient) call(ctx context.Context, method, arn, suffix string, query string, body []byte, out any) error {
	var err error
	for attempt := 1; ; attempt++ {
		var retry bool
		retry, err = c.try(ctx, method, arn, suffix, query, body, out)
		if !retry || attempt == clientMaxAttempts {
			return err
		}
		t := time.NewTimer(clientRetryBase << (2 * (attempt - 1)))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// try makes one attempt; retry says whether another may succeed.
func (c *restClient) try(ctx context.Context, method, arn, suffix string, query string, body []byte, out any) (retry bool, err error) {
	req, err := c.request(ctx, method, arn, suffix, query, body)
	if err != nil {
		return false, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("durable: reading the answer of %s %s: %w", method, suffix, err)
	}
	if resp.StatusCode/100 != 2 {
		apiErr := apiErrorOf(resp, data)
		return apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500, apiErr
	}
	if err := decodeAnswer(data, out); err != nil {
		return false, fmt.Errorf("durable: decoding the answer of %s %s: %w", method, suffix, err)
	}
	return false, nil
}

// decodeAnswer decodes a 2xx answer into out: a checkpoint's without
// reflection (the first checkpoint of a process builds no encoding/json
// decoders), the others with encoding/json.
func decodeAnswer(data []byte, out any) error {
	if o, ok := out.(*CheckpointOutput); ok {
		return wire.DecodeCheckpointOutput(data, o)
	}
	return json.Unmarshal(data, out)
}

// request builds a request for the execution arn, signed unless
// c.unsigned. The request's URL carries the escaped path in Opaque, so
// that neither net/http nor the signer escapes or parses it again.
func (c *restClient) request(ctx context.Context, method, arn, suffix string, query string, body []byte) (*http.Request, error) {
	path := c.executionPath(arn) + suffix
	u := &url.URL{Scheme: c.endpoint.Scheme, Host: c.endpoint.Host, Opaque: path, RawQuery: query}
	req := &http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, 5), Host: c.host}
	r := sigv4Request{Method: method, Host: c.host, Path: path, Query: query, Body: body}
	if body != nil {
		r.ContentType = "application/json"
		req.Header["Content-Type"] = []string{r.ContentType}
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if !c.unsigned {
		creds, err := c.creds()
		if err != nil {
			return nil, err
		}
		c.signer.sign(req.Header, r, creds, time.Now())
	}
	return req.WithContext(ctx), nil
}

// executionPath returns the escaped path of the execution arn's
// resources, from a cache of the last one: an invocation's calls are all
// for one execution.
func (c *restClient) executionPath(arn string) string {
	c.paths.Lock()
	defer c.paths.Unlock()
	if c.paths.arn != arn || c.paths.escaped == "" {
		c.paths.arn = arn
		c.paths.escaped = c.basePath + apiVersionPath + escapeLabel(arn)
	}
	return c.paths.escaped
}

// escapeLabel percent-encodes a path label or a query value as the REST
// binding and SigV4 do: everything but unreserved characters, "/"
// included.
func escapeLabel(s string) string {
	return string(appendEscaped(nil, s, false))
}

// apiErrorOf reads a restJson1 error: the code from X-Amzn-ErrorType or
// the body's __type/code (without a namespace or a ":"-suffix), the
// message from message or Message.
func apiErrorOf(resp *http.Response, data []byte) *wire.APIError {
	var body struct {
		Type    string `json:"__type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Msg     string `json:"Message"`
	}
	_ = json.Unmarshal(data, &body)
	code := resp.Header.Get("X-Amzn-ErrorType")
	for _, c := range []string{body.Type, body.Code} {
		if code == "" {
			code = c
		}
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	msg := body.Message
	if msg == "" {
		msg = body.Msg
	}
	return &wire.APIError{Code: code, StatusCode: resp.StatusCode, Message: msg}
}
