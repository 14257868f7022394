package replication

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// API is the part of the S3 client a check uses: listing, probing objects,
// reading bucket configuration, and reading inventory reports.
type API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
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

// regionOf returns bucket's region, from HeadBucket on the default client.
// S3 names the region in x-amz-bucket-region even when it refuses the call
// for being sent to the wrong region (301), so that answer counts too.
// Errors: the bucket does not exist or cannot be reached.
func (c *Checker) regionOf(ctx context.Context, bucket string) (string, error) {
	c.mu.Lock()
	region, ok := c.regions[bucket]
	c.mu.Unlock()
	if ok {
		return region, nil
	}
	out, err := c.clients("").HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	switch {
	case err == nil:
		region = aws.ToString(out.BucketRegion)
	case regionHeader(err) != "":
		region = regionHeader(err)
	default:
		return "", fmt.Errorf("head bucket %s: %w", bucket, err)
	}
	c.mu.Lock()
	c.regions[bucket] = region
	c.mu.Unlock()
	return region, nil
}

// regionHeader is the x-amz-bucket-region of a failed call's response.
func regionHeader(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

// client returns the client for bucket's region.
func (c *Checker) client(ctx context.Context, bucket string) (API, error) {
	region, err := c.regionOf(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return c.clients(region), nil
}
