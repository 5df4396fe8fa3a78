// Package lambdaclient builds the AWS SDK for Go v2 Lambda client through
// which durablectl's client commands (list, show, history, callback, stop)
// and its viewer reach a durable-execution endpoint: the local one that
// `durablectl serve` runs, or AWS Lambda itself.
//
// Both are the same client (package github.com/aws/aws-sdk-go-v2/service/lambda)
// with the same durable-execution operations, requests signed with
// Signature Version 4, and the standard credential and region chain of
// github.com/aws/aws-sdk-go-v2/config: --profile picks a shared-config
// profile, --region a region, and without them AWS_PROFILE, AWS_REGION,
// the shared config and credentials files and the environment's
// credentials apply, as for the AWS CLI. What differs is the endpoint:
//
//   - a URL (Options.Endpoint "http://127.0.0.1:9001", the default of the
//     commands) is a local endpoint. The endpoint does not check
//     signatures, so when the chain has no credentials the requests are
//     signed with static dummy ones; the region defaults to DefaultRegion,
//     the instance metadata service is never asked, and a request is not
//     retried (an endpoint that does not answer is reported at once).
//   - AWS (Options.Endpoint "aws") is AWS Lambda of the region, as the SDK
//     resolves it (AWS_ENDPOINT_URL_LAMBDA and a profile's endpoint_url
//     still apply). Credentials and a region must come from the chain or
//     the options: New fails without them, and never falls back to dummy
//     credentials.
package lambdaclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// AWS is the Options.Endpoint that selects AWS Lambda itself.
const AWS = "aws"

// DefaultRegion is the region of a local endpoint's requests when neither
// the options nor the chain give one: that of the local service's ARNs.
const DefaultRegion = "us-east-1"

// Dummy credentials sign requests to a local endpoint when the chain has
// none.
const (
	dummyAccessKeyID     = "durablectl-local"
	dummySecretAccessKey = "durablectl-local"
)

// ErrBadEndpoint is wrapped by New's error when Options.Endpoint is
// neither AWS nor an http(s) URL.
var ErrBadEndpoint = errors.New("the endpoint is neither \"" + AWS + "\" nor an http(s) URL")

// Options says which endpoint a client talks to and as whom.
type Options struct {
	// Endpoint is AWS for AWS Lambda, or the base URL of a local endpoint
	// such as "http://127.0.0.1:9001". Required.
	Endpoint string
	// Profile is the shared-config profile whose credentials and region
	// apply; empty for AWS_PROFILE or the default profile.
	Profile string
	// Region overrides the chain's region.
	Region string
}

// IsAWS reports whether o selects AWS Lambda rather than a local endpoint.
func (o Options) IsAWS() bool { return o.Endpoint == AWS }

// New returns a Lambda client configured by o. Loading the shared
// configuration can fail (an unknown --profile, a malformed file); for
// AWS, so can a missing region or missing credentials, which New looks
// up at once so that the first request does not fail with a less clear
// message.
func New(ctx context.Context, o Options) (*lambda.Client, error) {
	var base string
	if !o.IsAWS() {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q: %w", o.Endpoint, ErrBadEndpoint)
		}
		base = strings.TrimSuffix(o.Endpoint, "/")
	}
	var loads []func(*config.LoadOptions) error
	if o.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	if !o.IsAWS() {
		loads = append(loads, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if o.IsAWS() {
		if cfg.Region == "" {
			return nil, errors.New("no AWS region: give --region, or set AWS_REGION or the region of the profile")
		}
		if cfg.Credentials == nil {
			return nil, errors.New("no AWS credentials: configure them as for the AWS CLI (--profile, AWS_PROFILE, aws configure, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("no usable AWS credentials: configure them as for the AWS CLI (--profile, AWS_PROFILE, aws configure, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): %w", err)
		}
		return lambda.NewFromConfig(cfg), nil
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	cfg.Credentials = aws.NewCredentialsCache(localCredentials{chain: cfg.Credentials})
	return lambda.NewFromConfig(cfg, func(lo *lambda.Options) {
		lo.BaseEndpoint = aws.String(base)
		lo.RetryMaxAttempts = 1
	}), nil
}

// localCredentials are the chain's credentials, or dummy ones when the
// chain has none (or fails): a local endpoint does not check signatures.
type localCredentials struct {
	chain aws.CredentialsProvider
}

// Retrieve implements aws.CredentialsProvider.
func (l localCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if l.chain != nil {
		if c, err := l.chain.Retrieve(ctx); err == nil {
			return c, nil
		}
	}
	return credentials.NewStaticCredentialsProvider(dummyAccessKeyID, dummySecretAccessKey, "").Retrieve(ctx)
}
