package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/runbook"
)

// statusReport is `drsync status --output json`.
type statusReport struct {
	Pair   string `json:"pair"`
	Active string `json:"active_side"`
	Epoch  int64  `json:"epoch"`
	// StopBy is who asked every run to stop (a failover or failback under
	// way, or one that ended without withdrawing its request).
	StopBy string `json:"stop_requested_by,omitempty"`
	// Managed counts the objects the forward sync (primary → DR) manages by
	// kind; ManagedReverse those the reverse sync (DR → primary) manages.
	Managed        map[string]int `json:"managed"`
	ManagedReverse map[string]int `json:"managed_reverse"`
	Failures       []failure      `json:"failures"`
	// Blocked are the objects the target cannot take, with the causes.
	Blocked []failure    `json:"blocked"`
	Runs    []ledger.Run `json:"runs"`
	// Replication is the latest check of each bucket pair (verify-replication
	// --ledger, or the replcheck function).
	Replication []replicationStatus `json:"replication"`
}

// replicationStatus is one bucket pair's latest replication check.
type replicationStatus struct {
	Source      string          `json:"source"`
	Target      string          `json:"target"`
	CheckedAt   time.Time       `json:"checked_at"`
	Healthy     bool            `json:"healthy"`
	RPOBreached bool            `json:"rpo_breached"`
	Report      json.RawMessage `json:"report,omitempty"`
}

type failure struct {
	Kind  string `json:"kind"`
	Key   string `json:"key"`
	Error string `json:"error"`
	// Attempts in a row that failed; Terminal: a retry cannot fix it, so it
	// waits for its source to change (or sync --retry-failed).
	Attempts int  `json:"attempts"`
	Terminal bool `json:"terminal"`
	// Reverse: a failure of the reverse sync (DR → primary).
	Reverse bool `json:"reverse,omitempty"`
}

// runStatus prints what the ledger knows: managed objects by kind, failures,
// the last runs with their drift counts, and the pair state.
func runStatus(ctx context.Context, f *flags, stdout io.Writer) error {
	cfg, err := ledgerConfig(f)
	if err != nil {
		return err
	}
	store, err := openLedger(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer closeLedger(store)
	rep, err := readStatus(ctx, store, cfg.Pair)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if f.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeStatus(stdout, rep)
}

func readStatus(ctx context.Context, store ledger.Store, pair string) (*statusReport, error) {
	recs, err := store.List(ctx, pair, "")
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	runs, err := store.Runs(ctx, pair, 5)
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	state, err := store.State(ctx, pair)
	if err != nil {
		return nil, fmt.Errorf("read pair state: %w", err)
	}
	repl, err := store.ReplicationResults(ctx, pair)
	if err != nil {
		return nil, fmt.Errorf("read replication results: %w", err)
	}
	rep := &statusReport{Pair: pair, Active: state.ActiveSide, Epoch: state.Epoch, StopBy: state.StopBy,
		Managed: map[string]int{}, ManagedReverse: map[string]int{}, Failures: []failure{}, Blocked: []failure{}, Runs: runs,
		Replication: []replicationStatus{}}
	for _, r := range repl {
		rep.Replication = append(rep.Replication, replicationStatus{Source: r.Source, Target: r.Target,
			CheckedAt: r.CheckedAt, Healthy: r.Healthy, RPOBreached: r.RPOBreached, Report: r.Report})
	}
	for _, r := range recs {
		rep.add(r)
	}
	return rep, nil
}

// add counts one record in its direction: a forward List returns the
// reverse sync's records too, under their reverse~ kinds.
func (rep *statusReport) add(r ledger.Record) {
	managed, reverse := rep.Managed, ledger.IsReverse(r.Kind)
	if reverse {
		managed, r.Kind = rep.ManagedReverse, strings.TrimPrefix(r.Kind, ledger.ReverseKind(""))
	}
	if r.TargetID != "" { // a create that failed left nothing to manage
		managed[r.Kind]++
	}
	if r.Status == ledger.StatusBlocked {
		rep.Blocked = append(rep.Blocked, failure{Kind: r.Kind, Key: r.SourceKey, Error: r.LastError, Reverse: reverse})
		return
	}
	if r.Status == ledger.StatusFailed || r.Failures > 0 {
		rep.Failures = append(rep.Failures, failure{Kind: r.Kind, Key: r.SourceKey, Error: r.LastError,
			Attempts: r.Failures, Terminal: r.Terminal, Reverse: reverse})
	}
}

func writeStatus(w io.Writer, rep *statusReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Pair %s: active side %s, epoch %d\n", rep.Pair, rep.Active, rep.Epoch)
	if rep.Active == engine.SideDR {
		fmt.Fprintf(tw, "  failed over: forward syncs are refused; `drsync sync --reverse` carries DR's changes back, `drsync failback` returns\n")
	}
	if rep.StopBy != "" {
		fmt.Fprintf(tw, "  stop requested by %s: every other run is asked to stop (a failover or failback under way)\n", rep.StopBy)
	}
	fmt.Fprintf(tw, "\nManaged objects (primary → DR):\n")
	writeManaged(tw, rep.Managed)
	if len(rep.ManagedReverse) > 0 {
		fmt.Fprintf(tw, "\nManaged by the reverse sync (DR → primary):\n")
		writeManaged(tw, rep.ManagedReverse)
	}
	fmt.Fprintf(tw, "\nFailures: %d\n", len(rep.Failures))
	for _, fl := range rep.Failures {
		kind := "transient, retried every run"
		if fl.Terminal {
			kind = "terminal, retried when the source changes"
		}
		if fl.Reverse {
			kind += " (reverse sync)"
		}
		fmt.Fprintf(tw, "  %s %s\t%d attempt(s), %s\t%s\n", fl.Kind, fl.Key, fl.Attempts, kind, fl.Error)
	}
	fmt.Fprintf(tw, "\nBlocked (the target cannot take them; synced once the cause is fixed): %d\n", len(rep.Blocked))
	for _, b := range rep.Blocked {
		rev := ""
		if b.Reverse {
			rev = " (reverse sync)"
		}
		fmt.Fprintf(tw, "  %s %s%s\t%s\n", b.Kind, b.Key, rev, b.Error)
	}
	fmt.Fprintf(tw, "\nLast runs:\n")
	if len(rep.Runs) == 0 {
		fmt.Fprintf(tw, "  none yet\n")
	}
	for _, r := range rep.Runs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Started.Local().Format(time.DateTime), runLabel(r),
			r.Outcome, r.Finished.Sub(r.Started).Round(time.Millisecond), runDetail(r))
	}
	writeReplication(tw, rep.Replication)
	return tw.Flush()
}

