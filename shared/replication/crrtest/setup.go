package crrtest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Role is the IAM role every bench rule names (the bench does not check it).
const Role = "arn:aws:iam::123456789012:role/s3-crr"

// Bucket creates bucket in region through the SDK, with versioning enabled
// when versioned is set.
func (b *Bench) Bucket(t testing.TB, bucket, region string, versioned bool) {
	t.Helper()
	ctx := context.Background()
	c := b.Client(t, region)
	in := &s3.CreateBucketInput{Bucket: &bucket}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	if !versioned {
		return
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}); err != nil {
		t.Fatalf("enable versioning on %s: %v", bucket, err)
	}
}

// Rule is a V2 rule replicating the objects under prefix to bucket dst,
// without delete-marker replication (S3's default for V2 rules).
func Rule(id, prefix, dst string) types.ReplicationRule {
	return types.ReplicationRule{
		ID: aws.String(id), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
		Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String(prefix)},
		DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
		Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::" + dst)},
	}
}

// PutReplication sets bucket's replication configuration through the SDK.
func (b *Bench) PutReplication(t testing.TB, bucket string, rules ...types.ReplicationRule) {
	t.Helper()
	_, err := b.Client(t, b.svc.regionOf(bucket)).PutBucketReplication(context.Background(), &s3.PutBucketReplicationInput{
		Bucket:                   &bucket,
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(Role), Rules: rules},
	})
	if err != nil {
		t.Fatalf("put replication on %s: %v", bucket, err)
	}
}

// PutObject writes an object through the SDK on the bucket's endpoint; edit
// may set more fields (encryption, metadata).
func (b *Bench) PutObject(t testing.TB, bucket, key, body string, edit ...func(*s3.PutObjectInput)) {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)}
	for _, e := range edit {
		e(in)
	}
	if _, err := b.Client(t, b.svc.regionOf(bucket)).PutObject(context.Background(), in); err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// DeleteObject deletes key (a delete marker in a versioned bucket).
func (b *Bench) DeleteObject(t testing.TB, bucket, key string) {
	t.Helper()
	if _, err := b.Client(t, b.svc.regionOf(bucket)).DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		t.Fatalf("delete s3://%s/%s: %v", bucket, key, err)
	}
}

// KMS makes a PutObject SSE-KMS encrypted with key.
func KMS(key string) func(*s3.PutObjectInput) {
	return func(in *s3.PutObjectInput) {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(key)
	}
}

// PutMultipart writes key as a two-part multipart upload (5 MiB and 1 KiB)
// through the SDK, so its ETag is the "<md5 of md5s>-2" form.
func (b *Bench) PutMultipart(t testing.TB, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	c := b.Client(t, b.svc.regionOf(bucket))
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("create multipart upload s3://%s/%s: %v", bucket, key, err)
	}
	var parts []types.CompletedPart
	for i, size := range []int{5 << 20, 1 << 10} {
		n := int32(i + 1)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
			PartNumber: &n, Body: strings.NewReader(strings.Repeat("x", size))})
		if err != nil {
			t.Fatalf("upload part %d: %v", n, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: &n})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatalf("complete multipart upload s3://%s/%s: %v", bucket, key, err)
	}
}
