// Package viewer is durablectl's web viewer of durable executions: a list
// of executions with filters and paging, and a page per execution with a
// Gantt timeline of its operations (step attempts and retry delays, waits,
// callbacks, child contexts, map and parallel items, invocations), its
// history with payloads, forms that complete a pending callback and a
// Stop button. A running execution's page updates itself by polling.
//
// It reads everything through the Lambda API (the [API] interface, which
// aws-sdk-go-v2's *lambda.Client implements), so it shows the executions
// of `durablectl serve` and those of a real AWS account the same way.
// `durablectl serve` mounts it at [Path] on the REST endpoint's loopback
// address:
//
//	mux.Handle(viewer.Path, viewer.New(viewer.Config{API: client, Functions: []string{"seed"}}))
//
// The pages are server-rendered HTML with a small script, embedded in the
// binary: no network access at run time and no front-end build step.
//
// # Security
//
// The endpoint has no authentication; it is meant for loopback. Requests
// whose Host is not a loopback name are refused (a DNS-rebinding page
// cannot read executions) unless [Config.AnyHost] is set, as `serve
// --expose` does. GET requests never change anything. The actions
// (callback success or failure, stop) are POST requests with a JSON body
// that are refused when they come from another origin: a request must
// carry Content-Type application/json, which a page of another origin can
// only send after a CORS preflight the viewer never grants, and an Origin
// or Sec-Fetch-Site header, when present, must name the viewer's own
// origin. Pages are served with a Content-Security-Policy that allows only
// the viewer's own script and style, and may not be framed.
package viewer
