package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// put records a successful write. The object exists in the target now, so a
// failed ledger write is reported but harmless: the next run adopts the object
// by its identity marker or path instead of creating it again.
func (a *Applier) put(ctx context.Context, act *plan.Action, got resource.Applied) error {
	rec := a.current(act.Kind, act.Key)
	rec.TargetID = got.ID
	rec.SourceHash, rec.TargetHash = act.Source.Hash, act.DesiredHash
	rec.SourceMark, rec.TargetMark = act.Source.Mark, got.Mark
	rec.Status, rec.LastError, rec.Failures, rec.Terminal = ledger.StatusSynced, "", 0, false
	rec.SyncedAt = a.opts.Now()
	if act.Attrs != nil {
		rec.Attrs = act.Attrs
	}
	if err := a.write(ctx, rec); err != nil {
		return fmt.Errorf("applied, but recording it failed: %w", err)
	}
	return nil
}

// markFailed keeps the failure on the object's record (a failed create gets
// a record with no target id): the error, how many attempts in a row
// failed, whether the cause is terminal, and the source it failed with, so
// a terminal failure is retried only once that source changes.
func (a *Applier) markFailed(ctx context.Context, act *plan.Action, cause error, class failure.Class) {
	if a.opts.DryRun {
		return
	}
	rec := a.current(act.Kind, act.Key)
	if rec.Status != ledger.StatusPending { // an unfinished create stays so: the next run finishes it
		rec.Status = ledger.StatusFailed
	}
	rec.LastError = cause.Error()
	rec.Failures++
	rec.Terminal = class == failure.Terminal
	if act.Op != plan.Delete {
		rec.SourceHash, rec.SourceMark = act.Source.Hash, act.Source.Mark
	}
	if err := a.write(ctx, rec); err != nil {
		a.opts.Logger.WarnContext(ctx, "recording a failure failed", "kind", act.Kind, "key", act.Key, "error", err.Error())
	}
}

// pending records that act's object is being created (id "" before the
// create) and its warm-DR state is not set yet.
func (a *Applier) pending(ctx context.Context, act *plan.Action, id string) error {
	rec := a.current(act.Kind, act.Key)
	rec.Status, rec.LastError = ledger.StatusPending, ""
	if id != "" {
		rec.TargetID = id
	}
	if act.Attrs != nil {
		rec.Attrs = act.Attrs
	}
	if err := a.write(ctx, rec); err != nil {
		return fmt.Errorf("record the create as pending: %w", err)
	}
	return nil
}

func (a *Applier) current(kind, key string) ledger.Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec, ok := a.records[resource.Ref{Kind: kind, Key: key}]
	if !ok {
		rec = ledger.Record{Kind: kind, SourceKey: key}
	}
	return rec
}

// write puts rec conditionally on the version this run last saw.
func (a *Applier) write(ctx context.Context, rec ledger.Record) error {
	saved, err := a.opts.Store.Put(ctx, a.opts.Pair, rec, a.opts.Fence)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.records[resource.Ref{Kind: rec.Kind, Key: rec.SourceKey}] = saved
	a.mu.Unlock()
	return nil
}

func (a *Applier) forget(ctx context.Context, kind, key string) error {
	rec := a.current(kind, key)
	if rec.Version == 0 {
		return nil
	}
	if err := a.opts.Store.Delete(ctx, a.opts.Pair, kind, key, rec.Version, a.opts.Fence); err != nil {
		return err
	}
	a.mu.Lock()
	delete(a.records, resource.Ref{Kind: kind, Key: key})
	a.mu.Unlock()
	return nil
}

// record writes the plan's bindings (objects found in sync: adoption, new
// change markers), marks blocked objects with their causes (for status and
// readiness), and forgets records whose object is gone from both sides.
func (a *Applier) record(ctx context.Context, p *plan.Plan) error {
	if a.opts.DryRun {
		return nil
	}
	var errs []error
	for _, b := range p.Bindings {
		rec := a.current(b.Kind, b.Key)
		rec.TargetID, rec.SourceHash, rec.TargetHash = b.TargetID, b.SourceHash, b.TargetHash
		rec.SourceMark, rec.TargetMark = b.SourceMark, b.TargetMark
		rec.Status, rec.LastError, rec.SyncedAt = ledger.StatusSynced, "", a.opts.Now()
		rec.Failures, rec.Terminal = 0, false
		if b.Attrs != nil {
			rec.Attrs = b.Attrs
		}
		if err := a.write(ctx, rec); err != nil {
			errs = append(errs, fmt.Errorf("record %s %s: %w", b.Kind, b.Key, err))
		}
	}
	for _, act := range p.Actions {
		if len(act.Blocked) == 0 {
			continue
		}
		rec := a.current(act.Kind, act.Key)
		why := plan.BlockedText(act.Blocked)
		if rec.Status == ledger.StatusBlocked && rec.LastError == why {
			continue
		}
		if rec.Status != ledger.StatusPending { // an unfinished create stays so: the next run finishes it
			rec.Status = ledger.StatusBlocked
		}
		rec.LastError = why
		if err := a.write(ctx, rec); err != nil {
			errs = append(errs, fmt.Errorf("record blocked %s %s: %w", act.Kind, act.Key, err))
		}
	}
	for _, r := range p.Forget {
		if err := a.forget(ctx, r.Kind, r.SourceKey); err != nil {
			errs = append(errs, fmt.Errorf("forget %s %s: %w", r.Kind, r.SourceKey, err))
		}
	}
	err := errors.Join(errs...)
	if errors.Is(err, ledger.ErrFenced) {
		return err
	}
	if err != nil {
		a.opts.Logger.WarnContext(ctx, "ledger bookkeeping incomplete", "error", err.Error())
	}
	return nil
}
