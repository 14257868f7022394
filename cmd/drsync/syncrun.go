package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/plan"
)

// runSync runs `plan` (planOnly) or `sync` (of what f.auditFiles name, with
// --from-audit-log), prints the plan with outcomes, and maps the result to
// an exit code.
func runSync(ctx context.Context, f *flags, stdout, stderr io.Writer, planOnly bool) error {
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	logger := newLogger(stderr)
	opts, err := engineOptions(cfg, f, logger)
	if err != nil {
		return err
	}
	src, tgt, err := workspaces(ctx, f, cfg, logger)
	if err != nil {
		return err
	}
	if f.reverse {
		opts, src, tgt = opts.Reversed(), tgt, src
	}
	store, err := openLedger(ctx, cfg, planOnly)
	if err != nil {
		return err
	}
	defer closeLedger(store)
	if err := checkDirection(ctx, store, cfg.Pair, f.reverse); err != nil {
		return err
	}
	if f.fromAuditLog {
		return syncAuditFiles(ctx, f, cfg, src, tgt, store, logger, stdout)
	}
	if f.explain != "" {
		return runExplain(ctx, f, src, tgt, store, opts, stdout)
	}
	var bar *progressbar.ProgressBar
	if f.output == "text" && !f.noProgress && isTerminal(stderr) && !planOnly && !f.dryRun {
		opts.Planned = func(p *plan.Plan) { bar = newBar(stderr, len(p.Actions)) }
		opts.Done = func(plan.Action) { _ = bar.Add(1) }
	}
	var res *engine.Result
	if planOnly {
		res, err = engine.Plan(ctx, src, tgt, store, opts)
	} else {
		res, err = engine.Sync(ctx, src, tgt, store, opts)
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if res != nil {
		if perr := printPlan(stdout, f.output, res.Plan); perr != nil {
			return &exitError{code: exitFailed, err: perr}
		}
	}
	return exitFor(res, err)
}

func exitFor(res *engine.Result, err error) error {
	switch {
	case errors.Is(err, engine.ErrRefused):
		return &exitError{code: exitRefused, err: err}
	case errors.Is(err, engine.ErrSameWorkspace):
		return &exitError{code: exitUsage, err: err}
	case errors.Is(err, engine.ErrFailedOver), errors.Is(err, engine.ErrNotFailedOver):
		return wrongDirection(err)
	case err != nil:
		return &exitError{code: exitFailed, err: err}
	case res.Plan.Summary().Failed > 0 || res.Plan.Summary().Blocked > 0:
		s := res.Plan.Summary()
		return &exitError{code: exitFailed, err: fmt.Errorf("%d action(s) failed and %d are blocked (see the plan); the rest were applied", s.Failed, s.Blocked)}
	}
	return nil
}

// checkDirection refuses, before any workspace is read, a sync the pair's
// active side forbids: the engine refuses it too under the lease, but a plan
// or a dry run takes no lease and would show a plan nobody may apply.
// Errors: exit 1 saying how to proceed; the ledger's.
func checkDirection(ctx context.Context, store ledger.Store, pair string, reverse bool) error {
	state, err := store.State(ctx, pair)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("read the pair's state: %w", err)}
	}
	switch {
	case !reverse && state.ActiveSide == engine.SideDR:
		return wrongDirection(fmt.Errorf("pair %s at epoch %d: %w", pair, state.Epoch, engine.ErrFailedOver))
	case reverse && state.ActiveSide != engine.SideDR:
		return wrongDirection(fmt.Errorf("pair %s at epoch %d: %w", pair, state.Epoch, engine.ErrNotFailedOver))
	}
	return nil
}

// wrongDirection is the engine's direction refusal with what to do instead.
func wrongDirection(err error) error {
	hint := "DR is the live side now: carry its changes back to the primary with `drsync sync --reverse`, " +
		"then return with `drsync failback`"
	if errors.Is(err, engine.ErrNotFailedOver) {
		hint = "the primary is the live side: sync primary → DR with `drsync sync` (no --reverse)"
	}
	return &exitError{code: exitFailed, err: fmt.Errorf("%w; %s", err, hint)}
}

func printPlan(w io.Writer, output string, p *plan.Plan) error {
	if output == "json" {
		return plan.WriteJSON(w, p)
	}
	return plan.WriteText(w, p)
}

func isTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(file.Fd()) || isatty.IsCygwinTerminal(file.Fd()))
}

func newBar(w io.Writer, total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("applying"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
}
