package viewer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// maxActionBody bounds an action's request body.
const maxActionBody = 1 << 20

// actionRequest is the JSON body of an action.
type actionRequest struct {
	// ExecutionArn names the execution to stop.
	ExecutionArn string `json:"executionArn,omitempty"`
	// CallbackID names the callback to complete.
	CallbackID string `json:"callbackId,omitempty"`
	// Outcome is "succeed" or "fail".
	Outcome string `json:"outcome,omitempty"`
	// Result is the callback's result, sent as is.
	Result string `json:"result,omitempty"`
	// ErrorType and ErrorMessage are the failure of a callback or the
	// cause of a stop.
	ErrorType    string `json:"errorType,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// actionError is an action's answer when it fails.
type actionError struct {
	Error string `json:"error"`
}

// errCrossOrigin refuses an action sent from another origin.
var errCrossOrigin = errors.New("refused: the request does not come from the viewer's own page")

// sameOrigin checks that an action comes from the viewer's page: a JSON
// body (which a page of another origin cannot send without a preflight)
// and, when the browser says where it comes from, this origin.
func sameOrigin(r *http.Request) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("%w (Content-Type must be application/json)", errCrossOrigin)
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return fmt.Errorf("%w (Sec-Fetch-Site: %s)", errCrossOrigin, site)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host != r.Host || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("%w (Origin: %s)", errCrossOrigin, origin)
		}
	}
	return nil
}

// action wraps an action: it checks the origin, decodes the body, runs
// do and answers 204, or the error as JSON.
func (v *Viewer) action(do func(ctx context.Context, req actionRequest) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := sameOrigin(r); err != nil {
			writeJSON(w, http.StatusForbidden, actionError{err.Error()})
			return
		}
		var req actionRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, maxActionBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, actionError{"decoding the request: " + err.Error()})
			return
		}
		if err := do(r.Context(), req); err != nil {
			status, _ := apiStatus(err)
			var bad *badRequestError
			if errors.As(err, &bad) {
				status = http.StatusBadRequest
			}
			writeJSON(w, status, actionError{err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// badRequestError is an action request the viewer cannot send on.
type badRequestError struct{ msg string }

func (e *badRequestError) Error() string { return e.msg }

// callback completes a callback through SendDurableExecutionCallbackSuccess
// or SendDurableExecutionCallbackFailure.
func (v *Viewer) callback(ctx context.Context, req actionRequest) error {
	if req.CallbackID == "" {
		return &badRequestError{"callbackId is missing"}
	}
	switch req.Outcome {
	case "succeed":
		_, err := v.cfg.API.SendDurableExecutionCallbackSuccess(ctx, &lambda.SendDurableExecutionCallbackSuccessInput{
			CallbackId: aws.String(req.CallbackID), Result: []byte(req.Result)})
		return err
	case "fail":
		_, err := v.cfg.API.SendDurableExecutionCallbackFailure(ctx, &lambda.SendDurableExecutionCallbackFailureInput{
			CallbackId: aws.String(req.CallbackID), Error: errorObject(req)})
		return err
	}
	return &badRequestError{fmt.Sprintf("outcome %q: want succeed or fail", req.Outcome)}
}

// stop stops an execution through StopDurableExecution.
func (v *Viewer) stop(ctx context.Context, req actionRequest) error {
	if req.ExecutionArn == "" {
		return &badRequestError{"executionArn is missing"}
	}
	_, err := v.cfg.API.StopDurableExecution(ctx, &lambda.StopDurableExecutionInput{
		DurableExecutionArn: aws.String(req.ExecutionArn), Error: errorObject(req)})
	return err
}

// errorObject is the request's error, nil when it has none.
func errorObject(req actionRequest) *types.ErrorObject {
	if req.ErrorType == "" && req.ErrorMessage == "" {
		return nil
	}
	e := &types.ErrorObject{}
	if req.ErrorType != "" {
		e.ErrorType = aws.String(req.ErrorType)
	}
	if req.ErrorMessage != "" {
		e.ErrorMessage = aws.String(req.ErrorMessage)
	}
	return e
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
