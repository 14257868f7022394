package crrtest

import (
	"sync"
	"time"
)

// Clock is the bench's time: object LastModified dates, the replicator's lag
// and the checks' "now" all read it, so a test moves time forward instead of
// sleeping. It is safe for concurrent use and implements gofakes3.TimeSource.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to start (UTC, whole milliseconds: what S3
// listings carry).
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.UTC().Truncate(time.Millisecond)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since is Now().Sub(t).
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
