package handler_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/jobs"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
)

// A scheduled tick (events/scheduled.json) copies the estate, records the run
// in the ledger and reports success in the summary and the EMF line; the
// next tick finds nothing to do.
func TestSyncScheduledEventConverges(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, out := s.Deps(t, "sync")
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-first", time.Minute)
	if err != nil {
		t.Fatalf("sync: %v\nlogs:\n%s", err, out.Logs.String())
	}
	if sum.Outcome != "ok" || sum.RunID != "req-first" || sum.Trigger != "schedule" || sum.Actions.Create == 0 ||
		sum.Actions.Done != sum.Actions.Create+sum.Actions.Skip || sum.Actions.Failed+sum.Actions.Remaining != 0 {
		t.Fatalf("first run summary %+v", sum)
	}
	emf := lastEMF(t, out)
	if handlertest.Metric(t, emf, "RunSucceeded") != 1 || handlertest.Metric(t, emf, "RunFailed") != 0 ||
		handlertest.Metric(t, emf, "ActionsCreated") != float64(sum.Actions.Create) || emf["run_id"] != "req-first" {
		t.Fatalf("EMF %v", emf)
	}
	runs, err := d.Store.Runs(context.Background(), handlertest.Pair, 5)
	if err != nil || len(runs) != 1 || runs[0].ID != "req-first" || runs[0].Outcome != "ok" || runs[0].Trigger != "schedule" {
		t.Fatalf("run records %+v, %v", runs, err)
	}
	again, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-second", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a := again.Actions; a.Create+a.Update+a.Delete != 0 || a.Unchanged == 0 || again.Outcome != "ok" {
		t.Fatalf("second run is not quiet: %+v", again)
	}
}

// Detail overrides (events/sync-overrides.json) narrow the run to the named
// resources and make it dry: a plan, no write to the target or the ledger,
// and no success marker (a dry run proves nothing about DR).
func TestSyncOverridesDryRun(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, out := s.Deps(t, "sync")
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "sync-overrides.json"), "req-dry", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.DryRun || strings.Join(sum.Resources, ",") != "pool,policy,cluster,directory,notebook,file,job" ||
		sum.Actions.Create == 0 || sum.Actions.Done != 0 {
		t.Fatalf("summary %+v", sum)
	}
	for ep := range s.Target.Requests() {
		if !strings.HasPrefix(ep, "GET ") {
			t.Errorf("a dry run wrote to the target: %s", ep)
		}
	}
	if runs, _ := d.Store.Runs(context.Background(), handlertest.Pair, 5); len(runs) != 0 {
		t.Errorf("a dry run recorded a run: %+v", runs)
	}
	if v := handlertest.Metric(t, lastEMF(t, out), "RunSucceeded"); v != 0 {
		t.Errorf("RunSucceeded = %v for a dry run", v)
	}
}

// A second run while another holds the pair's lease ends cleanly (no error,
// so no retry and no dead letter) and says who holds it.
func TestSyncLeaseHeldEndsCleanly(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, _ := s.Deps(t, "sync")
	if _, err := d.Store.AcquireLease(context.Background(), handlertest.Pair, "auditlog-run-7", time.Minute, time.Now()); err != nil {
		t.Fatal(err)
	}
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-late", time.Minute)
	if err != nil {
		t.Fatalf("a held lease must not fail the invocation: %v", err)
	}
	if sum.Outcome != handler.OutcomeLeaseHeld || sum.LeaseHolder != "auditlog-run-7" || sum.LeaseExpiry == nil {
		t.Fatalf("summary %+v", sum)
	}
	if n := len(s.Target.Requests()); n != 0 {
		t.Errorf("the target was called %d times without the lease", n)
	}
}

