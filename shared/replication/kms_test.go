package replication_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/replication/crrtest"
)

const srcKey = "arn:aws:kms:us-east-1:123456789012:key/src"

// Without the rule's opt-in an SSE-KMS object is not eligible: it never
// arrives, has no replication status, and the probe says why.
func TestKMSObjectNotEligible(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	f.b.PutObject(t, srcBucket, "tables/t/secret.parquet", "kms", crrtest.KMS(srcKey))
	f.b.Replicate()
	f.b.Clock.Advance(time.Hour)
	r := f.check()
	wantCounts(t, r, "matched 0 missing 1 in_flight 0 different 0 extra 0")
	if len(r.Sample) != 1 || r.Sample[0].ReplicationStatus != replication.StatusNone || r.Sample[0].Detail != "not eligible: SSE-KMS and the rule does not opt in" {
		t.Errorf("sample %+v", r.Sample)
	}
	wantFinding(t, r, replication.CodeNotEligible, replication.SeverityWarning, "1 missing object(s)")
	wantFinding(t, r, replication.CodeKMS, replication.SeverityWarning, "does not opt in")
}

// A source that encrypts with SSE-KMS by default, under a rule without the
// opt-in, replicates no new object at all: an error.
func TestDefaultKMSWithoutOptIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t).replicated()
	_, err := f.b.Client(t, crrtest.SourceRegion).PutBucketEncryption(context.Background(), &s3.PutBucketEncryptionInput{
		Bucket: aws.String(srcBucket),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(srcKey)},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.b.PutObject(t, srcBucket, "tables/t/plain-put.parquet", "encrypted by default")
	f.b.Replicate()
	r := f.check()
	wantFinding(t, r, replication.CodeKMS, replication.SeverityError, "no new object is replicated")
	wantCounts(t, r, "matched 0 missing 0 in_flight 1 different 0 extra 0")
	if r.Healthy() {
		t.Error("healthy with no object replicating")
	}
}

// With the opt-in, SSE-KMS objects replicate; their ETags are no content
// hashes, so a replica of equal size whose ETag differs still matches.
func TestKMSOptInETagNotCompared(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rule := crrtest.Rule("tables", "tables/", drBucket)
	rule.SourceSelectionCriteria = &types.SourceSelectionCriteria{SseKmsEncryptedObjects: &types.SseKmsEncryptedObjects{Status: types.SseKmsEncryptedObjectsStatusEnabled}}
	rule.Destination.EncryptionConfiguration = &types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String("arn:aws:kms:us-west-2:123456789012:key/dr")}
	f.b.PutReplication(t, srcBucket, rule)
	f.b.PutObject(t, srcBucket, "tables/t/secret.parquet", "kms-1", crrtest.KMS(srcKey))
	f.b.Replicate()
	// Re-encrypted under the replica key, S3 gives the copy its own ETag.
	f.b.PutObject(t, drBucket, "tables/t/secret.parquet", "kms-2", crrtest.KMS("arn:aws:kms:us-west-2:123456789012:key/dr"))
	r := f.check()
	wantCounts(t, r, "matched 1 missing 0 in_flight 0 different 0 extra 0")
	wantFinding(t, r, replication.CodeKMS, replication.SeverityInfo, "re-encrypted in DR with arn:aws:kms:us-west-2:123456789012:key/dr")
}
