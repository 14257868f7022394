package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/awsconn"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/plan"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// Outcomes of an auditlog invocation besides the engine's and run.go's.
const (
	// OutcomeForeign: the object was delivered for another workspace.
	OutcomeForeign ledger.Outcome = "foreign-workspace"
	// OutcomePending: another run held the lease; the objects are left
	// pending in the ledger for it (or the next run) to sync.
	OutcomePending ledger.Outcome = "pending"
)

// maxKeyList caps the keys a summary lists.
const maxKeyList = 50

// markers bounds concurrent MarkProcessed calls.
const markers = 8

// AuditlogSummary is what an auditlog invocation returns (and logs). The
// embedded auditlog.Summary counts the object's records: records, relevant,
// ignored, malformed (with the first malformed line numbers), and among them
// unresolved, unknown, failed, own (drsync's own writes) and foreign.
type AuditlogSummary struct {
	RunID   string         `json:"run_id"`
	Pair    string         `json:"pair"`
	Bucket  string         `json:"bucket"`
	Key     string         `json:"key"`
	Outcome ledger.Outcome `json:"outcome"`
	auditlog.Summary
	// AlreadyProcessed relevant records were handled by an earlier delivery
	// of the object (Databricks rewrites objects with more lines).
	AlreadyProcessed int `json:"already_processed"`
	// Keys is how many distinct objects the new records name; KeyList the
	// first of them, "kind:key".
	Keys    int      `json:"keys"`
	KeyList []string `json:"key_list,omitempty"`
	// Marked records are now marked processed; Unmarked ones named an object
	// whose action failed, so a redelivery (or the next full sync) retries it.
	Marked   int `json:"marked"`
	Unmarked int `json:"unmarked"`
	// Pending objects were left in the ledger for the run holding the lease.
	Pending int      `json:"pending,omitempty"`
	Actions Actions  `json:"actions"`
	Drift   int      `json:"drift"`
	Errors  []string `json:"errors,omitempty"`
	// Error is why the run failed (the handler also returns it).
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	// Plan is the targeted sync's plan with each action's outcome, for a
	// caller that shows it (the CLI); nil when nothing was synced.
	Plan *plan.Plan `json:"-"`
}

// location names the object: s3://bucket/key, or the key alone when there
// is no bucket (a local file).
func (s *AuditlogSummary) location() string {
	if s.Bucket == "" {
		return s.Key
	}
	return "s3://" + s.Bucket + "/" + s.Key
}

// Auditlog is the auditlog function's handler. For an EventBridge S3 "Object
// Created" event of a delivered audit-log object it reads the object, keeps
// the relevant records not processed before, runs ONE targeted sync of the
// objects they name, marks each record processed once the sync applied its
// objects (at-least-once processing of an idempotent sync: the effect happens
// once), emits one EMF line and returns the summary. Malformed lines are
// counted, not fatal. An object delivered under another workspace's
// partition (when DRSYNC_SOURCE_WORKSPACE_ID is set) is ignored.
//
// It returns an error, so that the event is retried and then dead-lettered,
// when it could not do its job: a malformed event, an unreadable object, the
// ledger failing, the sync failing as a whole or refused by the delete guard,
// another run holding the lease, or the deadline stopping the sync before all
// actions ran. Failed actions are not errors: their records stay unmarked.
func (d *Deps) Auditlog(ctx context.Context, ev events.EventBridgeEvent) (AuditlogSummary, error) {
	inv := d.begin(ctx)
	sum := AuditlogSummary{RunID: inv.ID, Pair: d.Config.Pair}
	err := inv.auditlog(ctx, ev, &sum)
	return inv.finishAuditlog(ctx, sum, err)
}

