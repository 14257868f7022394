// Package engineopts turns a pair's config into the engine's options. It is
// the one place where the CLI and the Lambda functions agree on what a
// config.Config means for a run; each caller adds only what it decides per
// run (dry run, run id, lease holder, trigger, the keys of a targeted sync).
package engineopts

import (
	"log/slog"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// Run is what the caller decides for one run; the config decides the rest.
type Run struct {
	// Kinds and Pulled come from Kinds.
	Kinds  []resource.Kind
	Pulled []string
	// Keys make the run targeted (see engine.Options.Keys); empty = full.
	Keys            []resource.Ref
	DryRun          bool
	AllowMassDelete bool
	RunID           string
	// Holder is the run-lease holder; "" means RunID.
	Holder   string
	Trigger  string
	LeaseTTL time.Duration
	Logger   *slog.Logger
}

// From returns the engine options for one run of cfg's pair.
func From(cfg *config.Config, run Run) engine.Options {
	return engine.Options{
		Pair: cfg.Pair, Kinds: run.Kinds, Pulled: run.Pulled, Keys: run.Keys,
		Warm:            Warm(cfg.WarmDR),
		Revert:          cfg.Drift.Revert,
		MaxDeleteShare:  cfg.DeleteGuard.MaxShare,
		AllowMassDelete: run.AllowMassDelete,
		DryRun:          run.DryRun,
		Concurrency:     cfg.RateLimits.Concurrency,
		Excluded:        cfg.Excluded,
		MapPath:         cfg.MapPath,
		UnmapPath:       cfg.UnmapPath,
		Rates:           Rates(cfg.RateLimits),
		RunID:           run.RunID,
		Holder:          run.Holder,
		Trigger:         run.Trigger,
		LeaseTTL:        run.LeaseTTL,
		Logger:          run.Logger,
	}
}

// Warm is the config's warm-DR block as the resource package's policy.
func Warm(w config.WarmDR) resource.WarmPolicy {
	return resource.WarmPolicy{
		PauseJobs: w.PauseJobs, TerminateClusters: w.TerminateClusters,
		PinClusters: w.PinClusters, PoolMinIdleZero: w.PoolMinIdleZero,
	}
}

// Rates is the config's per-endpoint budgets as the engine's pacing rates.
func Rates(r config.RateLimits) engine.Rates {
	return engine.Rates{
		Export:     float64(r.ExportPerSecond),
		Import:     float64(r.ImportPerSecond),
		JobsCreate: float64(r.JobsCreatePerSecond),
	}
}

// Kinds resolves the resource kinds of a run: list (a comma list such as
// "notebooks,jobs") when it is not blank, else the config's resources, else
// every kind; plus the kinds they depend on, which pulled names. Errors:
// kinds.Select's, unwrapped (the caller knows which flag or field list came
// from): an unknown resource name, listing the accepted ones.
func Kinds(cfg *config.Config, list string) (selected []resource.Kind, pulled []string, err error) {
	if strings.TrimSpace(list) == "" && len(cfg.Resources) > 0 {
		list = strings.Join(cfg.Resources, ",")
	}
	return kinds.Select(list)
}
