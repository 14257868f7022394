package replication

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// compare classifies an object present on both sides: different when the
// sizes differ, or when both ETags are content hashes (single-part, and
// neither object SSE-KMS nor SSE-C, which a probe tells) and differ.
func (w *walk) compare(ctx context.Context, u *unit, s, t entry) error {
	switch {
	case s.size != t.size:
		w.different(u, s, fmt.Sprintf("size %d in the source, %d in DR", s.size, t.size))
	case s.etag == t.etag || multipart(s.etag) || multipart(t.etag):
		u.tally.Matched++
	default:
		return w.compareETags(ctx, u, s, t)
	}
	return nil
}

// multipart reports a multipart upload's ETag (md5 of the parts' md5s, "-N"):
// not a hash of the content, and different for another part size.
func multipart(etag string) bool { return strings.Contains(etag, "-") }

// compareETags settles two different single-part ETags of equal size: an
// encrypted object's ETag is no content hash, so they may still match.
func (w *walk) compareETags(ctx context.Context, u *unit, s, t entry) error {
	if !w.spend() {
		u.tally.Unverified++
		w.different(u, s, "ETag differs (encryption not probed: budget spent)")
		return nil
	}
	enc, err := w.encrypted(ctx, w.src, w.pair.Source, s.name)
	if err == nil && !enc && w.spend() {
		enc, err = w.encrypted(ctx, w.tgt, w.pair.Target, s.name)
	}
	switch {
	case err != nil:
		return err
	case enc:
		u.tally.Matched++
	default:
		w.different(u, s, "same size, different content (ETag)")
	}
	return nil
}

// different counts s as different; a source older than the RPO means DR
// holds a stale version, which breaches the RPO.
func (w *walk) different(u *unit, s entry, detail string) {
	u.tally.Different++
	o := w.object(s, ClassDifferent, detail)
	if w.now.Sub(s.modified) > w.pair.RPO {
		u.tally.Stale++
		u.tally.unreplicated(s.modified)
	}
	u.tally.sample(o, w.c.opts.SampleSize)
}

// missing classifies a source object absent from DR by its age, and probes
// its replication status while the budget lasts. The probe comes first, so
// a probe cut short leaves the tally as it was.
func (w *walk) missing(ctx context.Context, u *unit, s entry) error {
	o := w.object(s, ClassInFlight, "")
	if w.spend() {
		status, detail, err := w.status(ctx, s.name)
		if err != nil {
			return err
		}
		o.ReplicationStatus, o.Detail = status, detail
		u.tally.countStatus(status)
	}
	if w.now.Sub(s.modified) > w.pair.RPO {
		o.Class = ClassMissing
		u.tally.Missing++
	} else {
		u.tally.InFlight++
	}
	u.tally.unreplicated(s.modified)
	if o.Class == ClassMissing || o.ReplicationStatus == StatusFailed {
		u.tally.sample(o, w.c.opts.SampleSize)
	}
	return nil
}

func (t *Tally) countStatus(status string) {
	switch status {
	case StatusPending:
		t.Pending++
	case StatusFailed:
		t.Failed++
	case StatusNone:
		t.NotEligible++
	case StatusCompleted:
		t.Completed++
	}
}

func (w *walk) object(s entry, class, detail string) Object {
	return Object{
		Key: w.pair.Source.Prefix + s.name, Class: class, Size: s.size, LastModified: s.modified,
		AgeSeconds: int64(w.now.Sub(s.modified) / time.Second), Detail: detail,
	}
}

// spend takes one probe from the check's budget.
func (w *walk) spend() bool {
	if w.probes.Add(1) > int64(w.c.opts.MaxProbes) {
		w.probes.Add(-1)
		return false
	}
	return true
}

// status probes a missing object's x-amz-replication-status and says what it
// means. An object gone from the source since the listing has no status.
func (w *walk) status(ctx context.Context, name string) (string, string, error) {
	out, err := w.head(ctx, w.src, w.pair.Source, name)
	if err != nil || out == nil {
		return "", "", err
	}
	switch out.ReplicationStatus {
	case types.ReplicationStatusPending:
		return StatusPending, "replication pending", nil
	case types.ReplicationStatusFailed:
		return StatusFailed, "replication failed; S3 will not retry it", nil
	case types.ReplicationStatusComplete, types.ReplicationStatusCompleted:
		return StatusCompleted, "replicated, then removed from DR or sent elsewhere", nil
	}
	if isKMS(out) {
		return StatusNone, "not eligible: SSE-KMS and the rule does not opt in", nil
	}
	return StatusNone, "not eligible: no rule selects it, or written before the rule", nil
}

// encrypted reports whether an object's ETag is not a content hash because
// of SSE-KMS or SSE-C; a missing object is not encrypted.
func (w *walk) encrypted(ctx context.Context, api API, loc Location, name string) (bool, error) {
	out, err := w.head(ctx, api, loc, name)
	if err != nil || out == nil {
		return false, err
	}
	return isKMS(out) || out.SSECustomerAlgorithm != nil, nil
}

func isKMS(out *s3.HeadObjectOutput) bool {
	return strings.HasPrefix(string(out.ServerSideEncryption), "aws:kms")
}

// head is HeadObject on loc's name; nil without error when it is gone.
// Errors: any other failure, naming the object.
func (w *walk) head(ctx context.Context, api API, loc Location, name string) (*s3.HeadObjectOutput, error) {
	key := loc.Prefix + name
	out, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &loc.Bucket, Key: &key})
	var nf *types.NotFound
	switch {
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("head s3://%s/%s: %w", loc.Bucket, key, err)
	}
	return out, nil
}
