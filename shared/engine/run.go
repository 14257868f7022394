package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// runTTL is how long run records are kept.
const runTTL = 90 * 24 * time.Hour

// maxRunErrors caps the errors kept on a run record.
const maxRunErrors = 20

// acquire takes the run lease and refuses a pair that has failed over. An
// acquire that failed for another reason than "held" may still have taken
// the lease (its answer lost after the write committed), so it is released,
// best effort: else every run after it would find it held for a whole TTL.
func acquire(ctx context.Context, store ledger.Store, opts Options) (ledger.PairState, error) {
	state, err := store.AcquireLease(ctx, opts.Pair, opts.Holder, opts.LeaseTTL, opts.Now())
	if err != nil {
		if errors.Is(err, ledger.ErrLeaseHeld) {
			return state, fmt.Errorf("pair %s: %w (holder %s until %s)", opts.Pair, err,
				state.LeaseHolder, state.LeaseExpiry.Format(time.RFC3339))
		}
		if rerr := store.ReleaseLease(context.WithoutCancel(ctx), opts.Pair, opts.Holder); rerr != nil {
			opts.Logger.WarnContext(ctx, "release a lease whose acquire failed", "error", rerr.Error())
		}
		return state, fmt.Errorf("take run lease: %w", err)
	}
	if state.ActiveSide != opts.activeSide() {
		_ = store.ReleaseLease(ctx, opts.Pair, opts.Holder)
		if opts.Reverse {
			return state, fmt.Errorf("pair %s at epoch %d: %w", opts.Pair, state.Epoch, ErrNotFailedOver)
		}
		return state, fmt.Errorf("pair %s at epoch %d: %w", opts.Pair, state.Epoch, ErrFailedOver)
	}
	return state, nil
}

func outcome(p *plan.Plan, applyErr error) ledger.Outcome {
	switch {
	case applyErr != nil:
		return ledger.OutcomeStopped
	case p.Summary().Failed > 0, p.Summary().Blocked > 0:
		return ledger.OutcomePartial
	default:
		return ledger.OutcomeOK
	}
}

// finishRun fills the run record and, unless dry, stores it. It returns runErr.
func finishRun(ctx context.Context, store ledger.Store, opts Options, res *Result, started time.Time, result ledger.Outcome, runErr error) error {
	s := res.Plan.Summary()
	res.Run = ledger.Run{
		ID: opts.RunID, Started: started, Finished: opts.Now(), Trigger: opts.Trigger, DryRun: opts.DryRun,
		Outcome: result, Drift: res.Plan.Drift, Kinds: kindNames(opts.Kinds, opts.Reverse),
		Counts: map[string]int{"create": s.Create, "update": s.Update, "delete": s.Delete,
			"skip": s.Skip, "failed": s.Failed, "blocked": s.Blocked, "unchanged": s.Unchanged},
	}
	for _, a := range res.Plan.Actions {
		if len(res.Run.Errors) >= maxRunErrors {
			break
		}
		switch {
		case a.Status == plan.StatusFailed:
			res.Run.Errors = append(res.Run.Errors, fmt.Sprintf("%s %s %s: %s", a.Op, a.Kind, a.Key, a.Error))
		case len(a.Blocked) > 0:
			res.Run.Errors = append(res.Run.Errors, fmt.Sprintf("blocked %s %s: %s", a.Kind, a.Key, plan.BlockedText(a.Blocked)))
		}
	}
	if runErr != nil && len(res.Run.Errors) < maxRunErrors {
		res.Run.Errors = append(res.Run.Errors, runErr.Error())
	}
	if opts.DryRun {
		return runErr
	}
	if err := store.PutRun(context.WithoutCancel(ctx), opts.Pair, res.Run, runTTL); err != nil {
		return errors.Join(runErr, fmt.Errorf("record run: %w", err))
	}
	return runErr
}

// kindNames names the run's kinds as the ledger keeps them for its direction.
func kindNames(ks []resource.Kind, reverse bool) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name()
		if reverse {
			out[i] = ledger.ReverseKind(out[i])
		}
	}
	return out
}
