package awsconn

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsxml "github.com/aws/aws-sdk-go-v2/aws/protocol/xml"
	"github.com/aws/smithy-go"
)

// SNS limits a subject to 100 characters and a message to 256 KB.
const (
	maxSubject = 100
	maxMessage = 256 << 10
)

// Topic publishes to one SNS topic with one SigV4-signed Publish call each
// (the query protocol), over the region, credentials, HTTP client, endpoint
// and retryer of an aws.Config: what the failover function notifies with
// instead of the SDK's SNS client (see S3Objects for why).
type Topic struct {
	c   caller
	arn string
}

// NewTopic returns a publisher to the topic topicARN, which is addressed in
// the region it names. Errors: an ARN that is not one.
func NewTopic(cfg aws.Config, topicARN string) (*Topic, error) {
	if _, err := arn.Parse(topicARN); err != nil {
		return nil, fmt.Errorf("topic ARN %q: %w", topicARN, err)
	}
	return &Topic{c: newCaller(cfg), arn: topicARN}, nil
}

// Publish sends subject (cut to SNS's 100 characters, one line) and message
// (cut to 256 KB). Throttling, 5xx answers and connection errors are
// retried by the config's retryer. Errors: the SDK's *smithy.OperationError
// with SNS's code (NotFound, AuthorizationError, …) as its smithy.APIError,
// or a transport or credentials error.
func (t *Topic) Publish(ctx context.Context, subject, message string) error {
	a, _ := arn.Parse(t.arn) // checked by NewTopic
	form := url.Values{
		"Action": {"Publish"}, "Version": {"2010-03-31"}, "TopicArn": {t.arn},
		"Subject": {cut(strings.Join(strings.Fields(subject), " "), maxSubject)},
		"Message": {cut(message, maxMessage)},
	}
	resp, err := t.c.do(ctx, operation{
		service: "sns", serviceID: "SNS", name: "Publish", region: a.Region,
		method: http.MethodPost, url: t.endpoint(a.Region), body: []byte(form.Encode()),
		header:   http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		apiError: queryError,
	})
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return resp.Body.Close()
}

// endpoint is the config's BaseEndpoint (moto), else region's public one.
func (t *Topic) endpoint(region string) string {
	if ep := t.c.cfg.BaseEndpoint; ep != nil {
		return strings.TrimSuffix(*ep, "/") + "/"
	}
	return "https://sns." + region + ".amazonaws.com/"
}

// cut shortens s to at most n bytes, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// queryError reads a query-protocol error document
// (<ErrorResponse><Error><Code>…), by the SDK's own reader.
func queryError(resp *http.Response) *smithy.GenericAPIError {
	doc, _ := awsxml.GetErrorResponseComponents(io.LimitReader(resp.Body, maxErrorBody), false)
	return &smithy.GenericAPIError{Code: doc.Code, Message: doc.Message}
}
