package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awsconn/chain"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/resource"
)

// defaultPair keys the ledger when neither --pair nor a config names the pair.
const defaultPair = "default"

// ledgerConfig is the --config file (or the defaults) with --pair and --ledger
// laid over it: all `status` needs. Errors are usage errors (exit 2).
func ledgerConfig(f *flags) (*config.Config, error) {
	if f.output != "text" && f.output != "json" {
		return nil, usageErr("--output: want text or json, got %q", f.output)
	}
	cfg := config.Default()
	cfg.Pair, cfg.Source, cfg.Target = defaultPair, config.Endpoint{}, config.Endpoint{}
	if f.config != "" {
		c, err := config.Load(f.config, engine.CheckConfig)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		cfg = c
	}
	if f.pair != "" {
		cfg.Pair = f.pair
	}
	if f.ledger != "" {
		cfg.Ledger.Path = f.ledger
	}
	return cfg, nil
}

// loadConfig builds the pair config: ledgerConfig plus the workspace flags,
// validated. Errors are usage errors (exit 2).
func loadConfig(f *flags) (*config.Config, error) {
	cfg, err := ledgerConfig(f)
	if err != nil {
		return nil, err
	}
	for _, h := range []struct{ flag, host string }{{"--source", f.source}, {"--target", f.target}} {
		if h.host == "" {
			continue
		}
		if err := config.CheckHost(h.host); err != nil {
			return nil, usageErr("%s: %v", h.flag, err)
		}
	}
	if f.source != "" {
		cfg.Source.Host = f.source
	}
	if f.target != "" {
		cfg.Target.Host = f.target
	}
	if cfg.Source.Host == "" || cfg.Target.Host == "" {
		return nil, usageErr("both --source and --target are required (or a --config naming them)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

// workspaces builds the two clients, each from an explicit config; logger
// shows each connection attempt they retry. Errors: exit 2 (credentials,
// profile).
func workspaces(ctx context.Context, f *flags, cfg *config.Config, logger *slog.Logger) (src, tgt resource.Workspace, err error) {
	if src, err = sideWorkspace(ctx, f, cfg, connect.Source, logger); err != nil {
		return src, tgt, &exitError{code: exitUsage, err: err}
	}
	if tgt, err = sideWorkspace(ctx, f, cfg, connect.Target, logger); err != nil {
		return src, tgt, &exitError{code: exitUsage, err: err}
	}
	return src, tgt, nil
}

// sideWorkspace builds the client of one side (connect.Source or Target).
func sideWorkspace(ctx context.Context, f *flags, cfg *config.Config, side string, logger *slog.Logger) (resource.Workspace, error) {
	opts := connect.OptionsFrom(cfg, version)
	opts.Logger = logger
	ep, profile := cfg.Source, f.sourceProfile
	if side == connect.Target {
		ep, profile = cfg.Target, f.targetProfile
	}
	opts.Credentials.Profile = profile
	c, err := connect.Workspace(ctx, side, ep, opts)
	if err != nil {
		return resource.Workspace{}, err
	}
	return resource.Workspace{Side: side, API: c}, nil
}

// dynamoLedger is the --ledger prefix of the pair's DynamoDB ledger table.
const dynamoLedger = "dynamodb://"

// sharedLedger reports whether the ledger is the pair's DynamoDB table, which
// the Lambda functions and other operators use too (no file lock).
func sharedLedger(cfg *config.Config) bool { return strings.HasPrefix(cfg.Ledger.Path, dynamoLedger) }

// openLedger opens the ledger: dynamodb://TABLE is the pair's DynamoDB table
// (the standard AWS credential chain, AWS_REGION, AWS_ENDPOINT_URL), so a
// manual run takes the same lease as the functions and sees a failed-over
// pair; anything else is a bbolt file. For a command that only reads (plan,
// status) a file is a snapshot that never creates it and works while a sync
// holds it. Errors: a missing file (read-only), a missing table, or a path
// that cannot be opened exit 2; a file in use, corrupt or not a ledger exits 1.
func openLedger(ctx context.Context, cfg *config.Config, readOnly bool) (ledger.Store, error) {
	if table, ok := strings.CutPrefix(cfg.Ledger.Path, dynamoLedger); ok {
		return openDynamo(ctx, table)
	}
	path := cfg.Ledger.Path
	var store *bolt.Store
	var err error
	if readOnly {
		store, err = bolt.OpenReadOnly(ctx, path, bolt.Options{})
	} else {
		store, err = bolt.Open(path, bolt.Options{})
	}
	var pe *fs.PathError
	switch {
	case err == nil:
		return store, nil
	case readOnly && errors.Is(err, fs.ErrNotExist):
		return nil, missingLedger(path)
	case errors.As(err, &pe) && pe.Path == path:
		return nil, &exitError{code: exitUsage, err: err}
	}
	return nil, &exitError{code: exitFailed, err: err}
}

// openExistingLedger opens the ledger for writing, but only one that
// exists: a failover on a mistyped --ledger must not start a new, empty one.
// Errors: as openLedger's.
func openExistingLedger(ctx context.Context, cfg *config.Config) (ledger.Store, error) {
	if !sharedLedger(cfg) {
		if _, err := os.Stat(cfg.Ledger.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, missingLedger(cfg.Ledger.Path)
		}
	}
	return openLedger(ctx, cfg, false)
}

func missingLedger(path string) error {
	return usageErr("ledger file %s does not exist: check --ledger (or the config's ledger.path); the first sync creates it", path)
}

// openDynamo opens the DynamoDB ledger table, checking that it exists.
func openDynamo(ctx context.Context, table string) (ledger.Store, error) {
	if table == "" {
		return nil, usageErr("--ledger %sTABLE: the table name is missing", dynamoLedger)
	}
	awsCfg, err := chain.Config(ctx, awsconn.Options{})
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	client := dynamodb.NewFromConfig(awsCfg)
	if _, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table}); err != nil {
		var missing *types.ResourceNotFoundException
		if errors.As(err, &missing) {
			return nil, usageErr("ledger table %s does not exist in %s: check --ledger", table, awsCfg.Region)
		}
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("ledger table %s: %w", table, err)}
	}
	return dynamo.New(client, table, dynamo.Options{}), nil
}

