package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/plan"
)

// Outcomes a summary reports besides the engine's run outcomes
// (ledger.OutcomeOK, OutcomePartial, OutcomeRefused).
const (
	// OutcomeIncomplete: the deadline came before every action was applied;
	// the next run's plan picks up the rest.
	OutcomeIncomplete ledger.Outcome = "incomplete"
	// OutcomeLeaseHeld: another run holds the pair's run lease.
	OutcomeLeaseHeld ledger.Outcome = "lease-held"
	// OutcomeFailedOver: DR is the active side, so nothing is synced.
	OutcomeFailedOver ledger.Outcome = "failed-over"
	// OutcomeNothingToDo: an audit-log object named nothing new to sync.
	OutcomeNothingToDo ledger.Outcome = "nothing-to-do"
	// OutcomeFailed: the run could not do its job; the handler returned an error.
	OutcomeFailed ledger.Outcome = "failed"
)

// maxErrors caps the action errors a summary lists.
const maxErrors = 10

// invocation is one handler call: its run id, logger and start.
type invocation struct {
	d       *Deps
	id      string
	log     *slog.Logger
	started time.Time
}

// begin starts an invocation; its logger carries the run id and Lambda's
// request id.
func (d *Deps) begin(ctx context.Context) invocation {
	id := runID(ctx)
	return invocation{d: d, id: id, log: d.logger().With("run_id", id), started: d.now()}
}

