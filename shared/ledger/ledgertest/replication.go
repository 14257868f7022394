package ledgertest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// Bucket pairs of the replication subtests; the prefix holds characters a
// naive key encoding would trip on.
const (
	replSource = "s3://data-east/tables/#1/"
	replTarget = "s3://data-west/tables/#1/"
)

// showResult renders a replication result for comparison.
func showResult(r ledger.ReplicationResult) string {
	return fmt.Sprintf("%s→%s at %s healthy=%v breached=%v report=%s",
		r.Source, r.Target, r.CheckedAt.UTC().Format(time.RFC3339Nano), r.Healthy, r.RPOBreached, r.Report)
}

func mustResults(t *testing.T, s ledger.Store, pair string) []ledger.ReplicationResult {
	t.Helper()
	got, err := s.ReplicationResults(t.Context(), pair)
	if err != nil {
		t.Fatalf("ReplicationResults(%s): %v", pair, err)
	}
	return got
}

// Every field comes back; results are per bucket pair, sorted, and never
// cross pairs.
func testReplicationResults(t *testing.T, s ledger.Store, c *Clock) {
	a := ledger.ReplicationResult{Source: replSource, Target: replTarget, CheckedAt: c.Now(), RPOBreached: true,
		Report: []byte(`{"missing":3}`)}
	b := ledger.ReplicationResult{Source: "s3://a-logs", Target: "s3://b-logs", CheckedAt: c.Now(), Healthy: true}
	for _, r := range []ledger.ReplicationResult{a, b} {
		if err := s.PutReplicationResult(t.Context(), pairA, r); err != nil {
			t.Fatalf("PutReplicationResult: %v", err)
		}
	}
	got := mustResults(t, s, pairA)
	if len(got) != 2 || showResult(got[0]) != showResult(b) || showResult(got[1]) != showResult(a) {
		t.Errorf("results:\n got %v\nwant [%s %s]", got, showResult(b), showResult(a))
	}
	if other := mustResults(t, s, pairB); len(other) != 0 {
		t.Errorf("another pair sees %v", other)
	}
}

// The latest check wins: a result checked earlier than the stored one (a
// slow invocation finishing late) does not replace it.
func testReplicationResultKeepsLatest(t *testing.T, s ledger.Store, c *Clock) {
	put := func(at time.Time, breached bool) {
		t.Helper()
		r := ledger.ReplicationResult{Source: replSource, Target: replTarget, CheckedAt: at, RPOBreached: breached}
		if err := s.PutReplicationResult(t.Context(), pairA, r); err != nil {
			t.Fatalf("PutReplicationResult: %v", err)
		}
	}
	now := c.Now()
	put(now, true)
	put(now.Add(-time.Minute), false)
	if got := mustResults(t, s, pairA); len(got) != 1 || !got[0].RPOBreached {
		t.Errorf("an older result replaced the latest: %v", got)
	}
	put(now.Add(time.Minute), false)
	if got := mustResults(t, s, pairA); len(got) != 1 || got[0].RPOBreached || !got[0].CheckedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("a newer result was not stored: %v", got)
	}
}

// A checkpoint is versioned like a record: created at 0, moved on by each
// write, refused to a writer holding an old version, cleared by writing no
// progress.
func testReplicationCheckpoint(t *testing.T, s ledger.Store, c *Clock) {
	ctx := t.Context()
	cp, err := s.ReplicationCheckpoint(ctx, pairA, replSource, replTarget)
	if err != nil || cp.Version != 0 || len(cp.Progress) != 0 {
		t.Fatalf("checkpoint never written = %+v, %v; want version 0, no progress", cp, err)
	}
	cp.Progress, cp.UpdatedAt = []byte(`{"after":"t005/part-1"}`), c.Now()
	first, err := s.PutReplicationCheckpoint(ctx, pairA, cp)
	if err != nil || first.Version != 1 {
		t.Fatalf("first put = %+v, %v; want version 1", first, err)
	}
	if _, err := s.PutReplicationCheckpoint(ctx, pairA, cp); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("a put holding version 0 over version 1 = %v, want ErrConflict", err)
	}
	got, err := s.ReplicationCheckpoint(ctx, pairA, replSource, replTarget)
	if err != nil || got.Version != 1 || string(got.Progress) != string(cp.Progress) || !got.UpdatedAt.Equal(cp.UpdatedAt) {
		t.Errorf("read back %+v, %v; want %+v at version 1", got, err, cp)
	}
	if other, _ := s.ReplicationCheckpoint(ctx, pairB, replSource, replTarget); other.Version != 0 {
		t.Errorf("another pair sees %+v", other)
	}
	first.Progress = nil
	cleared, err := s.PutReplicationCheckpoint(ctx, pairA, first)
	if err != nil || cleared.Version != 2 {
		t.Fatalf("clear = %+v, %v", cleared, err)
	}
	if got, _ := s.ReplicationCheckpoint(ctx, pairA, replSource, replTarget); len(got.Progress) != 0 || got.Version != 2 {
		t.Errorf("after clearing: %+v", got)
	}
}

// Two invocations continuing one check at once: one checkpoint write wins.
func testRaceReplicationCheckpoint(t *testing.T, s ledger.Store, c *Clock) {
	errs := race(func(i int) error {
		cp := ledger.ReplicationCheckpoint{Source: replSource, Target: replTarget, Progress: fmt.Appendf(nil, `{"racer":%d}`, i), UpdatedAt: c.Now()}
		_, err := s.PutReplicationCheckpoint(t.Context(), pairA, cp)
		return err
	})
	oneWinner(t, "PutReplicationCheckpoint", errs, ledger.ErrConflict)
}
