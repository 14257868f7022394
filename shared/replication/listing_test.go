package replication_test

import (
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/replication/crrtest"
)

// A replicated pair is healthy: every object matched, nothing breached, and
// a full match needs listings only — no HeadObject per object.
func TestReplicatedPairIsHealthy(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.put("orders", 30)
	f.put("users", 5)
	f.b.PutObject(t, srcBucket, "tables/_SUCCESS", "")
	f.b.Replicate()
	f.b.ResetRequests()
	r := f.check()
	wantCounts(t, r, "matched 36 missing 0 in_flight 0 different 0 extra 0")
	if !r.Healthy() || r.RPOBreached || r.OldestUnreplicatedAgeSeconds != 0 || len(r.Sample) != 0 {
		t.Errorf("result %+v is not healthy", r)
	}
	if n := f.b.Requests()["HeadObject"]; n != 0 {
		t.Errorf("%d HeadObject calls for a fully matched pair", n)
	}
	wantFinding(t, r, replication.CodeDeleteMarkers, replication.SeverityInfo, "not replicated", "extra objects in DR are expected")
	wantFinding(t, r, replication.CodeRTC, replication.SeverityInfo, "off")
	wantFinding(t, r, replication.CodeKMS, replication.SeverityWarning, "never reach DR")
}

// An object not yet in DR is in flight while younger than the RPO and a
// violation once older; its PENDING status says replication is behind; once
// replicated it matches.
func TestMissingVersusInFlight(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.b.PutObject(t, srcBucket, "tables/old/part-0.parquet", "old")
	f.b.Clock.Advance(10 * time.Minute)
	f.b.PutObject(t, srcBucket, "tables/new/part-0.parquet", "new")
	f.b.Clock.Advance(10 * time.Minute)

	r := f.check()
	wantCounts(t, r, "matched 0 missing 1 in_flight 1 different 0 extra 0")
	if !r.RPOBreached || r.Healthy() || r.OldestUnreplicatedAgeSeconds != 1200 {
		t.Errorf("rpo_breached %v, oldest %ds; want breached at 1200s", r.RPOBreached, r.OldestUnreplicatedAgeSeconds)
	}
	if len(r.Sample) != 1 || r.Sample[0].Key != "tables/old/part-0.parquet" || r.Sample[0].Class != replication.ClassMissing ||
		r.Sample[0].ReplicationStatus != replication.StatusPending || r.Sample[0].AgeSeconds != 1200 {
		t.Errorf("sample %+v", r.Sample)
	}
	wantFinding(t, r, replication.CodeBehind, replication.SeverityWarning, "PENDING")

	f.b.Replicate()
	r = f.check()
	wantCounts(t, r, "matched 2 missing 0 in_flight 0 different 0 extra 0")
	if !r.Healthy() {
		t.Errorf("replicated pair unhealthy: %+v", r.Findings)
	}
}

// A FAILED object is never retried by S3: a failure even while it is young.
func TestFailedReplicationIsAnError(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.b.FailWhen(func(_, key string) bool { return key == "tables/t/part-0001.parquet" })
	f.put("t", 3)
	f.b.Replicate()
	r := f.check()
	wantCounts(t, r, "matched 2 missing 0 in_flight 1 different 0 extra 0")
	wantFinding(t, r, replication.CodeFailed, replication.SeverityError, "1 object", "never retries")
	if r.Healthy() || r.RPOBreached {
		t.Errorf("healthy %v, breached %v: a young FAILED object is a failure but no RPO breach yet", r.Healthy(), r.RPOBreached)
	}
	if len(r.Sample) != 1 || r.Sample[0].ReplicationStatus != replication.StatusFailed {
		t.Errorf("sample %+v, want the FAILED object", r.Sample)
	}
}

// A deleted source object stays in DR when delete markers are not
// replicated: extra, information only. With marker replication it goes.
func TestDeletedInSource(t *testing.T) {
	t.Parallel()
	for _, markers := range []bool{false, true} {
		f := newFixture(t)
		rule := crrtest.Rule("tables", "tables/", drBucket)
		if markers {
			rule.DeleteMarkerReplication.Status = "Enabled"
		}
		f.b.PutReplication(t, srcBucket, rule)
		f.put("t", 2)
		f.b.Replicate()
		f.b.DeleteObject(t, srcBucket, "tables/t/part-0000.parquet")
		f.b.Replicate()
		r := f.check()
		if markers {
			wantCounts(t, r, "matched 1 missing 0 in_flight 0 different 0 extra 0")
			wantFinding(t, r, replication.CodeDeleteMarkers, replication.SeverityInfo, "are replicated")
		} else {
			wantCounts(t, r, "matched 1 missing 0 in_flight 0 different 0 extra 1")
			wantFinding(t, r, replication.CodeExtra, replication.SeverityInfo, "1 object(s) exist only in DR")
		}
		if !r.Healthy() {
			t.Errorf("markers %v: a delete is not a failure: %+v", markers, r.Findings)
		}
	}
}

// A DR copy of another size is different; when the source is older than
// the RPO the stale replica breaches it.
func TestDifferentSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.put("t", 2)
	f.b.Replicate()
	f.b.PutObject(t, drBucket, "tables/t/part-0000.parquet", "tampered in DR, longer")
	r := f.check()
	wantCounts(t, r, "matched 1 missing 0 in_flight 0 different 1 extra 0")
	if r.RPOBreached || len(r.Sample) != 1 || r.Sample[0].Class != replication.ClassDifferent {
		t.Errorf("young source: breached %v, sample %+v", r.RPOBreached, r.Sample)
	}
	f.b.Clock.Advance(time.Hour)
	if r = f.check(); !r.RPOBreached || r.OldestUnreplicatedAgeSeconds != 3600 {
		t.Errorf("a stale replica an hour old: breached %v, oldest %ds", r.RPOBreached, r.OldestUnreplicatedAgeSeconds)
	}
}

// Equal sizes with different single-part ETags are different content; a
// multipart ETag is no content hash, so only the size counts for it.
func TestETagsComparedOnlyWhenContentHashes(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.put("t", 2)
	f.b.PutMultipart(t, srcBucket, "tables/t/big.parquet")
	f.b.Replicate()
	// The same bytes copied in one part by another tool: another ETag.
	f.b.PutObject(t, drBucket, "tables/t/big.parquet", strings.Repeat("x", 5<<20+1<<10))
	f.b.PutObject(t, drBucket, "tables/t/part-0001.parquet", "row X of t") // same size as "row 1 of t"
	r := f.check()
	wantCounts(t, r, "matched 2 missing 0 in_flight 0 different 1 extra 0")
	if len(r.Sample) != 1 || r.Sample[0].Key != "tables/t/part-0001.parquet" {
		t.Errorf("sample %+v", r.Sample)
	}
}
