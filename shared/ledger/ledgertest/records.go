package ledgertest

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// Pair names used by the subtests; every subtest has a fresh store.
const (
	pairA = "dev-to-prod"
	pairB = "qa-to-prod"
)

// zeroFence is the fence of a run on a pair that never failed over.
var zeroFence = ledger.Fence{}

// fullRecord sets every field to a value a careless encoding would mangle: a
// mark beyond float64 precision, a non-UTC time, an empty and a non-ASCII attr.
func fullRecord() ledger.Record {
	return ledger.Record{
		Kind:       "job",
		SourceKey:  "1234567890123",
		TargetID:   "987654321",
		SourceHash: "sha256:6b86b273ff34fce19d6b804eff5a3f57",
		TargetHash: "sha256:d4735e3a265e16eee03f59718b9b5d03",
		SourceMark: 1<<62 + 1,
		TargetMark: 1712345678901,
		Status:     ledger.StatusFailed,
		LastError:  "create job: 429 Too Many Requests",
		Failures:   3,
		Terminal:   true,
		SyncedAt:   time.Date(2031, 5, 6, 7, 8, 9, 123_000_000, time.FixedZone("CEST", 2*3600)),
		Attrs:      map[string]string{"pause_status": "UNPAUSED", "owner": "zoë@example.com ✓", "empty": ""},
	}
}

// rec returns a minimal synced record of kind with key.
func rec(kind, key string) ledger.Record {
	return ledger.Record{Kind: kind, SourceKey: key, TargetID: "t-" + key, Status: ledger.StatusSynced}
}

// mustPut writes r and fails the test on error.
func mustPut(t *testing.T, s ledger.Store, pair string, r ledger.Record) ledger.Record {
	t.Helper()
	got, err := s.Put(t.Context(), pair, r, zeroFence)
	if err != nil {
		t.Fatalf("Put %s/%s v%d: %v", r.Kind, r.SourceKey, r.Version, err)
	}
	return got
}

// mustGet reads a record and fails the test on error.
func mustGet(t *testing.T, s ledger.Store, pair, kind, key string) ledger.Record {
	t.Helper()
	got, err := s.Get(t.Context(), pair, kind, key)
	if err != nil {
		t.Fatalf("Get %s/%s: %v", kind, key, err)
	}
	return got
}

