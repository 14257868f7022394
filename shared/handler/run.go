package handler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
)

// Outcomes a sync or auditlog summary reports besides the engine's run
// outcomes (ledger.OutcomeOK, OutcomePartial, OutcomeRefused) and
// function's (OutcomeIncomplete: the deadline came before every action was
// applied, and the next run's plan picks up the rest; OutcomeNothingToDo;
// OutcomeFailed).
const (
	// OutcomeLeaseHeld: another run holds the pair's run lease.
	OutcomeLeaseHeld ledger.Outcome = "lease-held"
	// OutcomeFailedOver: DR is the active side, so nothing is synced.
	OutcomeFailedOver ledger.Outcome = "failed-over"
	// OutcomeNotFailedOver: a reverse sync, but the primary is active.
	OutcomeNotFailedOver ledger.Outcome = "not-failed-over"
)

// maxErrors caps the action errors a summary lists.
const maxErrors = 10

// invocation is one handler call of a Deps.
type invocation struct {
	function.Invocation
	d *Deps
}

// begin starts an invocation; its logger carries the run id and Lambda's
// request id.
func (d *Deps) begin(ctx context.Context) invocation {
	return invocation{Invocation: d.Begin(ctx), d: d}
}

func (d *Deps) processedTTL() time.Duration {
	if d.ProcessedTTL > 0 {
		return d.ProcessedTTL
	}
	return DefaultProcessedTTL
}

// options are the engine options of one run of this invocation.
// Errors: the config's resources name an unknown kind.
func (inv invocation) options(trigger string) (engine.Options, error) {
	opts, err := engine.OptionsFor(inv.d.Config)
	if err != nil {
		return opts, err
	}
	opts.RunID, opts.Trigger, opts.Logger = inv.ID, trigger, inv.Log
	return opts, nil
}

// engineSync runs one engine sync, DR → primary when opts say reverse. When a workspace refused the credentials
// read at cold start (a rotated or revoked secret), it reads the secrets
// again, once, and runs again with new clients.
func (inv invocation) engineSync(ctx context.Context, opts engine.Options) (*engine.Result, error) {
	res, err := engine.Sync(ctx, inv.d.from(opts), inv.d.to(opts), inv.d.Store, opts)
	if failure.Of(err) != failure.Credentials || inv.d.Reload == nil {
		return res, err
	}
	inv.Log.WarnContext(ctx, "a workspace refused the credentials: reading the secrets again", "error", err.Error())
	src, tgt, rerr := inv.d.Reload(ctx)
	if rerr != nil {
		return res, errors.Join(err, fmt.Errorf("read the credentials again: %w", rerr))
	}
	inv.d.Source, inv.d.Target = src, tgt
	return engine.Sync(ctx, inv.d.from(opts), inv.d.to(opts), inv.d.Store, opts)
}

// from and to are the run's source and target: the pair's, or swapped for a
// reverse sync.
func (d *Deps) from(opts engine.Options) resource.Workspace {
	if opts.Reverse {
		return d.Target
	}
	return d.Source
}

func (d *Deps) to(opts engine.Options) resource.Workspace {
	if opts.Reverse {
		return d.Source
	}
	return d.Target
}

// Actions counts a run's plan and what became of it.
type Actions struct {
	// Planned actions by operation, and objects found already in sync.
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Skip      int `json:"skip"`
	Unchanged int `json:"unchanged"`
	// Blocked of the skips are objects the target cannot take (a node
	// type, a warehouse it lacks): what needs a person, like Terminal.
	Blocked int `json:"blocked"`
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
	c := function.Count[int]
	return map[string]metrics.Value{
		metrics.ActionsCreated: c(a.Create), metrics.ActionsUpdated: c(a.Update),
		metrics.ActionsDeleted: c(a.Delete), metrics.ActionsSkipped: c(a.Skip),
		config.MetricActionsFailed: c(a.Failed), metrics.ActionsRemaining: c(a.Remaining),
		metrics.ActionsFailedTerminal: c(a.Terminal), metrics.ActionsBlocked: c(a.Blocked),
		config.MetricDriftFound: c(drift),
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
	out := Actions{Create: s.Create, Update: s.Update, Delete: s.Delete, Skip: s.Skip, Unchanged: s.Unchanged, Blocked: s.Blocked}
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
