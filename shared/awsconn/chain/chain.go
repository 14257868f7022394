// Package chain loads an aws.Config through the AWS SDK's default chain:
// shared config files and profiles, SSO, STS web identity, the EC2 and ECS
// metadata endpoints. It is what the CLI and the tests use. A Lambda function
// uses awsconn.LambdaConfig instead: importing the SDK's config loader, as
// this package does, links its STS, SSO and sign-in clients into the binary
// (about 0.4 MB of every bootstrap).
package chain

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/drsync/drsync/shared/awsconn"
)

// Config loads the aws.Config the CLI's and the tests' AWS clients are
// built from: the SDK's default chain for what opts leaves unset, the SDK's
// buildable HTTP client (the only kind it can add AWS_CA_BUNDLE's roots to;
// a plain *http.Client makes loading fail when that variable is set), and
// opts' retryer (awsconn.Options.Retryer). It makes no network call.
// Errors: the SDK failing to load (a bad shared config file or profile, an
// unreadable CA bundle), or no region anywhere.
func Config(ctx context.Context, opts awsconn.Options) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, loadOptions(opts)...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("chain: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("chain: no AWS region: set AWS_REGION or Options.Region")
	}
	return cfg, nil
}

// loadOptions turns opts into the SDK's load options.
func loadOptions(opts awsconn.Options) []func(*awsconfig.LoadOptions) error {
	load := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient()),
		awsconfig.WithRetryer(opts.Retryer()),
	}
	if opts.Region != "" {
		load = append(load, awsconfig.WithRegion(opts.Region))
	}
	if ep := opts.BaseEndpoint(); ep != "" {
		load = append(load, awsconfig.WithBaseEndpoint(ep))
	}
	if opts.Credentials != nil {
		load = append(load, awsconfig.WithCredentialsProvider(opts.Credentials))
	}
	return load
}
