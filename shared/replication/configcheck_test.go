package replication_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/replication/crrtest"
)

// Versioning off and no replication at all: both are errors, because
// nothing can reach DR.
func TestVersioningOffAndNoRule(t *testing.T) {
	t.Parallel()
	b := crrtest.New(t, crrtest.Options{})
	b.Bucket(t, srcBucket, crrtest.SourceRegion, false)
	b.Bucket(t, drBucket, crrtest.TargetRegion, false)
	f := &fixture{t: t, b: b, opts: replication.Options{Now: b.Clock.Now}}
	f.pair, _ = replication.NewPair("s3://"+srcBucket, "s3://"+drBucket, "", rpo)
	r := f.check()
	wantFinding(t, r, replication.CodeVersioningOff, replication.SeverityError, "source bucket "+srcBucket, "never enabled")
	wantFinding(t, r, replication.CodeNoReplication, replication.SeverityError, "no replication configuration")
	if r.Healthy() {
		t.Error("an unversioned, unreplicated pair is healthy")
	}
}

// DR versioning suspended after the rule was set: an error (S3 replicates
// only into versioned buckets).
func TestTargetVersioningSuspended(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	_, err := f.b.Client(t, crrtest.TargetRegion).PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{
		Bucket: aws.String(drBucket), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantFinding(t, f.check(), replication.CodeVersioningOff, replication.SeverityError, "DR bucket "+drBucket, "Suspended")
}

// A rule must select the whole configured prefix and replicate it to the DR
// bucket; each way of missing that is named.
func TestRuleCoverage(t *testing.T) {
	t.Parallel()
	tags := crrtest.Rule("tagged", "tables/", drBucket)
	tags.Filter = &types.ReplicationRuleFilter{And: &types.ReplicationRuleAndOperator{
		Prefix: aws.String("tables/"), Tags: []types.Tag{{Key: aws.String("dr"), Value: aws.String("yes")}}}}
	disabled := crrtest.Rule("off", "tables/", drBucket)
	disabled.Status = types.ReplicationRuleStatusDisabled
	for _, c := range []struct {
		name     string
		rules    []types.ReplicationRule
		code     string
		severity string
		parts    []string
	}{
		{"other prefix", []types.ReplicationRule{crrtest.Rule("logs", "logs/", drBucket)}, replication.CodeNotCovered, replication.SeverityError, []string{`"tables/"`, "not replicated"}},
		{"part of the prefix", []types.ReplicationRule{crrtest.Rule("orders", "tables/orders/", drBucket)}, replication.CodeNotCovered, replication.SeverityError, []string{"tables/orders/", "the rest"}},
		{"disabled rule", []types.ReplicationRule{disabled}, replication.CodeNotCovered, replication.SeverityError, []string{"no enabled replication rule"}},
		{"other destination", []types.ReplicationRule{crrtest.Rule("elsewhere", "", "other-west")}, replication.CodeWrongDestination, replication.SeverityError, []string{"arn:aws:s3:::other-west", drBucket}},
		{"tag filter", []types.ReplicationRule{tags}, replication.CodeTagFilter, replication.SeverityWarning, []string{"untagged objects"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.b.Bucket(t, "other-west", crrtest.TargetRegion, true)
			f.b.PutReplication(t, srcBucket, c.rules...)
			wantFinding(t, f.check(), c.code, c.severity, c.parts...)
		})
	}
}

// CRR keeps keys: a DR location under another prefix never receives them.
func TestPrefixMismatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.pair.Target.Prefix = "copy/tables/"
	wantFinding(t, f.check(), replication.CodePrefixMismatch, replication.SeverityError, `"tables/"`, `"copy/tables/"`)
}

// Both buckets in one region is no disaster recovery.
func TestSameRegion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.b.Bucket(t, "data-east-copy", crrtest.SourceRegion, true)
	f.b.PutReplication(t, srcBucket, crrtest.Rule("tables", "tables/", "data-east-copy"))
	f.pair.Target.Bucket = "data-east-copy"
	wantFinding(t, f.check(), replication.CodeSameRegion, replication.SeverityError, "us-east-1")
	noFinding(t, newFixture(t).replicated().check(), replication.CodeSameRegion)
}

// RTC, metrics and V1 rules are reported with what they mean.
func TestRTCMetricsAndV1Rules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := crrtest.Rule("tables", "", drBucket)
	r.Filter, r.DeleteMarkerReplication, r.Prefix = nil, nil, aws.String("tables/") //nolint:staticcheck // a V1 rule on purpose
	r.Destination.ReplicationTime = &types.ReplicationTime{Status: types.ReplicationTimeStatusEnabled, Time: &types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
	r.Destination.Metrics = &types.Metrics{Status: types.MetricsStatusEnabled, EventThreshold: &types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
	f.b.PutReplication(t, srcBucket, r)
	res := f.check()
	wantFinding(t, res, replication.CodeRTC, replication.SeverityInfo, "99.99%")
	wantFinding(t, res, replication.CodeMetrics, replication.SeverityInfo, "ReplicationLatency")
	wantFinding(t, res, replication.CodeDeleteMarkers, replication.SeverityInfo, "are replicated")
}
