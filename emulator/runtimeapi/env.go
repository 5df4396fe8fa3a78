package runtimeapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/acme/durable-lambda-go/wire"
)

// Placeholder credentials handed to the function in place of its execution
// role's. The local endpoint does not check signatures; the AWS SDK inside
// the function only needs credentials to exist.
const (
	localAccessKeyID     = "LOCALEMULATOR"
	localSecretAccessKey = "local-emulator-secret"
	localSessionToken    = "local-emulator-session"
)

// environ builds the function's environment: what Lambda sets for a
// provided.al2023 function, pointed at this machine, then cfg.Env.
// The host's own environment is not inherited, as in Lambda.
// LAMBDA_TASK_ROOT and LAMBDA_RUNTIME_DIR name the binary's directory
// (Lambda's /var/task and /var/runtime); AWS_EXECUTION_ENV is not set,
// because Lambda does not set it for OS-only runtimes.
func environ(cfg Config, runtimeAPI string) []string {
	dir := filepath.Dir(cfg.Path)
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"_HANDLER":                        filepath.Base(cfg.Path),
		"AWS_REGION":                      cfg.Region,
		"AWS_DEFAULT_REGION":              cfg.Region,
		"AWS_LAMBDA_FUNCTION_NAME":        cfg.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     cfg.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(cfg.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + cfg.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStreamName(time.Now(), cfg.Version),
		"AWS_ACCESS_KEY_ID":               localAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           localSecretAccessKey,
		"AWS_SESSION_TOKEN":               localSessionToken,
		"LAMBDA_TASK_ROOT":                dir,
		"LAMBDA_RUNTIME_DIR":              dir,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH":                 "/lib64:/usr/lib64:" + dir + ":" + dir + "/lib:/opt/lib",
	}
	if cfg.Endpoint != "" {
		env["AWS_ENDPOINT_URL_LAMBDA"] = cfg.Endpoint
		if cfg.EndpointSocket != "" {
			env[wire.EndpointSocketEnv] = cfg.EndpointSocket
		}
	}
	maps.Copy(env, cfg.Env)
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// logStreamName has Lambda's form: 2026/01/02/[$LATEST]<32 hex digits>.
func logStreamName(now time.Time, version string) string {
	return now.UTC().Format("2006/01/02") + "/[" + version + "]" + randomHex(16)
}

// newTraceID returns an X-Ray trace header for one invocation.
func newTraceID() string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8))
}

// randomHex returns n random bytes as 2n hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
