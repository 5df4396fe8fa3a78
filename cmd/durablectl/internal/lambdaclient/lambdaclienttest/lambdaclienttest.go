// Package lambdaclienttest helps test code that talks to Lambda through
// the AWS SDK: Isolate hides the machine's AWS configuration from a test,
// and a Recorder placed in front of a test endpoint (an httptest server,
// or the emulator's REST handler) records how each request was signed, so
// a test can check that every request carries a Signature Version 4
// Authorization header for service lambda in the expected region.
package lambdaclienttest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// sigV4Algorithm opens a SigV4 Authorization header.
const sigV4Algorithm = "AWS4-HMAC-SHA256"

// Scope is the credential scope of a SigV4 Authorization header,
// "Credential=AKID/20261207/us-east-1/lambda/aws4_request".
type Scope struct {
	AccessKeyID string
	Date        string // yyyymmdd
	Region      string
	Service     string
}

// ParseAuthorization returns the credential scope of a SigV4 Authorization
// header, which must also name its signed headers and carry a signature.
func ParseAuthorization(header string) (Scope, error) {
	alg, rest, ok := strings.Cut(header, " ")
	if !ok || alg != sigV4Algorithm {
		return Scope{}, fmt.Errorf("authorization %q: not %s", header, sigV4Algorithm)
	}
	parts := map[string]string{}
	for p := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[k] = v
	}
	if parts["SignedHeaders"] == "" || parts["Signature"] == "" {
		return Scope{}, fmt.Errorf("authorization %q: no SignedHeaders or Signature", header)
	}
	f := strings.Split(parts["Credential"], "/")
	if len(f) != 5 || f[4] != "aws4_request" {
		return Scope{}, fmt.Errorf("authorization %q: Credential is not AKID/date/region/service/aws4_request", header)
	}
	return Scope{AccessKeyID: f[0], Date: f[1], Region: f[2], Service: f[3]}, nil
}

// Request is what a Recorder saw of one request.
type Request struct {
	Method, Path string
	// Scope is the request's credential scope, or Err why it has none.
	Scope Scope
	Err   error
}

// Recorder is an http.Handler that records each request, then passes it
// on. It is safe for concurrent use.
type Recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []Request
}

// NewRecorder returns a Recorder in front of next.
func NewRecorder(next http.Handler) *Recorder {
	return &Recorder{next: next}
}

// ServeHTTP implements http.Handler.
func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rec := Request{Method: req.Method, Path: req.URL.EscapedPath()}
	if h := req.Header.Get("Authorization"); h == "" {
		rec.Err = errors.New("no Authorization header")
	} else {
		rec.Scope, rec.Err = ParseAuthorization(h)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

// Requests returns the requests recorded so far, oldest first.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// CheckSigned fails t unless at least one request was recorded and each
// was signed for service lambda in region.
func (r *Recorder) CheckSigned(t testing.TB, region string) {
	t.Helper()
	reqs := r.Requests()
	if len(reqs) == 0 {
		t.Error("no request reached the endpoint")
	}
	for _, q := range reqs {
		switch {
		case q.Err != nil:
			t.Errorf("%s %s: %v", q.Method, q.Path, q.Err)
		case q.Scope.Service != "lambda" || q.Scope.Region != region:
			t.Errorf("%s %s: signed for service %q in region %q, want lambda in %q", q.Method, q.Path, q.Scope.Service, q.Scope.Region, region)
		}
	}
}

// awsVariables are the environment variables through which the SDK's
// default chain finds credentials, a profile, a region or an endpoint.
var awsVariables = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

// Isolate hides the machine's AWS configuration from the rest of the test:
// it unsets the AWS variables of the environment, points the shared config
// and credentials files at files that do not exist (WriteConfig writes
// them) and turns off the instance metadata service. t.Cleanup restores
// everything; like t.Setenv, Isolate cannot be used in parallel tests.
func Isolate(t testing.TB) {
	t.Helper()
	for _, k := range awsVariables {
		t.Setenv(k, "") // restores the value on cleanup
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// WriteConfig writes the shared config file of an isolated test (see
// Isolate), e.g. "[profile dev]\nregion = eu-west-1\naws_access_key_id = ...".
func WriteConfig(t testing.TB, content string) {
	t.Helper()
	if err := os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
