package awsconn_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var testCreds = credentials.NewStaticCredentialsProvider("test", "test", "")

// Retries are bounded by MaxAttempts (default awsconn.DefaultMaxAttempts)
// and throttling is among what is retried, through real HTTP to a proxy that
// throttles every request.
func TestRetryBounded(t *testing.T) {
	p := awstest.NewProxy(t, awstest.Start(t).URL())
	p.Inject(1000, awstest.DynamoDBError("ProvisionedThroughputExceededException", "slow down"))
	for _, c := range []struct{ maxAttempts, want int }{{0, awsconn.DefaultMaxAttempts}, {2, 2}} {
		cfg, err := awsconn.LambdaConfig(awsconn.Options{
			Region: "us-east-1", Endpoint: p.URL(), Credentials: testCreds,
			MaxAttempts: c.maxAttempts, MaxBackoff: time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		before := p.Calls("ListTables")
		_, err = dynamodb.NewFromConfig(cfg).ListTables(t.Context(), &dynamodb.ListTablesInput{})
		var throttled *types.ProvisionedThroughputExceededException
		if !errors.As(err, &throttled) {
			t.Errorf("MaxAttempts %d: err = %v, want ProvisionedThroughputExceededException", c.maxAttempts, err)
		}
		if got := p.Calls("ListTables") - before; got != c.want {
			t.Errorf("MaxAttempts %d: %d attempts, want %d", c.maxAttempts, got, c.want)
		}
	}
}

// MaxBackoff caps every delay, throttles included (the SDK's own base for
// those is 1 s doubling up to 20 s, far too long inside a Lambda), and the
// default cap is awsconn.DefaultMaxBackoff.
func TestRetryBackoffCapped(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}
	for _, c := range []struct{ opt, want time.Duration }{{0, awsconn.DefaultMaxBackoff}, {10 * time.Millisecond, 10 * time.Millisecond}} {
		cfg, err := awsconn.LambdaConfig(awsconn.Options{Region: "us-east-1", Credentials: testCreds, MaxBackoff: c.opt})
		if err != nil {
			t.Fatal(err)
		}
		r := cfg.Retryer()
		if !r.IsErrorRetryable(throttle) {
			t.Fatal("a throttle is not retryable")
		}
		for attempt := 1; attempt <= 20; attempt++ {
			if d, err := r.RetryDelay(attempt, throttle); err != nil || d > c.want {
				t.Errorf("MaxBackoff %s: delay before attempt %d = %s, %v; want at most %s", c.opt, attempt+1, d, err, c.want)
			}
		}
	}
}

// A function's config comes from what Lambda puts in the environment alone:
// region and the role's credentials, the endpoint override too; missing
// ones are named.
func TestLambdaConfig(t *testing.T) {
	moto := awstest.Start(t)
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test",
		"AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "tok", config.EnvAWSEndpoint: moto.URL()}
	getenv := func(k string) string { return env[k] }
	cfg, err := awsconn.LambdaConfig(awsconn.Options{Getenv: getenv, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(t.Context(), &dynamodb.ListTablesInput{}); err != nil {
		t.Errorf("ListTables through the environment's config: %v", err)
	}
	if creds, _ := cfg.Credentials.Retrieve(t.Context()); creds.SessionToken != "tok" {
		t.Errorf("session token %q, want the environment's", creds.SessionToken)
	}
	for _, unset := range []string{"AWS_REGION", "AWS_SECRET_ACCESS_KEY"} {
		saved := env[unset]
		delete(env, unset)
		_, err := awsconn.LambdaConfig(awsconn.Options{Getenv: getenv})
		if err == nil || !strings.Contains(err.Error(), unset) {
			t.Errorf("without %s: err = %v, want it named", unset, err)
		}
		env[unset] = saved
	}
}
