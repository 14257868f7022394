package ledgertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// runTTL is long enough that no subtest's clock reaches it unless it means to.
const runTTL = 24 * time.Hour

// testRun returns run i of a series started a minute apart from start.
func testRun(i int, start time.Time) ledger.Run {
	return ledger.Run{
		ID:       fmt.Sprintf("run-%d", i),
		Started:  start.Add(time.Duration(i) * time.Minute),
		Finished: start.Add(time.Duration(i)*time.Minute + 1234*time.Millisecond),
		Trigger:  "schedule",
		DryRun:   i%2 == 1,
		Outcome:  "partial",
		Counts:   map[string]int{"create": i, "update": 2, "failed": 1},
		Errors:   []string{fmt.Sprintf("job %d: 500 Internal Server Error", i), "notebook /a: timeout"},
		Kinds:    []string{"job", "notebook"},
		Detail:   []byte(`{"steps":[{"name":"Fence","ms":12}]}`),
		Drift:    i * 3,
	}
}

// mustRuns reads up to limit runs and fails the test on error.
func mustRuns(t *testing.T, s ledger.Store, pair string, limit int) []ledger.Run {
	t.Helper()
	runs, err := s.Runs(t.Context(), pair, limit)
	if err != nil {
		t.Fatalf("Runs(%s, %d): %v", pair, limit, err)
	}
	return runs
}

// wantRuns fails the test unless got equals want, in order.
func wantRuns(t *testing.T, what string, got, want []ledger.Run) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d runs, want %d: %+v", what, len(got), len(want), got)
	}
	for i := range got {
		if g, w := showRun(got[i]), showRun(want[i]); g != w {
			t.Errorf("%s[%d]:\n got %s\nwant %s", what, i, g, w)
		}
	}
}

func testRuns(t *testing.T, s ledger.Store, c *Clock) {
	start := c.Now().Add(-time.Hour)
	runs := make([]ledger.Run, 5)
	for i := range runs {
		runs[i] = testRun(i, start)
	}
	// Stored out of order: newest first must come from Started, not insertion.
	for _, i := range []int{2, 0, 4, 1, 3} {
		if err := s.PutRun(t.Context(), pairA, runs[i], runTTL); err != nil {
			t.Fatalf("PutRun %s: %v", runs[i].ID, err)
		}
	}
	newestFirst := []ledger.Run{runs[4], runs[3], runs[2], runs[1], runs[0]}
	wantRuns(t, "Runs(limit 3)", mustRuns(t, s, pairA, 3), newestFirst[:3])
	wantRuns(t, "Runs(limit 10)", mustRuns(t, s, pairA, 10), newestFirst)
	wantRuns(t, "Runs(limit 1)", mustRuns(t, s, pairA, 1), newestFirst[:1])
	wantRuns(t, "Runs of another pair", mustRuns(t, s, pairB, 10), nil)
}

func testPutRunReplaces(t *testing.T, s ledger.Store, c *Clock) {
	started := ledger.Run{ID: "run-1", Started: c.Now(), Trigger: "cli"}
	finished := testRun(0, started.Started)
	finished.ID, finished.Trigger, finished.Outcome = started.ID, started.Trigger, "ok"
	for _, r := range []ledger.Run{started, finished} {
		if err := s.PutRun(t.Context(), pairA, r, runTTL); err != nil {
			t.Fatalf("PutRun: %v", err)
		}
	}
	wantRuns(t, "Runs", mustRuns(t, s, pairA, 10), []ledger.Run{finished})
}

func testRunsKeptForTTL(t *testing.T, s ledger.Store, c *Clock) {
	r := testRun(0, c.Now())
	if err := s.PutRun(t.Context(), pairA, r, time.Hour); err != nil {
		t.Fatalf("PutRun: %v", err)
	}
	c.Advance(59 * time.Minute)
	wantRuns(t, "Runs just before the ttl", mustRuns(t, s, pairA, 10), []ledger.Run{r})
}

func testMarkProcessed(t *testing.T, s ledger.Store, c *Clock) {
	const ttl = 10 * time.Minute
	obj := "s3://audit-logs/workspaceId=1/date=2024-01-01/auditlogs_0001.json.gz"
	mark := func(pair, id string, want bool) {
		t.Helper()
		got, err := s.MarkProcessed(t.Context(), pair, id, ttl)
		if err != nil || got != want {
			t.Errorf("MarkProcessed(%s, %s) at %s = %v, %v; want %v, nil", pair, id, c.Now(), got, err, want)
		}
	}
	mark(pairA, obj, true)
	mark(pairA, obj, false)
	mark(pairA, "request-1", true)
	mark(pairB, obj, true)
	c.Advance(ttl - time.Minute)
	mark(pairA, obj, false)
	// Past the ttl the id may be processed again (the object was re-delivered
	// long after; the ttl is the caller's dedup window).
	c.Advance(2 * time.Minute)
	mark(pairA, obj, true)
	mark(pairA, obj, false)
}

// Processed reads marks without writing: marked and unexpired ids are true,
// expired ones false, unknown ones absent, and pairs do not share marks.
func testProcessed(t *testing.T, s ledger.Store, c *Clock) {
	const ttl = 10 * time.Minute
	for _, id := range []string{"r-1", "r-2"} {
		if _, err := s.MarkProcessed(t.Context(), pairA, id, ttl); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Processed(t.Context(), pairA, []string{"r-1", "r-2", "r-3"})
	if err != nil || !got["r-1"] || !got["r-2"] || got["r-3"] {
		t.Fatalf("Processed = %v, %v; want r-1 and r-2 marked, r-3 not", got, err)
	}
	if other, err := s.Processed(t.Context(), pairB, []string{"r-1"}); err != nil || other["r-1"] {
		t.Fatalf("Processed on another pair = %v, %v; want nothing marked", other, err)
	}
	c.Advance(ttl + time.Minute)
	got, err = s.Processed(t.Context(), pairA, []string{"r-1"})
	if err != nil || got["r-1"] {
		t.Fatalf("Processed after expiry = %v, %v; want r-1 no longer marked", got, err)
	}
	// Reading never marks: the id is still first to MarkProcessed.
	if first, err := s.MarkProcessed(t.Context(), pairA, "r-3", ttl); err != nil || !first {
		t.Fatalf("MarkProcessed(r-3) after Processed = %v, %v; want true", first, err)
	}
}
