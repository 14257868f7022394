package emulator

import (
	"math"
	"sync"

	"golang.org/x/time/rate"
)

// limiter applies per-endpoint token buckets the way a workspace throttles: over
// the limit, the request is answered 429 REQUEST_LIMIT_EXCEEDED at once.
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

func (l *limiter) allow(endpoint string) bool {
	l.mu.Lock()
	b := l.buckets[endpoint]
	l.mu.Unlock()
	return b == nil || b.Allow()
}

// SetRateLimit changes one endpoint's limit ("POST /api/2.2/jobs/create") in
// requests per second; 0 removes it.
func (s *Server) SetRateLimit(endpoint string, rps float64) { s.limit.set(endpoint, rps) }
