// Command fn is a tiny Lambda function for the runtimeapi tests, run as a
// real bootstrap binary through aws-lambda-go. Its event names an action;
// FN_MODE in the environment selects a start-up failure.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event is what the tests send.
type event struct {
	Action string `json:"action"`
	Size   int    `json:"size,omitempty"`
}

// report is what the "echo" action returns.
type report struct {
	PID         int               `json:"pid"`
	Count       int               `json:"count"`
	RequestID   string            `json:"requestId"`
	FunctionArn string            `json:"functionArn"`
	DeadlineMs  int64             `json:"deadlineMs"`
	TraceID     string            `json:"traceId"`
	Env         map[string]string `json:"env"`
}

func main() {
	switch os.Getenv("FN_MODE") {
	case "exit-before-start":
		fmt.Fprintln(os.Stderr, "giving up before lambda.Start")
		os.Exit(4)
	case "init-error":
		body := `{"errorMessage":"config missing","errorType":"Runtime.InitError"}`
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			os.Exit(5)
		}
		time.Sleep(time.Hour) // the sandbox must kill us
	}
	count := 0
	lambda.Start(func(ctx context.Context, ev event) (any, error) {
		count++
		switch ev.Action {
		case "echo":
			lc, _ := lambdacontext.FromContext(ctx)
			deadline, _ := ctx.Deadline()
			env := map[string]string{}
			for _, kv := range os.Environ() {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			return report{
				PID: os.Getpid(), Count: count, RequestID: lc.AwsRequestID, FunctionArn: lc.InvokedFunctionArn,
				DeadlineMs: deadline.UnixMilli(), TraceID: os.Getenv("_X_AMZN_TRACE_ID"), Env: env,
			}, nil
		case "fail":
			return nil, errors.New("boom")
		case "panic":
			panic("kaboom")
		case "exit":
			os.Exit(3)
		case "hang":
			time.Sleep(time.Hour)
		case "big":
			return strings.Repeat("x", ev.Size), nil
		}
		return nil, fmt.Errorf("unknown action %q", ev.Action)
	})
}
