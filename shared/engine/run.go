package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
)

// runTTL is how long run records are kept.
const runTTL = 90 * 24 * time.Hour

// maxRunErrors caps the errors kept on a run record.
const maxRunErrors = 20

// acquire takes the run lease and refuses a pair that has failed over.
func acquire(ctx context.Context, store ledger.Store, opts Options) (ledger.PairState, error) {
	state, err := store.AcquireLease(ctx, opts.Pair, opts.Holder, opts.LeaseTTL, opts.Now())
	if err != nil {
		if errors.Is(err, ledger.ErrLeaseHeld) {
			return state, fmt.Errorf("pair %s: %w (holder %s until %s)", opts.Pair, err,
				state.LeaseHolder, state.LeaseExpiry.Format(time.RFC3339))
		}
		return state, fmt.Errorf("take run lease: %w", err)
	}
	if state.ActiveSide == "dr" {
		_ = store.ReleaseLease(ctx, opts.Pair, opts.Holder)
		return state, fmt.Errorf("pair %s at epoch %d: %w", opts.Pair, state.Epoch, ErrFailedOver)
	}
	return state, nil
}

// renew keeps the lease alive while the run lasts; the returned func stops it.
func renew(ctx context.Context, store ledger.Store, opts Options) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(opts.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := store.AcquireLease(ctx, opts.Pair, opts.Holder, opts.LeaseTTL, opts.Now()); err != nil && ctx.Err() == nil {
					opts.Logger.WarnContext(ctx, "renew run lease", "error", err.Error())
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func outcome(p *plan.Plan, applyErr error) ledger.Outcome {
	switch {
	case applyErr != nil:
		return ledger.OutcomeStopped
	case p.Summary().Failed > 0:
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
		Outcome: result, Drift: res.Plan.Drift,
		Counts: map[string]int{"create": s.Create, "update": s.Update, "delete": s.Delete,
			"skip": s.Skip, "failed": s.Failed, "unchanged": s.Unchanged},
	}
	for _, a := range res.Plan.Actions {
		if a.Status == plan.StatusFailed && len(res.Run.Errors) < maxRunErrors {
			res.Run.Errors = append(res.Run.Errors, fmt.Sprintf("%s %s %s: %s", a.Op, a.Kind, a.Key, a.Error))
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
