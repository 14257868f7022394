package replication_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/replication/crrtest"
)

// inventoryFixture replicates 1500 objects, leaves 3 unreplicated (one
// FAILED, one outside the prefix rule's reach by being SSE-KMS) and delivers
// an inventory report of the source bucket in two data files.
func inventoryFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t).replicated()
	for i := range 1500 {
		if err := f.b.Put(srcBucket, fmt.Sprintf("tables/t/part-%05d", i), []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
	}
	f.b.Put(srcBucket, "logs/outside-the-pair", []byte("x"), nil) //nolint:errcheck // a stray object; its absence would show in the counts
	f.b.Replicate()
	f.b.FailWhen(func(_, key string) bool { return key == "tables/u/failed" })
	f.b.PutObject(t, srcBucket, "tables/u/failed", "x")
	f.b.PutObject(t, srcBucket, "tables/u/kms", "x", crrtest.KMS(srcKey))
	f.b.Replicate()
	f.b.Clock.Advance(time.Hour)
	f.b.PutObject(t, srcBucket, "tables/u/young", "x")
	f.b.Bucket(t, "inventory-east", crrtest.SourceRegion, false)
	inv, err := replication.ParseLocation(f.b.WriteInventory(t, srcBucket, "inventory-east", "reports", "daily"))
	if err != nil {
		t.Fatal(err)
	}
	f.pair.Inventory = &inv
	return f
}

// Inventory mode classifies from the report's ReplicationStatus: no
// listing of either bucket, and a FAILED object is reported as such.
func TestInventoryMode(t *testing.T) {
	t.Parallel()
	f := inventoryFixture(t)
	f.b.ResetRequests()
	r := f.check()
	wantCounts(t, r, "matched 1500 missing 2 in_flight 1 different 0 extra 0")
	wantFinding(t, r, replication.CodeFailed, replication.SeverityError, "1 object")
	wantFinding(t, r, replication.CodeInventory, replication.SeverityInfo, "reports/"+srcBucket+"/daily/")
	if n := f.b.Requests()["ListObjectsV2"]; n != 1 {
		t.Errorf("%d listings; want 1 (the report folders)", n)
	}
	if !r.RPOBreached || len(r.Sample) != 2 {
		t.Errorf("breached %v, sample %+v", r.RPOBreached, r.Sample)
	}
}

// stopOnGet cancels the check as it asks for the n-th object (manifest or
// data file), so that read fails as at a deadline.
type stopOnGet struct {
	replication.API
	n      int64
	calls  *atomic.Int64
	cancel context.CancelFunc
}

func (s stopOnGet) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if s.calls.Add(1) == s.n {
		s.cancel()
	}
	return s.API.GetObject(ctx, in, optFns...)
}

// An inventory check stopped after a data file continues with the next one
// and counts each row once.
func TestInventoryResumesByFile(t *testing.T) {
	t.Parallel()
	f := inventoryFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	calls := &atomic.Int64{}
	clients := func(region string) replication.API {
		return stopOnGet{API: f.clients()(region), n: 3, calls: calls, cancel: cancel} // the manifest, file 1, then stop at file 2
	}
	first, err := replication.New(clients, f.opts).Check(ctx, f.pair, nil)
	cancel()
	if !errors.Is(err, context.Canceled) || first.Progress == nil || first.Progress.FilesDone != 1 {
		t.Fatalf("first invocation: %v, progress %+v", err, first)
	}
	r, err := replication.New(f.clients(), f.opts).Check(context.Background(), f.pair, first.Progress)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, r, "matched 1500 missing 2 in_flight 1 different 0 extra 0")
}
