package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/drsync/drsync/shared/runbook"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // some actions (or the run) failed; the rest was applied; a failover failed or was not ready
	exitUsage   = 2 // usage or config error
	exitRefused = 3 // the delete guard refused the run
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// flags are every option the commands share.
type flags struct {
	source, target               string
	sourceProfile, targetProfile string
	resources                    string
	ledger                       string
	output                       string
	config                       string
	pair                         string
	dryRun, allowMassDelete      bool
	retryFailed                  bool
	noProgress                   bool
	// reverse syncs DR → primary (a failed-over pair); fromAuditLog runs
	// the auditlog function's targeted sync over auditFiles (the arguments).
	reverse, fromAuditLog bool
	auditFiles            []string
	// explain names one object whose document plan explains.
	explain string
}

// run executes the CLI and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != exitRefused {
			fmt.Fprintf(stderr, "drsync: %v\n", ee.err)
		}
		return ee.code
	}
	// Anything cobra itself rejects (unknown flag, bad arguments) is usage.
	fmt.Fprintf(stderr, "drsync: %v\n", err)
	return exitUsage
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	f := &flags{}
	root := &cobra.Command{
		Use:   "drsync",
		Short: "Keep a warm disaster-recovery copy of a Databricks workspace",
		Long: "drsync copies notebooks, files, folders, cluster policies, instance pools, clusters and jobs\n" +
			"from a source workspace into its DR target, keeping DR switched off until failover.\n" +
			"Without a subcommand, --source/--target run a sync (the Databricks Sync Tool's form).",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.source == "" && f.target == "" && f.config == "" {
				return cmd.Help()
			}
			return runSync(cmd.Context(), f, stdout, stderr, false)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
	addPairFlags(root, f)
	root.Flags().BoolVar(&f.dryRun, "dry-run", false, "plan and print, change nothing")
	root.Flags().BoolVar(&f.allowMassDelete, "allow-mass-delete", false, "lift the delete guard for this run")

	planCmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a sync would change (reads both workspaces, writes nothing)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runSync(cmd.Context(), f, stdout, stderr, true) },
	}
	addPairFlags(planCmd, f)
	planCmd.Flags().BoolVar(&f.reverse, "reverse", false, reverseHelp)
	planCmd.Flags().StringVar(&f.explain, "explain", "", "explain one object instead: its source document, the rewrite rules applied, "+
		"the document DR gets and what the plan does (KEY: a workspace path, or kind:id such as job:123)")

	syncCmd := &cobra.Command{
		Use:   "sync [--from-audit-log FILE...]",
		Short: "Make the target match the source (warm DR: jobs paused, clusters terminated)",
		Long: "sync makes the DR workspace match the primary. While the pair is failed over (DR active) it is\n" +
			"refused; --reverse then syncs DR → primary, to carry the outage's changes back before a failback.\n" +
			"--from-audit-log FILE... runs, for each delivered audit-log file (JSON Lines, plain or gzip), the\n" +
			"targeted sync the auditlog function would run: only the objects its new records name.",
		Args: syncArgs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.auditFiles = args
			return runSync(cmd.Context(), f, stdout, stderr, false)
		},
	}
	addPairFlags(syncCmd, f)
	syncCmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "go through the whole sync, stopping before every change")
	syncCmd.Flags().BoolVar(&f.allowMassDelete, "allow-mass-delete", false, "lift the delete guard for this run")
	syncCmd.Flags().BoolVar(&f.retryFailed, "retry-failed", false, "retry objects that failed with an error a retry cannot fix, although their source did not change")
	syncCmd.Flags().BoolVar(&f.reverse, "reverse", false, reverseHelp)
	syncCmd.Flags().BoolVar(&f.fromAuditLog, "from-audit-log", false, "sync only what the audit-log FILEs (the arguments) name, as the auditlog function does")

	statusCmd := &cobra.Command{
		Use:   "status",
		Short: "What the ledger manages, the last runs, failures and drift",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), f, stdout) },
	}
	statusCmd.Flags().StringVar(&f.ledger, "ledger", "", "ledger: a bbolt file (default: the config's ledger.path, else drsync-ledger.db) or dynamodb://TABLE")
	statusCmd.Flags().StringVar(&f.config, "config", "", "JSON pair config file")
	statusCmd.Flags().StringVar(&f.pair, "pair", "", "pair name (default: the config's, else \"default\")")
	statusCmd.Flags().StringVar(&f.output, "output", "text", "text or json")

	root.AddCommand(planCmd, syncCmd, statusCmd, newAuditKeysCmd(stdout, stderr), newVerifyCmd(stdout),
		newReadinessCmd(f, stdout, stderr), newSwitchCmd(runbook.Failover, f, stdout, stderr),
		newSwitchCmd(runbook.Failback, f, stdout, stderr))
	return root
}

const reverseHelp = "sync DR → primary (only while the pair is failed over), to carry DR's changes back before a failback"

// addPairFlags adds the flags of a command that syncs: the workspace flags,
// --resources and --no-progress.
func addPairFlags(cmd *cobra.Command, f *flags) {
	addWorkspaceFlags(cmd, f)
	fs := cmd.Flags()
	fs.StringVar(&f.resources, "resources", "", "comma list of notebooks,files,jobs,clusters,pools,policies (default all)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "no live progress bar even on a terminal")
}

// addWorkspaceFlags adds what names the pair: its workspaces, their
// credentials, the config, the ledger, and the output format.
func addWorkspaceFlags(cmd *cobra.Command, f *flags) {
	fs := cmd.Flags()
	fs.StringVar(&f.source, "source", "", "source (primary) workspace URL (https://...)")
	fs.StringVar(&f.target, "target", "", "target (DR) workspace URL")
	fs.StringVar(&f.sourceProfile, "source-profile", "", "~/.databrickscfg profile for the source")
	fs.StringVar(&f.targetProfile, "target-profile", "", "~/.databrickscfg profile for the target")
	fs.StringVar(&f.ledger, "ledger", "", "ledger: a bbolt file (default: the config's ledger.path, else drsync-ledger.db) or dynamodb://TABLE")
	fs.StringVar(&f.output, "output", "text", "text or json")
	fs.StringVar(&f.config, "config", "", "JSON pair config file")
	fs.StringVar(&f.pair, "pair", "", "pair name keying the ledger (default: the config's, else \"default\")")
}
