// Package handler holds the Lambda functions' handlers: one file per function,
// each a typed func(ctx, In) (Out, error) that decodes its event, cuts the
// invocation's deadline by a margin, calls the engine and returns a summary.
// They are methods of Deps, which holds everything a function builds once per
// cold start (Load), so main.go only wires and the handlers are tested with
// the payloads in events/ through lambda.NewHandler(fn).Invoke.
package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/resource"
)

// EnvSourceWorkspaceID optionally names the source workspace's id: audit-log
// objects delivered under another workspaceId= partition, and records of
// another workspace, are then ignored.
const EnvSourceWorkspaceID = config.EnvSourceWorkspaceID

// envFunctionTimeout is the function timeout in seconds where the runtime
// tells it (the RIE does; AWS does not): it caps the SDK's retry budget.
const envFunctionTimeout = "AWS_LAMBDA_FUNCTION_TIMEOUT"

// Defaults of a Deps.
const (
	// DefaultMaxMargin is the most of an invocation's time kept back from the
	// engine, for writing the run record, releasing the lease, marking
	// audit-log records and returning the summary. A short invocation keeps
	// a quarter of its time instead.
	DefaultMaxMargin = 15 * time.Second
	// DefaultProcessedTTL is how long a processed audit-log record stays
	// marked: longer than Databricks keeps rewriting a delivered object.
	DefaultProcessedTTL = 30 * 24 * time.Hour
)

