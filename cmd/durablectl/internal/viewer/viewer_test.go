package viewer_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/viewer"
	"github.com/acme/durable-lambda-go/emulator"
)

// get fetches a viewer URL and returns the status and body.
func get(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var (
	rowARN   = regexp.MustCompile(`<tr data-arn="([^"]+)">`)
	nextLink = regexp.MustCompile(`id="next-page" href="([^"]+)"`)
)

// idle hosts a function whose executions are started but never run.
func idle(name string) emulator.Function {
	return emulator.Function{Name: name, Durable: true, Invoker: emulator.InvokerFunc(func(context.Context, emulator.InvokeRequest) ([]byte, error) {
		return nil, fmt.Errorf("%s is not driven", name)
	})}
}

// listStack is a stack with functions a and b whose n executions x1..xn
// (odd ones on a, even ones on b) started 1 ms apart; every third one is
// stopped. It returns the ARNs in start order.
func listStack(t testing.TB, n, pageSize int) (*stack, []string) {
	t.Helper()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := emulator.NewVirtualClock(t0)
	s := newStack(t, clock, false, viewer.Config{PageSize: pageSize}, func(*emulator.Service) []emulator.Function {
		return []emulator.Function{idle("a"), idle("b")}
	})
	ctx := context.Background()
	var arns []string
	for i := 1; i <= n; i++ {
		clock.Set(t0.Add(time.Duration(i) * time.Millisecond))
		fn := map[bool]string{true: "a:1", false: "b:1"}[i%2 == 1]
		out, err := s.svc.StartExecution(ctx, emulator.StartInput{FunctionName: fn, ExecutionName: fmt.Sprintf("x%d", i), Payload: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if _, err := s.svc.StopExecution(ctx, out.ExecutionArn, nil); err != nil {
				t.Fatal(err)
			}
		}
		arns = append(arns, out.ExecutionArn)
	}
	return s, arns
}

// listAll follows the list's next-page links from query and returns the
// ARNs shown, in order, and the number of pages.
func listAll(t *testing.T, s *stack, query string) ([]string, int) {
	t.Helper()
	var got []string
	u := s.url + viewer.Path + "?" + query
	for pages := 1; ; pages++ {
		code, body := get(t, u)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", u, code, body)
		}
		for _, m := range rowARN.FindAllStringSubmatch(body, -1) {
			got = append(got, html.UnescapeString(m[1]))
		}
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			return got, pages
		}
		if pages > 100 {
			t.Fatalf("more than 100 pages: the next-page links loop")
		}
		u = s.url + html.UnescapeString(m[1])
	}
}

func TestListPagesNewestFirst(t *testing.T) {
	s, arns := listStack(t, 23, 4)
	newestFirst := slices.Clone(arns)
	slices.Reverse(newestFirst)
	pick := func(keep func(i int) bool) []string {
		var out []string
		for i := len(arns); i >= 1; i-- {
			if keep(i) {
				out = append(out, arns[i-1])
			}
		}
		return out
	}
	tests := []struct {
		name, query string
		want        []string
		pages       int
	}{
		{"both functions merged", "", newestFirst, 6},
		{"function a", "function=a", pick(func(i int) bool { return i%2 == 1 }), 3},
		{"stopped", "status=STOPPED", pick(func(i int) bool { return i%3 == 0 }), 2},
		{"running on b", "function=b&status=RUNNING", pick(func(i int) bool { return i%2 == 0 && i%3 != 0 }), 2},
		{"two statuses", "status=RUNNING&status=STOPPED", newestFirst, 6},
		{"none", "status=FAILED", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := listAll(t, s, tt.query)
			if !slices.Equal(got, tt.want) || pages != tt.pages {
				t.Errorf("listed %d executions in %d pages, want %d in %d\n got %v\nwant %v", len(got), pages, len(tt.want), tt.pages, got, tt.want)
			}
		})
	}
}

