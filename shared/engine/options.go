package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/drsync/drsync/shared/catalog"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
	"github.com/drsync/drsync/shared/rewrite"
)

// Options configure a run. OptionsFor fills what the pair's config decides;
// the caller adds what it decides per run (dry run, run id, lease holder,
// trigger, the keys of a targeted sync, callbacks).
type Options struct {
	Pair  string
	Kinds []resource.Kind // chosen kinds in dependency order, fresh for the run
	// Keys, when set, make the run targeted: only these objects (and, for
	// workspace paths, what is under them) are read and planned, as an
	// audit-log event asks. Empty means a full reconcile.
	Keys   []resource.Ref
	Pulled []string // kinds added as dependencies, for the plan's header

	Warm resource.WarmPolicy
	// Rewrite are the pair's rewrite rules (nil: none).
	Rewrite *rewrite.Rules
	// Catalog, when set, makes the catalog the run resolves references to
	// objects drsync does not copy with, and checks what it writes against
	// (shared/catalog); nil checks nothing.
	Catalog         func(src, tgt resource.Workspace) Catalog
	Revert          bool
	MaxDeleteShare  float64
	AllowMassDelete bool
	// RetryFailed retries objects whose last attempt failed terminally even
	// though their source has not changed since (drsync sync --retry-failed).
	RetryFailed bool
	DryRun      bool
	Concurrency int

	Excluded  func(sourcePath string) bool
	MapPath   func(string) string
	UnmapPath func(string) (string, bool)
	Rates     Rates

	// Reverse syncs the other way (the DR workspace is the source), which only
	// a failed-over pair does, to bring the primary up to date before a
	// failback; its records are kept apart (ledger.Reverse).
	Reverse bool

	RunID   string
	Holder  string // lease holder; default RunID
	Trigger string
	// LeaseTTL is how long the run lease lasts between renewals; default 1 min.
	LeaseTTL time.Duration

	// Planned is called with the plan before it is applied (progress output).
	Planned func(*plan.Plan)
	Done    func(plan.Action) // progress callback per settled action
	Logger  *slog.Logger
	Now     func() time.Time
}