// closeLedger closes the ledger; every write was already committed on its
// own, so a failed close loses nothing and is not worth an exit code.
func closeLedger(store ledger.Store) { _ = store.Close() }

// engineOptions turns the config and the flags into the engine's options:
// the config's, with --resources choosing the kinds when given.
// Errors are usage errors (exit 2): an unknown resource name.
func engineOptions(cfg *config.Config, f *flags, logger *slog.Logger) (engine.Options, error) {
	opts, err := engine.OptionsFor(cfg)
	if err != nil {
		return opts, &exitError{code: exitUsage, err: err}
	}
	if err := opts.Select(f.resources); err != nil {
		return opts, usageErr("--resources: %v", err)
	}
	opts.AllowMassDelete, opts.DryRun, opts.RetryFailed = f.allowMassDelete, f.dryRun, f.retryFailed
	opts.RunID, opts.Trigger, opts.Logger = newRunID(), "cli", logger
	// The ledger file's lock already keeps two CLI runs apart, so a stable
	// holder lets a rerun after a killed run take the lease at once. A shared
	// table has no such lock: each run holds the lease as itself.
	if !sharedLedger(cfg) {
		host, _ := os.Hostname()
		opts.Holder = "cli@" + host
	}
	return opts, nil
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// newLogger logs warnings (DRSYNC_LOG_LEVEL=debug|info|warn|error) to stderr.
func newLogger(stderr io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv(config.EnvLogLevel))); err != nil || os.Getenv(config.EnvLogLevel) == "" {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}
