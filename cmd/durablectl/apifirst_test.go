package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAPIFirstRoutesAsTheMux checks that apiFirst sends each request
// where the mux alone would: the same handler, the same redirect.
func TestAPIFirstRoutesAsTheMux(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, name, " ", r.URL.EscapedPath()) })
	}
	api := named("api")
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("/ui/", named("viewer"))
	routed := apiFirst(api, mux)
	for _, target := range []string{
		"/2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A1%2Fdurable-execution%2Fn%2Fe/checkpoint",
		"/2015-03-31/functions/f/invocations?Qualifier=prod",
		"/2025-12-01/durable-executions/x/", "/2025-12-01/", "/2025-12-01", "//2025-12-01/durable-executions/x",
		"/2025-12-01//durable-executions/x", "/2025-12-01/./x", "/2025-12-01/x/.", "/2025-12-01/x/..", "/2025-12-01/../ui/",
		"/2025-12-01/a%2F..%2Fb", "/2025-12-01/a%2e%2e/b", "/ui/", "/ui", "/ui/index.html", "/other", "/", "*",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodConnect} {
			if method == http.MethodConnect && target != "/2025-12-01/x/." {
				continue
			}
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			mux.ServeHTTP(want, httptest.NewRequest(method, target, nil))
			routed.ServeHTTP(got, httptest.NewRequest(method, target, nil))
			if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
				t.Errorf("%s %s: apiFirst %d %q (Location %q), the mux %d %q (Location %q)", method, target,
					got.Code, got.Body, got.Header().Get("Location"), want.Code, want.Body, want.Header().Get("Location"))
			}
		}
	}
}
