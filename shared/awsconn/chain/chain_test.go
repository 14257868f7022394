package chain_test

import (
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awsconn/chain"
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
		cfg, err := chain.Config(t.Context(), opts)
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
	if _, err := chain.Config(t.Context(), awsconn.Options{Region: "us-east-1", Credentials: testCreds}); err != nil {
		t.Errorf("Config with AWS_CA_BUNDLE: %v", err)
	}
}

// Without a region anywhere the error says where to set one, instead of every
// later call failing to resolve an endpoint.
func TestConfigNeedsRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	_, err := chain.Config(t.Context(), awsconn.Options{Credentials: testCreds})
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("Config without a region = %v, want an error naming AWS_REGION", err)
	}
}
