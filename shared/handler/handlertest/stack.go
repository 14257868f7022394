// Package handlertest builds the local world a Lambda function of drsync runs
// in, for the handler tests, the local Lambda end-to-end test and the
// benchmarks: two emulated workspaces, and in moto a ledger table, an
// audit-log bucket and each workspace's credentials secret, plus the pair
// config file naming them all. Everything is real HTTP on 127.0.0.1 and is
// stopped (or left to moto's per-binary lifetime) when the test ends.
//
// A package that uses it runs moto through awstest, so its TestMain is
//
//	func TestMain(m *testing.M) { awstest.Main(m) }
package handlertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/databricks/databricks-sdk-go"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/fixture"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/resource"
)

// Pair is the pair name of every Stack.
const Pair = "dev-to-dr"

// SourceWorkspaceID is the source emulator's workspace id.
const SourceWorkspaceID int64 = 1234567890123456

// Options configure New.
type Options struct {
	// Estate seeds the source; nil means emulator.SampleEstate() without
	// emulator.SampleCatalogJob.
	Estate *emulator.Estate
	// Config edits the pair config before it is written (rate limits, kinds).
	Config func(*config.Config)
}

// Stack is one pair's local world. Every Stack has its own table, bucket and
// secrets in the binary's shared moto, so tests using Stacks may run in
// parallel.
type Stack struct {
	Source, Target       *emulator.Server
	SourceAPI, TargetAPI *databricks.WorkspaceClient
	Seed                 emulator.SeedReport

	Moto   *awstest.Moto
	AWS    aws.Config
	S3     *s3.Client
	Table  string
	Bucket string
	// SourceSecretARN and TargetSecretARN hold {"token": …} for each side.
	SourceSecretARN, TargetSecretARN string

	// ConfigPath is the pair config file; Config is what it holds.
	ConfigPath string
	Config     *config.Config
}

// stacks numbers the stacks of this binary, so their AWS names differ.
var stacks atomic.Int64

// New builds a Stack; it skips the test when moto_server is missing (see
// awstest.Start) and fails it when anything cannot be set up.
func New(t fixture.T, opts Options) *Stack {
	t.Helper()
	moto := awstest.Start(t)
	n := stacks.Add(1)
	s := &Stack{Moto: moto, AWS: moto.Config(t), Table: fmt.Sprintf("ledger-%d", n), Bucket: fmt.Sprintf("audit-logs-%d", n)}
	s.S3 = s3.NewFromConfig(s.AWS, func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	s.startWorkspaces(t, opts.Estate)
	ctx := context.Background()
	if err := dynamo.CreateTable(ctx, dynamodb.NewFromConfig(s.AWS), s.Table); err != nil {
		t.Fatal(err)
	}
	if _, err := s.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &s.Bucket}); err != nil {
		t.Fatalf("create bucket %s: %v", s.Bucket, err)
	}
	sm := secretsmanager.NewFromConfig(s.AWS)
	s.SourceSecretARN = createSecret(t, sm, fmt.Sprintf("drsync/%d/source", n), s.Source.Token())
	s.TargetSecretARN = createSecret(t, sm, fmt.Sprintf("drsync/%d/target", n), s.Target.Token())
	s.writeConfig(t, opts.Config)
	return s
}

// startWorkspaces serves the seeded source and the empty target.
func (s *Stack) startWorkspaces(t fixture.T, estate *emulator.Estate) {
	t.Helper()
	if estate == nil {
		// drsync does not copy warehouses, pipelines or notification destinations
		// yet: the sample's job naming them would be refused by the empty target.
		estate = emulator.SampleEstate().WithoutJobs(emulator.SampleCatalogJob)
	}
	// Rate limits off: the tests measure drsync, not the published limits.
	s.Source, s.SourceAPI = emutest.Start(t, emulator.Options{Seed: 5, WorkspaceID: SourceWorkspaceID, RateLimits: map[string]float64{}})
	s.Target, s.TargetAPI = emutest.Start(t, emulator.Options{Seed: 6, WorkspaceID: 6543210987654321, RateLimits: map[string]float64{}})
	rep, err := s.Source.Seed(estate)
	if err != nil {
		t.Fatalf("seed the source: %v", err)
	}
	s.Seed = rep
}

