package connect

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// The SDK (v0.118.0, httpclient.isRetriableUrlError) retries every dial error
// whose text says "connection refused" or "i/o timeout" for the whole retry
// budget (RetryTimeout, 60 s by default), logging nothing unless debug is on:
// a dead or mistyped host left `drsync plan` silent for a minute. drsync
// instead gives up on a host once its dials have failed with no success in
// between for giveUpAfter, and logs each failure it retries.
const (
	// giveUpAfter is how long a streak of failed dials may last. With the
	// SDK's backoff (n s plus 50-750 ms after attempt n) a refused connection
	// is tried 4 times, the last 6.15-8.25 s after the first.
	giveUpAfter = 6 * time.Second
	// dialTimeout bounds one connection attempt (the SDK's default is 30 s),
	// so a host that drops packets is given up on after one attempt.
	dialTimeout = 10 * time.Second
)

// UnreachableError is a workspace host whose dials kept failing for longer
// than drsync waits. Its text avoids the phrases on which the SDK retries
// ("connection refused", "i/o timeout"), so the SDK returns it at once.
type UnreachableError struct {
	Side     string        // "source" or "target"
	Addr     string        // the host:port dialled
	Attempts int           // failed dials in the streak
	For      time.Duration // from the start of the first to the end of the last
	Err      error         // the last dial error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s workspace %s is unreachable: %s (%d attempts over %s)",
		e.Side, e.Addr, describeDial(e.Err), e.Attempts, e.For.Round(10*time.Millisecond))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// describeDial says why a dial failed in words the SDK does not retry on.
func describeDial(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused (is anything listening on that port?)"
	case errors.As(err, &dns):
		return dns.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "connecting timed out"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// dialGuard is the transport of one workspace client: it passes requests to
// next and tracks the streak of failed dials to the host.
type dialGuard struct {
	next   http.RoundTripper
	side   string
	logger *slog.Logger
	now    func() time.Time

	mu       sync.Mutex
	failures int       // dials failed since the last success
	start    time.Time // when the first of them started
	last     time.Time // when the latest of them ended
}

func newDialGuard(next http.RoundTripper, side string, logger *slog.Logger) *dialGuard {
	if next == nil {
		next = defaultTransport()
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &dialGuard{next: next, side: side, logger: logger, now: time.Now}
}

// RoundTrip sends req. A dial error is returned as is (the SDK retries it)
// until the streak has lasted giveUpAfter, then as *UnreachableError. A dial
// cut short by req's context says nothing about the host and is not counted.
func (g *dialGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	started := g.now()
	resp, err := g.next.RoundTrip(req)
	var op *net.OpError
	if err == nil || !errors.As(err, &op) || op.Op != "dial" || req.Context().Err() != nil {
		if err == nil {
			g.reset()
		}
		return resp, err
	}
	attempt, unreachable := g.failed(started, req.URL.Host, err)
	if unreachable != nil {
		return nil, unreachable
	}
	g.logger.WarnContext(req.Context(), "workspace unreachable, retrying", "side", g.side,
		"host", req.URL.Host, "attempt", attempt, "err", describeDial(err))
	return nil, err
}

func (g *dialGuard) reset() {
	g.mu.Lock()
	g.failures = 0
	g.mu.Unlock()
}

// failed counts a dial that started at started and failed with err. It
// returns the number of failures in the streak, and the error to give up
// with once the streak has lasted long enough. A failure long after the
// previous one starts a new streak: the gap says nothing about the host, and
// a warm Lambda may reuse the client hours later.
func (g *dialGuard) failed(started time.Time, addr string, err error) (int, *UnreachableError) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.failures == 0 || now.Sub(g.last) > giveUpAfter {
		g.failures, g.start = 0, started
	}
	g.failures++
	g.last = now
	if now.Sub(g.start) < giveUpAfter {
		return g.failures, nil
	}
	return g.failures, &UnreachableError{Side: g.side, Addr: addr, Attempts: g.failures, For: now.Sub(g.start), Err: err}
}

// defaultTransport is the SDK's default transport (httpclient
// makeDefaultTransport, unexported) with a shorter dial timeout.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.MaxIdleConnsPerHost = runtime.GOMAXPROCS(0) + 1
	t.IdleConnTimeout = 180 * time.Second
	t.TLSHandshakeTimeout = 30 * time.Second
	return t
}
