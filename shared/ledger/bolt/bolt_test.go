package bolt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/ledgertest"
)

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, now func() time.Time) ledger.Store {
		return openTemp(t, filepath.Join(t.TempDir(), "ledger.db"), now)
	})
}

// openTemp opens the ledger at path with the clock now; the caller closes it.
func openTemp(t *testing.T, path string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestDataSurvivesReopen(t *testing.T) {
	ctx, path := t.Context(), filepath.Join(t.TempDir(), "ledger.db")
	clock := ledgertest.NewClock(time.Now())
	s := openTemp(t, path, clock.Now)
	put, err := s.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "1", Attrs: map[string]string{"a": "b"}}, ledger.Fence{})
	if err != nil {
		t.Fatal(err)
	}
	run := ledger.Run{ID: "run-1", Started: clock.Now(), Outcome: "ok"}
	if err := s.PutRun(ctx, "p", run, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkProcessed(ctx, "p", "obj-1", time.Hour); err != nil {
		t.Fatal(err)
	}
	state, err := s.SetActive(ctx, "p", "dr", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTemp(t, path, clock.Now)
	defer s.Close()
	if got, err := s.Get(ctx, "p", "job", "1"); err != nil || got.Version != put.Version || got.Attrs["a"] != "b" {
		t.Errorf("Get after reopen = %+v, %v; want %+v", got, err, put)
	}
	if runs, err := s.Runs(ctx, "p", 10); err != nil || len(runs) != 1 || runs[0].ID != run.ID {
		t.Errorf("Runs after reopen = %+v, %v; want [%s]", runs, err, run.ID)
	}
	if first, err := s.MarkProcessed(ctx, "p", "obj-1", time.Hour); err != nil || first {
		t.Errorf("MarkProcessed after reopen = %v, %v; want false (still marked)", first, err)
	}
	if got, err := s.State(ctx, "p"); err != nil || got.Epoch != state.Epoch || got.ActiveSide != "dr" {
		t.Errorf("State after reopen = %+v, %v; want %+v", got, err, state)
	}
}

func TestOpenRefusesNonLedgerFile(t *testing.T) {
	valid := filepath.Join(t.TempDir(), "valid.db")
	openTemp(t, valid, nil).Close()
	ledgerBytes, err := os.ReadFile(valid)
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(path string) error{
		"text":      func(p string) error { return os.WriteFile(p, []byte("pair,kind,key\n"), 0o600) },
		"garbage":   func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte{0xA5}, 16<<10), 0o600) },
		"truncated": func(p string) error { return os.WriteFile(p, ledgerBytes[:100], 0o600) },
		"other bbolt file": func(p string) error {
			db, err := bbolt.Open(p, 0o600, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			return db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.db")
			if err := write(path); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open of a %s file succeeded", name)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
		})
	}
}

func TestOpenLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s := openTemp(t, path, nil)
	defer s.Close()
	// bbolt's flock is per open file, so a second Open in this process stands in
	// for a second drsync process.
	_, err := Open(path, Options{Timeout: 20 * time.Millisecond})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open = %v, want ErrInUse naming %s", err, path)
	}
}

func TestRunsExpireAndArePruned(t *testing.T) {
	ctx, clock := t.Context(), ledgertest.NewClock(time.Now())
	s := openTemp(t, filepath.Join(t.TempDir(), "ledger.db"), clock.Now)
	defer s.Close()
	old := ledger.Run{ID: "old", Started: clock.Now()}
	if err := s.PutRun(ctx, "p", old, time.Hour); err != nil {
		t.Fatal(err)
	}
	forever := ledger.Run{ID: "forever", Started: clock.Now().Add(-time.Minute)}
	if err := s.PutRun(ctx, "p", forever, 0); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	wantRunIDs(t, s, "forever")
	wantKeys(t, s, runsBucket, 2) // expired on read, still on disk

	if err := s.PutRun(ctx, "p", ledger.Run{ID: "new", Started: clock.Now()}, time.Hour); err != nil {
		t.Fatal(err)
	}
	wantRunIDs(t, s, "new", "forever")
	wantKeys(t, s, runsBucket, 2) // "old" pruned by the write
}

func TestProcessedIDsArePruned(t *testing.T) {
	ctx, clock := t.Context(), ledgertest.NewClock(time.Now())
	s := openTemp(t, filepath.Join(t.TempDir(), "ledger.db"), clock.Now)
	defer s.Close()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := s.MarkProcessed(ctx, "p", id, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Minute)
	if first, err := s.MarkProcessed(ctx, "p", "d", time.Minute); err != nil || !first {
		t.Fatalf("MarkProcessed(d) = %v, %v", first, err)
	}
	wantKeys(t, s, processedBucket, 1)
	wantKeys(t, s, expiriesBucket, 1)
}

func TestRefusesKeysThatDoNotRoundTrip(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "ledger.db"), nil)
	defer s.Close()
	for _, pr := range []struct{ pair, kind string }{{"", "job"}, {"p", "jo\x00b"}} {
		r := ledger.Record{Kind: pr.kind, SourceKey: "1"}
		if _, err := s.Put(t.Context(), pr.pair, r, ledger.Fence{}); err == nil {
			t.Errorf("Put(pair %q, kind %q) = nil error", pr.pair, pr.kind)
		}
	}
}

// wantRunIDs fails the test unless the pair's unexpired runs are ids, in order.
func wantRunIDs(t *testing.T, s *Store, ids ...string) {
	t.Helper()
	runs, err := s.Runs(t.Context(), "p", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.ID)
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("runs = %v, want %v", got, ids)
	}
}

// wantKeys fails the test unless pair p's bucket name holds n keys on disk.
func wantKeys(t *testing.T, s *Store, name []byte, n int) {
	t.Helper()
	err := s.db.View(func(tx *bbolt.Tx) error {
		if got := readSub(tx, "p", name).Stats().KeyN; got != n {
			t.Errorf("bucket %s holds %d keys, want %d", name, got, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzRecordKeyOrder checks the claim List's sort rests on: byte order of
// record keys is (Kind, SourceKey) order.
func FuzzRecordKeyOrder(f *testing.F) {
	f.Add("job", "1", "jobs", "0")
	f.Add("job", "10", "job", "2")
	f.Add("a", "\xff", "a\x01", "")
	f.Fuzz(func(t *testing.T, k1, s1, k2, s2 string) {
		if strings.ContainsRune(k1, 0) || strings.ContainsRune(k2, 0) {
			t.Skip("kinds with NUL are refused")
		}
		want := strings.Compare(k1, k2)
		if want == 0 {
			want = strings.Compare(s1, s2)
		}
		if got := bytes.Compare(recordKey(k1, s1), recordKey(k2, s2)); got != want {
			t.Errorf("order of (%q,%q) vs (%q,%q) = %d, want %d", k1, s1, k2, s2, got, want)
		}
	})
}
