// Package ledgertest is the conformance suite every ledger.Store must pass, so the
// bbolt file the CLI uses and the DynamoDB table the functions use behave alike.
//
// A store package runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		ledgertest.Run(t, func(t *testing.T, now func() time.Time) ledger.Store {
//			return openFreshStore(t, now)
//		})
//	}
package ledgertest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// Open returns a fresh, empty store for one subtest. The store must read the time
// only through now (for the expiry of runs and processed ids), so the suite can move
// time forward without sleeping. Open is called from parallel subtests; the suite
// closes the store when the subtest ends.
type Open func(t *testing.T, now func() time.Time) ledger.Store

// subtest is one behaviour of the contract, run against a fresh store and clock.
type subtest struct {
	name string
	run  func(t *testing.T, s ledger.Store, c *Clock)
}

// subtests lists the behaviours the suite protects; each comment says why it matters.
var subtests = []subtest{
	// The planner compares hashes and marks, and failover reads Attrs: a field that
	// is dropped or rounded on the way through the store is silent drift.
	{"RecordRoundTrip", testRecordRoundTrip},
	// Zero values (no time, no attrs, empty strings) must come back as zero values,
	// not as 1970 or as an error.
	{"RecordZeroValues", testRecordZeroValues},
	// "Not found" is how the planner tells a new resource from a known one.
	{"GetMissing", testGetMissing},
	// A record without a key would collapse every lost key into one item.
	{"PutRejectsEmptyKey", testPutRejectsEmptyKey},
	// Version 0 means "create": two runs creating the same resource cannot both win.
	{"PutCreateExisting", testPutCreateExisting},
	// A writer holding an old version must lose, never overwrite a newer write.
	{"PutStaleVersion", testPutStaleVersion},
	// Each successful Put moves the version on by one, and Put reports it.
	{"VersionIncrements", testVersionIncrements},
	// List feeds the planner's ledger view: sorted, by kind, and never across pairs.
	{"ListSortedFilteredScoped", testList},
	// Deletes are conditional too; deleting what is already gone is idempotent.
	{"Delete", testDelete},
	// After a failover, a run that started under the old epoch must not write.
	{"Fencing", testFencing},
	// An audit-log event that found the lease held leaves its objects pending;
	// a sync clears only what it covered (a newer event's object stays).
	{"Pending", testPending},
	// Run history is shown newest first and bounded by limit.
	{"Runs", testRuns},
	// Writing a run record again (start, then finish) replaces it.
	{"PutRunReplaces", testPutRunReplaces},
	// Run records are kept at least their ttl.
	{"RunsKeptForTTL", testRunsKeptForTTL},
	// Exactly-once effect for audit-log objects and request ids, until the ttl.
	{"MarkProcessed", testMarkProcessed},
	{"Processed", testProcessed},
	// A pair never seen is active on the primary at epoch 0.
	{"StateDefault", testStateDefault},
	// The run lease keeps two runs of one pair from syncing at once.
	{"Lease", testLease},
	// A failover asks every run to stop: the running one loses its lease at
	// the next renewal, no other run starts, and the runbook alone takes it.
	{"StopRequest", testStopRequest},
	// Only the holder may release; anyone else's release is a no-op.
	{"ReleaseLease", testReleaseLease},
	// Failover switches sides exactly once per epoch.
	{"SetActive", testSetActive},
	{"SetActiveRetried", testSetActiveRetried},
	// The races: each check above must hold under real concurrency, which a store
	// that checks in one step and writes in another passes in sequence but fails here.
	// Two overlapping runs (schedule + CLI): exactly one gets the lease.
	{"RaceAcquireLease", testRaceAcquireLease},
	// Two runs creating the same resource: one ledger record, no duplicate owner.
	{"RaceCreate", testRaceCreate},
	// Two writers holding the same version: one update wins, the rest conflict.
	{"RacePutSameVersion", testRacePutSameVersion},
	// An audit-log object delivered twice at once is processed once.
	{"RaceMarkProcessed", testRaceMarkProcessed},
	// Two failovers started at once move the epoch once.
	{"RaceSetActive", testRaceSetActive},
	// The latest replication check per bucket pair feeds status and the
	// failover readiness step; a late, older result must not hide it.
	{"ReplicationResults", testReplicationResults},
	{"ReplicationResultKeepsLatest", testReplicationResultKeepsLatest},
	// A long check continues from its checkpoint, written by one invocation
	// at a time.
	{"ReplicationCheckpoint", testReplicationCheckpoint},
	{"RaceReplicationCheckpoint", testRaceReplicationCheckpoint},
	// A cancelled run stops touching the store and says why.
	{"ContextCancelled", testContextCancelled},
}

// Run runs the conformance suite; each subtest gets a fresh store from open and
// its own clock. Subtests run in parallel.
func Run(t *testing.T, open Open) {
	t.Helper()
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			c := NewClock(time.Now())
			s := open(t, c.Now)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			st.run(t, s, c)
		})
	}
}

// Clock is a settable clock safe for concurrent use, at millisecond precision
// because that is what the stores keep.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to start, truncated to the millisecond. The suite
// starts from the real time, not a fixed date, so a store backed by a service that
// expires items by wall time (DynamoDB TTL) does not delete them mid-test.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.UTC().Truncate(time.Millisecond)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// showRecord renders a record so two renderings are equal exactly when the records
// are: times compared as instants, a nil and an empty Attrs alike.
func showRecord(r ledger.Record) string {
	r.SyncedAt = r.SyncedAt.UTC()
	if len(r.Attrs) == 0 {
		r.Attrs = nil
	}
	return fmt.Sprintf("%+v", r)
}

// showRun is showRecord for runs.
func showRun(r ledger.Run) string {
	r.Started, r.Finished = r.Started.UTC(), r.Finished.UTC()
	if len(r.Counts) == 0 {
		r.Counts = nil
	}
	if len(r.Errors) == 0 {
		r.Errors = nil
	}
	return fmt.Sprintf("%+v", r)
}

// showState is showRecord for pair states.
func showState(s ledger.PairState) string {
	s.LeaseExpiry = s.LeaseExpiry.UTC()
	return fmt.Sprintf("%+v", s)
}
