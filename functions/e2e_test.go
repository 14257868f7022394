//go:build linux

// Package functions_test runs the real Lambda binaries, built as they are
// deployed, under the AWS Lambda Runtime Interface Emulator, against moto and
// two emulated workspaces: the local end-to-end test of the functions, their
// wiring (main.go, handler.Load) and the runtime's JSON contract. It lives
// next to the functions it builds, in its own test binary, so the unit tests
// of shared/handler stay fast.
package functions_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/handler/replcheck"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/localstack"
	"github.com/drsync/drsync/shared/resource/kinds"
)

func TestMain(m *testing.M) { localstack.Main(m) }

// Both functions, as deployed, under the Lambda runtime emulator: a
// scheduled sync copies the estate; an audit-log delivery naming changes in
// the source syncs exactly those and records its records in the ledger; the
// next scheduled sync finds nothing to do; a wrong event is reported as a
// Lambda error.
func TestLambdaEndToEnd(t *testing.T) {
	s := localstack.New(t, handlertest.Options{})
	syncFn, auditFn := s.Start(t, "sync"), s.Start(t, "auditlog")

	first := localstack.ScheduledSync(t, syncFn)
	if first.Outcome != "ok" || first.Actions.Create == 0 || first.Actions.Failed != 0 {
		t.Fatalf("first sync: %+v", first)
	}

	event, lines := s.DeliverChanges(t, "e2e")
	body, ferr := auditFn.Invoke(t, event)
	if ferr != nil {
		t.Fatalf("auditlog: %v\n%s", ferr, auditFn.Tail())
	}
	var audit handler.AuditlogSummary
	localstack.Decode(t, body, &audit)
	if audit.Outcome != "ok" || audit.Relevant != 2 || audit.Keys != 2 || audit.Marked != 2 || audit.Actions.Update != 2 {
		t.Fatalf("auditlog summary: %+v", audit)
	}
	assertChanged(t, s.Stack)
	assertProcessed(t, s.Stack, lines)

	if again := localstack.ScheduledSync(t, syncFn); again.Actions.Create+again.Actions.Update+again.Actions.Delete != 0 || again.Outcome != "ok" {
		t.Fatalf("the sync after the audit-log sync is not quiet: %+v", again)
	}

	_, ferr = auditFn.Invoke(t, handlertest.Event(t, "scheduled.json"))
	if ferr == nil || !strings.Contains(ferr.Message, "Object Created") {
		t.Fatalf("a scheduled event sent to auditlog: error %v", ferr)
	}
	// The functions' output reaches the RIE's pipes after the responses:
	// stopping the RIEs waits for all of it.
	syncFn.Stop(t)
	auditFn.Stop(t)
	if emf := syncFn.EMF(); len(emf) != 2 || emf[0]["RunSucceeded"] != 1.0 || emf[1]["ActionsCreated"] != 0.0 {
		t.Errorf("sync EMF lines: %v", emf)
	}
	if emf := auditFn.EMF(); len(emf) != 2 || emf[0]["RecordsProcessed"] != 2.0 || emf[1]["RunFailed"] != 1.0 {
		t.Errorf("auditlog EMF lines: %v", emf)
	}
	t.Logf("built in %v; cold start (RIE start to first response): sync %v (init %v), auditlog %v (init %v)",
		s.Bootstraps.Took, syncFn.RIE.FirstResponse(), syncFn.RIE.InitDuration(), auditFn.RIE.FirstResponse(), auditFn.RIE.InitDuration())
}

// assertChanged checks both changes reached the target.
func assertChanged(t *testing.T, s *handlertest.Stack) {
	t.Helper()
	ctx := context.Background()
	exp, err := s.TargetAPI.Workspace.Export(ctx, workspace.ExportRequest{Path: localstack.ChangedNotebook, Format: workspace.ExportFormatSource})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := base64.StdEncoding.DecodeString(exp.Content); !strings.Contains(string(got), "retrained") {
		t.Errorf("target notebook not updated: %q", got)
	}
	j, err := s.TargetAPI.Jobs.List(ctx, jobs.ListJobsRequest{Name: localstack.ChangedJob}).Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.TargetAPI.Jobs.GetByJobId(ctx, j.JobId); err != nil || got.Settings.MaxConcurrentRuns != 4 {
		t.Errorf("target job not updated: %v", err)
	}
}