func createSecret(t fixture.T, sm *secretsmanager.Client, name, token string) string {
	t.Helper()
	value, _ := json.Marshal(map[string]string{"token": token})
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: &name, SecretString: aws.String(string(value)),
	})
	if err != nil {
		t.Fatalf("create secret %s: %v", name, err)
	}
	return *out.ARN
}

// writeConfig writes the pair config: the two emulators, each with its secret,
// every kind, and limits that do not slow a test down.
func (s *Stack) writeConfig(t fixture.T, edit func(*config.Config)) {
	t.Helper()
	c := config.Default()
	c.Pair = Pair
	c.Source = config.Endpoint{Host: s.Source.URL(), Auth: config.Auth{Type: config.AuthSecret, SecretARN: s.SourceSecretARN}}
	c.Target = config.Endpoint{Host: s.Target.URL(), Auth: config.Auth{Type: config.AuthSecret, SecretARN: s.TargetSecretARN}}
	c.Resources = nil
	c.RateLimits = config.RateLimits{RequestsPerSecond: 10000, ExportPerSecond: 1000, ImportPerSecond: 1000, JobsCreatePerSecond: 1000, Concurrency: 8}
	c.RetryTimeout = config.Duration{Duration: 20 * time.Second}
	if edit != nil {
		edit(c)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	s.ConfigPath = filepath.Join(t.TempDir(), "pair.json")
	if err := os.WriteFile(s.ConfigPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if s.Config, err = config.Load(s.ConfigPath); err != nil {
		t.Fatalf("the stack's config does not load: %v", err)
	}
}

// Env is the environment a function of this stack runs with: what the CDK
// stack sets, plus the local AWS endpoint and static test credentials.
func (s *Stack) Env() map[string]string {
	return map[string]string{
		config.EnvConfig:             s.ConfigPath,
		config.EnvPair:               Pair,
		config.EnvLedgerTable:        s.Table,
		config.EnvSourceSecretARN:    s.SourceSecretARN,
		config.EnvTargetSecretARN:    s.TargetSecretARN,
		config.EnvAWSEndpoint:        s.Moto.URL(),
		config.EnvLogLevel:           "info",
		handler.EnvSourceWorkspaceID: strconv.FormatInt(SourceWorkspaceID, 10),
		"AWS_REGION":                 awstest.Region,
		"AWS_ACCESS_KEY_ID":          "test",
		"AWS_SECRET_ACCESS_KEY":      "test",
	}
}

// Deps returns a function's Deps built directly (not from the environment):
// the emulators' clients built by connect as Load builds them (so drsync's
// User-Agent marks their writes), the stack's ledger table and bucket, and
// logs and EMF lines into the returned Output.
func (s *Stack) Deps(t fixture.T, name string) (*handler.Deps, *Output) {
	t.Helper()
	out := &Output{}
	return &handler.Deps{
		Core: function.Core{
			Function: name, Config: s.Config,
			Store:   dynamo.New(dynamodb.NewFromConfig(s.AWS), s.Table, dynamo.Options{}),
			Logger:  slog.New(slog.NewJSONHandler(&out.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Metrics: metrics.New(&out.Metrics, Pair),
		},
		Source:            s.workspace(t, connect.Source, s.Config.Source, s.Source.Token()),
		Target:            s.workspace(t, connect.Target, s.Config.Target, s.Target.Token()),
		Objects:           awsconn.NewS3Objects(s.AWS),
		SourceWorkspaceID: strconv.FormatInt(SourceWorkspaceID, 10),
	}, out
}

func (s *Stack) workspace(t fixture.T, side string, ep config.Endpoint, token string) resource.Workspace {
	t.Helper()
	w, err := connect.Workspace(context.Background(), side, ep, connect.Options{
		Version:      "dev",
		Credentials:  connect.Credentials{Token: token},
		RetryTimeout: 20 * time.Second, HTTPTimeout: 20 * time.Second, RateLimitPerSecond: 10000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return resource.Workspace{Side: side, API: w}
}

// Output collects what a function writes: log lines and EMF lines.
type Output struct {
	Logs    Buffer
	Metrics Buffer
}

// Buffer is a bytes.Buffer safe for concurrent writers.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// EMF returns the EMF documents among lines (JSON objects with "_aws"), in
// order.
func EMF(lines string) []map[string]any {
	var out []map[string]any
	for line := range strings.Lines(lines) {
		var doc map[string]any
		if json.Unmarshal([]byte(line), &doc) == nil && doc["_aws"] != nil {
			out = append(out, doc)
		}
	}
	return out
}
