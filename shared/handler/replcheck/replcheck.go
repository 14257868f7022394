// Package replcheck is the replcheck function's handler: it checks the S3
// cross-region replication of the pair's bucket pairs on each schedule tick.
// The function talks to S3 and DynamoDB only, so this package, and what it
// imports, links no Databricks SDK (functions/ has a test that says so).
package replcheck

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/replication"
)

// Outcomes of a replication check, per bucket pair and for the invocation.
const (
	OutcomeHealthy   ledger.Outcome = "healthy"
	OutcomeUnhealthy ledger.Outcome = "unhealthy"
	// OutcomeSkipped: the deadline came before the bucket pair's turn.
	OutcomeSkipped ledger.Outcome = "skipped"
)

// Summary is what an invocation returns (and logs).
type Summary struct {
	RunID string `json:"run_id"`
	Pair  string `json:"pair"`
	// Outcome is OutcomeHealthy when every bucket pair checked is,
	// OutcomeUnhealthy, function.OutcomeIncomplete (a check continues next time),
	// function.OutcomeFailed, or function.OutcomeNothingToDo (no bucket pairs configured).
	Outcome    ledger.Outcome `json:"outcome"`
	Pairs      []PairSummary  `json:"pairs"`
	Error      string         `json:"error,omitempty"`
	DurationMS int64          `json:"duration_ms"`
}

// PairSummary is one bucket pair's check in a summary.
type PairSummary struct {
	Source  string         `json:"source"`
	Target  string         `json:"target"`
	Outcome ledger.Outcome `json:"outcome"`
	// Result is the check's document; absent when it did not finish.
	Result *replication.Result `json:"result,omitempty"`
	Error  string              `json:"error,omitempty"`
}

// Deps is what the replcheck function builds once per cold start. Load
// builds it from the environment; tests may fill it directly.
type Deps struct {
	// Core: the function's name, pair config, ledger, logger, metrics and
	// clock.
	function.Core
	// Replication checks the config's bucket pairs.
	Replication *replication.Checker
}

// Load builds the replcheck function's Deps from the environment:
// DRSYNC_CONFIG, DRSYNC_PAIR, DRSYNC_LEDGER_TABLE, DRSYNC_AWS_ENDPOINT and
// DRSYNC_LOG_LEVEL (see function.ReadEnv). It reads no secret and builds no
// workspace client: the function only reads S3 and writes the ledger; nor
// does it check the config's resource names, which only a sync uses. It
// makes no network call. Errors name the variable or config field at fault.
func Load(s function.Setup) (*Deps, error) {
	l, err := function.Load(s)
	if err != nil {
		return nil, err
	}
	pathStyle := l.AWS.BaseEndpoint != nil
	checker := replication.New(replication.ClientsFor(l.AWS, pathStyle), replication.Options{Logger: l.Logger})
	return &Deps{Core: l.Core, Replication: checker}, nil
}

// Check is the replcheck function's handler: it checks the config's
// bucket pairs until the invocation's deadline minus a margin, unfinished
// checks first, then the least recently checked. A finished check is
// written to the ledger as the bucket pair's latest result and emitted as
// one EMF line; a check the deadline stops is checkpointed in the ledger
// and continues on the next invocation.
//
// It returns an error (retried, then dead-lettered) when a check could not
// run: a bucket that cannot be reached or listed, the ledger failing. An
// unhealthy bucket pair is no error: the RPO alarm reports it.
func (d *Deps) Check(ctx context.Context, _ events.EventBridgeEvent) (Summary, error) {
	inv := invocation{Invocation: d.Begin(ctx), d: d}
	sum := Summary{RunID: inv.ID, Pair: d.Config.Pair, Pairs: []PairSummary{}}
	err := inv.replcheck(ctx, &sum)
	sum.DurationMS = inv.Elapsed().Milliseconds()
	if err != nil {
		sum.Outcome, sum.Error = function.OutcomeFailed, err.Error()
		inv.Log.ErrorContext(ctx, "replication check failed", "summary", sum)
		return sum, fmt.Errorf("replication check of pair %s, run %s: %w", sum.Pair, sum.RunID, err)
	}
	inv.Log.InfoContext(ctx, "replication check finished", "summary", sum)
	return sum, nil
}

