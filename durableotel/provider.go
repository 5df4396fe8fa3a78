package durableotel

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/acme/durable-lambda-go/durable"
	"github.com/acme/durable-lambda-go/durableotel/otlphttp"
)

// FromEnv configures tracing from the standard OpenTelemetry environment
// variables, for a Lambda function's main. It returns ok false, and does
// nothing else, when tracing is not asked for: OTEL_SDK_DISABLED is true,
// OTEL_TRACES_EXPORTER is "none", or OTEL_TRACES_EXPORTER is unset and
// neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// is set. Otherwise (OTEL_TRACES_EXPORTER "otlp", or an endpoint) it returns
// the plugin over a batch span processor (which reads OTEL_BSP_*) and an
// OTLP/HTTP exporter (package otlphttp, configured by the
// OTEL_EXPORTER_OTLP_* variables), flushed at the end of each invocation.
// The resource comes from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
// (read from the process environment); on Lambda the service name
// defaults to the function's name. Every execution is traced: the plugin
// has no sampler.
//
// getenv is os.Getenv in production. An error means the variables ask for
// tracing in a way this package does not support (another exporter or
// protocol, a malformed value); the OpenTelemetry specification has SDKs
// warn and go on without tracing, which is what the seed function does.
func FromEnv(ctx context.Context, getenv func(string) string) (plugin durable.Plugin, ok bool, err error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return durable.Plugin{}, false, nil
	}
	switch exp := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exp {
	case "none":
		return durable.Plugin{}, false, nil
	case "":
		if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
			return durable.Plugin{}, false, nil
		}
	case "otlp":
	default:
		return durable.Plugin{}, false, fmt.Errorf("durableotel: OTEL_TRACES_EXPORTER %q is not supported (otlp or none)", exp)
	}
	cfg, err := otlphttp.ConfigFromEnv(getenv)
	if err != nil {
		return durable.Plugin{}, false, fmt.Errorf("durableotel: %w", err)
	}
	exp, err := otlphttp.New(cfg)
	if err != nil {
		return durable.Plugin{}, false, fmt.Errorf("durableotel: %w", err)
	}
	res, err := lambdaResource(ctx, getenv)
	if err != nil {
		return durable.Plugin{}, false, err
	}
	return New(sdktrace.NewBatchSpanProcessor(exp), WithResource(res)), true, nil
}

// lambdaResource describes the function from Lambda's environment, under
// what OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES say.
func lambdaResource(ctx context.Context, getenv func(string) string) (*resource.Resource, error) {
	var attrs []attribute.KeyValue
	if name := getenv("AWS_LAMBDA_FUNCTION_NAME"); name != "" {
		attrs = append(attrs,
			attribute.String("cloud.provider", "aws"),
			attribute.String("cloud.platform", "aws_lambda"),
			attribute.String("faas.name", name),
			attribute.String("service.name", name),
		)
		if v := getenv("AWS_LAMBDA_FUNCTION_VERSION"); v != "" {
			attrs = append(attrs, attribute.String("faas.version", v))
		}
		if r := getenv("AWS_REGION"); r != "" {
			attrs = append(attrs, attribute.String("cloud.region", r))
		}
	}
	env, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("durableotel: resource: %w", err)
	}
	res, err := resource.Merge(resource.NewSchemaless(attrs...), env)
	if err != nil {
		return nil, fmt.Errorf("durableotel: resource: %w", err)
	}
	return res, nil
}
