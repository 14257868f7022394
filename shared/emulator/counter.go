package emulator

import (
	"maps"
	"sync"
)

// counter counts requests per endpoint ("METHOD /path"), whether they were served,
// throttled or failed, so tests can assert what a client asked for.
type counter struct {
	mu sync.Mutex
	n  map[string]int64
}

func newCounter() *counter { return &counter{n: map[string]int64{}} }

func (c *counter) add(endpoint string) {
	c.mu.Lock()
	c.n[endpoint]++
	c.mu.Unlock()
}

// Requests returns a copy of the request counts per endpoint ("GET /api/2.0/workspace/export").
func (s *Server) Requests() map[string]int64 {
	s.count.mu.Lock()
	defer s.count.mu.Unlock()
	return maps.Clone(s.count.n)
}

// RequestCount returns the number of requests received for one endpoint.
func (s *Server) RequestCount(endpoint string) int64 {
	s.count.mu.Lock()
	defer s.count.mu.Unlock()
	return s.count.n[endpoint]
}

// ResetRequests sets every request count back to zero.
func (s *Server) ResetRequests() {
	s.count.mu.Lock()
	s.count.n = map[string]int64{}
	s.count.mu.Unlock()
}
