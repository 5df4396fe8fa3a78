package emulator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/acme/durable-lambda-go/wire"
)

// idle is an invoker for functions whose executions are started but never
// driven.
var idle = InvokerFunc(func(ctx context.Context, req InvokeRequest) ([]byte, error) {
	return nil, fmt.Errorf("not driven")
})

// startMany registers functions a and b and starts n executions named
// x1..xn, even ones on a, odd ones on b; every third one of a is stopped. It returns the
// names per function in start order.
func startMany(tb testing.TB, svc *Service, n int) map[string][]string {
	tb.Helper()
	ctx := context.Background()
	for _, fn := range []string{"a", "b"} {
		if err := svc.RegisterFunction(Function{Name: fn, Durable: true, Invoker: idle}); err != nil {
			tb.Fatal(err)
		}
	}
	names := map[string][]string{}
	for i := 1; i <= n; i++ {
		fn := []string{"a", "b"}[i%2]
		name := "x" + strconv.Itoa(i)
		out, err := svc.StartExecution(ctx, StartInput{FunctionName: fn + ":1", ExecutionName: name, Payload: []byte(`{}`)})
		if err != nil {
			tb.Fatal(err)
		}
		if i%3 == 0 && fn == "a" {
			if _, err := svc.StopExecution(ctx, out.ExecutionArn, nil); err != nil {
				tb.Fatal(err)
			}
		}
		names[fn] = append(names[fn], name)
	}
	return names
}

// listAll pages through ListExecutions with in, returning the names in
// the order listed and the number of pages.
func listAll(t *testing.T, svc *Service, in ListInput) ([]string, int) {
	t.Helper()
	var names []string
	pages := 0
	for {
		out, err := svc.ListExecutions(context.Background(), in)
		if err != nil {
			t.Fatalf("ListExecutions(%+v): %v", in, err)
		}
		pages++
		for _, s := range out.DurableExecutions {
			names = append(names, s.DurableExecutionName)
		}
		if out.NextMarker == "" {
			return names, pages
		}
		if len(out.DurableExecutions) != in.MaxItems {
			t.Fatalf("a page of %d with a NextMarker, want %d", len(out.DurableExecutions), in.MaxItems)
		}
		in.Marker = out.NextMarker
	}
}

func TestListExecutionsPages(t *testing.T) {
	svc, _ := newService(t, Config{})
	names := startMany(t, svc, 30)
	stoppedA := []string{"x6", "x12", "x18", "x24", "x30"}
	runningA := slices.DeleteFunc(slices.Clone(names["a"]), func(n string) bool { return slices.Contains(stoppedA, n) })
	reversed := func(s []string) []string { s = slices.Clone(s); slices.Reverse(s); return s }
	tests := []struct {
		name      string
		in        ListInput
		want      []string
		wantPages int
	}{
		{"newest first", ListInput{FunctionName: "a", MaxItems: 4}, reversed(names["a"]), 4},
		{"oldest first", ListInput{FunctionName: "b", MaxItems: 4, ReverseOrder: true}, names["b"], 4},
		{"exact pages", ListInput{FunctionName: "a", MaxItems: 5}, reversed(names["a"]), 3},
		{"one page", ListInput{FunctionName: "a", MaxItems: 1000}, reversed(names["a"]), 1},
		{"status filter", ListInput{FunctionName: "a", MaxItems: 2, Statuses: []wire.ExecutionStatus{wire.ExecutionStatusStopped}}, reversed(stoppedA), 3},
		{"status filter oldest first", ListInput{FunctionName: "a", MaxItems: 3, ReverseOrder: true, Statuses: []wire.ExecutionStatus{wire.ExecutionStatusRunning}}, runningA, 4},
		{"name filter", ListInput{FunctionName: "b", MaxItems: 2, ExecutionName: "x9"}, []string{"x9"}, 1},
		{"no match", ListInput{FunctionName: "b", MaxItems: 2, ExecutionName: "x8"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := listAll(t, svc, tt.in)
			if !slices.Equal(got, tt.want) || pages != tt.wantPages {
				t.Errorf("listed %v in %d pages, want %v in %d", got, pages, tt.want, tt.wantPages)
			}
		})
	}
}

// TestListExecutionsMarkerIsStable checks that executions started between
// two pages neither repeat nor skip an execution of the next page.
func TestListExecutionsMarkerIsStable(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, Config{})
	startMany(t, svc, 10) // a: x2 x4 x6 x8 x10
	first, err := svc.ListExecutions(ctx, ListInput{FunctionName: "a", MaxItems: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"late-1", "late-2", "late-3"} {
		if _, err := svc.StartExecution(ctx, StartInput{FunctionName: "a:1", ExecutionName: name, Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	second, err := svc.ListExecutions(ctx, ListInput{FunctionName: "a", MaxItems: 2, Marker: first.NextMarker})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range append(first.DurableExecutions, second.DurableExecutions...) {
		got = append(got, s.DurableExecutionName)
	}
	if want := []string{"x10", "x8", "x6", "x4"}; !slices.Equal(got, want) {
		t.Errorf("two pages = %v, want %v", got, want)
	}
}

func TestListExecutionsBadMarker(t *testing.T) {
	svc, _ := newService(t, Config{})
	startMany(t, svc, 2)
	for _, m := range []string{"x", "0", "-3", "1.5"} {
		_, err := svc.ListExecutions(context.Background(), ListInput{FunctionName: "a", Marker: m})
		var apiErr *wire.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != wire.ErrCodeInvalidParameterValue {
			t.Errorf("marker %q: error %v, want %s", m, err, wire.ErrCodeInvalidParameterValue)
		}
	}
}

// BenchmarkListExecutions reads one page of 100 from 10,000 executions of
// two functions: the first page, and a page deep in the list.
func BenchmarkListExecutions(b *testing.B) {
	svc, err := New(Config{Clock: NewVirtualClock(t0)})
	if err != nil {
		b.Fatal(err)
	}
	startMany(b, svc, 10000)
	ctx := context.Background()
	deep, err := svc.ListExecutions(ctx, ListInput{FunctionName: "a", MaxItems: 1000})
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct{ name, marker string }{{"first", ""}, {"deep", deep.NextMarker}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				out, err := svc.ListExecutions(ctx, ListInput{FunctionName: "a", MaxItems: 100, Marker: bm.marker})
				if err != nil || len(out.DurableExecutions) != 100 {
					b.Fatalf("page of %d, %v", len(out.DurableExecutions), err)
				}
			}
		})
	}
}