// invocation is one handler call of a Deps.
type invocation struct {
	function.Invocation
	d *Deps
}

func (inv invocation) replcheck(ctx context.Context, sum *Summary) error {
	pairs, err := replication.PairsFromConfig(inv.d.Config.Replication)
	if err != nil {
		return err
	}
	if len(pairs) == 0 {
		sum.Outcome = function.OutcomeNothingToDo
		return nil
	}
	queue, err := inv.queue(ctx, pairs)
	if err != nil {
		return err
	}
	work, cancel := inv.d.Work(ctx)
	defer cancel()
	var errs []error
	for _, q := range queue {
		ps, err := inv.checkPair(ctx, work, q)
		sum.Pairs = append(sum.Pairs, ps)
		errs = append(errs, err)
	}
	sum.Outcome = overall(sum.Pairs)
	return errors.Join(errs...)
}

// queued is a bucket pair with what the ledger knows of it.
type queued struct {
	pair       replication.Pair
	checkpoint ledger.ReplicationCheckpoint
	last       ledger.ReplicationResult
}

// queue orders the bucket pairs: unfinished checks first, then by their
// last check, oldest (or never) first, so a pair that never fits in one
// invocation cannot starve the others.
func (inv invocation) queue(ctx context.Context, pairs []replication.Pair) ([]queued, error) {
	results, err := inv.d.Store.ReplicationResults(ctx, inv.d.Config.Pair)
	if err != nil {
		return nil, err
	}
	out := make([]queued, len(pairs))
	for i, p := range pairs {
		out[i].pair = p
		if out[i].checkpoint, err = inv.d.Store.ReplicationCheckpoint(ctx, inv.d.Config.Pair, p.Source.String(), p.Target.String()); err != nil {
			return nil, err
		}
		for _, r := range results {
			if r.Source == p.Source.String() && r.Target == p.Target.String() {
				out[i].last = r
			}
		}
	}
	slices.SortStableFunc(out, func(a, b queued) int {
		return cmp.Or(-cmp.Compare(len(a.checkpoint.Progress), len(b.checkpoint.Progress)), a.last.CheckedAt.Compare(b.last.CheckedAt))
	})
	return out, nil
}

// checkPair checks one bucket pair under work and records the outcome with
// ctx (which outlives work by the margin). It returns the error that made
// the check fail.
func (inv invocation) checkPair(ctx, work context.Context, q queued) (PairSummary, error) {
	ps := PairSummary{Source: q.pair.Source.String(), Target: q.pair.Target.String()}
	if work.Err() != nil {
		ps.Outcome = OutcomeSkipped
		return ps, nil
	}
	from, err := progressOf(q.checkpoint)
	if err != nil {
		return inv.failed(ctx, ps, q, err)
	}
	res, err := inv.d.Replication.Check(work, q.pair, from)
	switch {
	case err == nil:
		return inv.finished(ctx, ps, q, res)
	case function.OnlyDeadline(ctx, work, err):
		// Stopped before it got anywhere (still reading the configuration),
		// the check simply starts again next time.
		ps.Outcome = function.OutcomeIncomplete
		if res == nil || res.Progress == nil {
			return ps, nil
		}
		return ps, inv.saveProgress(ctx, q, res.Progress)
	}
	return inv.failed(ctx, ps, q, err)
}

