package viewer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
)

// statuses are the execution statuses the list filters on.
var statuses = []types.ExecutionStatus{
	types.ExecutionStatusRunning, types.ExecutionStatusSucceeded, types.ExecutionStatusFailed,
	types.ExecutionStatusTimedOut, types.ExecutionStatusStopped,
}

// cursor is where the next list page starts, per function: the service's
// marker of a page of PageSize executions and how many of that page were
// already shown (S < PageSize). Executions of several functions are
// merged newest first, so a page may take part of one function's page.
type cursor map[string]fnCursor

type fnCursor struct {
	M    string `json:"m,omitempty"`
	S    int    `json:"s,omitempty"`
	Done bool   `json:"d,omitempty"`
}

// encode returns the cursor for a URL.
func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor from a URL; "" is the first page.
func decodeCursor(s string) (cursor, error) {
	c := cursor{}
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return nil, fmt.Errorf("the page parameter %q is not one the viewer made: %w", s, err)
	}
	return c, nil
}

// listRow is one execution in the list.
type listRow struct {
	Name, ARN, Function, Status, Start, Duration string
}

// listView is the list page's data.
type listView struct {
	Functions []string
	Function  string // the function filter; "" = all
	Statuses  []statusOption
	Rows      []listRow
	// Next is the URL of the next page; "" on the last.
	Next string
	// First is the URL of the first page when this is not it.
	First string
}

// statusOption is a status checkbox of the filter form.
type statusOption struct {
	Name    string
	Checked bool
}

// serveList serves the executions list.
func (v *Viewer) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	view := listView{Functions: v.cfg.Functions, Function: q.Get("function")}
	fns := v.cfg.Functions
	if view.Function != "" {
		fns = []string{view.Function}
	}
	var filter []types.ExecutionStatus
	for _, s := range statuses {
		on := slices.Contains(q["status"], string(s))
		if on {
			filter = append(filter, s)
		}
		view.Statuses = append(view.Statuses, statusOption{Name: string(s), Checked: on})
	}
	cur, err := decodeCursor(q.Get("page"))
	if err != nil {
		v.errorPage(w, http.StatusBadRequest, "Bad page", err.Error())
		return
	}
	rows, next, err := v.listPage(r.Context(), fns, filter, cur)
	if err != nil {
		v.apiErrorPage(w, "Listing executions", err)
		return
	}
	now := v.cfg.Now()
	for _, x := range rows {
		start := aws.ToTime(x.StartTimestamp)
		end := now
		if x.EndTimestamp != nil {
			end = *x.EndTimestamp
		}
		view.Rows = append(view.Rows, listRow{Name: aws.ToString(x.DurableExecutionName), ARN: aws.ToString(x.DurableExecutionArn),
			Function: functionName(aws.ToString(x.FunctionArn)), Status: string(x.Status),
			Start: formatTime(start), Duration: timeline.FormatDuration(end.Sub(start))})
	}
	if next != nil {
		q.Set("page", next.encode())
		view.Next = Path + "?" + q.Encode()
	}
	if q.Get("page") != "" {
		q.Del("page")
		view.First = Path + "?" + q.Encode()
	}
	v.render(w, http.StatusOK, "list.html", view)
}

// listPage reads the page of executions of fns that starts at cur, newest
// first, and the cursor of the next page (nil on the last). It costs one
// or two service pages per function, wherever the page is.
func (v *Viewer) listPage(ctx context.Context, fns []string, filter []types.ExecutionStatus, cur cursor) ([]types.Execution, cursor, error) {
	size := v.cfg.PageSize
	type part struct {
		fn    string
		page  []types.Execution // the service's page at the cursor's marker
		next  string            // its NextMarker
		items []types.Execution // up to size executions from the cursor on
	}
	type entry struct {
		x    types.Execution
		part *part
	}
	var parts []*part
	var all []entry
	for _, fn := range fns {
		c := cur[fn]
		if c.Done {
			continue
		}
		p := &part{fn: fn}
		var err error
		if p.page, p.next, err = v.list(ctx, fn, filter, c.M, size); err != nil {
			return nil, nil, err
		}
		p.items = p.page[min(c.S, len(p.page)):]
		if c.S > 0 && p.next != "" {
			more, _, err := v.list(ctx, fn, filter, p.next, size)
			if err != nil {
				return nil, nil, err
			}
			p.items = append(slices.Clip(p.items), more[:min(c.S, len(more))]...)
		}
		parts = append(parts, p)
		for _, x := range p.items {
			all = append(all, entry{x, p})
		}
	}
	// Each function's executions come newest first; a stable sort keeps
	// that order among equal start times, so every function contributes
	// a prefix of its items.
	slices.SortStableFunc(all, func(a, b entry) int {
		return aws.ToTime(b.x.StartTimestamp).Compare(aws.ToTime(a.x.StartTimestamp))
	})
	all = all[:min(size, len(all))]
	shown := make([]types.Execution, len(all))
	taken := map[*part]int{}
	for i, e := range all {
		shown[i] = e.x
		taken[e.part]++
	}
	next := cursor{}
	more := false
	for _, p := range parts {
		c := cur[p.fn]
		pos := c.S + taken[p]
		switch {
		case pos < len(p.page):
			next[p.fn] = fnCursor{M: c.M, S: pos}
			more = true
		case p.next == "":
			next[p.fn] = fnCursor{Done: true}
		default:
			next[p.fn] = fnCursor{M: p.next, S: pos - len(p.page)}
			more = true
		}
	}
	for fn, c := range cur {
		if c.Done && slices.Contains(fns, fn) {
			next[fn] = c
		}
	}
	if !more {
		return shown, nil, nil
	}
	return shown, next, nil
}

// list calls ListDurableExecutionsByFunction for one page.
func (v *Viewer) list(ctx context.Context, fn string, filter []types.ExecutionStatus, marker string, size int) ([]types.Execution, string, error) {
	in := &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String(fn), Statuses: filter, MaxItems: int32(size)}
	if marker != "" {
		in.Marker = aws.String(marker)
	}
	out, err := v.cfg.API.ListDurableExecutionsByFunction(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("listing the executions of %s: %w", fn, err)
	}
	return out.DurableExecutions, aws.ToString(out.NextMarker), nil
}

// functionName returns the name in a function ARN
// (arn:aws:lambda:region:account:function:name[:qualifier]).
func functionName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 {
		return arn
	}
	return parts[6]
}

// formatTime prints a timestamp in UTC to the millisecond.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000")
}
