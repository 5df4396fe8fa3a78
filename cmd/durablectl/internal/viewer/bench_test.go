package viewer_test

import (
	"html"
	"net/http"
	"testing"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/viewer"
)

// BenchmarkListPage serves one list page of 50 from 10,000 executions
// of two functions, through the viewer, the Lambda client and the REST
// API: the first page, and the 101st (deep), reached by following the
// next-page links. The cost of a page does not grow with its depth.
func BenchmarkListPage(b *testing.B) {
	s, _ := listStack(b, 10000, viewer.DefaultPageSize)
	deep := s.url + viewer.Path
	for range 100 {
		_, body := get(b, deep)
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			b.Fatal("the list ended before page 101")
		}
		deep = s.url + html.UnescapeString(m[1])
	}
	for _, bm := range []struct{ name, url string }{{"first", s.url + viewer.Path}, {"deep", deep}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				code, body := get(b, bm.url)
				if n := len(rowARN.FindAllStringIndex(body, -1)); code != http.StatusOK || n != viewer.DefaultPageSize {
					b.Fatalf("page: %d with %d rows", code, n)
				}
			}
		})
	}
}
