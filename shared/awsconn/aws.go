// Package awsconn builds what drsync talks to AWS through: the aws.Config
// every AWS client is made from (with a bounded retryer), and a reader of
// whole S3 objects by one signed GET. It imports no Databricks SDK, so a
// function that talks to AWS alone (replcheck) links none.
package awsconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/drsync/drsync/shared/config"
)

// Defaults of the AWS retryer: a Lambda has minutes, not the SDK's 20 s
// maximum backoff to spend on one throttled call.
const (
	DefaultMaxAttempts = 5
	DefaultMaxBackoff  = 2 * time.Second
)

// Options configures Config. The zero value is right for a Lambda
// function: region and credentials from its environment, AWS's own endpoints.
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

// Config loads the aws.Config every drsync AWS client is built from: the
// SDK's default chain for what opts leaves unset, the SDK's buildable HTTP
// client (the only kind it can add AWS_CA_BUNDLE's roots to; a plain
// *http.Client makes loading fail when that variable is set), and the
// standard retryer with bounded attempts and backoff, which retries
// throttling errors such as DynamoDB's ProvisionedThroughputExceededException.
// It makes no network call. Errors: the SDK failing to load (a bad shared
// config file or profile, an unreadable CA bundle), or no region anywhere.
func Config(ctx context.Context, opts Options) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsLoadOptions(opts)...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsconn: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("awsconn: no AWS region: set AWS_REGION (Lambda sets it) or Options.Region")
	}
	return cfg, nil
}

// awsLoadOptions turns opts into the SDK's load options.
func awsLoadOptions(opts Options) []func(*awsconfig.LoadOptions) error {
	load := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient()),
		awsconfig.WithRetryer(newRetryer(opts.MaxAttempts, opts.MaxBackoff)),
	}
	if opts.Region != "" {
		load = append(load, awsconfig.WithRegion(opts.Region))
	}
	if ep := awsEndpoint(opts); ep != "" {
		load = append(load, awsconfig.WithBaseEndpoint(ep))
	}
	if opts.Credentials != nil {
		load = append(load, awsconfig.WithCredentialsProvider(opts.Credentials))
	}
	return load
}

// awsEndpoint is opts.Endpoint, else DRSYNC_AWS_ENDPOINT.
func awsEndpoint(opts Options) string {
	if opts.Endpoint != "" {
		return opts.Endpoint
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv(config.EnvAWSEndpoint)
}

// newRetryer returns the provider of the standard retryer, bounded by
// maxAttempts and maxBackoff (0 = the drsync defaults). Each client gets its
// own retryer, and so its own retry token bucket.
func newRetryer(maxAttempts int, maxBackoff time.Duration) func() aws.Retryer {
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

// LambdaConfig is Config for a Lambda function: the region and the
// role's credentials that Lambda puts in the environment (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the same
// HTTP client and retryer. It leaves out the default chain's shared-file,
// SSO, STS and IMDS providers, which a function never uses and which add
// megabytes to every bootstrap. opts wins over the environment.
// Errors: no region, or no credentials, naming the variables to set.
func LambdaConfig(opts Options) (aws.Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := aws.Config{
		Region:      cmp.Or(opts.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		Credentials: opts.Credentials,
		HTTPClient:  awshttp.NewBuildableClient(),
		Retryer:     newRetryer(opts.MaxAttempts, opts.MaxBackoff),
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
	if ep := awsEndpoint(opts); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}