func TestListShowsColumns(t *testing.T) {
	s, arns := listStack(t, 3, 10)
	_, body := get(t, s.url+viewer.Path)
	m := regexp.MustCompile(`<a class="exec-link" href="([^"]+)">x3</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link to x3 in\n%s", body)
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil || link.Path != viewer.Path+"execution" || link.Query().Get("arn") != arns[2] {
		t.Errorf("x3 links to %s, want %sexecution?arn=%s", m[1], viewer.Path, arns[2])
	}
	for _, want := range []string{
		`<span class="status s-STOPPED">STOPPED</span>`, `<span class="status s-RUNNING">RUNNING</span>`,
		"<td>a</td>", "<td>b</td>", "2026-03-01 12:00:00.003",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %s\n%s", want, body)
		}
	}
}

func TestBadRequests(t *testing.T) {
	s, _ := listStack(t, 1, 10)
	unknown := "arn:aws:lambda:us-east-1:123456789012:function:a:1/durable-execution/nope/0000"
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"unknown execution", "execution?arn=" + url.QueryEscape(unknown), http.StatusNotFound, "Not found"},
		{"no execution", "execution", http.StatusBadRequest, "names no execution"},
		{"bad page", "?page=%21%21", http.StatusBadRequest, "not one the viewer made"},
		{"unknown function", "?function=nope", http.StatusNotFound, "Not found"},
		{"no such page", "nope", http.StatusNotFound, "no page at /ui/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, s.url+viewer.Path+tt.path)
			if code != tt.status || !strings.Contains(body, tt.want) || !strings.Contains(body, "<!doctype html>") {
				t.Errorf("GET %s: %d, want %d with %q\n%s", tt.path, code, tt.status, tt.want, body)
			}
		})
	}
}

// post sends an action request with the given headers.
func post(t *testing.T, u, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if h := header["Host"]; h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestActionsRejectOtherOrigins(t *testing.T) {
	s, arns := listStack(t, 1, 10)
	arn := arns[0]
	stopURL := s.url + viewer.Path + "api/stop"
	body := `{"executionArn":"` + arn + `"}`
	self := s.url // the viewer's own origin
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"foreign Origin", map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"foreign Origin on the same host, other port", map[string]string{"Content-Type": "application/json", "Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"cross-site fetch", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"simple request (form content type)", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": self}, http.StatusForbidden},
		{"simple request (text/plain)", map[string]string{"Content-Type": "text/plain"}, http.StatusForbidden},
		{"DNS rebinding (foreign Host)", map[string]string{"Content-Type": "application/json", "Host": "evil.example:80", "Origin": "http://evil.example:80"}, http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, resp := post(t, stopURL, body, tt.header); code != tt.status {
				t.Errorf("POST stop: %d %s, want %d", code, resp, tt.status)
			}
			if st := status(t, s, arn); st != types.ExecutionStatusRunning {
				t.Fatalf("the execution is %s after a refused stop", st)
			}
		})
	}
	t.Run("GET changes nothing", func(t *testing.T) {
		if code, _ := get(t, stopURL+"?executionArn="+url.QueryEscape(arn)); code != http.StatusMethodNotAllowed {
			t.Errorf("GET stop: %d, want 405", code)
		}
		if st := status(t, s, arn); st != types.ExecutionStatusRunning {
			t.Fatalf("the execution is %s after a GET", st)
		}
	})
	t.Run("same origin", func(t *testing.T) {
		code, resp := post(t, stopURL, body, map[string]string{"Content-Type": "application/json", "Origin": self, "Sec-Fetch-Site": "same-origin"})
		if code != http.StatusNoContent {
			t.Fatalf("POST stop: %d %s, want 204", code, resp)
		}
		if st := status(t, s, arn); st != types.ExecutionStatusStopped {
			t.Errorf("the execution is %s after a stop from the viewer", st)
		}
	})
}

func TestCallbackActionErrors(t *testing.T) {
	s, _ := listStack(t, 1, 10)
	u := s.url + viewer.Path + "api/callback"
	json := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"unknown callback", `{"callbackId":"` + "bm9wZQ" + `","outcome":"succeed","result":"1"}`, http.StatusNotFound, "ResourceNotFound"},
		{"no id", `{"outcome":"succeed"}`, http.StatusBadRequest, "callbackId is missing"},
		{"bad outcome", `{"callbackId":"x","outcome":"maybe"}`, http.StatusBadRequest, "want succeed or fail"},
		{"unknown field", `{"callbackId":"x","outcome":"fail","extra":1}`, http.StatusBadRequest, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, resp := post(t, u, tt.body, json); code != tt.status || !strings.Contains(resp, tt.want) {
				t.Errorf("POST callback: %d %s, want %d with %q", code, resp, tt.status, tt.want)
			}
		})
	}
}

// status returns an execution's status through the API.
func status(t testing.TB, s *stack, arn string) types.ExecutionStatus {
	t.Helper()
	out, err := s.client.GetDurableExecution(context.Background(), &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Status
}
