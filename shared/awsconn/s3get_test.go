package awsconn_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
)

// s3Bucket makes a bucket in moto holding objects, through the SDK's own
// S3 client, and returns it.
func s3Bucket(t *testing.T, cfg aws.Config, name string, objects map[string]string) {
	t.Helper()
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatal(err)
	}
	for key, body := range objects {
		if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &name, Key: aws.String(key),
			Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
}

// The signed GET reads what the SDK wrote, keys with partition "=", spaces
// and non-ASCII included; a missing key is ErrNoSuchKey.
func TestS3ObjectsOpen(t *testing.T) {
	m := awstest.Start(t)
	cfg := m.Config(t)
	objects := map[string]string{
		"audit/workspaceId=123/date=2026-12-03/auditlogs_1.json": `{"a":1}`,
		"with space/ünïcode+plus.json":                           "x",
	}
	s3Bucket(t, cfg, "s3get-open", objects)
	r := awsconn.NewS3Objects(cfg)
	for key, want := range objects {
		body, err := r.Open(t.Context(), "s3get-open", key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, err := io.ReadAll(body)
		_ = body.Close()
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", key, got, err, want)
		}
	}
	_, err := r.Open(t.Context(), "s3get-open", "audit/missing.json")
	var resp *awshttp.ResponseError
	if !errors.Is(err, awsconn.ErrNoSuchKey) || !errors.As(err, &resp) || resp.HTTPStatusCode() != http.StatusNotFound {
		t.Errorf("missing key: %v, want ErrNoSuchKey (404)", err)
	}
}

// Throttling and 5xx answers are retried with the config's retryer; a
// refusal (403) is not, and is reported with S3's code.
func TestS3ObjectsRetries(t *testing.T) {
	m := awstest.Start(t)
	s3Bucket(t, m.Config(t), "s3get-retry", map[string]string{"k": "v"})
	proxy := awstest.NewProxy(t, m.URL())
	r := awsconn.NewS3Objects(awstest.ConfigAt(t, proxy.URL()))

	proxy.Inject(2, awstest.Fault{Status: http.StatusServiceUnavailable, Body: "<Error><Code>SlowDown</Code></Error>"})
	body, err := r.Open(t.Context(), "s3get-retry", "k")
	if err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	_ = body.Close()
	if n := proxy.Calls(""); n != 3 {
		t.Errorf("calls = %d, want 3 (two retried 503s)", n)
	}

	proxy.Inject(1, awstest.Fault{Status: http.StatusForbidden, Body: "<Error><Code>AccessDenied</Code><Message>no</Message></Error>"})
	_, err = r.Open(t.Context(), "s3get-retry", "k")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDenied" || errors.Is(err, awsconn.ErrNoSuchKey) {
		t.Errorf("403: %v, want the API error AccessDenied", err)
	}
	if n := proxy.Calls(""); n != 4 {
		t.Errorf("calls = %d, want 4 (the 403 not retried)", n)
	}
}