// Deps is what a function builds once per cold start. Load builds it from the
// environment; tests may fill it directly.
type Deps struct {
	// Function names the function in logs and metrics ("sync", "auditlog").
	Function string
	Config   *config.Config
	Source   resource.Workspace
	Target   resource.Workspace
	Store    ledger.Store
	// Objects reads delivered audit-log objects (auditlog only).
	Objects ObjectReader
	Logger  *slog.Logger
	Metrics *metrics.Emitter

	// Replication checks the config's bucket pairs (replcheck only).
	Replication *replication.Checker

	// SourceWorkspaceID, when set, makes other workspaces' audit logs foreign.
	SourceWorkspaceID string
	// MaxMargin and ProcessedTTL: 0 means the defaults above.
	MaxMargin    time.Duration
	ProcessedTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ObjectReader reads whole S3 objects (the auditlog function's deliveries).
type ObjectReader interface {
	// Open starts reading s3://bucket/key. Errors: awsconn.ErrNoSuchKey
	// (wrapped) when it does not exist.
	Open(ctx context.Context, bucket, key string) (io.ReadCloser, error)
}

var _ ObjectReader = (*awsconn.S3Objects)(nil)

// Setup is what Load needs besides the environment.
type Setup struct {
	// Function names the function ("sync", "auditlog").
	Function string
	// Version is drsync's version, sent in the Databricks User-Agent.
	Version string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Logs receives the JSON log lines, Metrics the EMF lines; nil means
	// os.Stderr and os.Stdout (Lambda ships both to CloudWatch Logs).
	Logs    io.Writer
	Metrics io.Writer
	// AWS overrides the AWS client settings (tests give static credentials);
	// the zero value is right in Lambda. Its Getenv defaults to Getenv.
	AWS awsconn.Options
	// Objects builds the reader of delivered audit-log objects (NewS3, for
	// the auditlog function); nil for a function that reads none, which then
	// links no S3 client at all.
	Objects func(aws.Config) ObjectReader
}

// Load builds a function's Deps from the environment:
//
//	DRSYNC_CONFIG                 path of the pair config file (required; the
//	                              stack's config layer puts it under /opt)
//	DRSYNC_PAIR                   optional; must equal the config's "pair"
//	DRSYNC_LEDGER_TABLE           the DynamoDB ledger table (required)
//	DRSYNC_SOURCE_SECRET_ARN      Secrets Manager secret of each side, JSON
//	DRSYNC_TARGET_SECRET_ARN      {"token": …} or {"client_id": …, "client_secret": …};
//	                              default: the config's <side>.auth.secret_arn
//	DRSYNC_SOURCE_WORKSPACE_ID    optional, see EnvSourceWorkspaceID
//	DRSYNC_AWS_ENDPOINT           optional AWS endpoint (moto, local runs)
//	DRSYNC_LOG_LEVEL              debug, info (default), warn or error
//
// It reads both secrets (the only network calls) and builds the AWS and
// Databricks clients; no secret value reaches the environment or a log.
// Errors name the variable or config field at fault: a missing or invalid
// variable, a config that does not load, a secret that cannot be read or
// does not hold one kind of credential, a client that cannot be built.
func Load(ctx context.Context, s Setup) (*Deps, error) {
	s.defaults()
	e, err := readEnv(s.Getenv)
	if err != nil {
		return nil, err
	}
	logger := newLogger(s.Logs, e.level, s.Function)
	cfg, err := loadConfig(e)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconn.LambdaConfig(s.AWS)
	if err != nil {
		return nil, err
	}
	src, tgt, err := workspaces(ctx, cfg, e, secretsmanager.NewFromConfig(awsCfg), s)
	if err != nil {
		return nil, err
	}
	d := &Deps{
		Function: s.Function, Config: cfg, Source: src, Target: tgt,
		Store:             dynamo.New(dynamodb.NewFromConfig(awsCfg), e.table, dynamo.Options{}),
		Logger:            logger.With("pair", cfg.Pair),
		Metrics:           metrics.New(s.Metrics, cfg.Pair),
		SourceWorkspaceID: e.workspaceID,
	}
	if s.Objects != nil {
		d.Objects = s.Objects(awsCfg)
	}
	return d, nil
}

func (s *Setup) defaults() {
	if s.Getenv == nil {
		s.Getenv = os.Getenv
	}
	if s.Logs == nil {
		s.Logs = os.Stderr
	}
	if s.Metrics == nil {
		s.Metrics = os.Stdout
	}
	if s.AWS.Getenv == nil {
		s.AWS.Getenv = s.Getenv
	}
}

// env is what Load reads from the environment.
type env struct {
	configPath, pair, table string
	sourceARN, targetARN    string
	workspaceID             string
	level                   slog.Level
	functionTimeout         time.Duration // 0: unknown
	getenv                  func(string) string
}

// readEnv reads and checks the variables. Errors: every missing or invalid
// one, joined, each naming its variable.
func readEnv(getenv func(string) string) (env, error) {
	e := env{
		configPath: getenv(config.EnvConfig), pair: getenv(config.EnvPair), table: getenv(config.EnvLedgerTable),
		sourceARN: getenv(config.EnvSourceSecretARN), targetARN: getenv(config.EnvTargetSecretARN),
		workspaceID: getenv(EnvSourceWorkspaceID), getenv: getenv,
	}
	var errs []error
	for _, v := range [][2]string{{config.EnvConfig, e.configPath}, {config.EnvLedgerTable, e.table}} {
		if v[1] == "" {
			errs = append(errs, fmt.Errorf("%s is not set; set it", v[0]))
		}
	}
	if err := e.level.UnmarshalText([]byte(orString(getenv(config.EnvLogLevel), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("%s: want debug, info, warn or error, got %q", config.EnvLogLevel, getenv(config.EnvLogLevel)))
	}
	if v := getenv(envFunctionTimeout); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: want whole seconds, got %q", envFunctionTimeout, v))
		}
		e.functionTimeout = time.Duration(n) * time.Second
	}
	if e.workspaceID != "" {
		if _, err := strconv.ParseUint(e.workspaceID, 10, 64); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a numeric workspace id, got %q", EnvSourceWorkspaceID, e.workspaceID))
		}
	}
	return e, errors.Join(errs...)
}

// loadConfig loads the pair config and checks DRSYNC_PAIR against it.
// Errors: config.Load's (naming file, position and field), an unknown
// resource name, a pair mismatch.
func loadConfig(e env) (*config.Config, error) {
	cfg, err := config.Load(e.configPath, engine.CheckConfig)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", config.EnvConfig, e.configPath, err)
	}
	if e.pair != "" && e.pair != cfg.Pair {
		return nil, fmt.Errorf("%s=%q but the config %s names pair %q; they must match",
			config.EnvPair, e.pair, e.configPath, cfg.Pair)
	}
	return cfg, nil
}

// newLogger returns the JSON logger every line of the function goes through,
// keyed as Lambda's own JSON log format is (timestamp, level, message).
func newLogger(w io.Writer, level slog.Level, function string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdacontext.ReplaceAttr})
	return slog.New(h).With("function", function)
}

// NewS3 returns the reader of audit-log objects (Setup.Objects).
func NewS3(cfg aws.Config) ObjectReader { return awsconn.NewS3Objects(cfg) }

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
