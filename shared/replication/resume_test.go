package replication_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drsync/drsync/shared/replication"
)

// stopAfter passes calls to the real client and cancels the check's context
// once n listing pages have been served: a deadline at a chosen point.
type stopAfter struct {
	replication.API
	n      int64
	calls  *atomic.Int64
	cancel context.CancelFunc
}

func (s stopAfter) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out, err := s.API.ListObjectsV2(ctx, in, optFns...)
	if s.calls.Add(1) == s.n {
		s.cancel()
	}
	return out, err
}

// mixedEstate writes objects that land in every class, at the top level and
// under prefixes on one side or both, with names around the "/" that splits
// the listing ("a.txt" < "a/" < "a0").
func mixedEstate(t *testing.T, f *fixture) {
	t.Helper()
	for _, dir := range []string{"a", "b", "c", "d"} {
		f.put(dir, 5)
	}
	for _, key := range []string{"tables/a.txt", "tables/a0", "tables/zz"} {
		f.b.PutObject(t, srcBucket, key, "loose")
	}
	f.b.Replicate()
	f.put("e", 3) // never replicated, only in the source: missing prefix
	f.b.DeleteObject(t, srcBucket, "tables/b/part-0002.parquet")
	f.b.PutObject(t, drBucket, "tables/only-dr/x", "extra")
	f.b.PutObject(t, drBucket, "tables/c/part-0001.parquet", "changed in DR")
	f.b.PutObject(t, srcBucket, "tables/a1", "late top-level object")
	f.b.Clock.Advance(rpo * 2)
}

// A check stopped at any point and continued from its progress counts every
// object exactly once: the same result as one uninterrupted check.
func TestResumeCountsEachObjectOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	mixedEstate(t, f)
	f.opts.PageSize, f.opts.Parallel = 2, 3
	whole := f.check()
	wantCounts(t, whole, "matched 21 missing 4 in_flight 0 different 1 extra 2")
	for stop := int64(1); stop <= 16; stop++ {
		t.Run(fmt.Sprint("stop after page ", stop), func(t *testing.T) {
			t.Parallel()
			if got := f.resumed(t, stop); counts(got) != counts(whole) || got.OldestUnreplicatedAgeSeconds != whole.OldestUnreplicatedAgeSeconds {
				t.Errorf("resumed: %s, oldest %d\n   whole: %s, oldest %d", counts(got), got.OldestUnreplicatedAgeSeconds,
					counts(whole), whole.OldestUnreplicatedAgeSeconds)
			}
		})
	}
}

// resumed runs a check stopped after stop listing pages, then continues it,
// each continuation stopped four pages later than the last, and returns the
// final result.
func (f *fixture) resumed(t *testing.T, stop int64) *replication.Result {
	t.Helper()
	var progress *replication.Progress
	for i := range int64(20) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := &atomic.Int64{}
		clients := func(region string) replication.API {
			return stopAfter{API: f.clients()(region), n: stop + 4*i, calls: calls, cancel: cancel}
		}
		res, err := replication.New(clients, f.opts).Check(ctx, f.pair, progress)
		cancel()
		if err == nil {
			return res
		}
		if !errors.Is(err, context.Canceled) || res == nil || res.Progress == nil {
			t.Fatalf("stopped check: %v, result %+v", err, res)
		}
		progress = res.Progress
	}
	t.Fatal("the check never finished")
	return nil
}
