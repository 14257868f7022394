package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger/bolt"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// defaultPair keys the ledger when neither --pair nor a config names the pair.
const defaultPair = "default"

// loadConfig builds the pair config: the --config file (or the defaults), with
// the flags laid over it, validated. Errors are usage errors (exit 2).
func loadConfig(f *flags) (*config.Config, error) {
	var cfg *config.Config
	if f.config != "" {
		c, err := config.Load(f.config)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		cfg = c
	} else {
		cfg = config.Default()
		cfg.Pair, cfg.Source, cfg.Target = defaultPair, config.Endpoint{}, config.Endpoint{}
	}
	if f.source != "" {
		cfg.Source.Host = f.source
	}
	if f.target != "" {
		cfg.Target.Host = f.target
	}
	if f.pair != "" {
		cfg.Pair = f.pair
	}
	if f.ledger != "" {
		cfg.Ledger.Path = f.ledger
	}
	if f.output != "text" && f.output != "json" {
		return nil, usageErr("--output: want text or json, got %q", f.output)
	}
	if cfg.Source.Host == "" || cfg.Target.Host == "" {
		return nil, usageErr("both --source and --target are required (or a --config naming them)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

// selectKinds resolves --resources (else the config's resources) to adapters.
func selectKinds(f *flags, cfg *config.Config) ([]resource.Kind, []string, error) {
	list := f.resources
	if list == "" && len(cfg.Resources) > 0 {
		list = strings.Join(cfg.Resources, ",")
	}
	ks, pulled, err := kinds.Select(list)
	if err != nil {
		return nil, nil, usageErr("--resources: %v", err)
	}
	return ks, pulled, nil
}

// workspaces builds the two clients, each from an explicit config.
func workspaces(ctx context.Context, f *flags, cfg *config.Config) (src, tgt resource.Workspace, err error) {
	opts := connect.OptionsFrom(cfg, version)
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

func openLedger(cfg *config.Config) (*bolt.Store, error) {
	store, err := bolt.Open(cfg.Ledger.Path, bolt.Options{})
	if err != nil {
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("open ledger: %w", err)}
	}
	return store, nil
}

// closeLedger closes the ledger file; every write was already committed in
// its own transaction, so a failed close loses nothing and is not worth an exit code.
func closeLedger(store *bolt.Store) { _ = store.Close() }

// engineOptions turns the config into the engine's options.
func engineOptions(cfg *config.Config, ks []resource.Kind, pulled []string, f *flags, logger *slog.Logger) engine.Options {
	host, _ := os.Hostname()
	return engine.Options{
		Pair: cfg.Pair, Kinds: ks, Pulled: pulled,
		Warm: resource.WarmPolicy{
			PauseJobs: cfg.WarmDR.PauseJobs, TerminateClusters: cfg.WarmDR.TerminateClusters,
			PinClusters: cfg.WarmDR.PinClusters, PoolMinIdleZero: cfg.WarmDR.PoolMinIdleZero,
		},
		Revert:          cfg.Drift.Revert,
		MaxDeleteShare:  cfg.DeleteGuard.MaxShare,
		AllowMassDelete: f.allowMassDelete,
		DryRun:          f.dryRun,
		Concurrency:     cfg.RateLimits.Concurrency,
		Excluded:        cfg.Excluded,
		MapPath:         cfg.MapPath,
		UnmapPath:       cfg.UnmapPath,
		Rates: engine.Rates{
			Export: float64(cfg.RateLimits.ExportPerSecond), Import: float64(cfg.RateLimits.ImportPerSecond),
			JobsCreate: float64(cfg.RateLimits.JobsCreatePerSecond),
		},
		RunID: newRunID(),
		// The ledger file's lock already keeps two CLI runs apart, so a stable
		// holder lets a rerun after a killed run take the lease at once.
		Holder:  "cli@" + host,
		Trigger: "cli",
		Logger:  logger,
	}
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
