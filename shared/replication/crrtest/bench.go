// Package crrtest is a cross-region replication test bench: one S3 service
// served on a loopback endpoint per region, built on gofakes3 (in-process)
// with what a replication check reads and gofakes3 lacks — replication and
// default-encryption configurations stored and returned faithfully, bucket
// regions, and a replicator that copies what the rules select with a
// controllable lag and failures, setting x-amz-replication-status (PENDING,
// COMPLETED or FAILED on the source, REPLICA on the copy).
//
// Tests drive it through the real AWS SDK over real HTTP. Time is the
// bench's Clock: objects are dated by it and the replicator's lag is
// measured on it, so nothing sleeps. Replication happens when the test calls
// Replicate, never behind its back.
package crrtest

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awsconn/chain"
)

// Regions of a bench by default: the source's, then DR's.
const (
	SourceRegion = "us-east-1"
	TargetRegion = "us-west-2"
)

// Options configure New.
type Options struct {
	// Start is the clock's start; zero means 2026-01-05T09:00:00Z.
	Start time.Time
	// Lag is how long after a write its replication becomes due.
	Lag time.Duration
	// Regions get one endpoint each; nil means SourceRegion and TargetRegion.
	Regions []string
}

// Bench is one running S3 service with its endpoints, stopped when the test
// that made it ends.
type Bench struct {
	Clock *Clock
	svc   *service
	repl  *replicator
	urls  map[string]string

	mu      sync.Mutex
	clients map[string]*s3.Client // by region, made on first use
}

// New starts a bench whose endpoints listen on 127.0.0.1.
func New(t testing.TB, opts Options) *Bench {
	t.Helper()
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	if len(opts.Regions) == 0 {
		opts.Regions = []string{SourceRegion, TargetRegion}
	}
	b := &Bench{Clock: NewClock(opts.Start), repl: &replicator{lag: opts.Lag}, urls: map[string]string{}, clients: map[string]*s3.Client{}}
	b.svc = newService(b.Clock, b.repl)
	for _, region := range opts.Regions {
		srv := httptest.NewServer(&endpoint{svc: b.svc, region: region})
		t.Cleanup(srv.Close)
		b.urls[region] = srv.URL
	}
	return b
}

// URL is the endpoint of region.
func (b *Bench) URL(region string) string { return b.urls[region] }

// Config returns an aws.Config for region's endpoint with static test
// credentials, built by chain.Config as drsync builds its own.
func (b *Bench) Config(t testing.TB, region string) aws.Config {
	t.Helper()
	url, ok := b.urls[region]
	if !ok {
		t.Fatalf("crrtest: no endpoint for region %s", region)
	}
	cfg, err := chain.Config(context.Background(), awsconn.Options{
		Region: region, Endpoint: url,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		MaxBackoff:  20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("crrtest: %v", err)
	}
	return cfg
}

// Client returns the path-style S3 client of region's endpoint.
func (b *Bench) Client(t testing.TB, region string) *s3.Client {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.clients[region]; ok {
		return c
	}
	c := s3.NewFromConfig(b.Config(t, region), func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	b.clients[region] = c
	return c
}

// Replicate performs every replication due at the clock's time and returns
// how many it performed.
func (b *Bench) Replicate() int { return b.repl.run(b.svc) }

// FailWhen makes the replications fail whose source bucket and key fn
// selects (nil: none fail). A failed object stays FAILED.
func (b *Bench) FailWhen(fn func(bucket, key string) bool) {
	b.repl.mu.Lock()
	b.repl.fail = fn
	b.repl.mu.Unlock()
}

// Status returns an object's x-amz-replication-status ("" for none).
func (b *Bench) Status(bucket, key string) string { return b.svc.statusOf(bucket, key) }

// Requests returns how many requests of each operation ("ListObjectsV2",
// "HeadObject", ...) the endpoints have served.
func (b *Bench) Requests() map[string]int64 {
	b.svc.mu.Lock()
	defer b.svc.mu.Unlock()
	return maps.Clone(b.svc.requests)
}

// ResetRequests zeroes the request counts.
func (b *Bench) ResetRequests() {
	b.svc.mu.Lock()
	clear(b.svc.requests)
	b.svc.mu.Unlock()
}

// Put stores an object without going through HTTP (for seeding large
// buckets fast); it is dated and replicated like any other write. meta is
// header-cased ("Content-Type", "X-Amz-Server-Side-Encryption").
func (b *Bench) Put(bucket, key string, body []byte, meta map[string]string) error {
	return b.svc.putObject(bucket, key, body, meta)
}

// Total sums counts.
func Total(counts map[string]int64) int64 {
	var n int64
	for _, v := range counts {
		n += v
	}
	return n
}

// String names the bench's endpoints.
func (b *Bench) String() string { return fmt.Sprint(b.urls) }
