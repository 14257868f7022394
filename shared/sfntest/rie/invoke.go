//go:build linux

package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// FunctionError is a function's failure as Lambda reports it: the error
// document's type and message (for a Go handler, the returned error's type
// name and text), "Timeout" for a function that ran out of time, or the
// HTTP status of a runtime that died (a failed init, a panic).
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Invoke sends payload to the function and returns its response body. A
// function that failed returns the body and a *FunctionError: the RIE sends
// no X-Amz-Function-Error header, so a failure is known by its body. Any
// other error is the invoke's own (ctx ended, the RIE gone).
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL(), bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", f.name, err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: read the response: %w", f.name, err)
	}
	if e := asError(body); e != nil {
		return body, e
	}
	if resp.StatusCode >= 300 {
		return body, &FunctionError{Type: resp.Status, Message: string(body)}
	}
	return body, nil
}

// asError reads a Lambda error out of a response body, or returns nil.
func asError(body []byte) *FunctionError {
	if bytes.HasPrefix(body, []byte("Task timed out")) {
		return &FunctionError{Type: "Timeout", Message: string(body)}
	}
	var e FunctionError
	if json.Unmarshal(body, &e) == nil && e.Type != "" {
		return &e
	}
	return nil
}