// runID is Lambda's request id, which Lambda keeps across its own retries of
// an asynchronous event (so a retried run re-takes the lease it held); else
// a random id.
func runID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "local-" + hex.EncodeToString(b)
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) processedTTL() time.Duration {
	if d.ProcessedTTL > 0 {
		return d.ProcessedTTL
	}
	return DefaultProcessedTTL
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// work returns the context the engine works under: ctx cut at the
// invocation's deadline minus a margin (DefaultMaxMargin, or a quarter of
// the time left when that is less), so the run record, the lease release and
// the summary still fit before Lambda stops the function. Without a deadline
// it is ctx itself.
func (d *Deps) work(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	maxMargin := d.MaxMargin
	if maxMargin <= 0 {
		maxMargin = DefaultMaxMargin
	}
	margin := min(maxMargin, deadline.Sub(d.now())/4)
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// options are the engine options of one run of this invocation.
// Errors: the config's resources name an unknown kind.
func (inv invocation) options(trigger string) (engine.Options, error) {
	opts, err := engine.OptionsFor(inv.d.Config)
	if err != nil {
		return opts, err
	}
	opts.RunID, opts.Trigger, opts.Logger = inv.id, trigger, inv.log
	return opts, nil
}

// engineSync runs one engine sync. When a workspace refused the credentials
// read at cold start (a rotated or revoked secret), it reads the secrets
// again, once, and runs again with new clients.
func (inv invocation) engineSync(ctx context.Context, opts engine.Options) (*engine.Result, error) {
	res, err := engine.Sync(ctx, inv.d.Source, inv.d.Target, inv.d.Store, opts)
	if failure.Of(err) != failure.Credentials || inv.d.Reload == nil {
		return res, err
	}
	inv.log.WarnContext(ctx, "a workspace refused the credentials: reading the secrets again", "error", err.Error())
	src, tgt, rerr := inv.d.Reload(ctx)
	if rerr != nil {
		return res, errors.Join(err, fmt.Errorf("read the credentials again: %w", rerr))
	}
	inv.d.Source, inv.d.Target = src, tgt
	return engine.Sync(ctx, src, tgt, inv.d.Store, opts)
}

// elapsed is the invocation's duration so far.
func (inv invocation) elapsed() time.Duration { return inv.d.now().Sub(inv.started) }

// emit writes the invocation's EMF line; a failure to write is logged, never
// fatal, since the summary and the run record already say what happened.
func (inv invocation) emit(ctx context.Context, values map[string]metrics.Value, outcome ledger.Outcome) {
	if inv.d.Metrics == nil {
		return
	}
	values[metrics.RunDuration] = metrics.Value{V: float64(inv.elapsed().Milliseconds()), Unit: metrics.Milliseconds}
	props := map[string]any{"function": inv.d.Function, "run_id": inv.id, "outcome": outcome}
	if err := inv.d.Metrics.Emit(values, props); err != nil {
		inv.log.WarnContext(ctx, "emit metrics", "error", err.Error())
	}
}

// Actions counts a run's plan and what became of it.
type Actions struct {
	// Planned actions by operation, and objects found already in sync.
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Skip      int `json:"skip"`
	Unchanged int `json:"unchanged"`
	// Done actions changed the target; Failed failed on their own;
	// Remaining were stopped by the deadline (or by a failure before them
	// that the deadline caused) and are left for the next run.
	Done      int `json:"done"`
	Failed    int `json:"failed"`
	Remaining int `json:"remaining"`
	// Terminal of the Failed failed for a reason a retry cannot fix.
	Terminal int `json:"terminal"`
}

// metricValues are the EMF values of a run's actions.
func (a Actions) metricValues(drift int) map[string]metrics.Value {
	c := func(n int) metrics.Value { return metrics.Value{V: float64(n), Unit: metrics.Count} }
	return map[string]metrics.Value{
		metrics.ActionsCreated: c(a.Create), metrics.ActionsUpdated: c(a.Update),
		metrics.ActionsDeleted: c(a.Delete), metrics.ActionsSkipped: c(a.Skip),
		config.MetricActionsFailed: c(a.Failed), metrics.ActionsRemaining: c(a.Remaining),
		metrics.ActionsFailedTerminal: c(a.Terminal),
		config.MetricDriftFound:       c(drift),
	}
}

// actionRef names one action of a plan.
type actionRef struct {
	kind, key string
	op        plan.Op
}

func refOf(a plan.Action) actionRef { return actionRef{a.Kind, a.Key, a.Op} }

// tally watches actions settle (engine.Options.Done): an action that fails
// once the work context has ended was stopped by the deadline, not by a
// fault of its own.
type tally struct {
	work    context.Context
	mu      sync.Mutex
	stopped map[actionRef]bool
}

func newTally(work context.Context) *tally {
	return &tally{work: work, stopped: map[actionRef]bool{}}
}

// done is the engine's Done callback.
func (t *tally) done(a plan.Action) {
	if a.Status == plan.StatusFailed && t.work.Err() != nil {
		t.mu.Lock()
		t.stopped[refOf(a)] = true
		t.mu.Unlock()
	}
}

// wasStopped reports whether the deadline stopped a.
func (t *tally) wasStopped(a plan.Action) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stopped[refOf(a)]
}

// count sums up p after apply.
func (t *tally) count(p *plan.Plan) Actions {
	s := p.Summary()
	out := Actions{Create: s.Create, Update: s.Update, Delete: s.Delete, Skip: s.Skip, Unchanged: s.Unchanged}
	for _, a := range p.Actions {
		switch {
		case a.Status == plan.StatusDone:
			out.Done++
		case a.Status != plan.StatusFailed:
		case t.wasStopped(a):
			out.Remaining++
		default:
			out.Failed++
			if a.ErrorClass == failure.Terminal.String() {
				out.Terminal++
			}
		}
	}
	return out
}

// failures lists the first action errors that were not the deadline's.
func (t *tally) failures(p *plan.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Status == plan.StatusFailed && !t.wasStopped(a) && len(out) < maxErrors {
			out = append(out, fmt.Sprintf("%s %s %s: %s", a.Op, a.Kind, a.Key, a.Error))
		}
	}
	return out
}

// onlyDeadline reports whether err says nothing but that the work context
// ran out while ctx (the invocation) still had time: the engine stopped
// applying at the margin. A joined error (the run record could not be
// written either) is more than that.
func onlyDeadline(ctx, work context.Context, err error) bool {
	var joined interface{ Unwrap() []error }
	return err != nil && work.Err() != nil && ctx.Err() == nil &&
		errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &joined)
}
