package awstest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// serializer is the front every test talks to: a loopback reverse proxy that
// lets one request at a time through to moto.
//
// Why: moto evaluates a conditional write and then applies it in Python with
// no lock, on one thread per request, so two concurrent conditional writes to
// one item can both pass their condition (seen here: two of eight racers got
// one DynamoDB lease). DynamoDB never does that, and a store's race test
// would then fail for moto's sake. moto is bound to one core by the GIL, so
// serialising costs no throughput; a store that checks in one request and
// writes in another still loses its race tests, since requests of
// different goroutines still interleave between its two.
//
// Long polls (SQS ReceiveMessage, Step Functions GetActivityTask) pass
// without the slot: one waiting 20 s for a message must not stall every
// other request, and they write nothing a condition guards.
type serializer struct {
	mu    sync.Mutex
	proxy *httputil.ReverseProxy
	srv   *http.Server
	ln    net.Listener
	// polls has a value sent for every long poll forwarded (without
	// blocking: a full channel drops it), so a test can wait for one.
	polls chan struct{}
}

// startSerializer serves a serializer in front of target on a free loopback
// port and returns its URL.
func startSerializer(target string) (*serializer, string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen for the serializing proxy: %w", err)
	}
	s := &serializer{proxy: httputil.NewSingleHostReverseProxy(u), ln: ln, polls: make(chan struct{}, 1)}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }() // returns ErrServerClosed at close
	return s, "http://" + ln.Addr().String(), nil
}

// ServeHTTP forwards r to moto while holding the one slot, unless r is a
// long poll.
func (s *serializer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !longPoll[operation(r)] {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		select {
		case s.polls <- struct{}{}:
		default:
		}
	}
	s.proxy.ServeHTTP(w, r)
}

// longPoll lists the operations that may wait server-side for something to
// happen.
var longPoll = map[string]bool{"ReceiveMessage": true, "GetActivityTask": true}

// close stops the proxy and drops its connections.
func (s *serializer) close() error {
	if err := s.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
