package viewer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/acme/durable-lambda-go/cmd/durablectl/internal/timeline"
	"github.com/acme/durable-lambda-go/internal/lambdahistory"
	"github.com/acme/durable-lambda-go/wire"
)

// executionView is an execution page's data; Live is the part that
// updates while the execution runs.
type executionView struct {
	Name, ARN, Function string
	Live                liveView
}

// liveView is the updating part of an execution page.
type liveView struct {
	ARN     string
	Version string // changes whenever the page would
	Status  string
	Running bool
	Start   string
	Took    string
	Input   string
	Result  string
	Error   string
	// Callbacks are the pending callbacks, which the page can complete.
	Callbacks []pendingCallback
	Gantt     gantt
	History   []historyRow
}

// pendingCallback is an open callback.
type pendingCallback struct {
	ID, Label string
}

// historyRow is one history event.
type historyRow struct {
	ID           int
	At, Type, Op string
	Details      string
}

// gantt is the timeline drawn as bars on a common time axis, in percent
// of the span from the execution's start to its end (or now).
type gantt struct {
	Ticks       []tick
	Invocations []segment
	Rows        []ganttRow
}

// tick is a label on the time axis.
type tick struct {
	X     float64
	Label string
}

// ganttRow is one operation: its label, indented by depth, and its bar.
type ganttRow struct {
	ID, Name, Kind, Status string
	Depth                  int
	Took                   string
	Segments               []segment
}

// segment is one rectangle of a bar.
type segment struct {
	X, W  float64
	Class string
	Title string
}

// minWidth keeps an instant operation visible, in percent.
const minWidth = 0.4

// serveExecution serves an execution's page.
func (v *Viewer) serveExecution(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	if arn == "" {
		v.errorPage(w, http.StatusBadRequest, "No execution", "The URL names no execution: add ?arn=<execution ARN>.")
		return
	}
	exec, live, err := v.load(r.Context(), arn)
	if err != nil {
		v.apiErrorPage(w, fmt.Sprintf("Execution %s", arn), err)
		return
	}
	v.render(w, http.StatusOK, "execution.html", executionView{
		Name: aws.ToString(exec.DurableExecutionName), ARN: arn,
		Function: functionName(aws.ToString(exec.FunctionArn)), Live: live,
	})
}

// serveLive serves the updating part of an execution's page, or 204 No
// Content when it is still the version the page has (query v).
func (v *Viewer) serveLive(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	_, live, err := v.load(r.Context(), arn)
	if err != nil {
		status, _ := apiStatus(err)
		http.Error(w, err.Error(), status)
		return
	}
	if live.Version == r.URL.Query().Get("v") {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	v.render(w, http.StatusOK, "live", live)
}

// load reads an execution and its whole history and builds the live view.
func (v *Viewer) load(ctx context.Context, arn string) (*lambda.GetDurableExecutionOutput, liveView, error) {
	exec, err := v.cfg.API.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(arn), IncludeExecutionData: aws.Bool(true)})
	if err != nil {
		return nil, liveView{}, err
	}
	var sdkEvents []types.Event
	in := &lambda.GetDurableExecutionHistoryInput{DurableExecutionArn: aws.String(arn), IncludeExecutionData: aws.Bool(true), MaxItems: 1000}
	for {
		page, err := v.cfg.API.GetDurableExecutionHistory(ctx, in)
		if err != nil {
			return nil, liveView{}, err
		}
		sdkEvents = append(sdkEvents, page.Events...)
		if aws.ToString(page.NextMarker) == "" {
			break
		}
		in.Marker = page.NextMarker
	}
	events, err := lambdahistory.ToWireAll(sdkEvents)
	if err != nil {
		return nil, liveView{}, err
	}
	return exec, v.liveView(exec, events), nil
}

// liveView builds the updating part of the page.
func (v *Viewer) liveView(exec *lambda.GetDurableExecutionOutput, events []wire.Event) liveView {
	start := aws.ToTime(exec.StartTimestamp)
	running := exec.Status == types.ExecutionStatusRunning
	end := aws.ToTime(exec.EndTimestamp)
	if running || end.IsZero() {
		end = v.cfg.Now()
	}
	lv := liveView{
		ARN:     aws.ToString(exec.DurableExecutionArn),
		Version: string(exec.Status) + "/" + strconv.Itoa(len(events)),
		Status:  string(exec.Status),
		Running: running,
		Start:   formatTime(start),
		Took:    timeline.FormatDuration(end.Sub(start)),
		Input:   aws.ToString(exec.InputPayload),
		Result:  aws.ToString(exec.Result),
	}
	if e := exec.Error; e != nil {
		lv.Error = timeline.ErrorText(&wire.ErrorObject{ErrorType: aws.ToString(e.ErrorType), ErrorMessage: aws.ToString(e.ErrorMessage)})
	}
	tl := timeline.Build(events)
	lv.Gantt = buildGantt(tl, start, end)
	names := map[string]string{}
	tl.Walk(func(op *timeline.Operation, depth int) {
		names[op.ID] = label(op, names[op.ParentID])
		if op.CallbackID != "" && op.Open() {
			lv.Callbacks = append(lv.Callbacks, pendingCallback{ID: op.CallbackID, Label: names[op.ID]})
		}
	})
	for _, e := range events {
		at := wire.TimeOf(e.EventTimestamp)
		op := names[e.Id]
		if op == "" {
			op = e.Name
		}
		lv.History = append(lv.History, historyRow{ID: e.EventId, At: "+" + timeline.FormatDuration(at.Sub(start)),
			Type: string(e.EventType), Op: op, Details: details(e)})
	}
	return lv
}

