package engine_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/resource"
)

// failingRenewals is the ledger as one run sees it when its lease renewals
// fail (a throttled or unreachable table): its first AcquireLease succeeds
// (and is timed), every later one fails.
type failingRenewals struct {
	ledger.Store
	mu    sync.Mutex
	taken time.Time
}

var errRenewal = errors.New("renewal failed: the ledger table is unreachable")

func (s *failingRenewals) AcquireLease(ctx context.Context, pair, holder string, ttl time.Duration, now time.Time) (ledger.PairState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.taken.IsZero() {
		return ledger.PairState{}, errRenewal
	}
	st, err := s.Store.AcquireLease(ctx, pair, holder, ttl, now)
	if err == nil {
		s.taken = now
	}
	return st, err
}

// writeTimes records when each write (POST) to a workspace started.
type writeTimes struct {
	mu    sync.Mutex
	times []time.Time
	next  http.RoundTripper
}

func (w *writeTimes) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost {
		w.mu.Lock()
		w.times = append(w.times, time.Now())
		w.mu.Unlock()
	}
	return w.next.RoundTrip(req)
}

func (w *writeTimes) last() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	var t time.Time
	for _, x := range w.times {
		if x.After(t) {
			t = x
		}
	}
	return t
}

// workspaceVia is a workspace client for srv whose requests go through rt.
func workspaceVia(t *testing.T, side string, srv *emulator.Server, rt http.RoundTripper) resource.Workspace {
	t.Helper()
	w, err := connect.Workspace(context.Background(), side, config.Endpoint{Host: srv.URL()}, connect.Options{
		Credentials: connect.Credentials{Token: srv.Token()}, Transport: rt, RetryTimeout: 30 * time.Second,
		RateLimitPerSecond: 10000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return resource.Workspace{Side: side, API: w}
}

// A run whose lease renewals fail stops writing before its lease can
// expire, so the run that takes the expired lease never writes alongside
// it: no object is created twice, and the first run's last write starts
// before the second run could hold the lease.
func TestLostLeaseStopsTheRunBeforeAnotherCanWrite(t *testing.T) {
	src, _ := emutest.Start(t, emulator.Options{Seed: 41, WorkspaceID: 41, RateLimits: map[string]float64{}})
	tgt, tgtW := emutest.Start(t, emulator.Options{Seed: 42, WorkspaceID: 42, RateLimits: map[string]float64{}})
	// drsync does not copy warehouses, pipelines or notification destinations
	// yet: the sample's job naming them would be refused by the empty target.
	if _, err := src.Seed(emulator.SampleEstate().WithoutJobs(emulator.SampleCatalogJob)); err != nil {
		t.Fatal(err)
	}
	tgt.SetLatency(40 * time.Millisecond) // a first sync then lasts well past the lease
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	const ttl = 600 * time.Millisecond
	run := func(holder string, s ledger.Store, writes *writeTimes) error {
		opts, err := engine.OptionsFor(config.Default())
		if err != nil {
			return err
		}
		opts.Pair, opts.RunID, opts.Holder, opts.LeaseTTL, opts.Concurrency = "p", holder, holder, ttl, 2
		_, err = engine.Sync(context.Background(), emutest.Workspace(t, src, "source"),
			workspaceVia(t, "target", tgt, writes), s, opts)
		return err
	}

	first := &failingRenewals{Store: store}
	firstWrites := &writeTimes{next: http.DefaultTransport}
	done := make(chan error, 1)
	go func() { done <- run("first", first, firstWrites) }()
	for first.takenAt().IsZero() {
		select {
		case err := <-done:
			t.Fatalf("the first run ended before it took the lease: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	expiry := first.takenAt().Add(ttl)
	time.Sleep(time.Until(expiry) + 20*time.Millisecond)
	secondWrites := &writeTimes{next: http.DefaultTransport}
	if err := run("second", store, secondWrites); err != nil {
		t.Fatalf("the second run: %v", err)
	}
	firstErr := <-done
	if !errors.Is(firstErr, ledger.ErrLeaseLost) {
		t.Fatalf("the first run ended with %v, want ErrLeaseLost", firstErr)
	}
	if last := firstWrites.last(); !last.Before(expiry) {
		t.Errorf("the first run wrote at %s, after its lease expired at %s", last.Format(time.StampMilli), expiry.Format(time.StampMilli))
	}
	if len(firstWrites.times) == 0 || len(secondWrites.times) == 0 {
		t.Fatalf("writes: first %d, second %d; want both runs to have written", len(firstWrites.times), len(secondWrites.times))
	}
	assertNoDuplicates(t, tgtW)
}

func (s *failingRenewals) takenAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.taken
}

// assertNoDuplicates fails when two target jobs or clusters share a name.
func assertNoDuplicates(t *testing.T, w *databricks.WorkspaceClient) {
	t.Helper()
	ctx := context.Background()
	all, err := w.Jobs.ListAll(ctx, jobs.ListJobsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, j := range all {
		names["job "+j.Settings.Name]++
	}
	clusters, err := w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clusters {
		names["cluster "+c.ClusterName]++
	}
	for name, n := range names {
		if n > 1 {
			t.Errorf("%s exists %d times in the target", name, n)
		}
	}
}

// lostAnswer is the ledger when the answer to a lease acquire is lost after
// the write committed (a dropped connection): the lease is taken, the run
// hears an error.
type lostAnswer struct{ ledger.Store }

func (s lostAnswer) AcquireLease(ctx context.Context, pair, holder string, ttl time.Duration, now time.Time) (ledger.PairState, error) {
	st, err := s.Store.AcquireLease(ctx, pair, holder, ttl, now)
	if err != nil {
		return st, err
	}
	return st, errors.New("connection reset after the write")
}

// A run whose acquire failed for any reason but "held" releases the lease
// it may have taken, so the next run does not find it held for a whole TTL.
func TestFailedAcquireReleasesTheLease(t *testing.T) {
	src, _ := emutest.Start(t, emulator.Options{Seed: 43, WorkspaceID: 43})
	tgt, _ := emutest.Start(t, emulator.Options{Seed: 44, WorkspaceID: 44})
	store, err := bolt.Open(filepath.Join(t.TempDir(), "ledger.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	opts, err := engine.OptionsFor(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	opts.Pair, opts.RunID, opts.LeaseTTL = "p", "first", time.Hour
	ws, wt := emutest.Workspace(t, src, "source"), emutest.Workspace(t, tgt, "target")
	if _, err := engine.Sync(context.Background(), ws, wt, lostAnswer{store}, opts); err == nil {
		t.Fatal("the run with a lost acquire answer succeeded")
	}
	opts.RunID, opts.Holder = "second", ""
	if _, err := engine.Sync(context.Background(), ws, wt, store, opts); err != nil {
		t.Fatalf("the next run: %v (want the lease free)", err)
	}
}
