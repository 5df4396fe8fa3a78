package viewer

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Path is where the viewer lives on its server; every page and action is
// below it.
const Path = "/ui/"

// DefaultPageSize is how many executions a list page shows.
const DefaultPageSize = 50

// API is the part of the Lambda API the viewer calls. aws-sdk-go-v2's
// *lambda.Client implements it.
type API interface {
	ListDurableExecutionsByFunction(ctx context.Context, in *lambda.ListDurableExecutionsByFunctionInput, optFns ...func(*lambda.Options)) (*lambda.ListDurableExecutionsByFunctionOutput, error)
	GetDurableExecution(ctx context.Context, in *lambda.GetDurableExecutionInput, optFns ...func(*lambda.Options)) (*lambda.GetDurableExecutionOutput, error)
	GetDurableExecutionHistory(ctx context.Context, in *lambda.GetDurableExecutionHistoryInput, optFns ...func(*lambda.Options)) (*lambda.GetDurableExecutionHistoryOutput, error)
	SendDurableExecutionCallbackSuccess(ctx context.Context, in *lambda.SendDurableExecutionCallbackSuccessInput, optFns ...func(*lambda.Options)) (*lambda.SendDurableExecutionCallbackSuccessOutput, error)
	SendDurableExecutionCallbackFailure(ctx context.Context, in *lambda.SendDurableExecutionCallbackFailureInput, optFns ...func(*lambda.Options)) (*lambda.SendDurableExecutionCallbackFailureOutput, error)
	StopDurableExecution(ctx context.Context, in *lambda.StopDurableExecutionInput, optFns ...func(*lambda.Options)) (*lambda.StopDurableExecutionOutput, error)
}

// Config configures a viewer.
type Config struct {
	// API reaches the durable-execution service.
	API API
	// Functions are the function names the list covers (the Lambda API
	// lists executions per function).
	Functions []string
	// PageSize is the number of executions per list page;
	// DefaultPageSize when 0.
	PageSize int
	// AnyHost accepts requests for any Host; by default only loopback
	// names (localhost, 127.0.0.0/8, ::1) are served.
	AnyHost bool
	// Now is the clock that ends a running execution's timeline;
	// time.Now when nil.
	Now func() time.Time
	// Logger receives failed API calls; slog.Default() when nil.
	Logger *slog.Logger
}

// Viewer is the viewer's http.Handler, to mount at Path.
type Viewer struct {
	cfg  Config
	mux  *http.ServeMux
	tmpl *template.Template
}

//go:embed assets
var assets embed.FS

// New returns a viewer that reads through cfg.API.
func New(cfg Config) *Viewer {
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	v := &Viewer{cfg: cfg, mux: http.NewServeMux()}
	v.tmpl = template.Must(template.New("").Funcs(template.FuncMap{"path": func(p string) string { return Path + p }}).
		ParseFS(assets, "assets/*.html"))
	static, _ := fs.Sub(assets, "assets/static")
	v.mux.Handle("GET "+Path+"static/", http.StripPrefix(Path+"static/", http.FileServerFS(static)))
	v.mux.HandleFunc("GET "+Path+"{$}", v.serveList)
	v.mux.HandleFunc("GET "+Path+"execution", v.serveExecution)
	v.mux.HandleFunc("GET "+Path+"execution/live", v.serveLive)
	v.mux.HandleFunc("POST "+Path+"api/callback", v.action(v.callback))
	v.mux.HandleFunc("POST "+Path+"api/stop", v.action(v.stop))
	v.mux.HandleFunc(Path+"api/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, actionError{"an action is a POST request"})
	})
	v.mux.HandleFunc(Path, func(w http.ResponseWriter, r *http.Request) {
		v.errorPage(w, http.StatusNotFound, "No such page", fmt.Sprintf("The viewer has no page at %s.", r.URL.Path))
	})
	return v
}

// ServeHTTP serves the viewer's pages, assets and actions.
func (v *Viewer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if !v.cfg.AnyHost && !loopbackHost(r.Host) {
		http.Error(w, "the viewer answers only to a loopback host name (localhost, 127.0.0.1, [::1])", http.StatusMisdirectedRequest)
		return
	}
	v.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// render executes a template with data, answering status.
func (v *Viewer) render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := v.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		v.cfg.Logger.Error("viewer: rendering a page", "template", name, "error", err)
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// errorView is the error page's data.
type errorView struct {
	Title, Message string
}

// errorPage answers status with a page that says what went wrong.
func (v *Viewer) errorPage(w http.ResponseWriter, status int, title, msg string) {
	v.render(w, status, "error.html", errorView{Title: title, Message: msg})
}

// apiErrorPage answers a failed API call: 404 for an unknown resource,
// 400 for a rejected parameter, 502 otherwise.
func (v *Viewer) apiErrorPage(w http.ResponseWriter, what string, err error) {
	status, title := apiStatus(err)
	if status == http.StatusNotFound {
		v.errorPage(w, status, title, fmt.Sprintf("%s: %v. It may never have existed, or it was deleted when its retention period ended.", what, err))
		return
	}
	v.cfg.Logger.Warn("viewer: API call failed", "what", what, "error", err)
	v.errorPage(w, status, title, fmt.Sprintf("%s: %v", what, err))
}

// apiStatus maps an API error to the viewer's answer.
func apiStatus(err error) (int, string) {
	var notFound *types.ResourceNotFoundException
	var invalid *types.InvalidParameterValueException
	switch {
	case errors.As(err, &notFound):
		return http.StatusNotFound, "Not found"
	case errors.As(err, &invalid):
		return http.StatusBadRequest, "Rejected by the service"
	}
	return http.StatusBadGateway, "The Lambda API failed"
}
