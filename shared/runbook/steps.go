package runbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// step is one step's work; it notes what it did on rep.
type step func(d *Deps, ctx context.Context, st *State, rep *StepReport) error

var steps = map[string]step{
	StepReadiness: (*Deps).stepReadiness,
	StepFreeze:    (*Deps).stepFreeze,
	StepFinalSync: (*Deps).stepFinalSync,
	StepFence:     (*Deps).stepFence,
	StepActivate:  (*Deps).stepActivate,
	StepVerify:    (*Deps).stepVerify,
	StepRecord:    (*Deps).stepRecord,
}

// stepReadiness fails with NotReadyError unless the standby is ready or the
// input forces.
func (d *Deps) stepReadiness(ctx context.Context, st *State, rep *StepReport) error {
	ready, err := d.readiness(ctx, st)
	if err != nil {
		return err
	}
	st.Ready, st.Epoch = ready, ready.Epoch
	rep.Notes = ready.Reasons
	if !ready.Ready && !st.Force {
		return &NotReadyError{Reasons: ready.Reasons}
	}
	if !ready.Ready {
		rep.Notes = append(rep.Notes, "not ready, but forced")
	}
	return nil
}

// stepFreeze stops, best effort, what runs on its own on the side being left
// (job schedules), and records what it stopped. A side that does not answer
// is skipped with a note: it is down, which is why there is a failover.
func (d *Deps) stepFreeze(ctx context.Context, st *State, rep *StepReport) error {
	r := d.roles(st.Direction)
	if err := d.answers(ctx, r.from); err != nil {
		st.LeftDown = err.Error()
		rep.Outcome = OutcomeSkipped
		rep.Notes = append(rep.Notes, "the side being left does not answer: "+st.LeftDown)
		return nil
	}
	return d.eachRecord(ctx, r, func(k resource.Kind, rec ledger.Record) {
		f, ok := k.(resource.Freezer)
		if !ok {
			return
		}
		if st.DryRun {
			rep.Notes = append(rep.Notes, fmt.Sprintf("would freeze %s %s", rec.Kind, rec.SourceKey))
			return
		}
		was, err := f.Freeze(ctx, r.from, rec.SourceKey)
		switch {
		case err != nil:
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s %s: %v", rec.Kind, rec.SourceKey, err))
		case len(was) > 0:
			st.Frozen = append(st.Frozen, Frozen{Kind: rec.Kind, Key: rec.SourceKey, Facts: was})
		}
	})
}

// stepFinalSync syncs a last time from the side being left, best effort and
// bounded in time, after asking every other run to stop.
func (d *Deps) stepFinalSync(ctx context.Context, st *State, rep *StepReport) error {
	r := d.roles(st.Direction)
	if st.LeftDown != "" {
		rep.Outcome = OutcomeSkipped
		rep.Notes = append(rep.Notes, "the side being left did not answer the freeze: "+st.LeftDown)
		return nil
	}
	if !st.DryRun {
		if err := d.takeOver(ctx, st.Execution); err != nil {
			return err
		}
	}
	opts, err := engine.OptionsFor(d.Config)
	if err != nil {
		return err
	}
	src, tgt := d.Primary, d.DR
	if r.reverse {
		opts, src, tgt = opts.Reversed(), d.DR, d.Primary
	}
	opts.RunID, opts.Holder, opts.Trigger = st.Execution+"-final-sync", st.Execution, st.Direction+"-final-sync"
	opts.DryRun, opts.Logger, opts.LeaseTTL = st.DryRun, d.logger(), d.leaseTTL()
	sctx, cancel := context.WithTimeout(ctx, d.Config.Failover.FinalSyncTimeout.Duration)
	defer cancel()
	res, err := engine.Sync(sctx, src, tgt, d.Store, opts)
	if res != nil {
		s := res.Plan.Summary()
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d created, %d updated, %d deleted, %d failed, %d unchanged",
			s.Create, s.Update, s.Delete, s.Failed, s.Unchanged))
	}
	if err != nil {
		rep.Outcome = OutcomeFailed // best effort: the switch goes on
		rep.Notes = append(rep.Notes, "final sync: "+err.Error())
	}
	return nil
}