// AuditlogObject is Auditlog for one delivered object named directly rather
// than by an event: the CLI's `sync --from-audit-log` runs it over local
// files (an empty bucket, Objects reading the key as a file name), so an
// operator gets exactly the function's parsing, dedupe, targeted sync and
// marking. Errors: as Auditlog's, but for the event.
func (d *Deps) AuditlogObject(ctx context.Context, bucket, key string) (AuditlogSummary, error) {
	inv := d.begin(ctx)
	sum := AuditlogSummary{RunID: inv.ID, Pair: d.Config.Pair, Bucket: bucket, Key: key}
	err := inv.object(ctx, &sum)
	return inv.finishAuditlog(ctx, sum, err)
}

// objectCreated is the detail of an S3 "Object Created" event.
type objectCreated struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key string `json:"key"`
	} `json:"object"`
}

// pending is one relevant record: its dedupe id and the objects it names.
type pending struct {
	id   string
	keys []auditlog.Key
}

func (inv invocation) auditlog(ctx context.Context, ev events.EventBridgeEvent, sum *AuditlogSummary) error {
	obj, err := decodeObjectCreated(ev)
	if err != nil {
		return err
	}
	sum.Bucket, sum.Key = obj.Bucket.Name, obj.Object.Key
	return inv.object(ctx, sum)
}

// object syncs what the new records of the object sum names ask for.
func (inv invocation) object(ctx context.Context, sum *AuditlogSummary) error {
	if inv.foreign(sum.Key) {
		sum.Outcome = OutcomeForeign
		return nil
	}
	work, cancel := inv.d.Work(ctx)
	defer cancel()
	recs, err := inv.scan(work, sum)
	if err != nil {
		return err
	}
	if recs, err = inv.unprocessed(work, recs, sum); err != nil {
		return err
	}
	refs := keysOf(recs)
	sum.Keys, sum.KeyList = len(refs), refList(refs)
	if len(refs) == 0 {
		sum.Outcome = function.OutcomeNothingToDo
		return nil
	}
	return inv.syncKeys(ctx, work, recs, refs, sum)
}

// decodeObjectCreated checks the event and reads its bucket and key.
// Errors: another kind of event, or no bucket or key.
func decodeObjectCreated(ev events.EventBridgeEvent) (objectCreated, error) {
	var o objectCreated
	if ev.Source != "aws.s3" || ev.DetailType != "Object Created" {
		return o, fmt.Errorf(`event: want source "aws.s3" and detail-type "Object Created", got %q and %q`, ev.Source, ev.DetailType)
	}
	if err := json.Unmarshal(ev.Detail, &o); err != nil {
		return o, fmt.Errorf("event detail: %w", err)
	}
	if o.Bucket.Name == "" || o.Object.Key == "" {
		return o, errors.New("event detail: want bucket.name and object.key")
	}
	return o, nil
}

// foreign reports whether key lies under another workspace's partition.
// Keys without a partition are read: their records say whose they are.
func (inv invocation) foreign(key string) bool {
	want := inv.d.SourceWorkspaceID
	if want == "" {
		return false
	}
	id, err := auditlog.PartitionWorkspaceID(unescape(key))
	return err == nil && id != want
}

