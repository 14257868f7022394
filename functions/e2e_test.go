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
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/auditlog"
	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/handler"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/handler/replcheck"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/resource/kinds"
)

func TestMain(m *testing.M) {
	awstest.Main(m)
	removeBuilds()
}

// functionTimeout is what the RIE tells the functions their timeout is.
const functionTimeout = "60"

// newStack starts moto (skipping without it, before any build), builds the
// functions and returns a stack made with opts and the functions' environment.
func newStack(t testing.TB, opts handlertest.Options) (*handlertest.Stack, *binaries, map[string]string) {
	t.Helper()
	awstest.Start(t)
	b := build(t)
	s := handlertest.New(t, opts)
	env := s.Env()
	env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = functionTimeout
	return s, b, env
}

// Both functions, as deployed, under the Lambda runtime emulator: a
// scheduled sync copies the estate; an audit-log delivery naming changes in
// the source syncs exactly those and records its records in the ledger; the
// next scheduled sync finds nothing to do; a wrong event is reported as a
// Lambda error.
func TestLambdaEndToEnd(t *testing.T) {
	s, b, env := newStack(t, handlertest.Options{})
	syncFn, auditFn := startRIE(t, b, "sync", env), startRIE(t, b, "auditlog", env)

	first := invokeSync(t, syncFn)
	if first.Outcome != "ok" || first.Actions.Create == 0 || first.Actions.Failed != 0 {
		t.Fatalf("first sync: %+v", first)
	}

	lines := changeAndLog(t, s)
	key := handlertest.AuditKey(handlertest.SourceWorkspaceID, "e2e")
	s.PutAuditObject(t, key, lines...)
	body, ferr := auditFn.invoke(t, handlertest.ObjectCreated(t, s.Bucket, key))
	if ferr != nil {
		t.Fatalf("auditlog: %v\n%s", ferr, auditFn.tail())
	}
	var audit handler.AuditlogSummary
	summary(t, body, &audit)
	if audit.Outcome != "ok" || audit.Relevant != 2 || audit.Keys != 2 || audit.Marked != 2 || audit.Actions.Update != 2 {
		t.Fatalf("auditlog summary: %+v", audit)
	}
	assertChanged(t, s)
	assertProcessed(t, s, lines)

	if again := invokeSync(t, syncFn); again.Actions.Create+again.Actions.Update+again.Actions.Delete != 0 || again.Outcome != "ok" {
		t.Fatalf("the sync after the audit-log sync is not quiet: %+v", again)
	}

	_, ferr = auditFn.invoke(t, handlertest.Event(t, "scheduled.json"))
	if ferr == nil || !strings.Contains(ferr.Message, "Object Created") {
		t.Fatalf("a scheduled event sent to auditlog: error %v", ferr)
	}
	// The functions' output reaches the RIE's pipes after the responses:
	// stopping the RIEs waits for all of it.
	syncFn.stop(t)
	auditFn.stop(t)
	if emf := syncFn.emfLines(); len(emf) != 2 || emf[0]["RunSucceeded"] != 1.0 || emf[1]["ActionsCreated"] != 0.0 {
		t.Errorf("sync EMF lines: %v", emf)
	}
	if emf := auditFn.emfLines(); len(emf) != 2 || emf[0]["RecordsProcessed"] != 2.0 || emf[1]["RunFailed"] != 1.0 {
		t.Errorf("auditlog EMF lines: %v", emf)
	}
	t.Logf("built in %v; cold start (RIE start to first response): sync %v (init %v), auditlog %v (init %v)",
		b.took, syncFn.first, syncFn.initDuration(), auditFn.first, auditFn.initDuration())
}

// invokeSync sends events/scheduled.json to the sync function.
func invokeSync(t *testing.T, fn *rie) handler.SyncSummary {
	t.Helper()
	body, ferr := fn.invoke(t, handlertest.Event(t, "scheduled.json"))
	if ferr != nil {
		t.Fatalf("sync: %v\n%s", ferr, fn.tail())
	}
	var sum handler.SyncSummary
	summary(t, body, &sum)
	return sum
}

// Names of the sample estate objects the test changes.
const (
	e2eNotebook = "/Users/carol@example.com/churn-model/train_model"
	e2eJob      = "nightly-orders"
)

