package crrtest

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

// task is one replication S3 owes: a new version of key (or its delete
// marker) in bucket, written at at.
type task struct {
	bucket, key string
	rule        rule
	at          time.Time
	delete      bool
}

// replicator copies what the rules select from source to destination
// buckets, as S3 does asynchronously: a task is done once the bench clock is
// Lag past its write and Replicate runs. Fail picks tasks that fail instead;
// S3 never retries a FAILED object, and neither does the replicator.
type replicator struct {
	mu    sync.Mutex
	queue []task
	lag   time.Duration
	fail  func(bucket, key string) bool
}

func (r *replicator) enqueue(t task) {
	r.mu.Lock()
	r.queue = append(r.queue, t)
	r.mu.Unlock()
}

// due removes and returns the tasks whose time has come at now, in order.
func (r *replicator) due(now time.Time) []task {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ready, later []task
	for _, t := range r.queue {
		if t.at.Add(r.lag).After(now) {
			later = append(later, t)
		} else {
			ready = append(ready, t)
		}
	}
	r.queue = later
	return ready
}

func (r *replicator) failing(bucket, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fail != nil && r.fail(bucket, key)
}

// run performs the due tasks against s and returns how many it performed.
func (r *replicator) run(s *service) int {
	tasks := r.due(s.clock.Now())
	for _, t := range tasks {
		switch {
		case t.delete:
			s.replicateDelete(t)
		case r.failing(t.bucket, t.key):
			s.setStatus(t.bucket, t.key, StatusFailed)
		default:
			s.replicateObject(t)
		}
	}
	return len(tasks)
}

// replicateObject copies the current version of t's key to the rule's
// destination with its metadata (re-encrypted under the replica key when
// the rule opts SSE-KMS objects in), marks the copy REPLICA and the source
// COMPLETED. A destination that is no longer versioned fails it, as in S3.
func (s *service) replicateObject(t task) {
	dst, _ := bucketOfARN(t.rule.Destination.Bucket)
	obj, err := s.backend.GetObject(t.bucket, t.key, nil)
	if err != nil {
		return // deleted since: nothing to copy
	}
	defer func() { _ = obj.Contents.Close() }()
	body, err := io.ReadAll(obj.Contents)
	if err != nil || !s.versioned(dst) {
		s.setStatus(t.bucket, t.key, StatusFailed)
		return
	}
	meta := maps.Clone(obj.Metadata)
	meta["Last-Modified"] = s.clock.Now().Format(http.TimeFormat)
	if strings.HasPrefix(meta[headerSSE], "aws:kms") && t.rule.Destination.EncryptionConfiguration != nil {
		meta[headerSSEKey] = t.rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID
	}
	s.touch(dst)
	if _, err := s.backend.PutObject(dst, t.key, meta, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		s.setStatus(t.bucket, t.key, StatusFailed)
		return
	}
	s.setStatus(dst, t.key, StatusReplica)
	s.setETag(dst, t.key, s.etagOf(t.bucket, t.key)) // S3 keeps the source's ETag on the copy
	if s.statusOf(t.bucket, t.key) == StatusPending {
		s.setStatus(t.bucket, t.key, StatusCompleted)
	}
}

// replicateDelete puts a delete marker on the destination's copy.
func (s *service) replicateDelete(t task) {
	dst, _ := bucketOfARN(t.rule.Destination.Bucket)
	s.touch(dst)
	if _, err := s.backend.DeleteObject(dst, t.key); err == nil {
		s.setStatus(dst, t.key, "")
		s.setETag(dst, t.key, "")
	}
}
