package replication

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// API is the part of the S3 client a check uses: listing, probing objects,
// reading bucket configuration, and reading inventory reports.
type API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetBucketReplication(ctx context.Context, in *s3.GetBucketReplicationInput, optFns ...func(*s3.Options)) (*s3.GetBucketReplicationOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ API = (*s3.Client)(nil)

// Clients returns the client for a region; "" asks for the client of the
// configuration's own region, which finds each bucket's region.
type Clients func(region string) API

// ClientsFor returns one S3 client per region built from cfg, made on first
// use. pathStyle is for an overridden endpoint (a local S3), which serves
// buckets under its own host rather than as subdomains.
func ClientsFor(cfg aws.Config, pathStyle bool) Clients {
	var mu sync.Mutex
	made := map[string]API{}
	return func(region string) API {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := made[region]; ok {
			return c
		}
		c := s3.NewFromConfig(cfg, func(o *s3.Options) {
			if region != "" {
				o.Region = region
			}
			o.UsePathStyle = pathStyle
			o.DisableLogOutputChecksumValidationSkipped = true
		})
		made[region] = c
		return c
	}
}

// regionOf returns bucket's region from GetBucketLocation on the default
// client, which S3 answers for a bucket of any region (HeadBucket would
// need s3:ListBucket without the prefix condition the stack grants it
// with). An empty constraint is us-east-1, "EU" the old name of eu-west-1.
// Errors: the bucket does not exist or cannot be reached.
func (c *Checker) regionOf(ctx context.Context, bucket string) (string, error) {
	c.mu.Lock()
	region, ok := c.regions[bucket]
	c.mu.Unlock()
	if ok {
		return region, nil
	}
	out, err := c.clients("").GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: &bucket})
	if err != nil {
		return "", fmt.Errorf("locate bucket %s: %w", bucket, err)
	}
	switch region = string(out.LocationConstraint); region {
	case "":
		region = "us-east-1"
	case "EU":
		region = "eu-west-1"
	}
	c.mu.Lock()
	c.regions[bucket] = region
	c.mu.Unlock()
	return region, nil
}

// client returns the client for bucket's region.
func (c *Checker) client(ctx context.Context, bucket string) (API, error) {
	region, err := c.regionOf(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return c.clients(region), nil
}
