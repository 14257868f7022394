package replication

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 error codes for a configuration that was never set.
const (
	errNoReplication = "ReplicationConfigurationNotFoundError"
	errNoEncryption  = "ServerSideEncryptionConfigurationNotFoundError"
)

// configFindings reads both buckets' configuration and reports what it means
// for DR. Errors: a bucket that does not exist or cannot be reached; a
// configuration that cannot be read is a finding.
func (c *Checker) configFindings(ctx context.Context, p Pair) ([]Finding, error) {
	srcRegion, err := c.regionOf(ctx, p.Source.Bucket)
	if err != nil {
		return nil, err
	}
	tgtRegion, err := c.regionOf(ctx, p.Target.Bucket)
	if err != nil {
		return nil, err
	}
	var out []Finding
	if srcRegion != "" && srcRegion == tgtRegion {
		out = append(out, finding(SeverityError, CodeSameRegion,
			"the DR bucket %s is in the source's region %s: one regional outage takes both", p.Target.Bucket, srcRegion))
	}
	out = append(out, c.versioning(ctx, p.Source.Bucket, srcRegion, "source")...)
	out = append(out, c.versioning(ctx, p.Target.Bucket, tgtRegion, "DR")...)
	return append(out, c.rules(ctx, p, srcRegion)...), nil
}

// versioning reports a bucket whose versioning is not enabled: S3 replicates
// only between versioned buckets.
func (c *Checker) versioning(ctx context.Context, bucket, region, side string) []Finding {
	out, err := c.clients(region).GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket})
	switch {
	case err != nil:
		return []Finding{unreadable("versioning of "+bucket, err)}
	case out.Status != types.BucketVersioningStatusEnabled:
		state := string(out.Status)
		if state == "" {
			state = "never enabled"
		}
		return []Finding{finding(SeverityError, CodeVersioningOff,
			"versioning on the %s bucket %s is %s: S3 replicates only between versioned buckets", side, bucket, state)}
	}
	return nil
}

func unreadable(what string, err error) Finding {
	return finding(SeverityError, CodeUnreadable, "cannot read the %s: %v", what, err)
}

// apiCode is the S3 error code of err, "" when it is not an S3 error.
func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// rules reports whether a rule replicates the source prefix to the DR
// bucket, and what that rule does about deletes, RTC, metrics and SSE-KMS.
func (c *Checker) rules(ctx context.Context, p Pair, region string) []Finding {
	out, err := c.clients(region).GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: &p.Source.Bucket})
	switch {
	case apiCode(err) == errNoReplication:
		return []Finding{finding(SeverityError, CodeNoReplication,
			"the source bucket %s has no replication configuration: nothing reaches DR", p.Source.Bucket)}
	case err != nil:
		return []Finding{unreadable("replication configuration of "+p.Source.Bucket, err)}
	}
	r, found := coveringRule(out.ReplicationConfiguration.Rules, p)
	if !found {
		return []Finding{notCovered(out.ReplicationConfiguration.Rules, p)}
	}
	var fs []Finding
	if p.Source.Prefix != p.Target.Prefix {
		fs = append(fs, finding(SeverityError, CodePrefixMismatch,
			"replication keeps keys unchanged, so objects under %q arrive under the same prefix in DR, not under %q", p.Source.Prefix, p.Target.Prefix))
	}
	if hasTags(r.Filter) {
		fs = append(fs, finding(SeverityWarning, CodeTagFilter,
			"rule %q selects objects by tag: untagged objects under %q are not replicated", aws.ToString(r.ID), p.Source.Prefix))
	}
	fs = append(fs, deleteMarkers(r), rtc(r), metrics(r))
	return append(fs, c.kms(ctx, r, p, region))
}

// coveringRule returns the enabled rule of highest priority whose filter
// selects every key under the source prefix and which replicates to the DR
// bucket.
func coveringRule(rules []types.ReplicationRule, p Pair) (types.ReplicationRule, bool) {
	var best *types.ReplicationRule
	for i, r := range rules {
		if !selectsAll(r, p.Source.Prefix) || destinationBucket(r) != p.Target.Bucket {
			continue
		}
		if best == nil || aws.ToInt32(r.Priority) > aws.ToInt32(best.Priority) {
			best = &rules[i]
		}
	}
	if best == nil {
		return types.ReplicationRule{}, false
	}
	return *best, true
}

// selectsAll reports whether an enabled rule's prefix filter includes every
// key under prefix (its own prefix is a prefix of prefix).
func selectsAll(r types.ReplicationRule, prefix string) bool {
	return r.Status == types.ReplicationRuleStatusEnabled && strings.HasPrefix(prefix, rulePrefix(r))
}

// rulePrefix is the key prefix a rule filters on (V2 filter, its And, or the
// V1 top-level prefix); "" selects the whole bucket.
func rulePrefix(r types.ReplicationRule) string {
	switch f := r.Filter; {
	case f == nil:
		return aws.ToString(r.Prefix) //nolint:staticcheck // V1 rules still exist and are what S3 returns for them
	case f.And != nil:
		return aws.ToString(f.And.Prefix)
	}
	return aws.ToString(r.Filter.Prefix)
}

func hasTags(f *types.ReplicationRuleFilter) bool {
	return f != nil && (f.Tag != nil || (f.And != nil && len(f.And.Tags) > 0))
}

