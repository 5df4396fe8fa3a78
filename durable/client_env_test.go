package durable

import (
	"strings"
	"testing"
)

func TestDefaultClientFromLambdaEnvironment(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name     string
		env      map[string]string
		wantErr  string
		endpoint string
		credsErr bool
	}{
		{name: "no region", env: map[string]string{}, wantErr: "AWS_REGION"},
		{name: "lambda runtime", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "tok"}},
		{name: "default region and endpoint override", env: map[string]string{"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:9001"}, endpoint: "http://127.0.0.1:9001"},
		{name: "generic endpoint override", env: map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, endpoint: "http://127.0.0.1:1"},
		{name: "no credentials", env: map[string]string{"AWS_REGION": "us-east-1"}, credsErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newDefaultClient(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rc := c.(*restClient)
			region := firstNonEmpty(tt.env["AWS_REGION"], tt.env["AWS_DEFAULT_REGION"])
			if rc.region != region {
				t.Errorf("region %q", rc.region)
			}
			if want := firstNonEmpty(tt.endpoint, "https://lambda."+region+".amazonaws.com"); rc.endpoint.String() != want {
				t.Errorf("endpoint %q, want %q", rc.endpoint, want)
			}
			creds, err := rc.creds()
			if tt.credsErr {
				if err == nil {
					t.Fatalf("credentials %+v retrieved without AWS_ACCESS_KEY_ID", creds)
				}
				return
			}
			if err != nil || creds.AccessKeyID != tt.env["AWS_ACCESS_KEY_ID"] || creds.SessionToken != tt.env["AWS_SESSION_TOKEN"] {
				t.Fatalf("credentials %+v, %v", creds, err)
			}
		})
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