// wantRecord fails the test unless got equals want.
func wantRecord(t *testing.T, what string, got, want ledger.Record) {
	t.Helper()
	if g, w := showRecord(got), showRecord(want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

func testRecordRoundTrip(t *testing.T, s ledger.Store, _ *Clock) {
	in := fullRecord()
	put := mustPut(t, s, pairA, in)
	want := in
	want.Version = 1
	wantRecord(t, "Put result", put, want)
	wantRecord(t, "Get after Put", mustGet(t, s, pairA, in.Kind, in.SourceKey), want)
}

func testRecordZeroValues(t *testing.T, s ledger.Store, _ *Clock) {
	in := ledger.Record{Kind: "notebook", SourceKey: "/Users/a@b.c/nb"}
	mustPut(t, s, pairA, in)
	got := mustGet(t, s, pairA, in.Kind, in.SourceKey)
	if !got.SyncedAt.IsZero() {
		t.Errorf("SyncedAt = %v, want the zero time", got.SyncedAt)
	}
	want := in
	want.Version = 1
	wantRecord(t, "Get", got, want)
}

func testGetMissing(t *testing.T, s ledger.Store, _ *Clock) {
	_, err := s.Get(t.Context(), pairA, "job", "1")
	wantErr(t, "Get on an empty store", err, ledger.ErrNotFound)
	mustPut(t, s, pairA, rec("job", "1"))
	for _, k := range [][3]string{{pairA, "job", "2"}, {pairA, "cluster", "1"}, {pairB, "job", "1"}} {
		_, err := s.Get(t.Context(), k[0], k[1], k[2])
		wantErr(t, "Get "+strings.Join(k[:], "/"), err, ledger.ErrNotFound)
	}
}

func testPutRejectsEmptyKey(t *testing.T, s ledger.Store, _ *Clock) {
	for _, r := range []ledger.Record{rec("", "1"), rec("job", "")} {
		if _, err := s.Put(t.Context(), pairA, r, zeroFence); err == nil {
			t.Errorf("Put(kind %q, key %q) = nil error, want an error", r.Kind, r.SourceKey)
		}
	}
	if recs, err := s.List(t.Context(), pairA, ""); err != nil || len(recs) != 0 {
		t.Errorf("List after refused Puts = %v, %v; want nothing written", recs, err)
	}
}

func testPutCreateExisting(t *testing.T, s ledger.Store, _ *Clock) {
	first := mustPut(t, s, pairA, rec("job", "1"))
	second := rec("job", "1")
	second.TargetID = "duplicate"
	_, err := s.Put(t.Context(), pairA, second, zeroFence)
	wantErr(t, "second create", err, ledger.ErrConflict)
	wantRecord(t, "stored after conflict", mustGet(t, s, pairA, "job", "1"), first)
}

func testPutStaleVersion(t *testing.T, s ledger.Store, _ *Clock) {
	v1 := mustPut(t, s, pairA, rec("job", "1"))
	v2 := mustPut(t, s, pairA, v1)
	stale := v1
	stale.TargetID = "stale"
	_, err := s.Put(t.Context(), pairA, stale, zeroFence)
	wantErr(t, "Put with version 1 over version 2", err, ledger.ErrConflict)
	wantRecord(t, "stored after conflict", mustGet(t, s, pairA, "job", "1"), v2)

	ahead := rec("job", "new")
	ahead.Version = 3
	_, err = s.Put(t.Context(), pairA, ahead, zeroFence)
	wantErr(t, "Put with version 3 of a missing record", err, ledger.ErrConflict)
	_, err = s.Get(t.Context(), pairA, "job", "new")
	wantErr(t, "Get after refused Put", err, ledger.ErrNotFound)
}

func testVersionIncrements(t *testing.T, s ledger.Store, _ *Clock) {
	r := rec("job", "1")
	for want := int64(1); want <= 3; want++ {
		r.TargetHash = "hash-" + strconv.FormatInt(want, 10)
		r = mustPut(t, s, pairA, r)
		if r.Version != want {
			t.Fatalf("Put returned version %d, want %d", r.Version, want)
		}
		wantRecord(t, "Get", mustGet(t, s, pairA, "job", "1"), r)
	}
}

func testList(t *testing.T, s ledger.Store, _ *Clock) {
	// "jobs" shares a prefix with "job" and "Z" sorts before "a" bytewise, so a
	// store filtering by string prefix or sorting case-insensitively is caught.
	keys := [][2]string{{"notebook", "/b"}, {"job", "2"}, {"jobs", "1"}, {"job", "10"},
		{"cluster", "x"}, {"notebook", "/a/z"}, {"notebook", "/Z"}, {"job", "1"}}
	for _, k := range keys {
		mustPut(t, s, pairA, rec(k[0], k[1]))
	}
	mustPut(t, s, pairB, rec("job", "other-pair"))

	want := slices.Clone(keys)
	slices.SortFunc(want, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	wantList(t, s, pairA, "", want)
	wantList(t, s, pairA, "job", [][2]string{{"job", "1"}, {"job", "10"}, {"job", "2"}})
	wantList(t, s, pairA, "pool", nil)
	wantList(t, s, pairB, "", [][2]string{{"job", "other-pair"}})
	wantList(t, s, "never-seen", "", nil)
}

// wantList fails the test unless List returns exactly the want keys, in order,
// as full records.
func wantList(t *testing.T, s ledger.Store, pair, kind string, want [][2]string) {
	t.Helper()
	got, err := s.List(t.Context(), pair, kind)
	if err != nil {
		t.Fatalf("List(%s, %q): %v", pair, kind, err)
	}
	var keys [][2]string
	for _, r := range got {
		keys = append(keys, [2]string{r.Kind, r.SourceKey})
		if r.TargetID != "t-"+r.SourceKey || r.Version != 1 {
			t.Errorf("List(%s, %q) record %s/%s is incomplete: %+v", pair, kind, r.Kind, r.SourceKey, r)
		}
	}
	if !slices.Equal(keys, want) {
		t.Errorf("List(%s, %q) keys:\n got %v\nwant %v", pair, kind, keys, want)
	}
}

func testDelete(t *testing.T, s ledger.Store, _ *Clock) {
	ctx := t.Context()
	v2 := mustPut(t, s, pairA, mustPut(t, s, pairA, rec("job", "1")))
	for _, v := range []int64{0, 1, 3} {
		wantErr(t, "Delete with a wrong version", s.Delete(ctx, pairA, "job", "1", v, zeroFence), ledger.ErrConflict)
	}
	wantRecord(t, "stored after refused Deletes", mustGet(t, s, pairA, "job", "1"), v2)

	if err := s.Delete(ctx, pairA, "job", "1", v2.Version, zeroFence); err != nil {
		t.Fatalf("Delete with the stored version: %v", err)
	}
	_, err := s.Get(ctx, pairA, "job", "1")
	wantErr(t, "Get after Delete", err, ledger.ErrNotFound)
	if err := s.Delete(ctx, pairA, "job", "1", v2.Version, zeroFence); err != nil {
		t.Errorf("Delete of a missing record: %v, want nil", err)
	}
	if err := s.Delete(ctx, "never-seen", "job", "1", 0, zeroFence); err != nil {
		t.Errorf("Delete on a pair never seen: %v, want nil", err)
	}
}

func testFencing(t *testing.T, s ledger.Store, _ *Clock) {
	ctx := t.Context()
	old := mustPut(t, s, pairA, rec("job", "1"))
	mustPut(t, s, pairB, rec("job", "1"))
	if _, err := s.SetActive(ctx, pairA, "dr", 0, ""); err != nil {
		t.Fatalf("SetActive: %v", err)
	}

	update := old
	update.TargetID = "from-the-stale-run"
	_, err := s.Put(ctx, pairA, update, zeroFence)
	wantErr(t, "Put of an existing record under the old epoch", err, ledger.ErrFenced)
	_, err = s.Put(ctx, pairA, rec("job", "2"), zeroFence)
	wantErr(t, "Put of a new record under the old epoch", err, ledger.ErrFenced)
	err = s.Delete(ctx, pairA, "job", "1", old.Version, zeroFence)
	wantErr(t, "Delete under the old epoch", err, ledger.ErrFenced)

	wantRecord(t, "stored after fenced writes", mustGet(t, s, pairA, "job", "1"), old)
	_, err = s.Get(ctx, pairA, "job", "2")
	wantErr(t, "Get of the fenced new record", err, ledger.ErrNotFound)

	if _, err := s.Put(ctx, pairA, update, ledger.Fence{Epoch: 1}); err != nil {
		t.Errorf("Put under the new epoch: %v", err)
	}
	// Epochs are per pair: the other pair's runs are not fenced.
	mustPut(t, s, pairB, mustGet(t, s, pairB, "job", "1"))
}
