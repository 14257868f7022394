package ledgertest

import (
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

func testPending(t *testing.T, s ledger.Store, c *Clock) {
	ctx := t.Context()
	t0 := c.Now()
	job := ledger.PendingKey{Kind: "job", Key: "42", Since: t0}
	nb := ledger.PendingKey{Kind: "notebook", Key: "/Shared/a b#c", Since: t0}
	if err := s.AddPending(ctx, pairA, []ledger.PendingKey{nb, job}); err != nil {
		t.Fatal(err)
	}
	wantPending(t, s, pairA, job, nb)
	wantPending(t, s, pairB)

	older := job
	older.Since = t0.Add(-time.Hour)
	newer := job
	newer.Since = t0.Add(time.Minute)
	if err := s.AddPending(ctx, pairA, []ledger.PendingKey{older}); err != nil {
		t.Fatal(err)
	}
	wantPending(t, s, pairA, job, nb) // an older event does not move it back
	if err := s.AddPending(ctx, pairA, []ledger.PendingKey{newer}); err != nil {
		t.Fatal(err)
	}
	wantPending(t, s, pairA, newer, nb)

	// A sync that read them at t0 clears the notebook, not the job recorded again.
	if err := s.ClearPending(ctx, pairA, []ledger.PendingKey{job, nb}); err != nil {
		t.Fatal(err)
	}
	wantPending(t, s, pairA, newer)
	if err := s.ClearPending(ctx, pairA, []ledger.PendingKey{newer, nb}); err != nil {
		t.Fatalf("clearing what is gone: %v", err)
	}
	wantPending(t, s, pairA)
	if err := s.AddPending(ctx, pairA, []ledger.PendingKey{{Kind: "", Key: "x", Since: t0}}); err == nil {
		t.Error("a pending key without a kind was accepted")
	}
}

func wantPending(t *testing.T, s ledger.Store, pair string, want ...ledger.PendingKey) {
	t.Helper()
	got, err := s.Pending(t.Context(), pair)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("pending = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].Kind != want[i].Kind || got[i].Key != want[i].Key || !got[i].Since.Equal(want[i].Since.Truncate(time.Millisecond)) {
			t.Errorf("pending[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
