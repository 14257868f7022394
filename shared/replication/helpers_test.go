package replication_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/replication/crrtest"
)

// Bucket names of every fixture.
const (
	srcBucket = "data-east"
	drBucket  = "data-west"
	rpo       = 15 * time.Minute
)

// fixture is a bench with a source bucket in us-east-1 and a DR bucket in
// us-west-2, both versioned, and a checker on them.
type fixture struct {
	t    *testing.T
	b    *crrtest.Bench
	pair replication.Pair
	opts replication.Options
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	b := crrtest.New(t, crrtest.Options{})
	b.Bucket(t, srcBucket, crrtest.SourceRegion, true)
	b.Bucket(t, drBucket, crrtest.TargetRegion, true)
	pair, err := replication.NewPair("s3://"+srcBucket+"/tables/", "s3://"+drBucket+"/tables/", "", rpo)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, b: b, pair: pair, opts: replication.Options{Now: b.Clock.Now}}
}

// replicated adds the usual rule: tables/ to the DR bucket.
func (f *fixture) replicated() *fixture {
	f.b.PutReplication(f.t, srcBucket, crrtest.Rule("tables", "tables/", drBucket))
	return f
}

// clients routes each region to its own bench endpoint; "" is the source's.
func (f *fixture) clients() replication.Clients {
	return func(region string) replication.API {
		if region == "" {
			region = crrtest.SourceRegion
		}
		return f.b.Client(f.t, region)
	}
}

// check runs a whole check and fails the test on error.
func (f *fixture) check() *replication.Result {
	f.t.Helper()
	res, err := replication.New(f.clients(), f.opts).Check(context.Background(), f.pair, nil)
	if err != nil {
		f.t.Fatalf("check: %v", err)
	}
	return res
}

// put writes n source objects under tables/<dir>/.
func (f *fixture) put(dir string, n int) {
	f.t.Helper()
	for i := range n {
		f.b.PutObject(f.t, srcBucket, fmt.Sprintf("tables/%s/part-%04d.parquet", dir, i), fmt.Sprintf("row %d of %s", i, dir))
	}
}

// counts renders the five counts for comparison.
func counts(r *replication.Result) string {
	return fmt.Sprintf("matched %d missing %d in_flight %d different %d extra %d",
		r.Matched, r.Missing, r.InFlight, r.Different, r.Extra)
}

func wantCounts(t *testing.T, r *replication.Result, want string) {
	t.Helper()
	if got := counts(r); got != want {
		t.Errorf("counts: %s\n          want %s\nfindings: %v\nsample: %+v", got, want, r.Findings, r.Sample)
	}
}

// findingOf returns the finding with code, failing the test without one.
func findingOf(t *testing.T, r *replication.Result, code string) replication.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Code == code {
			return f
		}
	}
	t.Fatalf("no %s finding in %+v", code, r.Findings)
	return replication.Finding{}
}

// wantFinding fails unless r has a finding with code and severity whose
// message mentions every part.
func wantFinding(t *testing.T, r *replication.Result, code, severity string, parts ...string) {
	t.Helper()
	f := findingOf(t, r, code)
	if f.Severity != severity {
		t.Errorf("%s finding is %s, want %s: %s", code, f.Severity, severity, f.Message)
	}
	for _, p := range parts {
		if !strings.Contains(f.Message, p) {
			t.Errorf("%s finding %q does not mention %q", code, f.Message, p)
		}
	}
}

func noFinding(t *testing.T, r *replication.Result, code string) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Code == code {
			t.Errorf("unexpected %s finding: %s", code, f.Message)
		}
	}
}
