package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// racers is how many goroutines race for one conditional write.
const racers = 16

// race runs fn(i) for i in [0, racers) at once and returns their errors.
func race(fn func(i int) error) []error {
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start // line everyone up so the writes really overlap
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner fails the test unless exactly one error is nil and all the others
// are loser; it returns the winner's index.
func oneWinner(t *testing.T, what string, errs []error, loser error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%s: racers %d and %d both won", what, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, loser):
			t.Errorf("%s: racer %d: %v, want %v", what, i, err, loser)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: nobody won", what)
	}
	return winner
}

func testRaceAcquireLease(t *testing.T, s ledger.Store, c *Clock) {
	now := c.Now()
	errs := race(func(i int) error {
		_, err := s.AcquireLease(t.Context(), pairA, fmt.Sprintf("run-%d", i), leaseTTL, now)
		return err
	})
	w := oneWinner(t, "AcquireLease", errs, ledger.ErrLeaseHeld)
	if got := mustState(t, s, pairA).LeaseHolder; got != fmt.Sprintf("run-%d", w) {
		t.Errorf("lease holder = %q, want the winner run-%d", got, w)
	}
}

func testRaceCreate(t *testing.T, s ledger.Store, _ *Clock) {
	errs := race(func(i int) error {
		r := rec("job", "1")
		r.TargetID = fmt.Sprintf("target-%d", i)
		_, err := s.Put(t.Context(), pairA, r, zeroFence)
		return err
	})
	w := oneWinner(t, "create", errs, ledger.ErrConflict)
	got := mustGet(t, s, pairA, "job", "1")
	if got.TargetID != fmt.Sprintf("target-%d", w) || got.Version != 1 {
		t.Errorf("stored %+v, want the winner's target-%d at version 1", got, w)
	}
}

func testRacePutSameVersion(t *testing.T, s ledger.Store, _ *Clock) {
	v1 := mustPut(t, s, pairA, rec("job", "1"))
	errs := race(func(i int) error {
		r := v1
		r.TargetHash = fmt.Sprintf("hash-%d", i)
		_, err := s.Put(t.Context(), pairA, r, zeroFence)
		return err
	})
	w := oneWinner(t, "update", errs, ledger.ErrConflict)
	got := mustGet(t, s, pairA, "job", "1")
	if got.TargetHash != fmt.Sprintf("hash-%d", w) || got.Version != 2 {
		t.Errorf("stored %+v, want the winner's hash-%d at version 2", got, w)
	}
}

// errAlreadyMarked stands for MarkProcessed's false in oneWinner.
var errAlreadyMarked = errors.New("already marked")

func testRaceMarkProcessed(t *testing.T, s ledger.Store, _ *Clock) {
	errs := race(func(int) error {
		first, err := s.MarkProcessed(t.Context(), pairA, "request-1", time.Hour)
		if err == nil && !first {
			return errAlreadyMarked
		}
		return err
	})
	oneWinner(t, "MarkProcessed", errs, errAlreadyMarked)
}

func testRaceSetActive(t *testing.T, s ledger.Store, _ *Clock) {
	errs := race(func(int) error {
		_, err := s.SetActive(t.Context(), pairA, "dr", 0, "")
		return err
	})
	oneWinner(t, "SetActive", errs, ledger.ErrConflict)
	if got := mustState(t, s, pairA); got.Epoch != 1 {
		t.Errorf("epoch after racing failovers = %d, want 1", got.Epoch)
	}
}

func testContextCancelled(t *testing.T, s ledger.Store, c *Clock) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"Get":  func() error { _, err := s.Get(ctx, pairA, "job", "1"); return err },
		"List": func() error { _, err := s.List(ctx, pairA, ""); return err },
		"Put":  func() error { _, err := s.Put(ctx, pairA, rec("job", "1"), zeroFence); return err },
		"Delete": func() error {
			return s.Delete(ctx, pairA, "job", "1", 1, zeroFence)
		},
		"PutRun": func() error { return s.PutRun(ctx, pairA, testRun(0, c.Now()), runTTL) },
		"Runs":   func() error { _, err := s.Runs(ctx, pairA, 1); return err },
		"MarkProcessed": func() error {
			_, err := s.MarkProcessed(ctx, pairA, "request-1", time.Hour)
			return err
		},
		"State": func() error { _, err := s.State(ctx, pairA); return err },
		"AcquireLease": func() error {
			_, err := s.AcquireLease(ctx, pairA, "run-a", leaseTTL, c.Now())
			return err
		},
		"ReleaseLease": func() error { return s.ReleaseLease(ctx, pairA, "run-a") },
		"SetActive": func() error {
			_, err := s.SetActive(ctx, pairA, "dr", 0, "")
			return err
		},
	}
	for name, call := range calls {
		wantErr(t, name+" with a cancelled context", call(), context.Canceled)
	}
	// Nothing the cancelled calls attempted may have happened.
	wantList(t, s, pairA, "", nil)
	wantRuns(t, "Runs", mustRuns(t, s, pairA, 10), nil)
	if st := mustState(t, s, pairA); st.Epoch != 0 || st.LeaseHolder != "" {
		t.Errorf("State after cancelled calls = %s, want the default", showState(st))
	}
	if first, err := s.MarkProcessed(t.Context(), pairA, "request-1", time.Hour); err != nil || !first {
		t.Errorf("MarkProcessed after a cancelled one = %v, %v; want true, nil", first, err)
	}
}
