package ledger_test

import (
	"path/filepath"
	"testing"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
)

// A reverse sync's records never mix with the forward direction's, although
// the two share the pair's state (one epoch fences both).
func TestReverseRecordsApart(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "l.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	rev := ledger.Reverse(s)
	fwd := ledger.Record{Kind: "notebook", SourceKey: "/Shared/a", TargetID: "/Shared/a", Status: ledger.StatusSynced}
	back := fwd
	back.TargetHash = "from-dr"
	if _, err := s.Put(ctx, "p", fwd, ledger.Fence{}); err != nil {
		t.Fatal(err)
	}
	saved, err := rev.Put(ctx, "p", back, ledger.Fence{})
	if err != nil || saved.Kind != "notebook" {
		t.Fatalf("reverse Put = %+v, %v", saved, err)
	}
	got, err := rev.Get(ctx, "p", "notebook", "/Shared/a")
	if err != nil || got.TargetHash != "from-dr" || got.Kind != "notebook" {
		t.Errorf("reverse Get = %+v, %v", got, err)
	}
	for _, kind := range []string{"", "notebook"} {
		if recs, _ := rev.List(ctx, "p", kind); len(recs) != 1 || recs[0].TargetHash != "from-dr" {
			t.Errorf("reverse List(%q) = %+v", kind, recs)
		}
	}
	if f, _ := s.Get(ctx, "p", "notebook", "/Shared/a"); f.TargetHash != "" {
		t.Errorf("the forward record changed: %+v", f)
	}
	if _, err := s.SetActive(ctx, "p", "dr", 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := rev.Put(ctx, "p", got, ledger.Fence{Epoch: 0}); err == nil {
		t.Error("a reverse write under the old epoch was not fenced")
	}
}
