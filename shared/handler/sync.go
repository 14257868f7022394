package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// SyncDetail is the detail of the event that starts a full sync. A scheduled
// event's detail is {}; an operator (or a rule's constant input) may narrow
// the run or make it dry. Unknown fields are refused, so a typo cannot
// silently run a full, wet sync.
type SyncDetail struct {
	// Resources limits the run to these resource names (and what they depend
	// on): "notebooks,jobs" or ["notebooks", "jobs"]. Empty: the config's.
	Resources ResourceList `json:"resources"`
	// DryRun plans and reports without changing the target or the ledger.
	DryRun bool `json:"dryRun"`
	// Reverse syncs DR → primary, which only a failed-over pair allows: it
	// brings the primary up to date before a failback (a rule's constant
	// input sets it for the time of the outage).
	Reverse bool `json:"reverse"`
}

// ResourceList is a list of resource names, written in JSON as one comma
// list or as an array of names.
type ResourceList []string

// UnmarshalJSON accepts "a,b", ["a", "b"] or null. Errors: any other type.
func (r *ResourceList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*r = splitList(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New(`want a comma list "notebooks,jobs" or an array ["notebooks", "jobs"]`)
	}
	*r = list
	return nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SyncSummary is what a sync invocation returns (and logs).
type SyncSummary struct {
	RunID   string `json:"run_id"`
	Pair    string `json:"pair"`
	Trigger string `json:"trigger"`
	// Outcome is the engine's (ledger.Outcome*) or one of the Outcome*
	// constants here.
	Outcome   ledger.Outcome `json:"outcome"`
	DryRun    bool           `json:"dry_run"`
	Resources []string       `json:"resources,omitempty"` // kinds, in dependency order
	Actions   Actions        `json:"actions"`
	Drift     int            `json:"drift"`
	// Errors are the first failed actions, "<op> <kind> <key>: <error>".
	Errors []string `json:"errors,omitempty"`
	// LeaseHolder and LeaseExpiry say who holds the lease (OutcomeLeaseHeld).
	LeaseHolder string     `json:"lease_holder,omitempty"`
	LeaseExpiry *time.Time `json:"lease_expiry,omitempty"`
	// Error is why the run failed (the handler also returns it).
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// Sync is the sync function's handler: a full reconcile of the pair under
// its run lease, until the invocation's deadline minus a margin; actions it
// does not reach are left for the next run, whose level-based plan picks
// them up (Actions.Remaining). It writes the run record (the engine does),
// emits one EMF line and returns the summary.
//
// It returns an error, so that the event is retried and then dead-lettered,
// only when the run could not do its job: a bad event detail, a listing or
// the ledger failing, the run fenced by a failover, or the delete guard
// refusing (operators must see that). Failed actions are not errors: they are
// in the summary and the metrics. Another run holding the lease, and a pair
// failed over to DR, end cleanly with that outcome.
func (d *Deps) Sync(ctx context.Context, ev events.EventBridgeEvent) (SyncSummary, error) {
	inv := d.begin(ctx)
	sum := SyncSummary{RunID: inv.ID, Pair: d.Config.Pair, Trigger: triggerOf(ev)}
	err := inv.sync(ctx, ev, &sum)
	return inv.finishSync(ctx, sum, err)
}

// triggerOf names what started a run, for the run record.
func triggerOf(ev events.EventBridgeEvent) string {
	if ev.DetailType == "Scheduled Event" {
		return "schedule"
	}
	return "event"
}

func (inv invocation) sync(ctx context.Context, ev events.EventBridgeEvent, sum *SyncSummary) error {
	detail, err := decodeSyncDetail(ev.Detail)
	if err != nil {
		return err
	}
	sum.DryRun = detail.DryRun
	opts, err := inv.options(sum.Trigger)
	if err != nil {
		return err
	}
	if err := opts.Select(strings.Join(detail.Resources, ",")); err != nil {
		return fmt.Errorf("event detail: resources: %w", err)
	}
	opts.DryRun = detail.DryRun
	if detail.Reverse {
		opts = opts.Reversed()
	}
	sum.Resources = kindNames(opts.Kinds)
	work, cancel := inv.d.Work(ctx)
	defer cancel()
	t := newTally(work)
	opts.Done = t.done
	res, err := inv.engineSync(work, opts)
	if res != nil {
		sum.Outcome, sum.Actions, sum.Drift, sum.Errors = res.Run.Outcome, t.count(res.Plan), res.Plan.Drift, t.failures(res.Plan)
	}
	return inv.classify(ctx, work, res, err, sum)
}

// classify turns the engine's error into the summary's outcome, and returns
// the error the handler must return (nil when the run did its job).
func (inv invocation) classify(ctx, work context.Context, res *engine.Result, err error, sum *SyncSummary) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ledger.ErrLeaseHeld):
		sum.Outcome = OutcomeLeaseHeld
		inv.leaseHolder(ctx, sum)
		return nil
	case errors.Is(err, engine.ErrFailedOver):
		sum.Outcome = OutcomeFailedOver
		return nil
	case errors.Is(err, engine.ErrNotFailedOver):
		sum.Outcome = OutcomeNotFailedOver
		return nil
	case res != nil && function.OnlyDeadline(ctx, work, err):
		sum.Outcome = function.OutcomeIncomplete
		return nil
	}
	return err
}

// leaseHolder reads who holds the lease into the summary; failing to read it
// only leaves the fields empty.
func (inv invocation) leaseHolder(ctx context.Context, sum *SyncSummary) {
	st, err := inv.d.Store.State(ctx, inv.d.Config.Pair)
	if err != nil {
		inv.Log.WarnContext(ctx, "read who holds the run lease", "error", err.Error())
		return
	}
	sum.LeaseHolder = st.LeaseHolder
	if !st.LeaseExpiry.IsZero() {
		exp := st.LeaseExpiry.UTC()
		sum.LeaseExpiry = &exp
	}
}

// finishSync logs the summary, emits the metrics and returns what the
// handler returns.
func (inv invocation) finishSync(ctx context.Context, sum SyncSummary, err error) (SyncSummary, error) {
	sum.DurationMS = inv.Elapsed().Milliseconds()
	values := sum.Actions.metricValues(sum.Drift)
	succeeded := !sum.DryRun && (sum.Outcome == ledger.OutcomeOK || sum.Outcome == ledger.OutcomePartial)
	values[config.MetricRunSucceeded] = function.Flag(succeeded)
	values[config.MetricRunFailed] = function.Flag(err != nil)
	if err != nil {
		if sum.Outcome != ledger.OutcomeRefused {
			sum.Outcome = function.OutcomeFailed
		}
		sum.Error = err.Error()
		inv.Log.ErrorContext(ctx, "sync failed", "summary", sum)
		inv.Emit(ctx, values, sum.Outcome)
		return sum, fmt.Errorf("sync of pair %s, run %s: %w", sum.Pair, sum.RunID, err)
	}
	inv.Log.InfoContext(ctx, "sync finished", "summary", sum)
	inv.Emit(ctx, values, sum.Outcome)
	return sum, nil
}

// decodeSyncDetail reads the event's detail; absent, null and {} mean no
// overrides. Errors: malformed JSON, unknown fields, bad types.
func decodeSyncDetail(raw json.RawMessage) (SyncDetail, error) {
	var d SyncDetail
	if len(bytes.TrimSpace(raw)) == 0 {
		return d, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("event detail: %w", err)
	}
	return d, nil
}

func kindNames(ks []resource.Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name()
	}
	return out
}