// stepFence makes the side taking over the active one and moves the epoch
// on, in one conditional write, holding the lease: no run started before it
// can write after it.
func (d *Deps) stepFence(ctx context.Context, st *State, rep *StepReport) error {
	r := d.roles(st.Direction)
	if st.DryRun {
		rep.Notes = append(rep.Notes, fmt.Sprintf("would make %s active at epoch %d", r.after, st.Epoch+1))
		return nil
	}
	if err := d.takeOver(ctx, st.Execution); err != nil {
		return err
	}
	defer func() {
		if err := d.Store.ReleaseLease(context.WithoutCancel(ctx), d.Config.Pair, st.Execution); err != nil {
			d.logger().WarnContext(ctx, "release the runbook's lease", "error", err.Error())
		}
	}()
	now, err := d.Store.SetActive(ctx, d.Config.Pair, r.after, st.Epoch, st.Execution)
	if errors.Is(err, ledger.ErrConflict) {
		return &FencedError{Msg: fmt.Sprintf("the pair is at epoch %d, not %d: another switch happened", now.Epoch, st.Epoch)}
	}
	if err != nil {
		return err
	}
	st.Epoch = now.Epoch
	rep.Notes = append(rep.Notes, fmt.Sprintf("%s active at epoch %d", now.ActiveSide, now.Epoch))
	return nil
}

// stepActivate gives each object on the side taking over the state the
// other side had (warm DR's recorded facts, and what the freeze found), then
// seeds the opposite direction's records so the next sync (or the way back)
// adopts what exists instead of copying it twice.
func (d *Deps) stepActivate(ctx context.Context, st *State, rep *StepReport) error {
	r := d.roles(st.Direction)
	facts, policy := st.activation()
	err := d.eachRecord(ctx, r, func(k resource.Kind, rec ledger.Record) {
		a, ok := k.(resource.Activator)
		if !ok || rec.TargetID == "" {
			return
		}
		want := facts(rec)
		if st.DryRun {
			rep.Notes = append(rep.Notes, fmt.Sprintf("would activate %s %s with %v", rec.Kind, rec.TargetID, want))
			return
		}
		note, err := a.Activate(ctx, r.to, rec.TargetID, want, policy)
		switch {
		case err != nil:
			rep.Outcome = OutcomeFailed
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s %s: %v", rec.Kind, rec.TargetID, err))
		case note != "":
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s %s: %s", rec.Kind, rec.TargetID, note))
		}
	})
	if err != nil || st.DryRun {
		return err
	}
	return d.seedOpposite(ctx, st, r)
}

// stepVerify reads the side taking over back and lists where it differs from
// what must now be active.
func (d *Deps) stepVerify(ctx context.Context, st *State, rep *StepReport) error {
	r := d.roles(st.Direction)
	if !st.DryRun {
		state, err := d.Store.State(ctx, d.Config.Pair)
		if err != nil {
			return err
		}
		if state.ActiveSide != r.after {
			st.Diffs = append(st.Diffs, fmt.Sprintf("the active side is %s, want %s", state.ActiveSide, r.after))
		}
	}
	facts, policy := st.activation()
	err := d.eachRecord(ctx, r, func(k resource.Kind, rec ledger.Record) {
		a, ok := k.(resource.Activator)
		if !ok || rec.TargetID == "" || st.DryRun {
			return
		}
		diffs, err := a.Check(ctx, r.to, rec.TargetID, facts(rec), policy)
		if err != nil {
			diffs = []string{err.Error()}
		}
		for _, diff := range diffs {
			st.Diffs = append(st.Diffs, fmt.Sprintf("%s %s: %s", rec.Kind, rec.TargetID, diff))
		}
	})
	rep.Notes = append(rep.Notes, fmt.Sprintf("%d difference(s)", len(st.Diffs)))
	return err
}