// label names an operation for people: its name, or for an unnamed one
// (the callback of a WaitForCallback) its kind under its parent's label.
func label(op *timeline.Operation, parent string) string {
	switch {
	case op.Name != "":
		return op.Name
	case parent != "":
		return parent + " › " + op.Kind
	}
	return op.Kind
}

// details is the JSON of an event's details member, unwrapped: its
// payloads and the rest of what it carries.
func details(e wire.Event) string {
	b, err := json.Marshal(e)
	if err != nil {
		return err.Error()
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err.Error()
	}
	for _, k := range []string{"EventType", "SubType", "EventId", "Id", "Name", "ParentId", "EventTimestamp"} {
		delete(m, k)
	}
	if len(m) == 1 {
		for _, raw := range m {
			return string(raw)
		}
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// buildGantt lays the timeline out on the axis from start to end, widened
// to the last event (a service on virtual time runs ahead of the wall
// clock) and to the scheduled end of a pending wait or retry.
func buildGantt(tl timeline.Timeline, start, end time.Time) gantt {
	later := func(t time.Time) {
		if t.After(end) {
			end = t
		}
	}
	for _, inv := range tl.Invocations {
		later(inv.End)
	}
	tl.Walk(func(op *timeline.Operation, _ int) {
		later(op.Start)
		later(op.End)
		if op.Open() {
			later(op.ScheduledEnd)
		}
		for _, a := range op.Attempts {
			later(a.End.Add(a.RetryDelay))
		}
	})
	span := end.Sub(start)
	if span <= 0 {
		span = time.Millisecond
	}
	seg := func(from, to time.Time, class, title string) segment {
		x := 100 * float64(from.Sub(start)) / float64(span)
		w := 100 * float64(to.Sub(from)) / float64(span)
		x = min(max(x, 0), 100-minWidth)
		w = min(max(w, minWidth), 100-x)
		return segment{X: x, W: w, Class: class, Title: title}
	}
	var g gantt
	for i := range 5 {
		f := float64(i) / 4
		label := "0"
		if i > 0 {
			label = "+" + timeline.FormatDuration(time.Duration(f*float64(span)))
		}
		g.Ticks = append(g.Ticks, tick{X: 100 * f, Label: label})
	}
	for i, inv := range tl.Invocations {
		class := "invocation"
		title := fmt.Sprintf("invocation %d (%s)", i+1, timeline.FormatDuration(inv.End.Sub(inv.Start)))
		if inv.Err != nil {
			class += " failed"
			title += ": " + timeline.ErrorText(inv.Err)
		}
		g.Invocations = append(g.Invocations, seg(inv.Start, inv.End, class, title))
	}
	tl.Walk(func(op *timeline.Operation, depth int) {
		opEnd := op.End
		if op.Open() {
			opEnd = end
		}
		row := ganttRow{ID: op.ID, Name: op.Name, Kind: op.Kind, Status: op.Status, Depth: depth}
		if !op.Open() {
			row.Took = timeline.FormatDuration(op.End.Sub(op.Start))
		}
		switch {
		case len(op.Attempts) > 0:
			for i, a := range op.Attempts {
				aEnd, status := a.End, a.Status
				if aEnd.IsZero() {
					aEnd, status = end, "STARTED"
				}
				title := fmt.Sprintf("attempt %d: %s", i+1, status)
				if a.Err != nil {
					title += ": " + timeline.ErrorText(a.Err)
				}
				row.Segments = append(row.Segments, seg(a.Start, aEnd, "attempt "+statusClass(status), title))
				if a.RetryDelay > 0 {
					row.Segments = append(row.Segments, seg(a.End, a.End.Add(a.RetryDelay), "retry-delay",
						fmt.Sprintf("retry delay %s before attempt %d", timeline.FormatDuration(a.RetryDelay), i+2)))
				}
			}
		case op.Kind == "Wait":
			if op.Open() && !op.ScheduledEnd.IsZero() {
				opEnd = op.ScheduledEnd
			}
			row.Segments = append(row.Segments, seg(op.Start, opEnd, "wait "+statusClass(op.Status), "wait: "+op.Status))
		default:
			title := op.Kind + ": " + op.Status
			if op.Err != nil {
				title += ": " + timeline.ErrorText(op.Err)
			}
			row.Segments = append(row.Segments, seg(op.Start, opEnd, kindClass(op)+" "+statusClass(op.Status), title))
		}
		g.Rows = append(g.Rows, row)
	})
	return g
}

// statusClass is the CSS class of a status.
func statusClass(status string) string {
	switch status {
	case "SUCCEEDED":
		return "ok"
	case "FAILED", "TIMED_OUT", "STOPPED", "CANCELLED":
		return "bad"
	}
	return "open"
}

// kindClass is the CSS class of an operation's kind.
func kindClass(op *timeline.Operation) string {
	switch {
	case op.CallbackID != "" || op.Kind == "Callback":
		return "callback"
	case op.Kind == "ChainedInvoke":
		return "invoke"
	}
	return "context"
}
