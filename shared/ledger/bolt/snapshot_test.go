package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/drsync/drsync/shared/ledger"
)

// TestReadOnlyWhileWriterHoldsFile protects item 11 of issue 10: a reader
// (status, plan) opens the ledger while a sync holds it open for writing,
// sees what was committed, and cannot write. On main the reader took the
// same exclusive lock and failed with ErrInUse.
func TestReadOnlyWhileWriterHoldsFile(t *testing.T) {
	t.Parallel()
	ctx, path := t.Context(), filepath.Join(t.TempDir(), "ledger.db")
	w := openTemp(t, path, nil)
	defer w.Close()
	if _, err := w.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "1"}, ledger.Fence{}); err != nil {
		t.Fatal(err)
	}

	r, err := OpenReadOnly(ctx, path, Options{})
	if err != nil {
		t.Fatalf("OpenReadOnly while a writer holds the file: %v", err)
	}
	if recs, err := r.List(ctx, "p", ""); err != nil || len(recs) != 1 {
		t.Errorf("List = %v, %v; want the one committed record", recs, err)
	}
	if _, err := r.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "2"}, ledger.Fence{}); !errors.Is(err, berrors.ErrDatabaseReadOnly) {
		t.Errorf("Put through a read-only store = %v, want ErrDatabaseReadOnly", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.snapshot); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Close left the snapshot %s behind (%v)", r.snapshot, err)
	}
	// The writer was never disturbed.
	if _, err := w.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "3"}, ledger.Fence{}); err != nil {
		t.Errorf("writer after the reader: %v", err)
	}
}

// TestReadOnlyNeverCreates protects "a mistyped --ledger path never becomes an
// empty ledger": OpenReadOnly of a missing file is fs.ErrNotExist naming it,
// and leaves no file behind.
func TestReadOnlyNeverCreates(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "typo.db")
	_, err := OpenReadOnly(t.Context(), path, Options{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("OpenReadOnly of a missing file = %v, want fs.ErrNotExist naming %s", err, path)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", path)
	}
}

// TestSnapshotsAreConsistentUnderWrites reads snapshots while a writer
// commits one record at a time: every snapshot holds exactly the first k
// records for some k, never a torn mix. A busy writer may make a snapshot
// give up (ErrBusy), never return a wrong one.
func TestSnapshotsAreConsistentUnderWrites(t *testing.T) {
	t.Parallel()
	ctx, path := t.Context(), filepath.Join(t.TempDir(), "ledger.db")
	w := openTemp(t, path, nil)
	defer w.Close()
	const n = 60
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			if _, err := w.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: fmt.Sprintf("%04d", i)}, ledger.Fence{}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	read, busy := 0, 0
	for last := -1; last < n-1; {
		r, err := OpenReadOnly(ctx, path, Options{})
		if errors.Is(err, ErrBusy) {
			busy++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs, err := r.List(ctx, "p", "")
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range recs {
			if rec.SourceKey != fmt.Sprintf("%04d", i) {
				t.Fatalf("snapshot %d holds %s at %d: not a prefix of the writes", read, rec.SourceKey, i)
			}
		}
		if len(recs)-1 < last {
			t.Fatalf("snapshot %d holds %d records, an earlier one %d", read, len(recs), last+1)
		}
		last = len(recs) - 1
		read++
		_ = r.Close()
	}
	wg.Wait()
	t.Logf("%d consistent snapshots, %d gave up as busy", read, busy)
}

// TestEveryCommitChangesMetaPages protects what OpenReadOnly's consistency
// rests on: the bytes metaPages returns change with every commit (commits
// alternate between the two meta pages, so reading only one would miss every
// other), and stay put without one.
func TestEveryCommitChangesMetaPages(t *testing.T) {
	t.Parallel()
	ctx, path := t.Context(), filepath.Join(t.TempDir(), "ledger.db")
	w := openTemp(t, path, nil)
	defer w.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prev := mustMetaPages(t, f)
	for i := range 4 {
		if again := mustMetaPages(t, f); !bytes.Equal(prev, again) {
			t.Fatal("meta pages changed without a commit")
		}
		if _, err := w.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: fmt.Sprint(i)}, ledger.Fence{}); err != nil {
			t.Fatal(err)
		}
		next := mustMetaPages(t, f)
		if bytes.Equal(prev, next) {
			t.Fatalf("commit %d left the meta pages unchanged", i+1)
		}
		prev = next
	}
}

func mustMetaPages(t *testing.T, f *os.File) []byte {
	t.Helper()
	b, err := metaPages(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2*metaLen {
		t.Fatalf("metaPages returned %d bytes, want %d", len(b), 2*metaLen)
	}
	return b
}