// progressOf decodes a stored checkpoint; none is nil.
func progressOf(cp ledger.ReplicationCheckpoint) (*replication.Progress, error) {
	if len(cp.Progress) == 0 {
		return nil, nil
	}
	var p replication.Progress
	if err := json.Unmarshal(cp.Progress, &p); err != nil {
		return nil, fmt.Errorf("replication checkpoint %s → %s: %w", cp.Source, cp.Target, err)
	}
	return &p, nil
}

// finished records a complete check: the latest result, a cleared
// checkpoint, one EMF line.
func (inv invocation) finished(ctx context.Context, ps PairSummary, q queued, res *replication.Result) (PairSummary, error) {
	ps.Result, ps.Outcome = res, OutcomeUnhealthy
	if res.Healthy() {
		ps.Outcome = OutcomeHealthy
	}
	rec, err := res.LedgerRecord()
	if err == nil {
		err = inv.d.Store.PutReplicationResult(ctx, inv.d.Config.Pair, rec)
	}
	if err == nil && len(q.checkpoint.Progress) > 0 {
		q.checkpoint.Progress, q.checkpoint.UpdatedAt = nil, inv.d.Clock()
		_, err = inv.d.Store.PutReplicationCheckpoint(ctx, inv.d.Config.Pair, q.checkpoint)
	}
	inv.emitCheck(ctx, ps, res)
	return ps, err
}

// saveProgress checkpoints a check the deadline stopped.
func (inv invocation) saveProgress(ctx context.Context, q queued, p *replication.Progress) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	q.checkpoint.Progress, q.checkpoint.UpdatedAt = data, inv.d.Clock()
	_, err = inv.d.Store.PutReplicationCheckpoint(ctx, inv.d.Config.Pair, q.checkpoint)
	return err
}

// failed records a check that could not run as the bucket pair's latest
// result (unhealthy, the error as its finding), so status shows it, and
// returns the error.
func (inv invocation) failed(ctx context.Context, ps PairSummary, q queued, err error) (PairSummary, error) {
	ps.Outcome, ps.Error = function.OutcomeFailed, err.Error()
	rec, werr := replication.Failed(q.pair, err, inv.d.Clock()).LedgerRecord()
	if werr == nil {
		werr = inv.d.Store.PutReplicationResult(ctx, inv.d.Config.Pair, rec)
	}
	values := map[string]metrics.Value{config.MetricReplicationUnhealthy: function.Flag(true)}
	inv.Emit(ctx, values, function.OutcomeFailed)
	return ps, errors.Join(fmt.Errorf("%s: %w", q.pair.Name(), err), werr)
}

// emitCheck writes a finished check's EMF line; the alarms take the maximum
// of the flags and the sum of ReplicationChecked over the bucket pairs.
func (inv invocation) emitCheck(ctx context.Context, ps PairSummary, res *replication.Result) {
	count := function.Count[int64]
	values := map[string]metrics.Value{
		config.MetricReplicationChecked:     count(1),
		config.MetricReplicationRPOBreached: function.Flag(res.RPOBreached),
		config.MetricReplicationUnhealthy:   function.Flag(!res.Healthy()),
		config.MetricReplicationMissing:     count(res.Missing),
		config.MetricReplicationInFlight:    count(res.InFlight),
		config.MetricReplicationOldestAge:   {V: float64(res.OldestUnreplicatedAgeSeconds), Unit: metrics.Seconds},
	}
	inv.Emit(ctx, values, ps.Outcome)
}

// overall is the invocation's outcome from its bucket pairs'.
func overall(pairs []PairSummary) ledger.Outcome {
	has := func(o ledger.Outcome) bool {
		return slices.ContainsFunc(pairs, func(p PairSummary) bool { return p.Outcome == o })
	}
	switch {
	case has(function.OutcomeFailed):
		return function.OutcomeFailed
	case has(OutcomeUnhealthy):
		return OutcomeUnhealthy
	case has(function.OutcomeIncomplete), has(OutcomeSkipped):
		return function.OutcomeIncomplete
	}
	return OutcomeHealthy
}
