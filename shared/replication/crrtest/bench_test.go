package crrtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/drsync/drsync/shared/replication/crrtest"
)

// The bench returns a replication configuration exactly as it was put —
// filter prefix, delete-marker replication, SSE-KMS opt-in — where moto
// returns a canned rule; a check of rule coverage is only as good as this.
func TestReplicationConfigRoundTrips(t *testing.T) {
	t.Parallel()
	b := crrtest.New(t, crrtest.Options{})
	b.Bucket(t, "src-bucket", crrtest.SourceRegion, true)
	b.Bucket(t, "dr-bucket", crrtest.TargetRegion, true)
	r := crrtest.Rule("tables", "tables/", "dr-bucket")
	r.DeleteMarkerReplication.Status = types.DeleteMarkerReplicationStatusEnabled
	r.SourceSelectionCriteria = &types.SourceSelectionCriteria{SseKmsEncryptedObjects: &types.SseKmsEncryptedObjects{Status: types.SseKmsEncryptedObjectsStatusEnabled}}
	r.Destination.EncryptionConfiguration = &types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String("arn:aws:kms:us-west-2:123456789012:key/dr")}
	b.PutReplication(t, "src-bucket", r)
	got, err := b.Client(t, crrtest.SourceRegion).GetBucketReplication(context.Background(), &s3.GetBucketReplicationInput{Bucket: aws.String("src-bucket")})
	if err != nil {
		t.Fatal(err)
	}
	g := got.ReplicationConfiguration.Rules[0]
	if aws.ToString(g.Filter.Prefix) != "tables/" || g.DeleteMarkerReplication.Status != types.DeleteMarkerReplicationStatusEnabled ||
		g.SourceSelectionCriteria == nil || g.SourceSelectionCriteria.SseKmsEncryptedObjects.Status != types.SseKmsEncryptedObjectsStatusEnabled {
		t.Fatalf("rule came back changed: %+v", g)
	}
}

// S3 refuses a replication configuration on an unversioned bucket or towards
// an unversioned destination; so does the bench.
func TestReplicationNeedsVersioning(t *testing.T) {
	t.Parallel()
	b := crrtest.New(t, crrtest.Options{})
	b.Bucket(t, "plain", crrtest.SourceRegion, false)
	b.Bucket(t, "src-bucket", crrtest.SourceRegion, true)
	b.Bucket(t, "dr-plain", crrtest.TargetRegion, false)
	c := b.Client(t, crrtest.SourceRegion)
	for _, bucket := range []string{"plain", "src-bucket"} {
		_, err := c.PutBucketReplication(context.Background(), &s3.PutBucketReplicationInput{
			Bucket: aws.String(bucket),
			ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(crrtest.Role),
				Rules: []types.ReplicationRule{crrtest.Rule("all", "", "dr-plain")}},
		})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidRequest" {
			t.Errorf("replication on %s towards an unversioned bucket: %v, want InvalidRequest", bucket, err)
		}
	}
	_, err := c.GetBucketReplication(context.Background(), &s3.GetBucketReplicationInput{Bucket: aws.String("src-bucket")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ReplicationConfigurationNotFoundError" {
		t.Errorf("GetBucketReplication without one: %v", err)
	}
}

// An object a rule selects is PENDING until replicated after the lag, then
// COMPLETED with a REPLICA copy in DR; a failed one stays FAILED; an SSE-KMS
// object without the rule's opt-in and an object outside every rule have no
// status and never arrive.
func TestReplicatorStatuses(t *testing.T) {
	t.Parallel()
	b := crrtest.New(t, crrtest.Options{Lag: time.Minute})
	b.Bucket(t, "src-bucket", crrtest.SourceRegion, true)
	b.Bucket(t, "dr-bucket", crrtest.TargetRegion, true)
	b.PutReplication(t, "src-bucket", crrtest.Rule("tables", "tables/", "dr-bucket"))
	b.FailWhen(func(_, key string) bool { return key == "tables/bad" })
	b.PutObject(t, "src-bucket", "tables/a", "alpha")
	b.PutObject(t, "src-bucket", "tables/bad", "beta")
	b.PutObject(t, "src-bucket", "tables/kms", "gamma", crrtest.KMS("arn:aws:kms:us-east-1:123456789012:key/src"))
	b.PutObject(t, "src-bucket", "logs/x", "delta")
	src, dr := b.Client(t, crrtest.SourceRegion), b.Client(t, crrtest.TargetRegion)
	want := func(c *s3.Client, bucket, key string, status types.ReplicationStatus) {
		t.Helper()
		out, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		if err != nil || out.ReplicationStatus != status {
			t.Errorf("s3://%s/%s: status %q, %v; want %q", bucket, key, out.ReplicationStatus, err, status)
		}
	}
	want(src, "src-bucket", "tables/a", "PENDING")
	if n := b.Replicate(); n != 0 {
		t.Fatalf("replicated %d before the lag", n)
	}
	b.Clock.Advance(time.Minute)
	if n := b.Replicate(); n != 2 {
		t.Fatalf("replicated %d, want 2", n)
	}
	want(src, "src-bucket", "tables/a", "COMPLETED")
	want(dr, "dr-bucket", "tables/a", "REPLICA")
	want(src, "src-bucket", "tables/bad", "FAILED")
	want(src, "src-bucket", "tables/kms", "")
	want(src, "src-bucket", "logs/x", "")
	for _, key := range []string{"tables/bad", "tables/kms", "logs/x"} {
		if _, err := dr.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("dr-bucket"), Key: aws.String(key)}); err == nil {
			t.Errorf("%s reached DR", key)
		}
	}
}

// A multipart object reports S3's multipart ETag in listings and HEAD, and
// its replica keeps it, as S3 replication does.
func TestMultipartETag(t *testing.T) {
	t.Parallel()
	b := crrtest.New(t, crrtest.Options{})
	b.Bucket(t, "src-bucket", crrtest.SourceRegion, true)
	b.Bucket(t, "dr-bucket", crrtest.TargetRegion, true)
	b.PutReplication(t, "src-bucket", crrtest.Rule("all", "", "dr-bucket"))
	b.PutMultipart(t, "src-bucket", "big")
	b.Replicate()
	for _, c := range []struct{ region, bucket string }{{crrtest.SourceRegion, "src-bucket"}, {crrtest.TargetRegion, "dr-bucket"}} {
		api := b.Client(t, c.region)
		head, err := api.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(c.bucket), Key: aws.String("big")})
		if err != nil {
			t.Fatal(err)
		}
		list, err := api.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(c.bucket)})
		if err != nil || len(list.Contents) != 1 {
			t.Fatalf("list %s: %+v, %v", c.bucket, list, err)
		}
		if h, l := aws.ToString(head.ETag), aws.ToString(list.Contents[0].ETag); !strings.HasSuffix(h, `-2"`) || h != l {
			t.Errorf("%s: HEAD ETag %s, listed %s; want the same multipart ETag", c.bucket, h, l)
		}
	}
}
