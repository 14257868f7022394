package handler_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
)

// Paths and names of the sample estate the tests change.
const (
	changedNotebook = "/Users/alice@example.com/orders-pipeline/clean_orders"
	otherNotebook   = "/Users/bob@example.com/dashboards/weekly_kpis"
	newNotebook     = "/Shared/new-team/first_steps"
	changedJob      = "nightly-orders"
)

// synced returns a stack whose target already holds the estate (one full
// sync), and the auditlog function's Deps.
func synced(t *testing.T) (*handlertest.Stack, *handler.Deps, *handlertest.Output) {
	t.Helper()
	s := handlertest.New(t, handlertest.Options{})
	d, out := s.Deps(t, "auditlog")
	if _, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-full", time.Minute); err != nil {
		t.Fatal(err)
	}
	out.Metrics = handlertest.Buffer{}
	s.Target.ResetRequests()
	return s, d, out
}

// A delivered object's relevant records drive one targeted sync of exactly
// the objects they name; drsync's own writes, failed requests, other
// workspaces' records, reads and malformed lines are counted and skipped.
// A redelivery with more lines (Databricks rewrites objects) syncs only the
// new record: the others were marked processed in the ledger.
func TestAuditlogSyncsTheNamedObjectsOnce(t *testing.T) {
	t.Parallel()
	s, d, out := synced(t)
	jobID := changeSource(t, s)
	lines := []string{
		handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"notebookId": "1", "path": changedNotebook}}.Line(),
		handlertest.AuditRecord{Service: "notebook", Action: "createFolder", Params: map[string]string{"path": "/Shared/new-team"}}.Line(),
		handlertest.AuditRecord{Service: "notebook", Action: "createNotebook", Params: map[string]string{"notebookId": "2", "path": newNotebook}}.Line(),
		`{"version":"2.0","serviceName":"jobs",`, // cut short by a crash of the writer
		handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": jobID, "new_settings": `{"max_concurrent_runs":3}`}}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "reset", Params: map[string]string{"job_id": jobID},
			UserAgent: "drsync/0.0.0-dev databricks-sdk-go/0.118.0 go/1.26.8 os/linux auth/pat"}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "delete", Params: map[string]string{"job_id": jobID}, Status: 403}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "delete", Params: map[string]string{"job_id": jobID}, WorkspaceID: 42}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "runNow", Params: map[string]string{"job_id": jobID}}.Line(),
	}
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, "first")
	s.PutAuditObject(t, key, lines...)
	sum, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, key), "req-audit", time.Minute)
	if err != nil {
		t.Fatalf("auditlog: %v\nlogs:\n%s", err, out.Logs.String())
	}
	if sum.Outcome != "ok" || sum.Records != 8 || sum.Relevant != 4 || sum.Ignored != 4 || sum.Malformed != 1 ||
		sum.Own != 1 || sum.Failed != 1 || sum.Foreign != 1 || sum.Keys != 4 || sum.Marked != 4 || sum.Unmarked != 0 ||
		sum.Actions.Create != 2 || sum.Actions.Update != 2 || sum.Actions.Done != 4 {
		t.Fatalf("summary %+v", sum)
	}
	assertTargetChanged(t, s)
	emf := lastEMF(t, out)
	if handlertest.Metric(t, emf, "RecordsProcessed") != 4 || handlertest.Metric(t, emf, "RecordsMalformed") != 1 || handlertest.Metric(t, emf, "RecordsIgnored") != 4 {
		t.Fatalf("EMF %v", emf)
	}
	if _, ok := emf["RunSucceeded"]; ok {
		t.Error("an audit-log run emitted the full sync's success marker")
	}
	// The same object again, rewritten with one more record.
	more := handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": otherNotebook}}.Line()
	s.PutAuditObject(t, key, append(lines, more)...)
	s.Target.ResetRequests()
	again, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, key), "req-again", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if again.AlreadyProcessed != 4 || again.Keys != 1 || again.KeyList[0] != "notebook:"+otherNotebook || again.Marked != 1 {
		t.Fatalf("redelivery summary %+v", again)
	}
}