// writeManaged lists the managed objects by kind, and their total.
func writeManaged(w io.Writer, managed map[string]int) {
	kinds := make([]string, 0, len(managed))
	for k := range managed {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	total := 0
	for _, k := range kinds {
		fmt.Fprintf(w, "  %s\t%d\n", k, managed[k])
		total += managed[k]
	}
	fmt.Fprintf(w, "  total\t%d\n", total)
}

// runLabel names what started a run, and its direction when reverse.
func runLabel(r ledger.Run) string {
	if slices.ContainsFunc(r.Kinds, ledger.IsReverse) {
		return r.Trigger + " (reverse)"
	}
	return r.Trigger
}

// runDetail is a sync's counts, or a runbook run's steps.
func runDetail(r ledger.Run) string {
	if r.Trigger != runbook.Failover && r.Trigger != runbook.Failback {
		return fmt.Sprintf("%s, drift %d", counts(r.Counts), r.Drift)
	}
	var st runbook.State
	_ = json.Unmarshal(r.Detail, &st) // an unreadable detail only shows no steps
	return fmt.Sprintf("epoch %d after %d step(s), %d difference(s)", st.Epoch, len(st.Steps), len(r.Errors))
}

// writeReplication lists each bucket pair's latest check with its counts.
func writeReplication(w io.Writer, repl []replicationStatus) {
	fmt.Fprintf(w, "\nReplication (latest check per bucket pair):\n")
	if len(repl) == 0 {
		fmt.Fprintf(w, "  none yet (drsync verify-replication --ledger, or the replcheck function)\n")
	}
	for _, r := range repl {
		var c struct {
			Missing  int64 `json:"missing"`
			InFlight int64 `json:"in_flight"`
			Oldest   int64 `json:"oldest_unreplicated_age_seconds"`
		}
		_ = json.Unmarshal(r.Report, &c) // an unreadable report only leaves the counts at 0
		verdict := map[bool]string{true: "healthy", false: "UNHEALTHY"}[r.Healthy]
		fmt.Fprintf(w, "  %s → %s\t%s\t%s\tmissing %d, in flight %d, oldest %s\n", r.Source, r.Target,
			r.CheckedAt.Local().Format(time.DateTime), verdict, c.Missing, c.InFlight, time.Duration(c.Oldest)*time.Second)
	}
}

func counts(c map[string]int) string {
	var parts []string
	for _, k := range []string{"create", "update", "delete", "skip", "failed", "blocked", "unchanged"} {
		if k == "blocked" && c[k] == 0 {
			continue // only runs that met a target which cannot take something say so
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}
