package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger/bolt"
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
// shows each connection attempt they retry.
func workspaces(ctx context.Context, f *flags, cfg *config.Config, logger *slog.Logger) (src, tgt resource.Workspace, err error) {
	opts := connect.OptionsFrom(cfg, version)
	opts.Logger = logger
	sopts, topts := opts, opts
	sopts.Credentials.Profile, topts.Credentials.Profile = f.sourceProfile, f.targetProfile
	s, err := connect.Workspace(ctx, connect.Source, cfg.Source, sopts)
	if err != nil {
		return src, tgt, &exitError{code: exitUsage, err: err}
	}
	t, err := connect.Workspace(ctx, connect.Target, cfg.Target, topts)
	if err != nil {
		return src, tgt, &exitError{code: exitUsage, err: err}
	}
	return resource.Workspace{Side: connect.Source, API: s}, resource.Workspace{Side: connect.Target, API: t}, nil
}

// openLedger opens the ledger file: for a command that only reads (plan,
// status), a snapshot that never creates the file and works while a sync
// holds it. Errors: a missing file (read-only) or a path that cannot be
// opened exit 2; a file in use, corrupt or not a ledger exits 1.
func openLedger(ctx context.Context, cfg *config.Config, readOnly bool) (*bolt.Store, error) {
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
		return nil, usageErr("ledger file %s does not exist: check --ledger (or the config's ledger.path); the first sync creates it", path)
	case errors.As(err, &pe) && pe.Path == path:
		return nil, &exitError{code: exitUsage, err: err}
	}
	return nil, &exitError{code: exitFailed, err: err}
}

// closeLedger closes the ledger file; every write was already committed in
// its own transaction, so a failed close loses nothing and is not worth an exit code.
func closeLedger(store *bolt.Store) { _ = store.Close() }

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
	host, _ := os.Hostname()
	opts.AllowMassDelete, opts.DryRun, opts.RetryFailed = f.allowMassDelete, f.dryRun, f.retryFailed
	opts.RunID, opts.Trigger, opts.Logger = newRunID(), "cli", logger
	// The ledger file's lock already keeps two CLI runs apart, so a stable
	// holder lets a rerun after a killed run take the lease at once.
	opts.Holder = "cli@" + host
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