// changeSource edits a notebook, adds one and changes a job in the source;
// it returns the job's id.
func changeSource(t *testing.T, s *handlertest.Stack) string {
	t.Helper()
	ctx := context.Background()
	importNotebook(t, s, changedNotebook, "print('v2')")
	if err := s.SourceAPI.Workspace.MkdirsByPath(ctx, "/Shared/new-team"); err != nil {
		t.Fatal(err)
	}
	importNotebook(t, s, newNotebook, "print('hello')")
	id := s.Seed.JobID(changedJob)
	if err := s.SourceAPI.Jobs.Update(ctx, jobs.UpdateJob{JobId: id, NewSettings: &jobs.JobSettings{MaxConcurrentRuns: 3}}); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func importNotebook(t *testing.T, s *handlertest.Stack, path, src string) {
	t.Helper()
	err := s.SourceAPI.Workspace.Import(context.Background(), workspace.Import{Path: path, Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte(src))})
	if err != nil {
		t.Fatal(err)
	}
}

// assertTargetChanged checks the three changes of changeSource reached the target.
func assertTargetChanged(t *testing.T, s *handlertest.Stack) {
	t.Helper()
	ctx := context.Background()
	for path, want := range map[string]string{changedNotebook: "print('v2')", newNotebook: "print('hello')"} {
		exp, err := s.TargetAPI.Workspace.Export(ctx, workspace.ExportRequest{Path: path, Format: workspace.ExportFormatSource})
		if err != nil {
			t.Fatalf("export %s from the target: %v", path, err)
		}
		got, _ := base64.StdEncoding.DecodeString(exp.Content)
		if !strings.Contains(string(got), want) {
			t.Errorf("target %s = %q, want it to hold %q", path, got, want)
		}
	}
	j, err := s.TargetAPI.Jobs.List(ctx, jobs.ListJobsRequest{Name: changedJob}).Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.TargetAPI.Jobs.GetByJobId(ctx, j.JobId); err != nil || got.Settings.MaxConcurrentRuns != 3 {
		t.Errorf("target job %s not updated: %+v, %v", changedJob, got, err)
	}
}

// A record whose object failed to sync stays unmarked, so a redelivery
// retries it; the records that synced are marked and not repeated. A failed
// action does not fail the invocation.
func TestAuditlogFailedObjectStaysUnmarked(t *testing.T) {
	t.Parallel()
	s, d, _ := synced(t)
	jobID := changeSource(t, s)
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, "partial")
	s.PutAuditObject(t, key,
		handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": changedNotebook}}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": jobID}}.Line())
	s.Target.InjectFault(emulator.Fault{Endpoint: "POST /api/2.2/jobs/reset", Kind: emulator.InternalError})
	sum, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, key), "req-1", time.Minute)
	if err != nil {
		t.Fatalf("a failed action must not fail the invocation: %v", err)
	}
	if sum.Outcome != "partial" || sum.Marked != 1 || sum.Unmarked != 1 || sum.Actions.Failed != 1 {
		t.Fatalf("summary %+v", sum)
	}
	s.Target.ClearFaults()
	retry, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, key), "req-2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if retry.AlreadyProcessed != 1 || strings.Join(retry.KeyList, ",") != "job:"+jobID || retry.Marked != 1 || retry.Actions.Update != 1 {
		t.Fatalf("retry summary %+v", retry)
	}
}

