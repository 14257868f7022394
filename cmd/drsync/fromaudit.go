package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// syncArgs checks sync's arguments before anything runs: audit-log files
// that exist with --from-audit-log, and no flag its targeted sync takes no
// part of; no arguments without it. Errors: exit 2.
func syncArgs(f *flags) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case !f.fromAuditLog && len(args) > 0:
			return usageErr("sync takes no arguments, got %q (audit-log files go after --from-audit-log)", args)
		case !f.fromAuditLog:
			return nil
		case len(args) == 0:
			return usageErr("--from-audit-log needs at least one FILE: drsync sync --from-audit-log auditlogs_0001.json ...")
		}
		for _, name := range auditExclusive {
			if cmd.Flags().Changed(name) {
				return usageErr("--from-audit-log runs the auditlog function's targeted sync, which takes no --%s "+
					"(`drsync audit-keys FILE...` shows what the files name)", name)
			}
		}
		for _, name := range args {
			if _, err := os.Stat(name); err != nil {
				return usageErr("--from-audit-log: %v", err)
			}
		}
		return nil
	}
}

// auditExclusive are the sync flags the auditlog function's targeted sync
// has no use for: it syncs what the records name, with the config's kinds.
var auditExclusive = []string{"dry-run", "reverse", "resources", "retry-failed", "allow-mass-delete"}

// auditSyncReport is `sync --from-audit-log --output json`: each file's
// summary, as the auditlog function returns it.
type auditSyncReport struct {
	Deliveries []handler.AuditlogSummary `json:"deliveries"`
}

// syncAuditFiles runs, for each of f.auditFiles in turn, what the auditlog
// function runs for one delivered object (handler.Deps.AuditlogObject): the
// same parsing, dedupe against the ledger's processed records, one targeted
// sync of the objects the new records name, and the marking. Records of
// another workspace than the source's are ignored. Errors: exit 3 when the
// delete guard refused; exit 1 when a sync failed, actions failed, or the
// pair is failed over.
func syncAuditFiles(ctx context.Context, f *flags, cfg *config.Config, src, tgt resource.Workspace, store ledger.Store, logger *slog.Logger, stdout io.Writer) error {
	id, err := sourceWorkspaceID(ctx, src)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	d := &handler.Deps{Core: function.Core{Function: "cli", Config: cfg, Store: store, Logger: logger},
		Source: src, Target: tgt, Objects: localFiles{}, SourceWorkspaceID: id}
	rep := auditSyncReport{Deliveries: make([]handler.AuditlogSummary, 0, len(f.auditFiles))}
	var errs []error
	for _, name := range f.auditFiles {
		sum, err := d.AuditlogObject(ctx, "", name)
		rep.Deliveries = append(rep.Deliveries, sum)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err := writeDoc(stdout, f.output, rep, rep.writeText); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return rep.verdict(errors.Join(errs...))
}

// sourceWorkspaceID is the id the source workspace states, so that records
// of other workspaces in the files are ignored as the function ignores them.
func sourceWorkspaceID(ctx context.Context, src resource.Workspace) (string, error) {
	ws, ok := src.API.(resource.Identified)
	if !ok {
		return "", nil
	}
	id, err := ws.WorkspaceID(ctx)
	if err != nil {
		return "", fmt.Errorf("source workspace: who are you: %w", err)
	}
	return strconv.FormatInt(id, 10), nil
}

// writeText prints, per file, the record counts, then the plan of its
// targeted sync (or why nothing was synced).
func (rep auditSyncReport) writeText(w io.Writer) error {
	for i, s := range rep.Deliveries {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %d records, %d relevant (%d already processed), %d ignored, %d malformed; %d object(s) named\n",
			s.Key, s.Records, s.Relevant, s.AlreadyProcessed, s.Ignored, s.Malformed, s.Keys)
		if s.Plan != nil {
			if err := printPlan(w, "text", s.Plan); err != nil {
				return err
			}
		}
		if note := auditOutcomeNote(s); note != "" {
			fmt.Fprintf(w, "%s\n", note)
		}
	}
	return nil
}

// auditOutcomeNote explains an outcome that synced nothing, or the marking.
func auditOutcomeNote(s handler.AuditlogSummary) string {
	switch s.Outcome {
	case function.OutcomeNothingToDo:
		return "nothing to sync: no new record names an object drsync copies"
	case handler.OutcomeForeign:
		return "ignored: delivered for another workspace than the source"
	case handler.OutcomePending:
		return fmt.Sprintf("another run holds the lease: %d object(s) left pending in the ledger for it (or the next sync)", s.Pending)
	case handler.OutcomeFailedOver:
		return "not synced: the pair is failed over"
	case function.OutcomeFailed, "":
		return ""
	}
	return fmt.Sprintf("%d record(s) marked processed, %d left for a redelivery or the next sync", s.Marked, s.Unmarked)
}

// verdict is the exit: 3 refused by the delete guard, 1 a failed sync,
// failed actions, or a failed-over pair.
func (rep auditSyncReport) verdict(err error) error {
	if err != nil {
		return exitFor(nil, err)
	}
	failed := 0
	for _, s := range rep.Deliveries {
		if s.Outcome == handler.OutcomeFailedOver {
			return wrongDirection(engine.ErrFailedOver)
		}
		failed += s.Actions.Failed
	}
	if failed > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d actions failed; the rest were applied and their records marked", failed)}
	}
	return nil
}

// localFiles reads audit-log deliveries from local files: the key is the
// file name (the bucket is empty).
type localFiles struct{}

func (localFiles) Open(_ context.Context, _, name string) (io.ReadCloser, error) {
	return os.Open(name)
}

var _ handler.ObjectReader = localFiles{}