// changeAndLog edits a notebook and a job in the source and returns the
// audit-log lines Databricks would deliver for that, plus a read that
// changes nothing.
func changeAndLog(t *testing.T, s *handlertest.Stack) []string {
	t.Helper()
	ctx := context.Background()
	err := s.SourceAPI.Workspace.Import(ctx, workspace.Import{Path: e2eNotebook, Format: workspace.ImportFormatSource,
		Language: workspace.LanguagePython, Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte("print('retrained')"))})
	if err != nil {
		t.Fatal(err)
	}
	id := s.Seed.JobID(e2eJob)
	if err := s.SourceAPI.Jobs.Update(ctx, jobs.UpdateJob{JobId: id, NewSettings: &jobs.JobSettings{MaxConcurrentRuns: 4}}); err != nil {
		t.Fatal(err)
	}
	jobID := strconv.FormatInt(id, 10)
	return []string{
		handlertest.AuditRecord{Service: "notebook", Action: "modifyNotebook", Params: map[string]string{"path": e2eNotebook}}.Line(),
		handlertest.AuditRecord{Service: "jobs", Action: "update", Params: map[string]string{"job_id": jobID}}.Line(),
		handlertest.AuditRecord{Service: "notebook", Action: "runCommand", Params: map[string]string{"notebookId": "7"}}.Line(),
	}
}

// assertChanged checks both changes reached the target.
func assertChanged(t *testing.T, s *handlertest.Stack) {
	t.Helper()
	ctx := context.Background()
	exp, err := s.TargetAPI.Workspace.Export(ctx, workspace.ExportRequest{Path: e2eNotebook, Format: workspace.ExportFormatSource})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := base64.StdEncoding.DecodeString(exp.Content); !strings.Contains(string(got), "retrained") {
		t.Errorf("target notebook not updated: %q", got)
	}
	j, err := s.TargetAPI.Jobs.List(ctx, jobs.ListJobsRequest{Name: e2eJob}).Next(ctx)
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
	s, b, env := newStack(t, handlertest.Options{Config: func(c *config.Config) {
		c.Replication.BucketPairs = []config.BucketPair{{Source: "s3://" + east + "/tables/", Target: "s3://" + west + "/tables/"}}
	}})
	for _, name := range []string{east, west} {
		if _, err := s.S3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	fn := startRIE(t, b, "replcheck", env)
	body, ferr := fn.invoke(t, handlertest.Event(t, "replcheck-scheduled.json"))
	if ferr != nil {
		t.Fatalf("replcheck: %v\n%s", ferr, fn.tail())
	}
	var sum replcheck.Summary
	summary(t, body, &sum)
	if sum.Outcome != replcheck.OutcomeUnhealthy || len(sum.Pairs) != 1 || sum.Pairs[0].Result == nil {
		t.Fatalf("replcheck summary: %+v", sum)
	}
	store := dynamo.New(dynamodb.NewFromConfig(s.AWS), s.Table, dynamo.Options{})
	if results, err := store.ReplicationResults(t.Context(), handlertest.Pair); err != nil || len(results) != 1 || results[0].Healthy {
		t.Errorf("ledger results %+v, %v", results, err)
	}
	fn.stop(t) // waits for the output
	if emf := fn.emfLines(); len(emf) != 1 || emf[0]["ReplicationUnhealthy"] != 1.0 {
		t.Errorf("replcheck EMF lines: %v", emf)
	}
}

// A function whose environment is wrong fails its cold start, and the log
// names the variable to fix.
func TestLambdaInitFailureNamesTheVariable(t *testing.T) {
	_, b, env := newStack(t, handlertest.Options{})
	delete(env, "DRSYNC_LEDGER_TABLE")
	fn := startRIE(t, b, "sync", env)
	if _, ferr := fn.invoke(t, handlertest.Event(t, "scheduled.json")); ferr == nil {
		t.Fatalf("the invoke of a function that failed init succeeded\n%s", fn.tail())
	}
	fn.stop(t) // and with it, wait for the output
	if out := fn.out.String(); !strings.Contains(out, "init failed") || !strings.Contains(out, "DRSYNC_LEDGER_TABLE is not set") {
		t.Fatalf("the init error does not name the variable:\n%s", fn.tail())
	}
}