// stepRecord writes the runbook's record to the ledger and notifies. It also
// withdraws the stop request when no switch happened.
func (d *Deps) stepRecord(ctx context.Context, st *State, rep *StepReport) error {
	if st.Outcome == "" {
		st.Outcome = OutcomeDone
		if len(st.Diffs) > 0 {
			st.Outcome = "done-with-differences"
		}
	}
	if !st.DryRun && st.Outcome == OutcomeFailed {
		d.clearStop(ctx, st.Execution)
	}
	detail, err := json.Marshal(st)
	if err != nil {
		return err
	}
	outcome := ledger.OutcomeOK
	if st.Outcome != OutcomeDone {
		outcome = ledger.OutcomePartial
		if st.Outcome == OutcomeFailed {
			outcome = ledger.Outcome(OutcomeFailed)
		}
	}
	if !st.DryRun {
		run := ledger.Run{ID: st.Execution, Started: st.Started, Finished: d.now(), Trigger: st.Direction,
			Outcome: outcome, Errors: st.Diffs, Detail: detail}
		if err := d.Store.PutRun(ctx, d.Config.Pair, run, recordTTL); err != nil {
			return err
		}
	}
	if d.Notify != nil {
		subject := fmt.Sprintf("drsync %s of %s: %s", st.Direction, d.Config.Pair, st.Outcome)
		if err := d.Notify(ctx, subject, st.Summary()); err != nil {
			rep.Notes = append(rep.Notes, "notify: "+err.Error())
		}
	}
	return nil
}

// eachRecord calls fn for each record of the direction whose kind has an
// adapter.
func (d *Deps) eachRecord(ctx context.Context, r roles, fn func(resource.Kind, ledger.Record)) error {
	recs, err := r.records.List(ctx, d.Config.Pair, "")
	if err != nil {
		return err
	}
	byName := adapters()
	for _, rec := range recs {
		if k, ok := byName[rec.Kind]; ok {
			fn(k, rec)
		}
	}
	return nil
}

// seedOpposite writes, for each record of the direction just activated, the
// record the opposite direction would have made (source and target swapped),
// where it has none yet: the first sync the other way then adopts every
// object it finds instead of creating it again. Hashes and marks swap with
// the sides, so content that has not changed since is not read again.
func (d *Deps) seedOpposite(ctx context.Context, st *State, r roles) error {
	this, opposite := r.records, ledger.Store(ledger.Reverse(d.Store))
	if r.reverse {
		opposite = d.Store
	}
	recs, err := this.List(ctx, d.Config.Pair, "")
	if err != nil {
		return err
	}
	fence := ledger.Fence{Epoch: st.Epoch}
	for _, rec := range recs {
		if rec.TargetID == "" || ledger.IsReverse(rec.Kind) || rec.Status != ledger.StatusSynced {
			continue
		}
		seed := ledger.Record{Kind: rec.Kind, SourceKey: rec.TargetID, TargetID: rec.SourceKey,
			SourceHash: rec.TargetHash, TargetHash: rec.SourceHash, SourceMark: rec.TargetMark, TargetMark: rec.SourceMark,
			Status: ledger.StatusSynced, SyncedAt: d.now()}
		_, err := opposite.Put(ctx, d.Config.Pair, seed, fence)
		if err != nil && !errors.Is(err, ledger.ErrConflict) { // an existing record stays
			return fmt.Errorf("seed the %s record of %s %s: %w", "opposite", rec.Kind, rec.TargetID, err)
		}
	}
	return nil
}

// activation is what Activate gives each object and Verify checks: the
// facts warm DR recorded for it with what the freeze found laid over them,
// and the input's policy.
func (st *State) activation() (func(ledger.Record) map[string]string, resource.ActivatePolicy) {
	frozen := map[resource.Ref]map[string]string{}
	for _, f := range st.Frozen {
		frozen[resource.Ref{Kind: f.Kind, Key: f.Key}] = f.Facts
	}
	facts := func(rec ledger.Record) map[string]string {
		return merged(rec.Attrs, frozen[resource.Ref{Kind: rec.Kind, Key: rec.SourceKey}])
	}
	return facts, resource.ActivatePolicy{Start: st.StartClusters}
}

// merged is a copy of base with over laid on it.
func merged(base, over map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, over)
	return out
}
