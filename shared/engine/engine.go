// Package engine runs drsync's one sync loop for every kind: snapshot → plan →
// apply → ledger. The CLI and the Lambda functions both call it; only how they
// build its inputs differs.
package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/drsync/drsync/shared/apply"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/snapshot"
)

// Errors the caller maps to exit codes and run outcomes.
var (
	// ErrRefused: the delete guard refused the run; nothing was changed.
	ErrRefused = errors.New("delete guard refused the run")
	// ErrFailedOver: the pair has failed over to DR, so syncing primary → DR
	// would overwrite the live side.
	ErrFailedOver = errors.New("the pair is failed over: DR is active, sync refused")
	// ErrNotFailedOver: a reverse sync (DR → primary) on a pair whose primary
	// is active would overwrite the live side.
	ErrNotFailedOver = errors.New("the pair is not failed over: the primary is active, reverse sync refused")
)

// Result is what a run did.
type Result struct {
	Plan  *plan.Plan
	Run   ledger.Run
	Reads int // documents read while taking the snapshot
	// CatalogCalls are the calls made to read what the target can run and
	// the objects drsync does not copy (a handful per run, never per object).
	CatalogCalls int

	records []ledger.Record // every record of the pair when the run started
	input   *plan.Input     // what the plan was made from (Explain)
	matches *plan.Matches
}

// Plan reads both sides and the ledger and returns the plan. It writes nothing.
// Errors: ErrSameWorkspace, listing and ledger failures.
func Plan(ctx context.Context, src, tgt resource.Workspace, store ledger.Store, opts Options) (*Result, error) {
	opts.defaults()
	store = opts.records(store)
	if err := distinct(ctx, src, tgt); err != nil {
		return nil, err
	}
	res, _, err := planWithSnapshot(ctx, src, tgt, store, opts, opts.Rates.pacer(opts.Kinds))
	return res, err
}

// planWithSnapshot reads the ledger and both sides and builds the plan; pacer
// is the run's one rate budget, shared with the apply that follows.
func planWithSnapshot(ctx context.Context, src, tgt resource.Workspace, store ledger.Store, opts Options, pacer pacer) (*Result, *plan.Matches, error) {
	records, err := store.List(ctx, opts.Pair, "")
	if err != nil {
		return nil, nil, fmt.Errorf("read ledger: %w", err)
	}
	sopts := snapshot.Options{
		Excluded: opts.Excluded, MapPath: opts.MapPath, UnmapPath: opts.UnmapPath,
		Concurrency: opts.Concurrency,
		BeforeRead:  func(ctx context.Context, kind string) error { return pacer(ctx, kind, "read") },
	}
	var snap *snapshot.Snapshot
	if len(opts.Keys) > 0 {
		snap, err = snapshot.ListKeys(ctx, src, tgt, opts.Kinds, opts.Keys, records, sopts)
	} else {
		snap, err = snapshot.List(ctx, src, tgt, opts.Kinds, records, sopts)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	in := &plan.Input{
		Kinds: plan.Infos(opts.Kinds, opts.Warm, opts.Rewrite), Source: snap.Source, Target: snap.Target,
		Records: snap.Records, MapPath: opts.MapPath, Revert: opts.Revert,
		MaxDeleteShare: opts.MaxDeleteShare, AllowMassDelete: opts.AllowMassDelete, Pulled: opts.Pulled,
		Managed: snap.Managed, RetryFailed: opts.RetryFailed, Reverse: opts.Reverse,
	}
	matches := plan.Match(in)
	if err := snap.Hydrate(ctx, matches); err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	res := &Result{Reads: snap.Reads, Run: ledger.Run{ID: opts.RunID}, records: records, input: in, matches: matches}
	if res.Plan, res.CatalogCalls, err = build(ctx, src, tgt, in, snap.Source, opts); err != nil {
		return nil, nil, err
	}
	return res, matches, nil
}

// Sync plans and applies under the pair's run lease, fenced by its epoch, and
// writes a run record. A dry run stops at the dry-run gate before every
// mutation and writes nothing at all. Errors: ErrSameWorkspace (checked
// before anything is read), ErrRefused (delete guard), ErrFailedOver,
// ledger.ErrLeaseHeld, ledger.ErrLeaseLost, ledger.ErrFenced, listing failures.
// Action failures are not errors: they are in the plan and the run record.
func Sync(ctx context.Context, src, tgt resource.Workspace, store ledger.Store, opts Options) (*Result, error) {
	opts.defaults()
	store = opts.records(store)
	started := opts.Now()
	var fence ledger.Fence
	var check func() error
	if !opts.DryRun {
		l, runCtx, stop, err := hold(ctx, store, opts)
		if err != nil {
			return nil, err
		}
		defer stop()
		ctx, fence, check = runCtx, l.fence(), l.Check
	}
	// Under the lease: a run that cannot take it touches no workspace.
	if err := distinct(ctx, src, tgt); err != nil {
		return nil, err
	}
	pending, err := takePending(ctx, store, &opts)
	if err != nil {
		return nil, err
	}
	pace := opts.Rates.pacer(opts.Kinds)
	res, matches, err := planWithSnapshot(ctx, src, tgt, store, opts, pace)
	if err != nil {
		return nil, err
	}
	if opts.Planned != nil {
		opts.Planned(res.Plan)
	}
	if res.Plan.Guard.Refused {
		return res, finishRun(ctx, store, opts, res, started, ledger.OutcomeRefused, ErrRefused)
	}
	ap := apply.New(apply.Options{
		Pair: opts.Pair, Source: src, Target: tgt, Kinds: opts.Kinds, Store: store,
		Targets: newTargets(matches, res.records), Records: res.records,
		DryRun: opts.DryRun, Concurrency: opts.Concurrency, Fence: fence, Check: check,
		Warm: opts.Warm, MapPath: opts.MapPath, Pace: pace, Done: opts.Done,
		Logger: opts.Logger, Now: opts.Now,
	})
	applyErr := ap.Apply(ctx, res.Plan)
	if cause := context.Cause(ctx); applyErr != nil && cause != nil && !errors.Is(applyErr, cause) {
		applyErr = cause // the lease was lost: say so, not only "context canceled"
	}
	if applyErr == nil {
		settlePending(ctx, store, opts, pending, res.Plan)
	}
	return res, finishRun(ctx, store, opts, res, started, outcome(res.Plan, applyErr), applyErr)
}

// targets resolves a source key to its target id: the snapshot's matches first,
// then the ledger (a targeted run references objects it did not read).
type targets struct {
	matches *plan.Matches
	ledger  map[resource.Ref]string
}

func newTargets(m *plan.Matches, records []ledger.Record) targets {
	t := targets{matches: m, ledger: make(map[resource.Ref]string, len(records))}
	for _, r := range records {
		if r.TargetID != "" {
			t.ledger[resource.Ref{Kind: r.Kind, Key: r.SourceKey}] = r.TargetID
		}
	}
	return t
}

func (t targets) TargetID(kind, key string) (string, bool) {
	if id, ok := t.matches.TargetID(kind, key); ok {
		return id, true
	}
	id, ok := t.ledger[resource.Ref{Kind: kind, Key: key}]
	return id, ok
}