// assertProcessed checks the ledger marked the delivered relevant records
// processed and holds the audit-log run.
func assertProcessed(t *testing.T, s *handlertest.Stack, lines []string) {
	t.Helper()
	ctx := context.Background()
	var ids []string
	_, err := auditlog.Scan(ctx, strings.NewReader(strings.Join(lines, "\n")), auditlog.Options{Events: kinds.AuditEvents()}, func(e auditlog.Entry) error {
		if e.Class == auditlog.Relevant {
			ids = append(ids, e.Record.ID())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(s.AWS), s.Table, dynamo.Options{})
	done, err := store.Processed(ctx, handlertest.Pair, ids)
	if err != nil || len(ids) != 2 || !done[ids[0]] || !done[ids[1]] {
		t.Fatalf("processed %v of %v: %v", done, ids, err)
	}
	runs, err := store.Runs(ctx, handlertest.Pair, 5)
	if err != nil || len(runs) != 2 || runs[0].Trigger != "auditlog" {
		t.Fatalf("runs %+v: %v", runs, err)
	}
}

// The replcheck function, as deployed, under the Lambda runtime emulator
// with the stack's environment: a scheduled tick checks the config's bucket
// pair in moto (two unversioned buckets without a rule: unhealthy, which is
// no error), records the result in the ledger and writes one EMF line.
func TestLambdaReplcheck(t *testing.T) {
	const east, west = "replcheck-e2e-east", "replcheck-e2e-west"
	s := localstack.New(t, handlertest.Options{Config: func(c *config.Config) {
		c.Replication.BucketPairs = []config.BucketPair{{Source: "s3://" + east + "/tables/", Target: "s3://" + west + "/tables/"}}
	}})
	for _, name := range []string{east, west} {
		if _, err := s.S3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	fn := s.Start(t, "replcheck")
	body, ferr := fn.Invoke(t, handlertest.Event(t, "replcheck-scheduled.json"))
	if ferr != nil {
		t.Fatalf("replcheck: %v\n%s", ferr, fn.Tail())
	}
	var sum replcheck.Summary
	localstack.Decode(t, body, &sum)
	if sum.Outcome != replcheck.OutcomeUnhealthy || len(sum.Pairs) != 1 || sum.Pairs[0].Result == nil {
		t.Fatalf("replcheck summary: %+v", sum)
	}
	store := dynamo.New(dynamodb.NewFromConfig(s.AWS), s.Table, dynamo.Options{})
	if results, err := store.ReplicationResults(t.Context(), handlertest.Pair); err != nil || len(results) != 1 || results[0].Healthy {
		t.Errorf("ledger results %+v, %v", results, err)
	}
	fn.Stop(t) // waits for the output
	if emf := fn.EMF(); len(emf) != 1 || emf[0]["ReplicationUnhealthy"] != 1.0 {
		t.Errorf("replcheck EMF lines: %v", emf)
	}
}

// A function whose environment is wrong fails its cold start, and the log
// names the variable to fix.
func TestLambdaInitFailureNamesTheVariable(t *testing.T) {
	s := localstack.New(t, handlertest.Options{})
	env := s.Env()
	delete(env, "DRSYNC_LEDGER_TABLE")
	fn := s.StartWith(t, "sync", env, localstack.FunctionTimeout)
	if _, ferr := fn.Invoke(t, handlertest.Event(t, "scheduled.json")); ferr == nil {
		t.Fatalf("the invoke of a function that failed init succeeded\n%s", fn.Tail())
	}
	fn.Stop(t) // and with it, wait for the output
	if out := fn.RIE.Logs(); !strings.Contains(out, "init failed") || !strings.Contains(out, "DRSYNC_LEDGER_TABLE is not set") {
		t.Fatalf("the init error does not name the variable:\n%s", fn.Tail())
	}
}
