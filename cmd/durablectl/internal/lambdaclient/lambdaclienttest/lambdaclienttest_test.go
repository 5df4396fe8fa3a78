package lambdaclienttest

import "testing"

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		header string
		want   Scope
		ok     bool
	}{
		{"AWS4-HMAC-SHA256 Credential=AKID/20261207/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd",
			Scope{AccessKeyID: "AKID", Date: "20261207", Region: "eu-west-1", Service: "lambda"}, true},
		{"Basic dXNlcjpwYXNz", Scope{}, false},
		{"AWS4-HMAC-SHA256 Credential=AKID/20261207/eu-west-1/lambda/aws4_request, SignedHeaders=host", Scope{}, false},
		{"AWS4-HMAC-SHA256 Credential=AKID/eu-west-1/lambda, SignedHeaders=host, Signature=abcd", Scope{}, false},
		{"", Scope{}, false},
	}
	for _, tt := range tests {
		got, err := ParseAuthorization(tt.header)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseAuthorization(%q) = %+v, %v; want %+v, ok %v", tt.header, got, err, tt.want, tt.ok)
		}
	}
}
