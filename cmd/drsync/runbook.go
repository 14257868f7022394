package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/awsconn/chain"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/connect"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/runbook"
)

// runbookFlags are the flags of readiness, failover and failback besides
// the pair's.
type runbookFlags struct {
	direction            string
	force, startClusters bool
	topic                string
}

const runbookExitCodes = "Exit codes: 0 done, 1 a step failed, the standby was not ready (without --force) or the\n" +
	"verification found differences, 2 usage or config."

// newReadinessCmd is `drsync readiness`: would the standby take over now?
func newReadinessCmd(f *flags, stdout, stderr io.Writer) *cobra.Command {
	o := &runbookFlags{}
	cmd := &cobra.Command{
		Use:   "readiness",
		Short: "Would the standby take over now? (reads the ledger and asks the standby who it is; changes nothing)",
		Long: "readiness checks, for a failover (DR takes over) or a failback (the primary takes over again),\n" +
			"what the runbook's first step checks: the active side, whether the standby answers, how old its copy\n" +
			"of each kind is (failover.max_sync_age), the latest replication checks, and what failed to sync.\n" +
			"Exit codes: 0 ready, 1 not ready, 2 usage or config.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReadiness(cmd.Context(), f, o, stdout, stderr) },
	}
	addWorkspaceFlags(cmd, f)
	cmd.Flags().StringVar(&o.direction, "direction", runbook.Failover, "failover or failback")
	return cmd
}

// newSwitchCmd is `drsync failover` or `drsync failback`.
func newSwitchCmd(direction string, f *flags, stdout, stderr io.Writer) *cobra.Command {
	o := &runbookFlags{direction: direction}
	what := map[string]string{
		runbook.Failover: "Make DR the active side: freeze the primary, sync a last time, fence, activate DR, verify, record",
		runbook.Failback: "Make the primary active again: freeze DR, sync DR → primary, fence, activate the primary, verify, record",
	}[direction]
	cmd := &cobra.Command{
		Use:   direction,
		Short: what,
		Long: what + ".\n" +
			"It runs the runbook's steps in a row, as the Step Functions state machine does one per task, for drills\n" +
			"and for when AWS itself is impaired; with --ledger dynamodb://TABLE it shares the pair's ledger with\n" +
			"the stack. A side being left that does not answer is skipped (it is down: that is why you switch).\n" +
			"It prints each step with its outcome, what it took (the RTO by step) and notes, then a summary.\n" +
			runbookExitCodes,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSwitch(cmd.Context(), f, o, stdout, stderr) },
	}
	addWorkspaceFlags(cmd, f)
	fs := cmd.Flags()
	fs.BoolVar(&f.dryRun, "dry-run", false, "print what each step would do; change nothing and notify nobody")
	fs.BoolVar(&o.force, "force", false, "go on when the standby is not ready")
	fs.BoolVar(&o.startClusters, "start-clusters", false, "start the clusters that were running on the side being left")
	fs.StringVar(&o.topic, "topic", "", "SNS topic ARN to notify of the outcome (AWS credentials from the standard chain)")
	return cmd
}

// runReadiness prints the readiness report. Errors: exit 1 not ready or
// the ledger failing, exit 2 usage or config.
func runReadiness(ctx context.Context, f *flags, o *runbookFlags, stdout, stderr io.Writer) error {
	if err := (runbook.Input{Direction: o.direction}).Validate(); err != nil {
		return usageErr("--%v", err)
	}
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	store, err := openLedger(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer closeLedger(store)
	deps := runbookDeps(ctx, f, cfg, store, newLogger(stderr), stderr)
	rep, err := deps.Readiness(ctx, o.direction)
	if err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("readiness: %w", err)}
	}
	if err := writeDoc(stdout, f.output, rep, rep.WriteText); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if !rep.Ready {
		return &exitError{code: exitFailed, err: fmt.Errorf("the standby is not ready for a %s (%d reason(s) above)", o.direction, len(rep.Reasons))}
	}
	return nil
}

// runSwitch runs every step of the runbook in o.direction and prints them.
// Errors: exit 1 when a step failed, the standby was not ready (unforced) or
// the switch left differences; exit 2 usage or config.
func runSwitch(ctx context.Context, f *flags, o *runbookFlags, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	notify, err := o.notifier(ctx, f.dryRun)
	if err != nil {
		return err
	}
	var store ledger.Store
	if f.dryRun {
		store, err = openLedger(ctx, cfg, true)
	} else {
		store, err = openExistingLedger(ctx, cfg)
	}
	if err != nil {
		return err
	}
	defer closeLedger(store)
	deps := runbookDeps(ctx, f, cfg, store, newLogger(stderr), stderr)
	deps.Notify = notify
	in := runbook.Input{Direction: o.direction, Force: o.force, StartClusters: o.startClusters, DryRun: f.dryRun}
	st, err := deps.Begin(in, "cli-"+o.direction+"-"+newRunID())
	if err != nil {
		return usageErr("%v", err)
	}
	runErr := deps.Run(ctx, st)
	write := func(w io.Writer) error {
		if err := st.WriteText(w); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "\n%s\n", switchSummary(st, runErr))
		return err
	}
	if err := writeDoc(stdout, f.output, st, write); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	return switchVerdict(st, runErr)
}

