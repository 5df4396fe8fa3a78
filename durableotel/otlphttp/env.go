package otlphttp

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultURL is where spans go when no endpoint variable is set: a local
// collector's OTLP/HTTP receiver (such as the ADOT Lambda layer's).
const DefaultURL = "http://localhost:4318/v1/traces"

// ConfigFromEnv reads the exporter's configuration from the OTLP exporter
// variables of the OpenTelemetry specification, the TRACES_ form of each
// taking precedence:
//
//	OTEL_EXPORTER_OTLP_TRACES_ENDPOINT  the full URL, used as is
//	OTEL_EXPORTER_OTLP_ENDPOINT         a base URL; "/v1/traces" is appended
//	OTEL_EXPORTER_OTLP_[TRACES_]HEADERS  "key=value,key2=value2", values URL-encoded
//	OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT  milliseconds per export (default 10000)
//	OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION  "gzip" or "none"
//	OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL     only "http/protobuf" is supported
//
// getenv is os.Getenv in production. Without an endpoint variable the URL
// is DefaultURL.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_" + name)); v != "" {
			return v
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name))
	}
	var cfg Config
	switch p := get("PROTOCOL"); p {
	case "", "http/protobuf":
	default:
		return Config{}, fmt.Errorf("otlphttp: OTLP protocol %q is not supported (use http/protobuf)", p)
	}
	switch {
	case strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != "":
		cfg.URL = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
	case strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "":
		cfg.URL = strings.TrimRight(strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")), "/") + "/v1/traces"
	default:
		cfg.URL = DefaultURL
	}
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, fmt.Errorf("otlphttp: endpoint %q is not an http or https URL", cfg.URL)
	}
	if h := get("HEADERS"); h != "" {
		headers, err := parseHeaders(h)
		if err != nil {
			return Config{}, err
		}
		cfg.Headers = headers
	}
	if t := get("TIMEOUT"); t != "" {
		ms, err := strconv.Atoi(t)
		if err != nil || ms < 0 {
			return Config{}, fmt.Errorf("otlphttp: timeout %q is not a number of milliseconds", t)
		}
		cfg.Timeout = time.Duration(ms) * time.Millisecond
	}
	switch c := get("COMPRESSION"); c {
	case "", "none":
	case "gzip":
		cfg.Gzip = true
	default:
		return Config{}, fmt.Errorf("otlphttp: compression %q is not supported (gzip or none)", c)
	}
	return cfg, nil
}

// parseHeaders parses the W3C-baggage-like list of the HEADERS variables.
func parseHeaders(s string) (map[string]string, error) {
	headers := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("otlphttp: header %q is not key=value", item)
		}
		val, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("otlphttp: header %q: %w", k, err)
		}
		headers[k] = val
	}
	return headers, nil
}