// While another run holds the lease, the invocation leaves the objects its
// records name pending in the ledger and succeeds (no retry, no DLQ); the
// next sync picks them up first and clears them, so no change is lost.
func TestAuditlogLeaseHeldLeavesObjectsPending(t *testing.T) {
	t.Parallel()
	s, d, _ := synced(t)
	importNotebook(t, s, changedNotebook, "print('v3')")
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, "busy")
	s.PutAuditObject(t, key, handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": changedNotebook}}.Line())
	ctx := context.Background()
	if _, err := d.Store.AcquireLease(ctx, handlertest.Pair, "sync-run", time.Minute, time.Now()); err != nil {
		t.Fatal(err)
	}
	busy, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, key), "req-busy", time.Minute)
	if err != nil || busy.Outcome != handler.OutcomePending || busy.Pending != 1 || busy.Marked != 1 {
		t.Fatalf("with the lease held: %+v, %v; want success, one object pending, the record marked", busy, err)
	}
	pending, err := d.Store.Pending(ctx, handlertest.Pair)
	if err != nil || len(pending) != 1 || pending[0].Key != changedNotebook {
		t.Fatalf("pending = %+v, %v", pending, err)
	}
	if err := d.Store.ReleaseLease(ctx, handlertest.Pair, "sync-run"); err != nil {
		t.Fatal(err)
	}
	// The next audit-log delivery (about something else) syncs the pending
	// object too; a redelivery of the first object is already processed.
	other := handlertest.AuditKey(handlertest.SourceWorkspaceID, "next")
	s.PutAuditObject(t, other, handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": "1"}}.Line())
	next, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, other), "req-next", time.Minute)
	if err != nil || next.Actions.Update != 1 {
		t.Fatalf("next run: %+v, %v; want the pending notebook updated", next, err)
	}
	if pending, _ := d.Store.Pending(ctx, handlertest.Pair); len(pending) != 0 {
		t.Errorf("pending after the next run = %+v, want none", pending)
	}
	again, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, key), "req-again", time.Minute)
	if err != nil || again.AlreadyProcessed != 1 || again.Outcome != function.OutcomeNothingToDo {
		t.Fatalf("redelivery: %+v, %v", again, err)
	}
}

// Objects under another workspace's partition are ignored without being
// read; an object that cannot be read fails the invocation, naming it.
func TestAuditlogForeignAndMissingObjects(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, out := s.Deps(t, "auditlog")
	foreign := handlertest.AuditKey(42, "other") // never written: reading it would fail
	sum, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, foreign), "req-foreign", time.Minute)
	if err != nil || sum.Outcome != handler.OutcomeForeign {
		t.Fatalf("foreign object: %+v, %v", sum, err)
	}
	missing := handlertest.AuditKey(handlertest.SourceWorkspaceID, "missing")
	_, err = handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, missing), "req-missing", time.Minute)
	if err == nil {
		t.Fatal("a missing object was not an error")
	}
	mustContain(t, err.Error(), "s3://"+s.Bucket+"/"+missing, "NoSuchKey")
	if handlertest.Metric(t, lastEMF(t, out), "RunFailed") != 1 {
		t.Error("no RunFailed for an unreadable object")
	}
}

// A key that arrives URL-encoded, as S3 writes keys into its own
// notifications ("=" as "%3D"), still finds the object.
func TestAuditlogEncodedKey(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, _ := s.Deps(t, "auditlog")
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, "encoded")
	s.PutAuditObject(t, key, handlertest.AuditRecord{Service: "jobs", Action: "runNow", Params: map[string]string{"job_id": "1"}}.Line())
	encoded := strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
	sum, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.ObjectCreated(t, s.Bucket, encoded), "req-enc", time.Minute)
	if err != nil || sum.Key != key || sum.Records != 1 || sum.Outcome != function.OutcomeNothingToDo {
		t.Fatalf("encoded key %s: %+v, %v", encoded, sum, err)
	}
}

// Any other event (a schedule tick sent to the wrong function) fails loudly.
func TestAuditlogRejectsOtherEvents(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, _ := s.Deps(t, "auditlog")
	_, err := handlertest.Invoke[handler.AuditlogSummary](t, d.Auditlog, handlertest.Event(t, "scheduled.json"), "req-wrong", time.Minute)
	if err == nil {
		t.Fatal("a scheduled event was accepted")
	}
	mustContain(t, err.Error(), "Object Created", "Scheduled Event")
}
