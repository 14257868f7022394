package emulator

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter applies per-endpoint token buckets the way a workspace throttles: over
// the limit, the request is answered 429 REQUEST_LIMIT_EXCEEDED at once, with a
// Retry-After header (whole seconds until the bucket has a token again).
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newLimiter(limits map[string]float64) *limiter {
	l := &limiter{buckets: map[string]*rate.Limiter{}}
	for endpoint, rps := range limits {
		l.set(endpoint, rps)
	}
	return l
}

func (l *limiter) set(endpoint string, rps float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rps <= 0 {
		delete(l.buckets, endpoint)
		return
	}
	burst := int(math.Max(1, math.Ceil(rps)))
	l.buckets[endpoint] = rate.NewLimiter(rate.Limit(rps), burst)
}

// allow takes a token for endpoint; when there is none it says how long until
// there will be one.
func (l *limiter) allow(endpoint string) (wait time.Duration, ok bool) {
	l.mu.Lock()
	b := l.buckets[endpoint]
	l.mu.Unlock()
	if b == nil {
		return 0, true
	}
	r := b.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d, false
	}
	return 0, true
}

// SetRateLimit changes one endpoint's limit ("POST /api/2.2/jobs/create") in
// requests per second; 0 removes it.
func (s *Server) SetRateLimit(endpoint string, rps float64) { s.limit.set(endpoint, rps) }
