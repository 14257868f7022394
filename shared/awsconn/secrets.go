package awsconn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/restjson"
	"github.com/aws/smithy-go"
)

// maxSecretAnswer caps what is read of a GetSecretValue answer: a secret
// holds at most 64 KB, base64 makes that 86 KB.
const maxSecretAnswer = 256 << 10

// Secrets reads secrets from AWS Secrets Manager with one SigV4-signed
// GetSecretValue call each (the JSON protocol), over the region,
// credentials, HTTP client, endpoint and retryer of an aws.Config.
//
// It is what the functions read workspace credentials with instead of the
// SDK's Secrets Manager client, whose whole API would weigh 0.4 MB in each
// bootstrap that links the Databricks SDK (see S3Objects); they need one
// operation. The signing, credentials, retry policy, error decoding and
// errors are the SDK's own.
type Secrets struct{ c caller }

// NewSecrets returns a reader for cfg.
func NewSecrets(cfg aws.Config) *Secrets { return &Secrets{c: newCaller(cfg)} }

// SecretValue is a secret's current value: a string, or binary data.
type SecretValue struct {
	// String is the secret's text; nil when it holds binary data.
	String *string `json:"SecretString"`
	Binary []byte  `json:"SecretBinary"`
}

// GetSecretValue reads the current value of the secret id: a name, or an
// ARN, which is read in the region it names (a DR stack may read the
// primary region's secrets; Secrets Manager answers only in the secret's
// region). Throttling, 5xx answers and connection errors are retried by the
// config's retryer. Errors: the SDK's *smithy.OperationError with Secrets
// Manager's code (ResourceNotFoundException, AccessDeniedException, …) as
// its smithy.APIError; a transport or credentials error; an answer that is
// not the JSON document of a value.
func (s *Secrets) GetSecretValue(ctx context.Context, id string) (SecretValue, error) {
	body, err := json.Marshal(map[string]string{"SecretId": id})
	if err != nil {
		return SecretValue{}, err
	}
	region := s.c.cfg.Region
	if a, err := arn.Parse(id); err == nil {
		region = a.Region
	}
	resp, err := s.c.do(ctx, operation{
		service: "secretsmanager", serviceID: "Secrets Manager", name: "GetSecretValue", region: region,
		method: http.MethodPost, url: s.endpoint(region), body: body,
		header: http.Header{
			"Content-Type": {"application/x-amz-json-1.1"},
			"X-Amz-Target": {"secretsmanager.GetSecretValue"},
		},
		apiError: jsonError,
	})
	if err != nil {
		return SecretValue{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	var v SecretValue
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxSecretAnswer)).Decode(&v); err != nil {
		// The decoder's message can quote part of the value: not wrapped.
		return SecretValue{}, fmt.Errorf("secretsmanager: GetSecretValue answer is not a JSON secret value (HTTP %d)", resp.StatusCode)
	}
	return v, nil
}

// endpoint is the config's BaseEndpoint (moto, a local run), else
// region's public endpoint. Databricks on AWS runs in the aws and
// aws-us-gov partitions, both under amazonaws.com; the SDK's resolver,
// which knows every partition, would add 130 KB to every bootstrap.
func (s *Secrets) endpoint(region string) string {
	if ep := s.c.cfg.BaseEndpoint; ep != nil {
		return strings.TrimSuffix(*ep, "/") + "/"
	}
	return "https://secretsmanager." + region + ".amazonaws.com/"
}

// jsonError reads a JSON-protocol error answer, by the SDK's own reader:
// the code from the X-Amzn-ErrorType header, else the body's __type.
func jsonError(resp *http.Response) *smithy.GenericAPIError {
	code := restjson.SanitizeErrorCode(resp.Header.Get("X-Amzn-ErrorType"))
	api, err := restjson.GetSmithyGenericAPIError(json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)), code)
	if err != nil {
		// A garbled body leaves the code to the header or the status.
		return &smithy.GenericAPIError{Code: code}
	}
	return api
}
