package connect

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/config"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// counting is a real transport that counts the requests it sends.
type counting struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

// TestDeadHostGivesUpAfterFourAttempts protects item 15 of issue 10: a host
// refusing connections fails the call after 4 attempts (6-8 s of the SDK's
// backoff, not its 60 s retry budget), naming the side, the host and the
// cause, with one warning per retried attempt. Before the dial guard the SDK
// retried silently until RetryTimeout.
func TestDeadHostGivesUpAfterFourAttempts(t *testing.T) {
	t.Parallel()
	addr := closedAddr(t)
	var logs bytes.Buffer
	tr := &counting{next: &http.Transport{}}
	opts := Options{Version: testVersion, RetryTimeout: time.Minute, Credentials: Credentials{Token: "dapi-x"},
		Transport: tr, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	w, err := Workspace(t.Context(), Source, config.Endpoint{Host: "http://" + addr}, opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = w.CurrentUser.Me(t.Context())
	t.Logf("gave up after %s: %v", time.Since(start).Round(time.Millisecond), err)

	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("Me on a dead host = %v, want an *UnreachableError", err)
	}
	want := "source workspace " + addr + " is unreachable: the connection was refused"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if n := tr.n.Load(); n != 4 || ue.Attempts != 4 {
		t.Errorf("%d requests sent, error says %d attempts; want 4", n, ue.Attempts)
	}
	if n := strings.Count(logs.String(), "workspace unreachable, retrying"); n != 3 {
		t.Errorf("%d retry warnings, want 3 (one per retried attempt):\n%s", n, logs.String())
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestDialStreak protects the guard's bookkeeping: it gives up once failures
// span giveUpAfter, a success ends the streak, and a failure long after the
// last one starts a new streak instead of inheriting an old outage.
func TestDialStreak(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(0, 0)}
	g := newDialGuard(&http.Transport{}, Target, slog.New(slog.DiscardHandler))
	g.now = clock.now
	dialErr := &net.OpError{Op: "dial", Err: errors.New("connect: connection refused")}
	fail := func(after time.Duration) *UnreachableError {
		start := clock.t
		clock.t = clock.t.Add(after)
		_, ue := g.failed(start, "dr:443", dialErr)
		return ue
	}
	for _, step := range []time.Duration{0, time.Second, 2 * time.Second} {
		if ue := fail(step); ue != nil {
			t.Fatalf("gave up %s into the streak: %v", clock.t.Sub(time.Unix(0, 0)), ue)
		}
	}
	if ue := fail(3 * time.Second); ue == nil || ue.Attempts != 4 || ue.For != 6*time.Second {
		t.Fatalf("after 6 s of failures: %+v, want to give up after 4 attempts over 6s", ue)
	}
	g.reset()
	if ue := fail(0); ue != nil {
		t.Fatalf("first failure after a success gave up: %v", ue)
	}
	clock.t = clock.t.Add(time.Hour)
	if ue := fail(0); ue != nil {
		t.Fatalf("failure an hour after the last one gave up at once: %v", ue)
	}
}
