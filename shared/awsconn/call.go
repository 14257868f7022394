package awsconn

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// maxErrorBody caps what is read of an error answer.
const maxErrorBody = 64 << 10

// caller makes single signed calls with the region, credentials, HTTP
// client and retryer of an aws.Config: the SDK's own parts, without the
// service client whose whole API a bootstrap would link (the Databricks
// SDK's protobuf switches off the linker's removal of unused methods).
type caller struct {
	cfg    aws.Config
	signer *v4.Signer
}

func newCaller(cfg aws.Config) caller { return caller{cfg: cfg, signer: v4.NewSigner()} }

// operation is one call: how the SDK names it, and what to send.
type operation struct {
	service   string // signing name: "s3", "secretsmanager"
	serviceID string // the SDK's name in errors: "S3", "Secrets Manager"
	name      string // "GetObject", "GetSecretValue"
	region    string // "" means the config's
	method    string
	url       string
	header    http.Header
	body      []byte
	// apiError reads the code and message of an error answer.
	apiError func(*http.Response) *smithy.GenericAPIError
}

// do makes op and returns the 2xx response; the caller closes its body.
// What the config's retryer deems retryable (throttling codes, 5xx, an
// unmodelled 429, connection errors) is tried again, up to its attempts,
// with cancellable waits. Errors are the SDK clients' own: a
// *smithy.OperationError wrapping an *awshttp.ResponseError around the
// answer's smithy.APIError, or around the credentials or transport error.
func (c caller) do(ctx context.Context, op operation) (*http.Response, error) {
	retryer := c.retryer()
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, op)
		if err == nil {
			return resp, nil
		}
		err = &smithy.OperationError{ServiceID: op.serviceID, OperationName: op.name, Err: err}
		if ctx.Err() != nil || attempt >= retryer.MaxAttempts() || !retryer.IsErrorRetryable(err) {
			return nil, err
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

func (c caller) retryer() aws.Retryer {
	if c.cfg.Retryer != nil {
		return c.cfg.Retryer()
	}
	return Options{}.Retryer()()
}

// once makes one signed attempt.
func (c caller) once(ctx context.Context, op operation) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, op.method, op.url, bytes.NewReader(op.body))
	if err != nil {
		return nil, err
	}
	for k, v := range op.header {
		req.Header[k] = v
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(op.body)
	hash := hex.EncodeToString(sum[:])
	region := cmp.Or(op.region, c.cfg.Region)
	if err := c.signer.SignHTTP(ctx, creds, req, hash, op.service, region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &smithyhttp.RequestSendError{Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer func() { _ = resp.Body.Close() }()
	return nil, responseError(resp, op.apiError(resp))
}

func (c caller) httpClient() aws.HTTPClient {
	if c.cfg.HTTPClient != nil {
		return c.cfg.HTTPClient
	}
	return http.DefaultClient
}

// responseError is the SDK's error for an error answer.
func responseError(resp *http.Response, api *smithy.GenericAPIError) error {
	if api.Code == "" {
		api.Code = http.StatusText(resp.StatusCode) // a body-less answer keeps its status
	}
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: api},
		RequestID:     cmp.Or(resp.Header.Get("X-Amzn-Requestid"), resp.Header.Get("X-Amz-Request-Id")),
	}
}

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
