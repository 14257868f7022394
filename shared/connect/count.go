package connect

import (
	"context"
	"net/http"
	"sync/atomic"
)

// countKey is the context key of a request counter.
type countKey struct{}

// CountRequests returns a ctx under which every HTTP request a Client sends
// adds one to n: each page of a listing and each retry included, which is
// what a caller that reports its API cost needs and cannot see through the
// SDK's iterators.
func CountRequests(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, countKey{}, n)
}

// requestCounter adds one to the request's counter, if its context has one.
type requestCounter struct{ next http.RoundTripper }

func (t requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if n, ok := req.Context().Value(countKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return t.next.RoundTrip(req)
}
