package awsconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsxml "github.com/aws/aws-sdk-go-v2/aws/protocol/xml"
	"github.com/aws/smithy-go"
)

// ErrNoSuchKey: the S3 object does not exist (404 NoSuchKey).
var ErrNoSuchKey = errors.New("s3: no such key")

// emptySHA256 is the SHA-256 of an empty payload, in hex: what a GET signs,
// and S3 wants it in a header too.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// S3Objects reads whole S3 objects with one SigV4-signed GET each, over the
// region, credentials, HTTP client, endpoint and retryer of an aws.Config.
//
// It is what the audit-log function reads deliveries with instead of the
// SDK's S3 client: that client's hundreds of operations cost a Lambda
// bootstrap 4.6 MB (the Databricks SDK links protobuf, whose reflection
// turns off the linker's removal of unused methods), and the function needs
// one GET. The signing, credentials, retry policy and errors are the SDK's
// own.
type S3Objects struct {
	c         caller
	pathStyle bool
}

// NewS3Objects returns a reader for cfg. A BaseEndpoint (moto, a local run)
// is addressed path-style, AWS itself virtual-hosted style.
func NewS3Objects(cfg aws.Config) *S3Objects {
	return &S3Objects{c: newCaller(cfg), pathStyle: cfg.BaseEndpoint != nil}
}

// Open starts reading s3://bucket/key; the caller closes the body.
// Throttling, 5xx answers and connection errors are retried by the config's
// retryer, with cancellable waits. Errors: ErrNoSuchKey (wrapped, with the
// SDK's error), else the SDK's *smithy.OperationError (S3's code as its
// smithy.APIError), or a transport or credentials error.
func (s *S3Objects) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	resp, err := s.c.do(ctx, operation{
		service: "s3", serviceID: "S3", name: "GetObject", method: http.MethodGet,
		url:      s.objectURL(bucket, key),
		header:   http.Header{"X-Amz-Content-Sha256": {emptySHA256}},
		apiError: s3Error,
	})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "NoSuchKey" {
		return nil, fmt.Errorf("%w: %w", ErrNoSuchKey, err)
	}
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// objectURL addresses key in bucket; each path segment is escaped, the
// slashes kept.
func (s *S3Objects) objectURL(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	path := strings.Join(segs, "/")
	if s.pathStyle {
		return strings.TrimSuffix(*s.c.cfg.BaseEndpoint, "/") + "/" + url.PathEscape(bucket) + "/" + path
	}
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", bucket, s.c.cfg.Region, path)
}

// s3Error reads S3's XML error document, by the SDK's own reader.
func s3Error(resp *http.Response) *smithy.GenericAPIError {
	// A body-less answer (or a garbled one) leaves the code to the status.
	doc, _ := awsxml.GetErrorResponseComponents(io.LimitReader(resp.Body, maxErrorBody), true)
	return &smithy.GenericAPIError{Code: doc.Code, Message: doc.Message}
}
