package ledgertest

import (
	"errors"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// leaseTTL is the run lease length the lease subtests use.
const leaseTTL = time.Minute

// mustState reads the pair state and fails the test on error.
func mustState(t *testing.T, s ledger.Store, pair string) ledger.PairState {
	t.Helper()
	st, err := s.State(t.Context(), pair)
	if err != nil {
		t.Fatalf("State(%s): %v", pair, err)
	}
	return st
}

// acquire takes the lease for holder at now and fails the test unless it gets it.
func acquire(t *testing.T, s ledger.Store, holder string, now time.Time) ledger.PairState {
	t.Helper()
	st, err := s.AcquireLease(t.Context(), pairA, holder, leaseTTL, now)
	if err != nil {
		t.Fatalf("AcquireLease(%s) at %s: %v", holder, now, err)
	}
	if st.LeaseHolder != holder || !st.LeaseExpiry.Equal(now.Add(leaseTTL)) {
		t.Errorf("AcquireLease(%s) at %s = %s; want it held until %s", holder, now, showState(st), now.Add(leaseTTL))
	}
	return st
}

// wantNewerState fails the test unless the state's version moved on: every
// state write is conditional on it, so a write that leaves it would let a
// concurrent conditional write through.
func wantNewerState(t *testing.T, what string, before, after ledger.PairState) {
	t.Helper()
	if after.Version <= before.Version {
		t.Errorf("%s: state version %d -> %d, want it to increase", what, before.Version, after.Version)
	}
}

func testStateDefault(t *testing.T, s ledger.Store, _ *Clock) {
	want := ledger.PairState{ActiveSide: "primary"}
	if got := mustState(t, s, pairA); showState(got) != showState(want) {
		t.Errorf("State of a pair never seen = %s, want %s", showState(got), showState(want))
	}
}

func testLease(t *testing.T, s ledger.Store, c *Clock) {
	t0 := c.Now()
	st := acquire(t, s, "run-a", t0)
	wantNewerState(t, "acquire a free lease", ledger.PairState{}, st)
	if got := mustState(t, s, pairA); showState(got) != showState(st) {
		t.Errorf("State after AcquireLease = %s, want %s", showState(got), showState(st))
	}

	held, err := s.AcquireLease(t.Context(), pairA, "run-b", leaseTTL, t0.Add(leaseTTL/2))
	wantErr(t, "AcquireLease by another holder", err, ledger.ErrLeaseHeld)
	if held.LeaseHolder != "run-a" {
		t.Errorf("state returned with ErrLeaseHeld names holder %q, want run-a", held.LeaseHolder)
	}

	renewed := acquire(t, s, "run-a", t0.Add(leaseTTL/2))
	wantNewerState(t, "renew", st, renewed)
	// The renewal moved the expiry: run-b is still refused after the first expiry.
	_, err = s.AcquireLease(t.Context(), pairA, "run-b", leaseTTL, t0.Add(leaseTTL+time.Second))
	wantErr(t, "AcquireLease after the first expiry of a renewed lease", err, ledger.ErrLeaseHeld)

	taken := acquire(t, s, "run-b", t0.Add(2*leaseTTL))
	wantNewerState(t, "take an expired lease", renewed, taken)
}

func testReleaseLease(t *testing.T, s ledger.Store, c *Clock) {
	if err := s.ReleaseLease(t.Context(), pairA, "run-a"); err != nil {
		t.Errorf("ReleaseLease on a pair never seen: %v", err)
	}
	held := acquire(t, s, "run-a", c.Now())
	if err := s.ReleaseLease(t.Context(), pairA, "run-b"); err != nil {
		t.Errorf("ReleaseLease by a non-holder: %v", err)
	}
	if got := mustState(t, s, pairA); showState(got) != showState(held) {
		t.Errorf("State after a non-holder's release = %s, want unchanged %s", showState(got), showState(held))
	}

	if err := s.ReleaseLease(t.Context(), pairA, "run-a"); err != nil {
		t.Fatalf("ReleaseLease by the holder: %v", err)
	}
	freed := mustState(t, s, pairA)
	if freed.LeaseHolder != "" {
		t.Errorf("lease still held by %q after release", freed.LeaseHolder)
	}
	wantNewerState(t, "release", held, freed)
	acquire(t, s, "run-b", c.Now())
}

func testSetActive(t *testing.T, s ledger.Store, _ *Clock) {
	ctx := t.Context()
	before := mustState(t, s, pairA)
	_, err := s.SetActive(ctx, pairA, "dr", 1, "")
	wantErr(t, "SetActive expecting epoch 1 at epoch 0", err, ledger.ErrConflict)
	if got := mustState(t, s, pairA); showState(got) != showState(before) {
		t.Errorf("State after refused SetActive = %s, want %s", showState(got), showState(before))
	}

	dr, err := s.SetActive(ctx, pairA, "dr", 0, "")
	if err != nil || dr.ActiveSide != "dr" || dr.Epoch != 1 {
		t.Fatalf("SetActive(dr, 0) = %s, %v; want dr at epoch 1", showState(dr), err)
	}
	wantNewerState(t, "failover", before, dr)
	_, err = s.SetActive(ctx, pairA, "primary", 0, "")
	wantErr(t, "a second failover from epoch 0", err, ledger.ErrConflict)

	back, err := s.SetActive(ctx, pairA, "primary", 1, "")
	if err != nil || back.ActiveSide != "primary" || back.Epoch != 2 {
		t.Fatalf("SetActive(primary, 1) = %s, %v; want primary at epoch 2", showState(back), err)
	}
	if got := mustState(t, s, pairB); got.Epoch != 0 || got.ActiveSide != "primary" {
		t.Errorf("other pair's state = %s, want untouched", showState(got))
	}
}

// testSetActiveRetried: a switch retried under its id after it committed
// (its answer lost) finds itself done; another switch from the same epoch,
// or the same id once the pair has moved on, is a conflict.
func testSetActiveRetried(t *testing.T, s ledger.Store, _ *Clock) {
	ctx := t.Context()
	first, err := s.SetActive(ctx, pairA, "dr", 0, "failover-1")
	if err != nil || first.SwitchID != "failover-1" {
		t.Fatalf("SetActive(dr, 0, failover-1) = %s, %v", showState(first), err)
	}
	again, err := s.SetActive(ctx, pairA, "dr", 0, "failover-1")
	if err != nil || again.Epoch != 1 || again.ActiveSide != "dr" {
		t.Errorf("the same switch retried = %s, %v; want it done at epoch 1", showState(again), err)
	}
	_, err = s.SetActive(ctx, pairA, "dr", 0, "failover-2")
	wantErr(t, "another switch from epoch 0", err, ledger.ErrConflict)
	if _, err := s.SetActive(ctx, pairA, "primary", 1, "failback-1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetActive(ctx, pairA, "dr", 0, "failover-1")
	wantErr(t, "the first switch retried after a failback", err, ledger.ErrConflict)
	if got := mustState(t, s, pairA); got.Epoch != 2 || got.ActiveSide != "primary" {
		t.Errorf("state = %s, want primary at epoch 2", showState(got))
	}
}

func testStopRequest(t *testing.T, s ledger.Store, c *Clock) {
	ctx := t.Context()
	now := c.Now()
	if _, err := s.AcquireLease(ctx, pairA, "sync", time.Minute, now); err != nil {
		t.Fatal(err)
	}
	st, err := s.RequestStop(ctx, pairA, "runbook")
	if err != nil || st.StopBy != "runbook" || st.LeaseHolder != "sync" {
		t.Fatalf("RequestStop = %+v, %v", st, err)
	}
	if _, err := s.AcquireLease(ctx, pairA, "sync", time.Minute, now); !errors.Is(err, ledger.ErrLeaseHeld) {
		t.Errorf("the running run renewed after a stop request: %v", err)
	}
	if _, err := s.AcquireLease(ctx, pairA, "runbook", time.Minute, now); !errors.Is(err, ledger.ErrLeaseHeld) {
		t.Errorf("the runbook took a lease still held: %v", err)
	}
	if err := s.ReleaseLease(ctx, pairA, "sync"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, pairA, "other", time.Minute, now); !errors.Is(err, ledger.ErrLeaseHeld) {
		t.Errorf("another run started after the stop request: %v", err)
	}
	if _, err := s.AcquireLease(ctx, pairA, "runbook", time.Minute, now); err != nil {
		t.Fatalf("the runbook could not take the free lease: %v", err)
	}
	if st, err := s.SetActive(ctx, pairA, "dr", 0, ""); err != nil || st.StopBy != "" {
		t.Errorf("SetActive = %+v, %v; want StopBy cleared", st, err)
	}
	if _, err := s.RequestStop(ctx, pairB, "runbook"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.RequestStop(ctx, pairB, ""); err != nil || st.StopBy != "" {
		t.Errorf("clearing = %+v, %v", st, err)
	}
	if _, err := s.AcquireLease(ctx, pairB, "sync", time.Minute, now); err != nil {
		t.Errorf("a run after the stop request was withdrawn: %v", err)
	}
}
