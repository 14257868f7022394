// Package replication verifies S3 cross-region replication (CRR) for the
// bucket pairs of a drsync pair: drsync does not copy table data, S3 does,
// so drsync proves it is happening and measures how far behind it is.
//
// A check reads the configuration (versioning on both buckets, a rule that
// covers the prefix and points at the DR bucket in another region,
// delete-marker replication, RTC and metrics, SSE-KMS) and then compares the
// objects with a streaming merge of the two sorted listings: memory stays
// flat in the number of objects, top-level prefixes are listed in parallel
// and pages are consumed as they arrive. Every source object is matched,
// missing in DR (older than the RPO: a violation; younger: in flight),
// different (size, or ETag where it is a content hash), and every DR-only
// object is extra (information: deletes are not replicated by default).
// HeadObject's x-amz-replication-status explains missing objects within a
// probe budget. For buckets too big to list, the check reads the latest S3
// Inventory report instead.
//
// A check stopped by its context (a Lambda deadline) returns its Progress,
// from which the next call continues.
package replication

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/drsync/drsync/shared/config"
)

// Location is s3://Bucket/Prefix. Prefix is a folder: empty, or ending
// in "/".
type Location struct {
	Bucket string
	Prefix string
}

// ParseLocation reads s3://bucket[/prefix]; the prefix names a folder, so
// s3://b/tables is s3://b/tables/ (not tables2/). Errors: another scheme,
// no bucket.
func ParseLocation(s string) (Location, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return Location{}, fmt.Errorf("want s3://bucket or s3://bucket/prefix, got %q", s)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return Location{Bucket: bucket, Prefix: prefix}, nil
}

// String writes the location as s3://bucket/prefix.
func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// Pair is one replicated location and its recovery point objective.
type Pair struct {
	Source, Target Location
	RPO            time.Duration
	// Inventory, when set, is where S3 Inventory delivers the source
	// bucket's CSV reports (s3://bucket/prefix/<source bucket>/<config id>):
	// the objects are then classified from the latest report's
	// ReplicationStatus instead of listing both buckets.
	Inventory *Location
}

// Name is "source → target", how logs and findings name the pair.
func (p Pair) Name() string { return p.Source.String() + " → " + p.Target.String() }

// PairsFromConfig returns the config's bucket pairs with its RPO.
// Errors: a location that does not parse, naming its field.
func PairsFromConfig(r config.Replication) ([]Pair, error) {
	var out []Pair
	var errs []error
	for i, bp := range r.BucketPairs {
		p, err := NewPair(bp.Source, bp.Target, bp.Inventory, r.RPO.Duration)
		if err != nil {
			errs = append(errs, fmt.Errorf("replication.bucket_pairs[%d]: %w", i, err))
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// NewPair parses a pair's locations; inventory may be empty.
// Errors: a location that does not parse, a non-positive RPO.
func NewPair(source, target, inventory string, rpo time.Duration) (Pair, error) {
	src, err := ParseLocation(source)
	if err != nil {
		return Pair{}, fmt.Errorf("source: %w", err)
	}
	tgt, err := ParseLocation(target)
	if err != nil {
		return Pair{}, fmt.Errorf("target: %w", err)
	}
	if rpo <= 0 {
		return Pair{}, fmt.Errorf("rpo must be positive, got %s", rpo)
	}
	p := Pair{Source: src, Target: tgt, RPO: rpo}
	if inventory != "" {
		inv, err := ParseLocation(inventory)
		if err != nil {
			return Pair{}, fmt.Errorf("inventory: %w", err)
		}
		p.Inventory = &inv
	}
	return p, nil
}

// Defaults of Options.
const (
	DefaultParallel   = 8
	DefaultPageSize   = 1000
	DefaultMaxProbes  = 200
	DefaultSampleSize = 20
)

// Options configure a Checker; zero values mean the defaults.
type Options struct {
	// Now is the clock ages are measured on; nil means time.Now.
	Now func() time.Time
	// Parallel bounds the top-level prefixes compared at once (each lists
	// both buckets).
	Parallel int
	// PageSize is ListObjectsV2's MaxKeys (S3 returns at most 1000).
	PageSize int32
	// MaxProbes bounds the HeadObject calls of one check: replication status
	// of missing objects, encryption of objects whose ETags differ.
	MaxProbes int
	// SampleSize bounds the offending objects a result lists.
	SampleSize int
	Logger     *slog.Logger
}

func (o Options) withDefaults() Options {
	o.Parallel = cmp.Or(o.Parallel, DefaultParallel)
	o.PageSize = cmp.Or(o.PageSize, DefaultPageSize)
	o.MaxProbes = cmp.Or(o.MaxProbes, DefaultMaxProbes)
	o.SampleSize = cmp.Or(o.SampleSize, DefaultSampleSize)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Checker runs replication checks. It is safe for concurrent use.
type Checker struct {
	clients Clients
	opts    Options
	mu      sync.Mutex
	regions map[string]string // bucket → region
}

// New returns a Checker that reaches S3 through clients.
func New(clients Clients, opts Options) *Checker {
	return &Checker{clients: clients, opts: opts.withDefaults(), regions: map[string]string{}}
}

// Check verifies one pair, continuing from from when it is not nil (the
// Progress of a check that ctx stopped). It returns the result; when ctx
// ends first it returns the partial result, whose Progress is set, with
// ctx's error. Errors: a bucket that cannot be reached or listed, an
// inventory that cannot be read; configuration problems are findings.
func (c *Checker) Check(ctx context.Context, p Pair, from *Progress) (*Result, error) {
	if from == nil {
		findings, err := c.configFindings(ctx, p)
		if err != nil {
			return nil, err
		}
		from = &Progress{Started: c.opts.Now(), Findings: findings}
	}
	from.Invocations++
	var t Tally
	var err error
	if p.Inventory != nil {
		t, err = c.inventory(ctx, p, from)
	} else {
		t, err = c.listing(ctx, p, from)
	}
	if err != nil && ctx.Err() == nil {
		return nil, err
	}
	return c.result(p, from, t, err), err
}