// destinationBucket is the bucket name of a rule's destination ARN.
func destinationBucket(r types.ReplicationRule) string {
	if r.Destination == nil {
		return ""
	}
	arn := aws.ToString(r.Destination.Bucket)
	return arn[strings.LastIndex(arn, ":")+1:]
}

// notCovered explains why no rule covers the prefix: rules that select it
// replicate elsewhere, or only part of it, or none selects it.
func notCovered(rules []types.ReplicationRule, p Pair) Finding {
	var elsewhere, partial []string
	for _, r := range rules {
		switch {
		case selectsAll(r, p.Source.Prefix):
			elsewhere = append(elsewhere, aws.ToString(r.Destination.Bucket))
		case r.Status == types.ReplicationRuleStatusEnabled && strings.HasPrefix(rulePrefix(r), p.Source.Prefix):
			partial = append(partial, rulePrefix(r))
		}
	}
	switch {
	case len(elsewhere) > 0:
		return finding(SeverityError, CodeWrongDestination,
			"the rules selecting %q replicate to %s, not to the DR bucket %s", p.Source.Prefix, strings.Join(slices.Compact(elsewhere), ", "), p.Target.Bucket)
	case len(partial) > 0:
		return finding(SeverityError, CodeNotCovered,
			"enabled rules cover only %q of %q: the rest of the prefix is not replicated", strings.Join(partial, `", "`), p.Source.Prefix)
	}
	return finding(SeverityError, CodeNotCovered,
		"no enabled replication rule of %s selects %q: objects under it are not replicated", p.Source.Bucket, p.Source.Prefix)
}

func deleteMarkers(r types.ReplicationRule) Finding {
	v1 := r.Filter == nil
	if v1 || (r.DeleteMarkerReplication != nil && r.DeleteMarkerReplication.Status == types.DeleteMarkerReplicationStatusEnabled) {
		return finding(SeverityInfo, CodeDeleteMarkers,
			"delete markers are replicated: an object deleted in the source disappears from DR too (lifecycle expirations and deletes of a version id are not)")
	}
	return finding(SeverityInfo, CodeDeleteMarkers,
		"delete markers are not replicated: objects deleted in the source stay in DR, so extra objects in DR are expected")
}

func rtc(r types.ReplicationRule) Finding {
	if d := r.Destination; d != nil && d.ReplicationTime != nil && d.ReplicationTime.Status == types.ReplicationTimeStatusEnabled {
		return finding(SeverityInfo, CodeRTC,
			"Replication Time Control is on: S3 replicates 99.99%% of new objects within 15 minutes (SLA) and publishes replication metrics")
	}
	return finding(SeverityInfo, CodeRTC,
		"Replication Time Control is off: no replication-time SLA; most objects replicate within minutes, some take hours")
}

func metrics(r types.ReplicationRule) Finding {
	if d := r.Destination; d != nil && d.Metrics != nil && d.Metrics.Status == types.MetricsStatusEnabled {
		return finding(SeverityInfo, CodeMetrics,
			"replication metrics are on: CloudWatch has ReplicationLatency, OperationsPendingReplication and OperationsFailedReplication for this rule")
	}
	return finding(SeverityInfo, CodeMetrics,
		"replication metrics are off: only checks like this one show replication lag and failures")
}

// kms reports what happens to SSE-KMS objects: replicated under the replica
// key with the rule's opt-in, never replicated without it — which is every
// new object when the source encrypts with SSE-KMS by default.
func (c *Checker) kms(ctx context.Context, r types.ReplicationRule, p Pair, region string) Finding {
	if s := r.SourceSelectionCriteria; s != nil && s.SseKmsEncryptedObjects != nil && s.SseKmsEncryptedObjects.Status == types.SseKmsEncryptedObjectsStatusEnabled {
		key := ""
		if e := r.Destination.EncryptionConfiguration; e != nil {
			key = aws.ToString(e.ReplicaKmsKeyID)
		}
		return finding(SeverityInfo, CodeKMS, "SSE-KMS objects are replicated, re-encrypted in DR with %s", key)
	}
	algorithm, err := c.defaultEncryption(ctx, p.Source.Bucket, region)
	switch {
	case err != nil:
		return finding(SeverityWarning, CodeKMS,
			"SSE-KMS objects are not replicated (the rule does not opt in), and the source's default encryption cannot be read: %v", err)
	case strings.HasPrefix(algorithm, "aws:kms"):
		return finding(SeverityError, CodeKMS,
			"the source encrypts with SSE-KMS by default but the rule does not opt in (SourceSelectionCriteria.SseKmsEncryptedObjects): no new object is replicated")
	}
	return finding(SeverityWarning, CodeKMS,
		"SSE-KMS objects are not replicated: the rule does not opt in (SourceSelectionCriteria.SseKmsEncryptedObjects), so objects written with SSE-KMS never reach DR")
}

// defaultEncryption is the bucket's default SSE algorithm; none set is "".
func (c *Checker) defaultEncryption(ctx context.Context, bucket, region string) (string, error) {
	out, err := c.clients(region).GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	switch {
	case apiCode(err) == errNoEncryption:
		return "", nil
	case err != nil:
		return "", err
	}
	for _, r := range out.ServerSideEncryptionConfiguration.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			return string(d.SSEAlgorithm), nil
		}
	}
	return "", nil
}
