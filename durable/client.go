package durable

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

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
type restClient struct {
	http     *http.Client
	endpoint *url.URL
	region   string
	creds    aws.CredentialsProvider
	signer   *v4.Signer
}

// newDefaultClient builds the default client from the environment the
// Lambda runtime sets: AWS_REGION, the execution role's credentials in
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and an
// optional endpoint override in AWS_ENDPOINT_URL_LAMBDA or
// AWS_ENDPOINT_URL (else https://lambda.<region>.amazonaws.com).
func newDefaultClient(getenv func(string) string) (ExecutionClient, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return nil, errors.New("durable: AWS_REGION is not set: the default checkpoint client needs the Lambda runtime's environment (or pass WithExecutionClient)")
	}
	endpoint := "https://lambda." + region + ".amazonaws.com"
	for _, key := range []string{"AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"} {
		if u := getenv(key); u != "" {
			endpoint = u
			break
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("durable: the Lambda endpoint %q is not an absolute URL (%v)", endpoint, err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: clientConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	transport.ResponseHeaderTimeout = clientResponseTimeout
	return &restClient{
		http:     &http.Client{Transport: transport, Timeout: clientTotalTimeout},
		endpoint: u,
		region:   region,
		creds:    environmentCredentials(getenv),
		signer:   v4.NewSigner(),
	}, nil
}

// environmentCredentials reads the execution role's credentials from the
// environment on every retrieval.
func environmentCredentials(getenv func(string) string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		c := aws.Credentials{
			AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
			SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken:    getenv("AWS_SESSION_TOKEN"),
			Source:          "EnvironmentVariables",
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return aws.Credentials{}, errors.New("durable: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		}
		return c, nil
	})
}

// Checkpoint calls CheckpointDurableExecution.
func (c *restClient) Checkpoint(ctx context.Context, in CheckpointInput) (CheckpointOutput, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return CheckpointOutput{}, fmt.Errorf("durable: encoding the checkpoint request: %w", err)
	}
	var out CheckpointOutput
	err = c.call(ctx, http.MethodPost, in.DurableExecutionArn, "/checkpoint", nil, body, &out)
	return out, err
}

// GetExecutionState calls GetDurableExecutionState.
func (c *restClient) GetExecutionState(ctx context.Context, in GetExecutionStateInput) (GetExecutionStateOutput, error) {
	q := url.Values{"CheckpointToken": {in.CheckpointToken}}
	if in.Marker != "" {
		q.Set("Marker", in.Marker)
	}
	if in.MaxItems > 0 {
		q.Set("MaxItems", strconv.Itoa(in.MaxItems))
	}
	var out GetExecutionStateOutput
	err := c.call(ctx, http.MethodGet, in.DurableExecutionArn, "/state", q, nil, &out)
	return out, err
}

// call makes one API call, retrying throttles, server errors and network
// failures, and decodes a 2xx answer into out.
func (c *restClient) call(ctx context.Context, method, arn, suffix string, query url.Values, body []byte, out any) error {
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
func (c *restClient) try(ctx context.Context, method, arn, suffix string, query url.Values, body []byte, out any) (retry bool, err error) {
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
	if err := json.Unmarshal(data, out); err != nil {
		return false, fmt.Errorf("durable: decoding the answer of %s %s: %w", method, suffix, err)
	}
	return false, nil
}

// request builds a signed request for the execution arn.
func (c *restClient) request(ctx context.Context, method, arn, suffix string, query url.Values, body []byte) (*http.Request, error) {
	u := *c.endpoint
	base := strings.TrimSuffix(u.Path, "/")
	u.Path = base + apiVersionPath + arn + suffix
	u.RawPath = base + apiVersionPath + escapeLabel(arn) + suffix
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("durable: building the %s request: %w", suffix, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, c.region, time.Now()); err != nil {
		return nil, fmt.Errorf("durable: signing the %s request: %w", suffix, err)
	}
	return req, nil
}

// escapeLabel percent-encodes a path label as the REST binding does:
// everything but unreserved characters, "/" included.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
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
