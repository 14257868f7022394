package crrtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Replication statuses as S3 reports them in x-amz-replication-status.
const (
	StatusPending   = "PENDING"
	StatusCompleted = "COMPLETED"
	StatusFailed    = "FAILED"
	StatusReplica   = "REPLICA"
)

// service is the one S3 the bench's regional endpoints front: gofakes3 for
// buckets, objects, versions and listings, plus what gofakes3 lacks and a
// replication check reads — bucket regions, replication and default
// encryption configurations kept exactly as PUT, and each object's
// replication status.
type service struct {
	backend *s3mem.Backend
	fake    http.Handler
	clock   *Clock

	mu          sync.Mutex
	regions     map[string]string
	replication map[string]storedReplication
	encryption  map[string]storedEncryption
	status      map[objectRef]string
	etags       map[objectRef]string // multipart ETags, unquoted
	requests    map[string]int64
	repl        *replicator

	listMu sync.Mutex
	lists  map[string][]*gofakes3.Content // sorted snapshots (listindex.go)
}

type storedReplication struct {
	raw []byte
	cfg *replicationConfig
}

type storedEncryption struct {
	raw       []byte
	algorithm string // AES256, aws:kms or aws:kms:dsse
	keyID     string
}

type objectRef struct{ bucket, key string }

func newService(clock *Clock, repl *replicator) *service {
	backend := s3mem.New(s3mem.WithTimeSource(clock))
	// No skew limit: the bench's clock is not the SDK's, on purpose.
	fake := gofakes3.New(backend, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0))
	return &service{
		backend: backend, fake: fake.Server(), clock: clock, repl: repl,
		regions: map[string]string{}, replication: map[string]storedReplication{},
		encryption: map[string]storedEncryption{}, status: map[objectRef]string{}, etags: map[objectRef]string{},
		requests: map[string]int64{}, lists: map[string][]*gofakes3.Content{},
	}
}

// count records one request of operation op.
func (s *service) count(op string) {
	s.mu.Lock()
	s.requests[op]++
	s.mu.Unlock()
}

// statusOf returns an object's replication status, "" for none.
func (s *service) statusOf(bucket, key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status[objectRef{bucket, key}]
}

func (s *service) setStatus(bucket, key, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == "" {
		delete(s.status, objectRef{bucket, key})
		return
	}
	s.status[objectRef{bucket, key}] = status
}

func (s *service) replicationOf(bucket string) *replicationConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replication[bucket].cfg
}

func (s *service) encryptionOf(bucket string) storedEncryption {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.encryption[bucket]
}

func (s *service) regionOf(bucket string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.regions[bucket]
}

func (s *service) versioned(bucket string) bool {
	v, err := s.backend.VersioningConfiguration(bucket)
	return err == nil && v.Status == gofakes3.VersioningEnabled
}

func (s *service) exists(bucket string) bool {
	ok, err := s.backend.BucketExists(bucket)
	return err == nil && ok
}

// written reacts to a new current version of key (etag: its multipart
// ETag, "" for a plain one), as S3 replication does at write time: an
// object a rule selects, and that the rule may replicate (SSE-KMS only with
// the rule's opt-in), becomes PENDING and is queued; any other object has
// no status (not eligible), including a write straight into a destination
// bucket.
func (s *service) written(bucket, key, etag string) {
	s.setETag(bucket, key, etag)
	cfg := s.replicationOf(bucket)
	if cfg == nil || !s.versioned(bucket) {
		s.setStatus(bucket, key, "")
		return
	}
	r, ok := cfg.ruleFor(key)
	if !ok || (s.kmsEncrypted(bucket, key) && !r.kmsOptIn()) {
		s.setStatus(bucket, key, "")
		return
	}
	s.setStatus(bucket, key, StatusPending)
	s.repl.enqueue(task{bucket: bucket, key: key, rule: r, at: s.clock.Now()})
}

// deleted reacts to a delete marker on key: replicated only when its rule
// says so (V1 rules, or V2 with DeleteMarkerReplication enabled).
func (s *service) deleted(bucket, key string) {
	s.setStatus(bucket, key, "")
	s.setETag(bucket, key, "")
	cfg := s.replicationOf(bucket)
	if cfg == nil {
		return
	}
	if r, ok := cfg.ruleFor(key); ok && r.replicatesDeletes() {
		s.repl.enqueue(task{bucket: bucket, key: key, rule: r, at: s.clock.Now(), delete: true})
	}
}

// kmsEncrypted reports whether the current version of key is SSE-KMS.
func (s *service) kmsEncrypted(bucket, key string) bool {
	obj, err := s.backend.HeadObject(bucket, key)
	if err != nil {
		return false
	}
	return strings.HasPrefix(obj.Metadata[headerSSE], "aws:kms")
}

// putObject stores an object without HTTP (fast seeding), then reacts as to
// a PUT. meta holds header-cased metadata ("Content-Type", "X-Amz-...").
func (s *service) putObject(bucket, key string, body []byte, meta map[string]string) error {
	m := map[string]string{"Last-Modified": s.clock.Now().Format(http.TimeFormat)}
	for k, v := range meta {
		m[k] = v
	}
	s.touch(bucket)
	if _, err := s.backend.PutObject(bucket, key, m, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		return fmt.Errorf("crrtest: put s3://%s/%s: %w", bucket, key, err)
	}
	s.written(bucket, key, "")
	return nil
}

// Header names the bench reads or writes.
const (
	headerSSE        = "X-Amz-Server-Side-Encryption"
	headerSSEKey     = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	headerReplStatus = "X-Amz-Replication-Status"
	headerRegion     = "X-Amz-Bucket-Region"
	s3Namespace      = "http://s3.amazonaws.com/doc/2006-03-01/"
)

// writeError writes an S3 error document.
func writeError(w http.ResponseWriter, status int, code, message, bucket string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName    xml.Name `xml:"Error"`
		Code       string   `xml:"Code"`
		Message    string   `xml:"Message"`
		BucketName string   `xml:"BucketName,omitempty"`
	}{Code: code, Message: message, BucketName: bucket})
}

// readBody reads a request body, restoring it for the next handler.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}
