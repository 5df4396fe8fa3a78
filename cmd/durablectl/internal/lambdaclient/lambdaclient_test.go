package lambdaclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient"
	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/lambdaclient/lambdaclienttest"
)

// testARN is an execution ARN for requests that only need a valid one.
const testARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/x/1"

// endpoint starts a test server answering GetDurableExecution and returns
// its URL and the Recorder in front of it.
func endpoint(t *testing.T) (string, *lambdaclienttest.Recorder) {
	t.Helper()
	rec := lambdaclienttest.NewRecorder(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"DurableExecutionArn":"` + testARN + `","Status":"RUNNING","StartTimestamp":1.7e9}`))
	}))
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv.URL, rec
}

// ctx returns a context that ends with the test, or after a minute.
func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestRequestsAreSignedForLambda(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		config  string
		aws     bool // Endpoint AWS, reaching the server through AWS_ENDPOINT_URL_LAMBDA
		profile string
		region  string
		wantKey string
		wantReg string
	}{
		{name: "local without credentials signs with dummy ones", wantKey: "durablectl-local", wantReg: lambdaclient.DefaultRegion},
		{name: "local with --region", region: "eu-west-2", wantKey: "durablectl-local", wantReg: "eu-west-2"},
		{name: "local with the environment's credentials and region",
			env:     map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "ap-south-1"},
			wantKey: "AKIDENV", wantReg: "ap-south-1"},
		{name: "local with --profile",
			config:  "[profile dev]\nregion = sa-east-1\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n",
			profile: "dev", wantKey: "AKIDDEV", wantReg: "sa-east-1"},
		{name: "aws with the environment's credentials and --region",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"},
			aws: true, region: "eu-central-1", wantKey: "AKIDENV", wantReg: "eu-central-1"},
		{name: "aws with AWS_PROFILE, and --region over the profile's",
			env:    map[string]string{"AWS_PROFILE": "prod"},
			config: "[profile prod]\nregion = us-west-2\naws_access_key_id = AKIDPROD\naws_secret_access_key = s\n",
			aws:    true, region: "eu-north-1", wantKey: "AKIDPROD", wantReg: "eu-north-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lambdaclienttest.Isolate(t)
			url, rec := endpoint(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.config != "" {
				lambdaclienttest.WriteConfig(t, tt.config)
			}
			o := lambdaclient.Options{Endpoint: url, Profile: tt.profile, Region: tt.region}
			if tt.aws {
				t.Setenv("AWS_ENDPOINT_URL_LAMBDA", url)
				o.Endpoint = lambdaclient.AWS
			}
			c, err := lambdaclient.New(ctx(t), o)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.GetDurableExecution(ctx(t), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(testARN)})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.DurableExecutionArn) != testARN {
				t.Errorf("DurableExecutionArn = %q, want %q", aws.ToString(out.DurableExecutionArn), testARN)
			}
			rec.CheckSigned(t, tt.wantReg)
			for _, q := range rec.Requests() {
				if q.Scope.AccessKeyID != tt.wantKey {
					t.Errorf("%s %s: signed with %q, want %q", q.Method, q.Path, q.Scope.AccessKeyID, tt.wantKey)
				}
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		o       lambdaclient.Options
		wantErr string
		wantIs  error
	}{
		{name: "endpoint without a scheme", o: lambdaclient.Options{Endpoint: "127.0.0.1:9001"}, wantIs: lambdaclient.ErrBadEndpoint},
		{name: "no endpoint", o: lambdaclient.Options{}, wantIs: lambdaclient.ErrBadEndpoint},
		{name: "unknown profile", o: lambdaclient.Options{Endpoint: "http://127.0.0.1:9001", Profile: "nosuch"}, wantErr: "nosuch"},
		{name: "aws without a region", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"},
			o: lambdaclient.Options{Endpoint: lambdaclient.AWS}, wantErr: "no AWS region"},
		{name: "aws without credentials never uses dummy ones",
			o: lambdaclient.Options{Endpoint: lambdaclient.AWS, Region: "eu-west-1"}, wantErr: "no usable AWS credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lambdaclienttest.Isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := lambdaclient.New(ctx(t), tt.o)
			if err == nil {
				t.Fatalf("New(%+v) = %v, nil; want an error", tt.o, c)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("New(%+v) = %v; want an error wrapping %v", tt.o, err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(%+v) = %v; want an error containing %q", tt.o, err, tt.wantErr)
			}
		})
	}
}

func TestLocalEndpointIsNotRetried(t *testing.T) {
	lambdaclienttest.Isolate(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Amzn-ErrorType", "ServiceException")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"boom"}`))
	}))
	defer srv.Close()
	c, err := lambdaclient.New(ctx(t), lambdaclient.Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDurableExecution(ctx(t), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(testARN)})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("GetDurableExecution = %v, want the service's error", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the endpoint saw %d requests, want 1", n)
	}
}