// scan reads the object and returns its relevant records that name keys.
// Errors: the object cannot be read (wrapped with its location).
func (inv invocation) scan(ctx context.Context, sum *AuditlogSummary) ([]pending, error) {
	body, err := inv.open(ctx, sum)
	if err != nil {
		return nil, err
	}
	defer func() { _ = body.Close() }() // read-only: nothing to lose
	seen := map[string]bool{}
	var recs []pending
	sum.Summary, err = auditlog.Scan(ctx, body, auditlog.Options{SourceWorkspaceID: inv.d.SourceWorkspaceID, Events: kinds.AuditEvents()}, func(e auditlog.Entry) error {
		if e.Class != auditlog.Relevant || len(e.Keys) == 0 {
			return nil
		}
		if id := e.Record.ID(); !seen[id] {
			seen[id] = true
			recs = append(recs, pending{id: id, keys: e.Keys})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sum.location(), err)
	}
	return recs, nil
}

// open gets the object. S3's own event notifications URL-encode object keys
// ("=" as "%3D"); should an event's key come so, the decoded key is tried
// once when the key as given does not exist.
func (inv invocation) open(ctx context.Context, sum *AuditlogSummary) (io.ReadCloser, error) {
	body, err := inv.d.Objects.Open(ctx, sum.Bucket, sum.Key)
	if alt := unescape(sum.Key); errors.Is(err, awsconn.ErrNoSuchKey) && alt != sum.Key {
		if body, err = inv.d.Objects.Open(ctx, sum.Bucket, alt); err == nil {
			sum.Key = alt
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sum.location(), err)
	}
	return body, nil
}

// unescape URL-decodes an object key; a key that does not decode stays.
func unescape(key string) string {
	if k, err := url.QueryUnescape(key); err == nil {
		return k
	}
	return key
}

// unprocessed drops the records an earlier delivery already handled.
// Errors: the ledger's.
func (inv invocation) unprocessed(ctx context.Context, recs []pending, sum *AuditlogSummary) ([]pending, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.id
	}
	done, err := inv.d.Store.Processed(ctx, inv.d.Config.Pair, ids)
	if err != nil {
		return nil, fmt.Errorf("read processed audit-log records: %w", err)
	}
	fresh := slices.DeleteFunc(recs, func(r pending) bool { return done[r.id] })
	sum.AlreadyProcessed = len(ids) - len(fresh)
	return fresh, nil
}

// keysOf is the sorted, distinct objects recs name.
func keysOf(recs []pending) []resource.Ref {
	set := map[resource.Ref]bool{}
	for _, r := range recs {
		for _, k := range r.keys {
			set[resource.Ref{Kind: k.Kind, Key: k.Key}] = true
		}
	}
	refs := make([]resource.Ref, 0, len(set))
	for r := range set {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b resource.Ref) int { return strings.Compare(a.String(), b.String()) })
	return refs
}

func refList(refs []resource.Ref) []string {
	out := make([]string, 0, min(len(refs), maxKeyList))
	for _, r := range refs[:min(len(refs), maxKeyList)] {
		out = append(out, r.String())
	}
	return out
}

// syncKeys runs the one targeted sync and marks what it applied.
func (inv invocation) syncKeys(ctx, work context.Context, recs []pending, refs []resource.Ref, sum *AuditlogSummary) error {
	opts, err := inv.options("auditlog")
	if err != nil {
		return err
	}
	t := newTally(work)
	opts.Keys, opts.Done = refs, t.done
	res, err := inv.engineSync(work, opts)
	if res != nil {
		sum.Outcome, sum.Actions, sum.Drift, sum.Errors = res.Run.Outcome, t.count(res.Plan), res.Plan.Drift, t.failures(res.Plan)
		sum.Plan = res.Plan
	}
	stopped := res != nil && function.OnlyDeadline(ctx, work, err)
	switch {
	case errors.Is(err, ledger.ErrLeaseHeld):
		// A full sync is running: leave the objects pending for it (or the
		// next run) and succeed, so the event never reaches the DLQ.
		return inv.leavePending(ctx, recs, refs, sum)
	case errors.Is(err, engine.ErrFailedOver):
		// Changes of a primary that is no longer active are not copied;
		// failback resyncs in full.
		sum.Outcome = OutcomeFailedOver
		return nil
	case err != nil && !stopped:
		return err
	}
	if err := inv.mark(ctx, recs, res, resource.PathKinds(opts.Kinds), sum); err != nil {
		return err
	}
	if stopped {
		sum.Outcome = function.OutcomeIncomplete
		return fmt.Errorf("the deadline stopped the sync with %d actions left (the rest is marked done): %w",
			sum.Actions.Remaining, err)
	}
	return nil
}

