package awsconn

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// ErrNoSuchKey: the S3 object does not exist (404 NoSuchKey).
var ErrNoSuchKey = errors.New("s3: no such key")

// emptySHA256 is the SHA-256 of an empty payload, in hex: what a GET signs.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// S3Objects reads whole S3 objects with one SigV4-signed GET each, over the
// region, credentials, HTTP client, endpoint and retryer of an aws.Config.
//
// It is what the audit-log function reads deliveries with instead of the
// SDK's S3 client: that client's hundreds of operations cost a Lambda
// bootstrap 4.6 MB (the Databricks SDK links protobuf, whose reflection
// turns off the linker's removal of unused methods), and the function needs
// one GET. The signing, credentials and retry policy are the SDK's own.
type S3Objects struct {
	cfg       aws.Config
	signer    *v4.Signer
	pathStyle bool
}

// NewS3Objects returns a reader for cfg. A BaseEndpoint (moto, a local run)
// is addressed path-style, AWS itself virtual-hosted style.
func NewS3Objects(cfg aws.Config) *S3Objects {
	return &S3Objects{cfg: cfg, signer: v4.NewSigner(), pathStyle: cfg.BaseEndpoint != nil}
}

// Open starts reading s3://bucket/key; the caller closes the body.
// Throttling, 5xx answers and connection errors are retried by the config's
// retryer, with cancellable waits. Errors: ErrNoSuchKey (wrapped), an
// *S3Error for any other answer, a transport or credentials error.
func (s *S3Objects) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	retryer := s.retryer()
	for attempt := 1; ; attempt++ {
		body, err := s.get(ctx, bucket, key)
		if err == nil || attempt >= retryer.MaxAttempts() || !retryer.IsErrorRetryable(err) {
			return body, err
		}
		delay, derr := retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, errors.Join(err, derr)
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

func (s *S3Objects) retryer() aws.Retryer {
	if s.cfg.Retryer != nil {
		return s.cfg.Retryer()
	}
	return Options{}.Retryer()()
}

// get makes one signed GET.
func (s *S3Objects) get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.objectURL(bucket, key), nil)
	if err != nil {
		return nil, err
	}
	creds, err := s.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3: credentials: %w", err)
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := s.signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", s.cfg.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("s3: sign: %w", err)
	}
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return nil, &retryableError{err}
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	defer func() { _ = resp.Body.Close() }()
	return nil, s3Error(resp)
}

func (s *S3Objects) httpClient() aws.HTTPClient {
	if s.cfg.HTTPClient != nil {
		return s.cfg.HTTPClient
	}
	return http.DefaultClient
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
		return strings.TrimSuffix(*s.cfg.BaseEndpoint, "/") + "/" + url.PathEscape(bucket) + "/" + path
	}
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", bucket, s.cfg.Region, path)
}

// S3Error is an S3 error answer.
type S3Error struct {
	Status  int
	Code    string // S3's error code (NoSuchKey, AccessDenied, SlowDown, …)
	Message string
}

func (e *S3Error) Error() string {
	return fmt.Sprintf("s3: %d %s: %s", e.Status, e.Code, e.Message)
}

// Is makes a 404 NoSuchKey match ErrNoSuchKey.
func (e *S3Error) Is(target error) bool {
	return target == ErrNoSuchKey && e.Status == http.StatusNotFound && e.Code == "NoSuchKey"
}

// RetryableError tells the SDK's retryer that throttling and 5xx answers
// are worth another attempt.
func (e *S3Error) RetryableError() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500 || e.Code == "SlowDown"
}

// s3Error reads S3's XML error document (the status alone when it has none).
func s3Error(resp *http.Response) error {
	var doc struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	_ = xml.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&doc) // a body-less 404 (HEAD-like) keeps the status
	if doc.Code == "" {
		doc.Code = http.StatusText(resp.StatusCode)
	}
	return &S3Error{Status: resp.StatusCode, Code: doc.Code, Message: doc.Message}
}

// retryableError marks a transport failure as worth another attempt.
type retryableError struct{ err error }

func (e *retryableError) Error() string        { return "s3: " + e.err.Error() }
func (e *retryableError) Unwrap() error        { return e.err }
func (e *retryableError) RetryableError() bool { return true }

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
