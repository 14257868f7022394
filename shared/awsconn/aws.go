// Package awsconn builds what drsync's Lambda functions talk to AWS
// through: the aws.Config of a function (from Lambda's environment, with a
// bounded retryer), and signed calls of single operations where an SDK
// client would weigh too much: reading an S3 object, reading a secret. It
// imports neither the Databricks SDK (so a function that talks to AWS alone
// links none) nor the AWS SDK's config loader (package chain, for the CLI
// and tests).
package awsconn

import (
	"cmp"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/drsync/drsync/shared/config"
)

// Defaults of the AWS retryer: a Lambda has minutes, not the SDK's 20 s
// maximum backoff to spend on one throttled call.
const (
	DefaultMaxAttempts = 5
	DefaultMaxBackoff  = 2 * time.Second
)

// Options configures LambdaConfig and chain.Config. The zero value is right
// for a Lambda function: region and credentials from its environment, AWS's
// own endpoints.
type Options struct {
	// Region wins over AWS_REGION and the shared config files.
	Region string
	// Endpoint replaces every service's endpoint (moto, local runs); ""
	// means the DRSYNC_AWS_ENDPOINT variable, and if that is unset too the
	// SDK's regional endpoints.
	Endpoint string
	// Credentials wins over the default chain (the Lambda role, AWS_* variables,
	// profiles); tests pass static ones.
	Credentials aws.CredentialsProvider
	// MaxAttempts bounds the attempts of one call (throttling, 5xx, connection
	// errors are retried); 0 means DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the jittered delay between two attempts; 0 means
	// DefaultMaxBackoff.
	MaxBackoff time.Duration
	// Getenv reads DRSYNC_AWS_ENDPOINT; nil means os.Getenv.
	Getenv func(string) string
}

// BaseEndpoint is Endpoint, else DRSYNC_AWS_ENDPOINT; "" means AWS's own.
func (o Options) BaseEndpoint() string {
	if o.Endpoint != "" {
		return o.Endpoint
	}
	return o.getenv()(config.EnvAWSEndpoint)
}

func (o Options) getenv() func(string) string {
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}

// Retryer returns the provider of the SDK's standard retryer, bounded by
// MaxAttempts and MaxBackoff (0 = the drsync defaults), which retries
// throttling errors such as DynamoDB's ProvisionedThroughputExceededException.
// Each client gets its own retryer, and so its own retry token bucket.
func (o Options) Retryer() func() aws.Retryer {
	maxAttempts, maxBackoff := o.MaxAttempts, o.MaxBackoff
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = maxAttempts
			o.MaxBackoff = maxBackoff
		})
	}
}

// LambdaConfig is the aws.Config of a Lambda function: the region and the
// role's credentials that Lambda puts in the environment (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the SDK's
// buildable HTTP client and opts' retryer. It leaves out the default
// chain's shared-file, SSO, STS and IMDS providers (package chain), which a
// function never uses and which add megabytes to every bootstrap. opts wins
// over the environment. It makes no network call.
// Errors: no region, or no credentials, naming the variables to set.
func LambdaConfig(opts Options) (aws.Config, error) {
	getenv := opts.getenv()
	cfg := aws.Config{
		Region:      cmp.Or(opts.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		Credentials: opts.Credentials,
		HTTPClient:  awshttp.NewBuildableClient(),
		Retryer:     opts.Retryer(),
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("awsconn: no AWS region: set AWS_REGION (Lambda sets it) or Options.Region")
	}
	if cfg.Credentials == nil {
		id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return aws.Config{}, errors.New("awsconn: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them from the function's role)")
		}
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))
	}
	if ep := opts.BaseEndpoint(); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}