// When the deadline comes mid-apply the run stops at the margin, reports
// the actions it did not reach as remaining (not as failures, and with no
// error), and the next run finishes them.
func TestSyncDeadlineLeavesRemainingForNextRun(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, out := s.Deps(t, "sync")
	// Jobs reach the target last; hold their creates past the deadline. The
	// 8 s invocation leaves the engine 6 s: ample to plan and create the
	// rest of the small estate even on a loaded machine.
	s.Target.InjectFault(emulator.Fault{Endpoint: "POST /api/2.2/jobs/create", Kind: emulator.Latency, Delay: time.Minute})
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-short", 8*time.Second)
	if err != nil {
		t.Fatalf("a run cut by its deadline must not fail: %v\nlogs:\n%s", err, out.Logs.String())
	}
	if sum.Outcome != function.OutcomeIncomplete || sum.Actions.Remaining == 0 || sum.Actions.Failed != 0 || sum.Actions.Done == 0 {
		t.Fatalf("summary %+v", sum)
	}
	if v := handlertest.Metric(t, lastEMF(t, out), "ActionsRemaining"); v != float64(sum.Actions.Remaining) {
		t.Errorf("ActionsRemaining = %v, summary says %d", v, sum.Actions.Remaining)
	}
	s.Target.ClearFaults()
	next, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-next", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if next.Outcome != "ok" || next.Actions.Create != sum.Actions.Remaining {
		t.Fatalf("the next run did not pick up the %d remaining actions: %+v", sum.Actions.Remaining, next)
	}
}

// An action that fails on its own is reported (summary, ActionsFailed) but
// does not fail the invocation: retrying the whole event would not help.
func TestSyncFailedActionIsNotAnError(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, out := s.Deps(t, "sync")
	s.Target.InjectFault(emulator.Fault{Endpoint: "POST /api/2.2/jobs/create", Kind: emulator.InternalError})
	sum, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-partial", time.Minute)
	if err != nil {
		t.Fatalf("a failed action must not fail the invocation: %v", err)
	}
	if sum.Outcome != "partial" || sum.Actions.Failed == 0 || len(sum.Errors) == 0 || !strings.Contains(sum.Errors[0], "job") {
		t.Fatalf("summary %+v", sum)
	}
	emf := lastEMF(t, out)
	if handlertest.Metric(t, emf, "ActionsFailed") != float64(sum.Actions.Failed) || handlertest.Metric(t, emf, "RunSucceeded") != 1 {
		t.Fatalf("EMF %v", emf)
	}
}

// The delete guard refusing a run is an error (operators must see it), with
// RunFailed in the metrics, and nothing is deleted.
func TestSyncRefusedByDeleteGuardIsAnError(t *testing.T) {
	t.Parallel()
	// The sample estate's jobs are a tenth of what drsync manages in it.
	s := handlertest.New(t, handlertest.Options{Config: func(c *config.Config) { c.DeleteGuard.MaxShare = 0.05 }})
	d, out := s.Deps(t, "sync")
	if _, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-1", time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, id := range s.Seed.IDs {
		if strings.HasPrefix(name, "job:") {
			n, _ := strconv.ParseInt(id, 10, 64)
			if err := s.SourceAPI.Jobs.Delete(ctx, jobs.DeleteJob{JobId: n}); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := len(listJobs(t, s))
	_, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, handlertest.Event(t, "scheduled.json"), "req-2", time.Minute)
	if !errors.Is(err, engine.ErrRefused) {
		t.Fatalf("err = %v, want the delete guard's refusal", err)
	}
	if after := len(listJobs(t, s)); after != before {
		t.Errorf("a refused run deleted jobs: %d → %d", before, after)
	}
	if handlertest.Metric(t, lastEMF(t, out), "RunFailed") != 1 {
		t.Error("no RunFailed for a refused run")
	}
}

// A detail the function does not understand fails the invocation with a
// message naming the field, instead of running a full, wet sync.
func TestSyncRejectsUnknownDetail(t *testing.T) {
	t.Parallel()
	s := handlertest.New(t, handlertest.Options{})
	d, _ := s.Deps(t, "sync")
	payload := []byte(`{"detail-type":"Scheduled Event","source":"aws.events","detail":{"dry_run":true}}`)
	_, err := handlertest.Invoke[handler.SyncSummary](t, d.Sync, payload, "req-typo", time.Minute)
	if err == nil {
		t.Fatal("a misspelt override was accepted")
	}
	mustContain(t, err.Error(), "dry_run")
	bad := []byte(`{"detail":{"resources":"notebooks,gpus"}}`)
	_, err = handlertest.Invoke[handler.SyncSummary](t, d.Sync, bad, "req-bad", time.Minute)
	if err == nil {
		t.Fatal("an unknown resource was accepted")
	}
	mustContain(t, err.Error(), "gpus")
	if n := len(s.Target.Requests()); n != 0 {
		t.Errorf("a rejected event still called the target %d times", n)
	}
}

func listJobs(t *testing.T, s *handlertest.Stack) []jobs.BaseJob {
	t.Helper()
	all, err := s.TargetAPI.Jobs.ListAll(context.Background(), jobs.ListJobsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return all
}
