package awsconn_test

import (
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// envOf is a Getenv that knows only DRSYNC_AWS_ENDPOINT.
func envOf(endpoint string) func(string) string {
	return func(name string) string {
		if name == config.EnvAWSEndpoint {
			return endpoint
		}
		return ""
	}
}

// The endpoint comes from DRSYNC_AWS_ENDPOINT (how a Lambda under the RIE
// finds moto), and an explicit one wins over it: a call that reached moto
// proves which was used, since AWS itself is unreachable here.
func TestConfigEndpoint(t *testing.T) {
	moto := awstest.Start(t)
	const dead = "http://127.0.0.1:1"
	for name, opts := range map[string]awsconn.Options{
		"from the environment":      {Getenv: envOf(moto.URL())},
		"explicit over environment": {Endpoint: moto.URL(), Getenv: envOf(dead)},
	} {
		opts.Region, opts.Credentials, opts.MaxAttempts = "us-east-1", testCreds, 1
		cfg, err := awsconn.Config(t.Context(), opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := dynamodb.NewFromConfig(cfg).ListTables(t.Context(), &dynamodb.ListTablesInput{}); err != nil {
			t.Errorf("%s: ListTables: %v", name, err)
		}
	}
}

// With AWS_CA_BUNDLE set (as on this project's machines) loading must work:
// the SDK adds the bundle only to its own buildable HTTP client and refuses
// a plain *http.Client.
func TestConfigWithCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(bundle, block, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	if _, err := awsconn.Config(t.Context(), awsconn.Options{Region: "us-east-1", Credentials: testCreds}); err != nil {
		t.Errorf("Config with AWS_CA_BUNDLE: %v", err)
	}
}

// Retries are bounded by MaxAttempts (default awsconn.DefaultMaxAttempts)
// and throttling is among what is retried, through real HTTP to a proxy that
// throttles every request.
func TestConfigRetryBounded(t *testing.T) {
	p := awstest.NewProxy(t, awstest.Start(t).URL())
	p.Inject(1000, awstest.DynamoDBError("ProvisionedThroughputExceededException", "slow down"))
	for _, c := range []struct{ maxAttempts, want int }{{0, awsconn.DefaultMaxAttempts}, {2, 2}} {
		cfg, err := awsconn.Config(t.Context(), awsconn.Options{
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
func TestConfigBackoffCapped(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}
	for _, c := range []struct{ opt, want time.Duration }{{0, awsconn.DefaultMaxBackoff}, {10 * time.Millisecond, 10 * time.Millisecond}} {
		cfg, err := awsconn.Config(t.Context(), awsconn.Options{Region: "us-east-1", Credentials: testCreds, MaxBackoff: c.opt})
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

// Without a region anywhere the error says where to set one, instead of every
// later call failing to resolve an endpoint.
func TestConfigNeedsRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	_, err := awsconn.Config(t.Context(), awsconn.Options{Credentials: testCreds})
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("Config without a region = %v, want an error naming AWS_REGION", err)
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
