package emulator

import (
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FaultKind is what an injected fault does to a request.
type FaultKind string

// Fault kinds. The comments say how databricks-sdk-go v0.118.0 reacts (reference §1.6).
const (
	Throttle       FaultKind = "throttle"        // 429 REQUEST_LIMIT_EXCEEDED: retried
	Unavailable    FaultKind = "unavailable"     // 503 TEMPORARILY_UNAVAILABLE: retried
	InternalError  FaultKind = "internal"        // 500 INTERNAL_ERROR: not retried
	BadGatewayHTML FaultKind = "bad-gateway"     // 502 HTML page: not retried
	GatewayTimeout FaultKind = "gateway-timeout" // 504: not retried
	Drop           FaultKind = "drop"            // connection reset before any response: retried
	// DropAfterServing carries the request out, then resets the connection
	// before the response: the client cannot tell whether it happened (the
	// SDK retries it, so an unguarded create is done twice).
	DropAfterServing FaultKind = "drop-after-serving"
	// BadRequest answers 400 INVALID_PARAMETER_VALUE: a refusal that a
	// retry cannot fix.
	BadRequest FaultKind = "bad-request"
	Latency    FaultKind = "latency" // Delay added, then served normally
)

// Fault injects one kind of failure into matching requests.
type Fault struct {
	// Endpoint is "METHOD /path"; empty matches every endpoint; a trailing "*"
	// matches by prefix ("POST /api/2.2/jobs/*").
	Endpoint string
	Kind     FaultKind
	// Probability of firing per matching request (0 < p <= 1); 0 means always.
	Probability float64
	// After lets the first After matching requests through untouched.
	After int
	// Times stops the fault after it fired this often; 0 means no limit.
	Times int
	// Delay is the added latency for Latency faults.
	Delay time.Duration
}

type faultState struct {
	Fault
	seen, fired int
}

type faults struct {
	mu    sync.Mutex
	rng   *rand.Rand
	list  []*faultState
	total int
}

func newFaults(seed uint64) *faults {
	return &faults{rng: rand.New(rand.NewPCG(seed, seed+1))}
}

// InjectFault adds a fault rule; rules are checked in the order they were added.
func (s *Server) InjectFault(f Fault) {
	s.fault.mu.Lock()
	s.fault.list = append(s.fault.list, &faultState{Fault: f})
	s.fault.mu.Unlock()
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.fault.mu.Lock()
	s.fault.list = nil
	s.fault.mu.Unlock()
}

// FaultsFired is how many requests had a fault applied (latency included).
func (s *Server) FaultsFired() int {
	s.fault.mu.Lock()
	defer s.fault.mu.Unlock()
	return s.fault.total
}

func (f *faultState) matches(endpoint string) bool {
	if f.Endpoint == "" {
		return true
	}
	if prefix, ok := strings.CutSuffix(f.Endpoint, "*"); ok {
		return strings.HasPrefix(endpoint, prefix)
	}
	return f.Endpoint == endpoint
}

// pick decides which faults fire for this request: latency faults accumulate,
// the first failing fault ends the search.
func (fs *faults) pick(endpoint string) (delay time.Duration, fail *Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.list {
		if !f.matches(endpoint) {
			continue
		}
		f.seen++
		if f.seen <= f.After || (f.Times > 0 && f.fired >= f.Times) {
			continue
		}
		if f.Probability > 0 && fs.rng.Float64() >= f.Probability {
			continue
		}
		f.fired++
		fs.total++
		if f.Kind == Latency {
			delay += f.Delay
			continue
		}
		return delay, &f.Fault
	}
	return delay, nil
}

// apply runs the faults for one request; handled means the response was
// written (or the connection dropped) and the request must not be served;
// dropAfter means it must be served, then its connection dropped.
func (fs *faults) apply(w http.ResponseWriter, r *http.Request, endpoint string) (handled, dropAfter bool) {
	delay, f := fs.pick(endpoint)
	if delay > 0 && !sleepCtx(r, delay) {
		return true, false
	}
	if f == nil {
		return false, false
	}
	switch f.Kind {
	case DropAfterServing:
		return false, true
	case BadRequest:
		writeError(w, errorf(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Invalid parameter value (injected)."))
	case Throttle:
		w.Header().Set("Retry-After", "1") // as the built-in limits send it
		writeError(w, errorf(http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED",
			"Too many requests. Please wait a moment and try again."))
	case Unavailable:
		writeError(w, errorf(http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE",
			"The service is temporarily unavailable. Please try again later."))
	case InternalError:
		writeError(w, errorf(http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error."))
	case BadGatewayHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1><pre>upstream connect error</pre></body></html>"))
	case GatewayTimeout:
		writeError(w, errorf(http.StatusGatewayTimeout, "DEADLINE_EXCEEDED", "The request could not be completed in time."))
	case Drop:
		dropConnection(w)
	default:
		return false, false
	}
	return true, false
}

// discard is a ResponseWriter whose response nobody receives.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

// dropConnection resets the TCP connection without a response (SO_LINGER 0), so
// the client sees "connection reset by peer".
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeError(w, errorf(http.StatusInternalServerError, "INTERNAL_ERROR", "connection cannot be dropped"))
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
