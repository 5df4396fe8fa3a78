package viewer_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/chromedp/chromedp"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/viewer"
	"github.com/acme/durable-lambda-go/internal/testtool"
	"github.com/acme/durable-lambda-go/internal/testwait"
)

// screenshots is where TestBrowser writes its screenshots; the README's
// are made with -screenshots ../../../../docs.
var screenshots = flag.String("screenshots", "", "directory to write the viewer's screenshots to (they are always taken)")

// browserNames are the executables of headless Chromium, the Debian
// package's first.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// browser starts headless Chromium for the test; a missing browser skips
// the test, or fails it under CI (package testtool).
func browser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	path := ""
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		path = testtool.Require(t, browserNames[0])
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1100, 800))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return bctx
}

// do runs browser actions and fails the test, naming the step, on error.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// poll waits in the page until the JavaScript predicate holds.
func poll(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(testwait.Deadline))); err != nil {
		t.Fatalf("waiting until %s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// screenshot takes a PNG of the element and writes it to -screenshots.
func screenshot(t *testing.T, ctx context.Context, sel, file string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(sel))
	if err != nil {
		t.Fatalf("screenshot of %s: %v", sel, err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot of %s: %d bytes, not a PNG", sel, len(png))
	}
	if *screenshots == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(*screenshots, file), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", file, len(png))
}

// history reads an execution's whole history through the API.
func history(t testing.TB, s *stack, arn string) []types.Event {
	t.Helper()
	out, err := s.client.GetDurableExecutionHistory(context.Background(), &lambda.GetDurableExecutionHistoryInput{
		DurableExecutionArn: aws.String(arn), MaxItems: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return out.Events
}

// suspendedOnCallback waits until the execution waits for its callback
// with no invocation left to run, and returns the callback's id and the
// ids of its operations.
func suspendedOnCallback(t testing.TB, s *stack, arn string) (string, []string) {
	t.Helper()
	var id string
	var ops []string
	testwait.Until(t, arn+" waits for its callback", func() bool {
		id, ops = "", nil
		events := history(t, s, arn)
		for i, e := range events {
			if d := e.CallbackStartedDetails; d != nil {
				id = aws.ToString(d.CallbackId)
			}
			if opID := aws.ToString(e.Id); opID != "" && !strings.HasPrefix(string(e.EventType), "Execution") && !slices.Contains(ops, opID) {
				ops = append(ops, opID)
			}
			if i == len(events)-1 && e.EventType != types.EventTypeInvocationCompleted {
				return false
			}
		}
		return id != ""
	})
	return id, ops
}

// TestBrowser drives the viewer in headless Chromium: the list, an
// execution's timeline with one bar per operation that updates while the
// execution runs, and a callback completed from the page.
func TestBrowser(t *testing.T) {
	s := ordersStack(t)
	ctx := browser(t, testwait.Context(t))

	// Executions that end every way, for the list.
	done := s.start(t, "order-1040", `{"id":"1040"}`)
	failed := s.start(t, "order-1041", `{"id":"1041","fail":true}`)
	stopped := s.start(t, "order-1042", `{"id":"1042"}`)
	doneCallback, _ := suspendedOnCallback(t, s, done)
	if _, err := s.client.SendDurableExecutionCallbackSuccess(context.Background(), &lambda.SendDurableExecutionCallbackSuccessInput{
		CallbackId: aws.String(doneCallback), Result: []byte(`"approved by the API"`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.StopDurableExecution(context.Background(), &lambda.StopDurableExecutionInput{DurableExecutionArn: aws.String(stopped)}); err != nil {
		t.Fatal(err)
	}
	s.waitStatus(t, done, types.ExecutionStatusSucceeded)
	s.waitStatus(t, failed, types.ExecutionStatusFailed)
	s.waitStatus(t, stopped, types.ExecutionStatusStopped)
	arn := s.start(t, "order-1043", `{"id":"1043"}`)

	// The list, then the running execution's page.
	rowOf := `tr[data-arn="` + arn + `"]`
	do(t, ctx, "open the list", chromedp.Navigate(s.url+viewer.Path), chromedp.WaitVisible(rowOf))
	if n := eval[int](t, ctx, `document.querySelectorAll('#executions tbody tr[data-arn]').length`); n != 4 {
		t.Errorf("the list shows %d executions, want 4", n)
	}
	screenshot(t, ctx, "main", "viewer-list.png")
	do(t, ctx, "open the execution", chromedp.Click(rowOf+` a.exec-link`), chromedp.WaitVisible(`#live`))

	// The page updates itself until the callback is pending, with a bar
	// for every operation.
	callbackID, ops := suspendedOnCallback(t, s, arn)
	poll(t, ctx, "the page shows the pending callback", `document.querySelector('div.callback[data-callback-id="`+callbackID+`"]') !== null`)
	poll(t, ctx, "the page shows every operation", `document.querySelectorAll('tr.op .op-bar').length === `+itoa(len(ops)))
	rows := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('tr.op')).map(r => r.dataset.opId)`)
	slices.Sort(rows)
	slices.Sort(ops)
	if !slices.Equal(rows, ops) {
		t.Errorf("timeline rows %v, want the operations %v", rows, ops)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('tr.op .op-bar').length`); n != len(ops) {
		t.Errorf("%d bars for %d operations", n, len(ops))
	}
	for _, tt := range []struct {
		what, sel string
		want      int
	}{
		{"step attempts (reserve twice, 7 more steps, the submitter)", "rect.attempt", 10},
		{"retry delays", "rect.retry-delay", 1},
		{"waits", "rect.wait", 1},
		{"callbacks", "rect.callback", 1},
		{"invocations (retry, wait, callback)", "tr.invocations rect", 3},
		{"child steps, map items, parallel branches, callback and submitter at depth 1", "tr.op th.d1", 9},
		{"steps inside the items and branches at depth 2", "tr.op th.d2", 5},
	} {
		if n := eval[int](t, ctx, `document.querySelectorAll('`+tt.sel+`').length`); n != tt.want {
			t.Errorf("%s: %d × %s, want %d", tt.what, n, tt.sel, tt.want)
		}
	}
	screenshot(t, ctx, ".timeline", "viewer-timeline.png")

	// Complete the callback from the page.
	form := `div.callback[data-callback-id="` + callbackID + `"] form[data-outcome=succeed]`
	do(t, ctx, "succeed the callback", chromedp.SetValue(form+` textarea[name=result]`, `"approved in the browser"`), chromedp.Click(form+` button`))
	poll(t, ctx, "the execution turns SUCCEEDED", `document.getElementById('exec-status').textContent === 'SUCCEEDED'`)
	if n := eval[int](t, ctx, `document.querySelectorAll('div.callback').length`); n != 0 {
		t.Errorf("%d pending callbacks shown after success", n)
	}
	if !eval[bool](t, ctx, `document.querySelector('.history').textContent.includes('approved in the browser')`) {
		t.Error("the history table lacks the callback's result")
	}
	out, err := s.client.GetDurableExecution(context.Background(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn), IncludeExecutionData: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.ExecutionStatusSucceeded || !strings.Contains(aws.ToString(out.Result), "approved in the browser") {
		t.Errorf("execution %s with result %s, want SUCCEEDED with the page's result", out.Status, aws.ToString(out.Result))
	}
}