// CheckConfig is the config.Check of what the engine knows and the config
// does not: every name in "resources" is a kind's. Pass it to config.Load.
func CheckConfig(cfg *config.Config) error {
	var errs []error
	for i, name := range cfg.Resources {
		if _, _, err := kinds.Select(name); err != nil {
			errs = append(errs, &config.FieldError{Field: fmt.Sprintf("resources[%d]", i), Msg: err.Error()})
		}
	}
	resources := kinds.ResourceNames()
	for i, r := range cfg.Rewrite {
		for j, name := range r.Kinds {
			if !slices.Contains(resources, name) {
				errs = append(errs, &config.FieldError{Field: fmt.Sprintf("rewrite[%d].kinds[%d]", i, j),
					Msg: fmt.Sprintf("unknown resource %q (known: %s)", name, strings.Join(resources, ", "))})
			}
		}
	}
	if _, err := cfg.Rules(ownedField(kinds.All())); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ownedField reports the fields a rewrite rule may not touch: the references
// drsync remaps itself, its identity marker, and the fields it never copies
// (output-only ones, a concrete zone: the DR workspace picks its own),
// wherever the rule's key path would meet them.
func ownedField(ks []resource.Kind) func(string) (string, bool) {
	owned := map[string]string{}
	for _, k := range ks {
		s := k.Schema()
		for f, kind := range s.Refs {
			owned[f] = "a reference to a " + kind + " drsync remaps to its DR copy"
		}
		if s.Marker != "" {
			owned[s.Marker] = "drsync's identity marker"
		}
		for _, f := range s.Drop {
			if _, ref := owned[f]; !ref {
				owned[f] = "a field drsync does not copy"
			}
		}
	}
	return func(field string) (string, bool) {
		want := strings.Split(field, ".")
		for _, f := range slices.Sorted(maps.Keys(owned)) {
			have := strings.Split(f, ".")
			if endsWith(have, want) || endsWith(want, have) {
				return owned[f], true
			}
		}
		return "", false
	}
}

// endsWith reports whether the key path segs ends with the segments of tail.
func endsWith(segs, tail []string) bool {
	return len(segs) >= len(tail) && slices.Equal(segs[len(segs)-len(tail):], tail)
}

// OptionsFor returns the options of one run of cfg's pair: its kinds (the
// config's resources, else all, with what they depend on), warm-DR policy,
// drift, delete guard, scope, path map and rate budgets.
// Errors: CheckConfig's.
func OptionsFor(cfg *config.Config) (Options, error) {
	if err := CheckConfig(cfg); err != nil {
		return Options{}, err
	}
	ks, pulled, err := kinds.Select(cfg.Resources...)
	if err != nil {
		return Options{}, err
	}
	rules, err := cfg.Rules(ownedField(ks))
	if err != nil {
		return Options{}, err
	}
	m := cfg.IDMap
	ids := catalog.IDMap{Warehouses: m.Warehouses, Pipelines: m.Pipelines, Destinations: m.Destinations,
		Queries: m.Queries, Dashboards: m.Dashboards, Alerts: m.Alerts}
	r := cfg.RateLimits
	return Options{
		Pair: cfg.Pair, Kinds: ks, Pulled: pulled, Rewrite: rules,
		Catalog: func(src, tgt resource.Workspace) Catalog { return catalog.New(src, tgt, ids) },
		Warm: resource.WarmPolicy{
			PauseJobs: cfg.WarmDR.PauseJobs, TerminateClusters: cfg.WarmDR.TerminateClusters,
			PinClusters: cfg.WarmDR.PinClusters, PoolMinIdleZero: cfg.WarmDR.PoolMinIdleZero,
		},
		Revert:         cfg.Drift.Revert,
		MaxDeleteShare: cfg.DeleteGuard.MaxShare,
		Concurrency:    r.Concurrency,
		Excluded:       cfg.Excluded,
		MapPath:        cfg.MapPath,
		UnmapPath:      cfg.UnmapPath,
		Rates: Rates{
			resource.RateExport:     float64(r.ExportPerSecond),
			resource.RateImport:     float64(r.ImportPerSecond),
			resource.RateJobsCreate: float64(r.JobsCreatePerSecond),
		},
	}, nil
}

// Select replaces the run's kinds with those of a comma list of resource
// names (--resources) and what they depend on; a blank list keeps the config's.
// Errors: kinds.Select's (an unknown name, listing the accepted ones).
func (o *Options) Select(list string) error {
	if strings.Trim(list, ", ") == "" {
		return nil
	}
	ks, pulled, err := kinds.Select(list)
	if err != nil {
		return err
	}
	o.Kinds, o.Pulled = ks, pulled
	return nil
}

// Reversed is o for the other direction: the DR workspace is the source,
// the path map and the scope apply the other way round (a DR path is in
// scope when the primary path it maps from is).
func (o Options) Reversed() Options {
	o.Reverse = true
	mapPath, unmapPath, excluded := o.MapPath, o.UnmapPath, o.Excluded
	if mapPath == nil {
		mapPath = func(p string) string { return p }
	}
	if unmapPath == nil {
		unmapPath = func(p string) (string, bool) { return p, true }
	}
	o.MapPath = func(p string) string {
		if src, ok := unmapPath(p); ok {
			return src
		}
		return p
	}
	o.UnmapPath = func(p string) (string, bool) { return mapPath(p), true }
	if excluded != nil {
		o.Excluded = func(p string) bool {
			src, ok := unmapPath(p)
			return !ok || excluded(src)
		}
	}
	return o
}

// records is the ledger as the run's direction sees it.
func (o *Options) records(store ledger.Store) ledger.Store {
	if o.Reverse {
		return ledger.Reverse(store)
	}
	return store
}

// activeSide is the side that must be active for the run's direction.
func (o *Options) activeSide() string {
	if o.Reverse {
		return SideDR
	}
	return SidePrimary
}

// The sides of a pair, as the ledger's PairState.ActiveSide names them.
const (
	SidePrimary = "primary"
	SideDR      = "dr"
)

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Holder == "" {
		o.Holder = o.RunID
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = time.Minute
	}
}