// leavePending records the objects recs name as pending in the ledger
// (idempotently: a key already pending keeps its later time), then marks the
// records processed: the ledger now holds the work, the event is done.
// Errors: the ledger's.
func (inv invocation) leavePending(ctx context.Context, recs []pending, refs []resource.Ref, sum *AuditlogSummary) error {
	now := inv.d.Clock()
	keys := make([]ledger.PendingKey, len(refs))
	for i, r := range refs {
		keys[i] = ledger.PendingKey{Kind: r.Kind, Key: r.Key, Since: now}
	}
	if err := inv.d.Store.AddPending(ctx, inv.d.Config.Pair, keys); err != nil {
		return fmt.Errorf("leave the objects pending for the running sync: %w", err)
	}
	sum.Outcome, sum.Pending = OutcomePending, len(keys)
	return inv.markRecords(ctx, recs, sum, func(pending) bool { return true })
}

// mark marks processed every record whose objects all synced; a record
// naming an object whose action failed or was not reached stays unmarked.
// It works under ctx (the invocation's), past the engine's margin.
// Errors: the ledger's.
func (inv invocation) mark(ctx context.Context, recs []pending, res *engine.Result, paths map[string]bool, sum *AuditlogSummary) error {
	var unsynced []resource.Ref
	for _, a := range res.Plan.Actions {
		if a.Status == plan.StatusFailed { // on its own, or stopped by the deadline
			unsynced = append(unsynced, resource.Ref{Kind: a.Kind, Key: a.Key})
		}
	}
	return inv.markRecords(ctx, recs, sum, func(r pending) bool { return r.synced(unsynced, paths) })
}

// markRecords marks processed the records done says are done, in parallel.
// Errors: the ledger's.
func (inv invocation) markRecords(ctx context.Context, recs []pending, sum *AuditlogSummary, done func(pending) bool) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(markers)
	for _, r := range recs {
		if !done(r) {
			sum.Unmarked++
			continue
		}
		sum.Marked++
		g.Go(func() error {
			_, err := inv.d.Store.MarkProcessed(gctx, inv.d.Config.Pair, r.id, inv.d.processedTTL())
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("mark audit-log records processed: %w", err)
	}
	return nil
}

// synced reports whether none of r's keys covers an unsynced object.
func (r pending) synced(unsynced []resource.Ref, paths map[string]bool) bool {
	for _, k := range r.keys {
		for _, u := range unsynced {
			if resource.Covers(resource.Ref{Kind: k.Kind, Key: k.Key}, u, paths) {
				return false
			}
		}
	}
	return true
}

// finishAuditlog logs the summary, emits the metrics and returns what the
// handler returns. An auditlog run emits no RunSucceeded: that marker is the
// full sync's, which the staleness alarm watches.
func (inv invocation) finishAuditlog(ctx context.Context, sum AuditlogSummary, err error) (AuditlogSummary, error) {
	sum.DurationMS = inv.Elapsed().Milliseconds()
	values := sum.Actions.metricValues(sum.Drift)
	c := func(n int) metrics.Value { return metrics.Value{V: float64(n), Unit: metrics.Count} }
	values[metrics.RecordsProcessed] = c(sum.Marked)
	values[metrics.RecordsIgnored] = c(sum.Ignored)
	values[metrics.RecordsMalformed] = c(sum.Malformed)
	values[config.MetricRunFailed] = function.Flag(err != nil)
	if err != nil {
		if sum.Outcome != ledger.OutcomeRefused && sum.Outcome != function.OutcomeIncomplete {
			sum.Outcome = function.OutcomeFailed
		}
		sum.Error = err.Error()
		inv.Log.ErrorContext(ctx, "audit-log sync failed", "summary", sum)
		inv.Emit(ctx, values, sum.Outcome)
		return sum, fmt.Errorf("audit-log sync of pair %s, run %s, object %s: %w", sum.Pair, sum.RunID, sum.location(), err)
	}
	inv.Log.InfoContext(ctx, "audit-log sync finished", "summary", sum)
	inv.Emit(ctx, values, sum.Outcome)
	return sum, nil
}
