package replcheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/handler/replcheck"
	"github.com/drsync/drsync/shared/ledger/dynamo"
)

// Load builds the function from its environment alone, with no workspace
// credentials anywhere (no secret ARN, no auth block): the check it runs
// reaches the environment's S3 and writes the environment's ledger table.
// A missing variable is named.
func TestLoadNeedsNoWorkspaceCredentials(t *testing.T) {
	t.Parallel()
	moto := awstest.Start(t)
	n := replTables.Add(1)
	table, src, dst := fmt.Sprintf("replcheck-load-%d", n), fmt.Sprintf("load-east-%d", n), fmt.Sprintf("load-west-%d", n)
	cfg := moto.Config(t)
	if err := dynamo.CreateTable(t.Context(), dynamodb.NewFromConfig(cfg), table); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{src, dst} {
		if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &b}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		config.EnvConfig: pairConfig(t, "s3://"+src+"/tables/", "s3://"+dst+"/tables/"), config.EnvLedgerTable: table,
		config.EnvAWSEndpoint: moto.URL(), "AWS_REGION": awstest.Region,
	}
	out := &handlertest.Buffer{}
	setup := function.Setup{Function: "replcheck", Getenv: func(k string) string { return env[k] }, Logs: out, Metrics: out,
		AWS: awsconn.Options{Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}}
	d, err := replcheck.Load(setup)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := handlertest.Invoke[replcheck.Summary](t, d.Check, handlertest.Event(t, "replcheck-scheduled.json"), "req-load", time.Minute)
	if err != nil || sum.Outcome != replcheck.OutcomeUnhealthy || len(sum.Pairs) != 1 || sum.Pairs[0].Result == nil {
		t.Fatalf("a check of two unversioned buckets: %+v, %v\n%s", sum, err, out.String())
	}
	if results, err := d.Store.ReplicationResults(context.Background(), handlertest.Pair); err != nil || len(results) != 1 {
		t.Errorf("ledger results %+v, %v", results, err)
	}
	delete(env, config.EnvLedgerTable)
	if _, err := replcheck.Load(setup); err == nil || !strings.Contains(err.Error(), config.EnvLedgerTable) {
		t.Errorf("without %s: %v", config.EnvLedgerTable, err)
	}
}

// pairConfig writes a pair config with one bucket pair and no auth blocks.
func pairConfig(t *testing.T, source, target string) string {
	t.Helper()
	c := config.Default()
	c.Pair = handlertest.Pair
	c.Source = config.Endpoint{Host: "https://src.cloud.databricks.com"}
	c.Target = config.Endpoint{Host: "https://dr.cloud.databricks.com"}
	c.Replication.BucketPairs = []config.BucketPair{{Source: source, Target: target}}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pair.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
