package engine

import (
	"context"
	"fmt"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// takePending reads the objects audit-log events left pending while another
// run held the lease (a dry run reads none). A targeted run adds them to its
// keys; a full run covers them anyway. Errors: the ledger's.
func takePending(ctx context.Context, store ledger.Store, opts *Options) ([]ledger.PendingKey, error) {
	if opts.DryRun {
		return nil, nil
	}
	pending, err := store.Pending(ctx, opts.Pair)
	if err != nil {
		return nil, fmt.Errorf("read pending objects: %w", err)
	}
	if len(opts.Keys) > 0 {
		for _, k := range pending {
			opts.Keys = append(opts.Keys, resource.Ref{Kind: k.Kind, Key: k.Key})
		}
	}
	return pending, nil
}

// settlePending clears the pending objects the run read at its start, but
// those whose action failed (they wait for the next run) and those recorded
// again since (ClearPending keeps them). A failure to clear is only logged:
// the next run syncs them once more, which changes nothing.
func settlePending(ctx context.Context, store ledger.Store, opts Options, pending []ledger.PendingKey, p *plan.Plan) {
	if len(pending) == 0 {
		return
	}
	paths := resource.PathKinds(opts.Kinds)
	var done []ledger.PendingKey
	for _, k := range pending {
		if !failedUnder(p, resource.Ref{Kind: k.Kind, Key: k.Key}, paths) {
			done = append(done, k)
		}
	}
	if err := store.ClearPending(context.WithoutCancel(ctx), opts.Pair, done); err != nil {
		opts.Logger.WarnContext(ctx, "clear pending objects", "error", err.Error())
	}
}

// failedUnder reports whether an action on an object key covers failed.
func failedUnder(p *plan.Plan, key resource.Ref, paths map[string]bool) bool {
	for _, a := range p.Actions {
		if a.Status == plan.StatusFailed && resource.Covers(key, resource.Ref{Kind: a.Kind, Key: a.Key}, paths) {
			return true
		}
	}
	return false
}