// notifier publishes to --topic; none without one, or in a dry run.
// Errors: exit 2 for an ARN that is not one or no AWS region.
func (o *runbookFlags) notifier(ctx context.Context, dryRun bool) (func(context.Context, string, string) error, error) {
	if o.topic == "" || dryRun {
		return nil, nil
	}
	awsCfg, err := chain.Config(ctx, awsconn.Options{})
	if err != nil {
		return nil, usageErr("--topic: %v", err)
	}
	topic, err := awsconn.NewTopic(awsCfg, o.topic)
	if err != nil {
		return nil, usageErr("--topic: %v", err)
	}
	return topic.Publish, nil
}

// runbookDeps are the runbook's dependencies for the pair. A workspace
// whose client cannot be built (its credentials unreadable: the outage) is
// unreachable for the steps, which skip the side being left and find a
// standby not ready, so that a dead primary never stops a failover.
func runbookDeps(ctx context.Context, f *flags, cfg *config.Config, store ledger.Store, logger *slog.Logger, stderr io.Writer) *runbook.Deps {
	side := func(name string) resource.Workspace {
		ws, err := sideWorkspace(ctx, f, cfg, name, logger)
		if err != nil {
			fmt.Fprintf(stderr, "drsync: the %s workspace is unreachable for the runbook: %v\n", name, err)
			return runbook.Unreachable(name, err)
		}
		return ws
	}
	host, _ := os.Hostname()
	return &runbook.Deps{Config: cfg, Store: store, Logger: logger,
		Primary: side(connect.Source), DR: side(connect.Target),
		Where: fmt.Sprintf("drsync CLI on %s, ledger %s", host, cfg.Ledger.Path)}
}

// writeDoc writes doc as indented JSON, or as text by text.
func writeDoc(w io.Writer, output string, doc any, text func(io.Writer) error) error {
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	return text(w)
}

// switchSummary says in a sentence or two how the run ended and what to do
// next.
func switchSummary(st *runbook.State, runErr error) string {
	verb, standby, left := "Failover", "DR", "primary"
	if st.Direction == runbook.Failback {
		verb, standby, left = "Failback", "the primary", "DR"
	}
	var nr *runbook.NotReadyError
	switch {
	case runErr != nil && errors.As(runErr, &nr):
		return fmt.Sprintf("%s refused: %s is not ready (reasons in the %s row); nothing was switched. "+
			"Fix them, or use --force.", verb, standby, runbook.StepReadiness)
	case runErr != nil && !switched(st):
		return fmt.Sprintf("%s failed at %s: nothing was switched, the %s stays active.", verb, failedStep(st), left)
	case runErr != nil:
		return fmt.Sprintf("%s failed at %s, after the switch: %s is active at epoch %d; check it, then run the %s again.",
			verb, failedStep(st), standby, st.Epoch, st.Direction)
	case st.DryRun:
		return fmt.Sprintf("Dry run of the %s in %s: nothing was changed.", st.Direction, st.Duration())
	}
	done := fmt.Sprintf("%s done in %s: %s is the active side at epoch %d.", verb, st.Duration(), standby, st.Epoch)
	if len(st.Diffs) > 0 {
		done += fmt.Sprintf(" Verification found %d difference(s), listed above.", len(st.Diffs))
	}
	if st.Direction == runbook.Failover {
		return done + " Forward syncs are refused while DR is active: `drsync sync --reverse` carries DR's changes " +
			"to the primary, `drsync failback` returns."
	}
	return done + " Syncs go primary → DR again."
}

// switched reports whether the Fence step moved the active side.
func switched(st *runbook.State) bool {
	for _, s := range st.Steps {
		if s.Name == runbook.StepFence {
			return s.Outcome == runbook.OutcomeDone
		}
	}
	return false
}

// failedStep names the step whose error ended the run: the last one, or
// the one before the Record that followed it.
func failedStep(st *runbook.State) string {
	n := len(st.Steps)
	if n == 0 {
		return "the start"
	}
	if n > 1 && st.Failure != nil && st.Steps[n-1].Name == runbook.StepRecord {
		return st.Steps[n-2].Name
	}
	return st.Steps[n-1].Name
}

// switchVerdict is the exit: 1 when a step failed or the verification
// found differences.
func switchVerdict(st *runbook.State, runErr error) error {
	switch {
	case runErr != nil:
		return &exitError{code: exitFailed, err: fmt.Errorf("%s: %w", st.Direction, runErr)}
	case len(st.Diffs) > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%s switched, but verification found %d difference(s)", st.Direction, len(st.Diffs))}
	}
	return nil
}
