package connect

import (
	"fmt"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/drsync/drsync/shared/failure"
)

// sentTracker makes every POST at most once from drsync's side. The SDK
// retries any request whose connection broke ("connection reset by peer"),
// POSTs included, so a create the server already did would be done twice.
// A POST whose connection fails after the request was written comes back
// as an *AmbiguousError instead, whose text the SDK does not retry; the
// engine then looks for the object before creating it again. A failure
// before the request was written (connection refused) stays retryable.
type sentTracker struct{ next http.RoundTripper }

func (t sentTracker) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost {
		return t.next.RoundTrip(req)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil && wrote.Load() && req.Context().Err() == nil {
		return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: err}
	}
	return resp, err
}

// AmbiguousError is a request that was sent and got no answer: the server may
// have carried it out. errors.Is(err, failure.ErrAmbiguous) is true.
type AmbiguousError struct {
	Method, Path string
	Err          error // the transport's error
}

// Error deliberately leaves out the transport's message: the SDK decides
// retries by the words in it.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, failure.ErrAmbiguous)
}

// Unwrap gives failure.ErrAmbiguous and the transport's error.
func (e *AmbiguousError) Unwrap() []error { return []error{failure.ErrAmbiguous, e.Err} }
