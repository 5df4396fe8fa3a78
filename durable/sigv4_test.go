package durable

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSigV4AgreesWithTheAWSSDK signs the default client's requests and
// checks each signature against aws-sdk-go-v2's v4.Signer on the same
// request, across endpoints, credentials, query values that need escaping
// and a day boundary (a new signing key).
func TestSigV4AgreesWithTheAWSSDK(t *testing.T) {
	const arn = "arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST/durable-execution/n/id"
	tests := []struct {
		name, endpoint, token string
		method, suffix, query string
		body                  []byte
	}{
		{name: "checkpoint, local endpoint with port", endpoint: "http://127.0.0.1:9001", token: "session",
			method: http.MethodPost, suffix: "/checkpoint", body: []byte(`{"CheckpointToken":"t"}`)},
		{name: "checkpoint, regional endpoint, no session token", endpoint: "https://lambda.eu-west-1.amazonaws.com",
			method: http.MethodPost, suffix: "/checkpoint", body: []byte(`{"CheckpointToken":"t","Updates":[]}`)},
		{name: "checkpoint, default port and a base path", endpoint: "https://example.test:443/base/", token: "tok+/=",
			method: http.MethodPost, suffix: "/checkpoint", body: []byte(`{}`)},
		{name: "state with escaped query", endpoint: "http://localhost:8080", token: "session",
			method: http.MethodGet, suffix: "/state", query: "CheckpointToken=" + escapeLabel("a b+c/d=~") + "&Marker=" + escapeLabel("m:1") + "&MaxItems=1000"},
	}
	times := []time.Time{
		time.Date(2026, 12, 7, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 12, 8, 0, 0, 1, 0, time.UTC),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
				"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN": tt.token,
				"AWS_ENDPOINT_URL_LAMBDA": tt.endpoint}
			c, err := newDefaultClient(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			rc := c.(*restClient)
			for _, now := range times {
				req, err := rc.request(context.Background(), tt.method, arn, tt.suffix, tt.query, tt.body)
				if err != nil {
					t.Fatal(err)
				}
				got := req.Header.Clone()
				creds, _ := rc.creds()
				r := sigv4Request{Method: tt.method, Host: rc.host, Path: req.URL.Opaque, Query: tt.query, Body: tt.body}
				if tt.body != nil {
					r.ContentType = "application/json"
				}
				rc.signer.sign(got, r, creds, now)

				// The same request as a URL string, signed by the AWS SDK.
				want, err := http.NewRequest(tt.method, tt.endpoint, bytes.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				want.URL.Opaque = ""
				want.URL.RawPath = req.URL.Opaque
				if want.URL.Path, err = url.PathUnescape(req.URL.Opaque); err != nil {
					t.Fatal(err)
				}
				want.URL.RawQuery = tt.query
				if tt.body != nil {
					want.Header.Set("Content-Type", "application/json")
				} else {
					want.ContentLength = 0
				}
				sum := sha256.Sum256(tt.body)
				awsCreds := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
				if err := v4.NewSigner().SignHTTP(context.Background(), awsCreds, want, hex.EncodeToString(sum[:]), signingName, "eu-west-1", now); err != nil {
					t.Fatal(err)
				}
				for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token"} {
					if got.Get(h) != want.Header.Get(h) {
						t.Errorf("%s at %s:\n got %q\nwant %q", h, now, got.Get(h), want.Header.Get(h))
					}
				}
				if want.Host != "" && want.Host != rc.host {
					t.Errorf("Host %q, the AWS SDK signs %q", rc.host, want.Host)
				}
				if req.URL.RawQuery != want.URL.RawQuery {
					t.Errorf("query %q, the AWS SDK sends %q", req.URL.RawQuery, want.URL.RawQuery)
				}
			}
		})
	}
}
