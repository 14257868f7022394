// Package function holds what every drsync Lambda function shares: reading
// its environment and pair config at a cold start, the JSON logger, the
// DynamoDB ledger, and per invocation the run id, the deadline margin the
// work stops at and the EMF line. The handlers build on it (shared/handler
// for sync and auditlog, shared/handler/replcheck). It imports no Databricks
// SDK, so that a function which talks to AWS alone links none: that SDK's
// protobuf switches off the linker's removal of unused methods, which makes
// every AWS client in the binary weigh its whole API.
package function

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/metrics"
)

// DefaultMaxMargin is the most of an invocation's time kept back from the
// work, for writing the run record, releasing the lease, marking audit-log
// records and returning the summary. A short invocation keeps a quarter of
// its time instead.
const DefaultMaxMargin = 15 * time.Second

// Core is what every function builds once per cold start and its handler
// works with. Load builds it from the environment; tests may fill it directly.
type Core struct {
	// Function names the function in logs and metrics ("sync", "replcheck").
	Function string
	Config   *config.Config
	Store    ledger.Store
	Logger   *slog.Logger
	Metrics  *metrics.Emitter
	// MaxMargin: 0 means DefaultMaxMargin.
	MaxMargin time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Setup is what Load needs besides the environment.
type Setup struct {
	// Function names the function ("sync", "auditlog", "replcheck").
	Function string
	// Version is drsync's version, sent in the Databricks User-Agent by the
	// functions that talk to Databricks.
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
}

// Loaded is what Load builds: the Core, the environment it read and the
// AWS config, for the clients a handler adds.
type Loaded struct {
	Core
	Env Env
	AWS aws.Config
}

// Load reads the environment (see ReadEnv), loads the pair config with
// checks besides config's own, and builds the AWS config from Lambda's
// environment, the DynamoDB ledger, the logger and the EMF emitter. It makes
// no network call. Errors name the variable or config field at fault.
func Load(s Setup, checks ...config.Check) (*Loaded, error) {
	s.defaults()
	e, err := ReadEnv(s.Getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(e, checks)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconn.LambdaConfig(s.AWS)
	if err != nil {
		return nil, err
	}
	return &Loaded{Env: e, AWS: awsCfg, Core: Core{
		Function: s.Function, Config: cfg,
		Store:   dynamo.New(dynamodb.NewFromConfig(awsCfg), e.Table, dynamo.Options{}),
		Logger:  newLogger(s.Logs, e.Level, s.Function).With("pair", cfg.Pair),
		Metrics: metrics.New(s.Metrics, cfg.Pair),
	}}, nil
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

// loadConfig loads the pair config and checks DRSYNC_PAIR against it.
// Errors: config.Load's (naming file, position and field), a failed check,
// a pair mismatch.
func loadConfig(e Env, checks []config.Check) (*config.Config, error) {
	cfg, err := config.Load(e.ConfigPath, checks...)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", config.EnvConfig, e.ConfigPath, err)
	}
	if e.Pair != "" && e.Pair != cfg.Pair {
		return nil, fmt.Errorf("%s=%q but the config %s names pair %q; they must match",
			config.EnvPair, e.Pair, e.ConfigPath, cfg.Pair)
	}
	return cfg, nil
}

// newLogger returns the JSON logger every line of the function goes through,
// keyed as Lambda's own JSON log format is (timestamp, level, message).
func newLogger(w io.Writer, level slog.Level, function string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdacontext.ReplaceAttr})
	return slog.New(h).With("function", function)
}
