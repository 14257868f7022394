package replcheck_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/function"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/handler/replcheck"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/metrics"
	"github.com/drsync/drsync/shared/replication"
	"github.com/drsync/drsync/shared/replication/crrtest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

var replTables atomic.Int64

// replFixture is a replication bench with two bucket pairs — tables/
// (replicated) and logs/ (no rule) — a ledger table in moto, and the
// replcheck function's Deps on them.
type replFixture struct {
	b   *crrtest.Bench
	d   *replcheck.Deps
	out *handlertest.Output
	api func(region string) replication.API
}

func newReplFixture(t *testing.T) *replFixture {
	t.Helper()
	cfg := awstest.Start(t).Config(t)
	table := fmt.Sprintf("replcheck-ledger-%d", replTables.Add(1))
	if err := dynamo.CreateTable(context.Background(), dynamodb.NewFromConfig(cfg), table); err != nil {
		t.Fatal(err)
	}
	b := crrtest.New(t, crrtest.Options{})
	b.Bucket(t, "data-east", crrtest.SourceRegion, true)
	b.Bucket(t, "data-west", crrtest.TargetRegion, true)
	b.PutReplication(t, "data-east", crrtest.Rule("tables", "tables/", "data-west"))
	c := config.Default()
	c.Pair = handlertest.Pair
	c.Replication.BucketPairs = []config.BucketPair{
		{Source: "s3://data-east/tables/", Target: "s3://data-west/tables/"},
		{Source: "s3://data-east/logs/", Target: "s3://data-west/logs/"},
	}
	f := &replFixture{b: b, out: &handlertest.Output{}}
	f.api = func(region string) replication.API { return b.Client(t, cmp.Or(region, crrtest.SourceRegion)) }
	f.d = &replcheck.Deps{Core: function.Core{
		Function: "replcheck", Config: c, Now: b.Clock.Now,
		Store:   dynamo.New(dynamodb.NewFromConfig(cfg), table, dynamo.Options{}),
		Logger:  slog.New(slog.NewJSONHandler(&f.out.Logs, nil)),
		Metrics: metrics.New(&f.out.Metrics, handlertest.Pair),
	}}
	f.checker(f.api)
	return f
}

// checker gives the Deps a checker reaching S3 through clients.
func (f *replFixture) checker(clients replication.Clients) {
	f.d.Replication = replication.New(clients, replication.Options{Now: f.b.Clock.Now, PageSize: 10})
}

// A scheduled tick (events/replcheck-scheduled.json) checks every bucket
// pair, writes each latest result to the ledger and one EMF line each: the
// replicated pair healthy, the pair without a rule unhealthy, and that is
// no error (the RPO alarm reports it).
func TestReplcheckScheduledEvent(t *testing.T) {
	t.Parallel()
	f := newReplFixture(t)
	for i := range 25 {
		f.b.PutObject(t, "data-east", fmt.Sprintf("tables/t/part-%02d", i), "x")
	}
	f.b.PutObject(t, "data-east", "logs/app.log", "x")
	f.b.Replicate()
	f.b.Clock.Advance(time.Hour)
	sum, err := handlertest.Invoke[replcheck.Summary](t, f.d.Check, handlertest.Event(t, "replcheck-scheduled.json"), "req-repl", time.Minute)
	if err != nil {
		t.Fatalf("replcheck: %v\nlogs:\n%s", err, f.out.Logs.String())
	}
	if sum.Outcome != replcheck.OutcomeUnhealthy || len(sum.Pairs) != 2 || sum.RunID != "req-repl" {
		t.Fatalf("summary %+v", sum)
	}
	byTarget := map[string]replcheck.PairSummary{}
	for _, p := range sum.Pairs {
		byTarget[p.Target] = p
	}
	if p := byTarget["s3://data-west/tables/"]; p.Outcome != replcheck.OutcomeHealthy || p.Result.Matched != 25 {
		t.Errorf("tables pair %+v", p)
	}
	if p := byTarget["s3://data-west/logs/"]; p.Outcome != replcheck.OutcomeUnhealthy || p.Result.Missing != 1 || !p.Result.RPOBreached {
		t.Errorf("logs pair %+v", p)
	}
	results, err := f.d.Store.ReplicationResults(context.Background(), handlertest.Pair)
	if err != nil || len(results) != 2 || results[0].Source != "s3://data-east/logs/" || results[0].Healthy || !results[1].Healthy {
		t.Fatalf("ledger results %+v, %v", results, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(results[0].Report, &doc); err != nil || doc["missing"] != 1.0 {
		t.Errorf("stored report %s (%v)", results[0].Report, err)
	}
	docs := handlertest.EMF(f.out.Metrics.String())
	if len(docs) != 2 {
		t.Fatalf("%d EMF lines, want one per bucket pair", len(docs))
	}
	breached := handlertest.Metric(t, docs[0], "ReplicationRPOBreached") + handlertest.Metric(t, docs[1], "ReplicationRPOBreached")
	if handlertest.Metric(t, docs[0], "ReplicationChecked")+handlertest.Metric(t, docs[1], "ReplicationChecked") != 2 || breached != 1 {
		t.Errorf("EMF %v", docs)
	}
}

// slowList serves listings normally until it is told to hang: then a
// listing waits for the invocation's deadline, as a slow S3 would.
type slowList struct {
	replication.API
	hang *atomic.Bool
}

func (s slowList) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if s.hang.Load() && strings.HasPrefix(*in.Prefix, "tables/u") {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.API.ListObjectsV2(ctx, in, optFns...)
}

// A check the deadline stops is checkpointed, not failed; the next
// invocation continues it first and counts every object once.
func TestReplcheckDeadlineCheckpoints(t *testing.T) {
	t.Parallel()
	f := newReplFixture(t)
	for _, dir := range []string{"t", "u"} {
		for i := range 15 {
			f.b.PutObject(t, "data-east", fmt.Sprintf("tables/%s/part-%02d", dir, i), "x")
		}
	}
	f.b.Replicate()
	hang := &atomic.Bool{}
	hang.Store(true)
	f.checker(func(region string) replication.API { return slowList{API: f.api(region), hang: hang} })
	// The 8 s invocation leaves 7 s to read the ledger and list tables/t
	// even on a loaded machine; the listing of tables/u then waits for the
	// deadline.
	f.d.MaxMargin = time.Second
	sum, err := handlertest.Invoke[replcheck.Summary](t, f.d.Check, handlertest.Event(t, "replcheck-scheduled.json"), "req-short", 8*time.Second)
	if err != nil {
		t.Fatalf("a check cut by the deadline must not fail: %v\nlogs:\n%s", err, f.out.Logs.String())
	}
	if sum.Outcome != function.OutcomeIncomplete || sum.Pairs[0].Outcome != function.OutcomeIncomplete {
		t.Fatalf("summary %+v", sum)
	}
	cp, err := f.d.Store.ReplicationCheckpoint(context.Background(), handlertest.Pair, "s3://data-east/tables/", "s3://data-west/tables/")
	if err != nil || len(cp.Progress) == 0 {
		t.Fatalf("no checkpoint: %+v, %v", cp, err)
	}
	hang.Store(false)
	next, err := handlertest.Invoke[replcheck.Summary](t, f.d.Check, handlertest.Event(t, "replcheck-scheduled.json"), "req-next", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p := next.Pairs[0]
	if p.Target != "s3://data-west/tables/" || p.Result == nil || p.Result.Matched != 30 || p.Result.Missing+p.Result.Extra != 0 {
		t.Fatalf("continued check %+v (result %+v)", p, p.Result)
	}
	if cp, _ := f.d.Store.ReplicationCheckpoint(context.Background(), handlertest.Pair, p.Source, p.Target); len(cp.Progress) != 0 {
		t.Errorf("checkpoint left after the check finished: %s", cp.Progress)
	}
}

// A bucket pair that cannot be checked (its DR bucket does not exist) fails
// the invocation, and the ledger says why.
func TestReplcheckMissingBucketIsAnError(t *testing.T) {
	t.Parallel()
	f := newReplFixture(t)
	f.d.Config.Replication.BucketPairs = []config.BucketPair{{Source: "s3://data-east/tables/", Target: "s3://gone-west/tables/"}}
	_, err := handlertest.Invoke[replcheck.Summary](t, f.d.Check, handlertest.Event(t, "replcheck-scheduled.json"), "req-gone", time.Minute)
	if err == nil || !strings.Contains(err.Error(), "gone-west") {
		t.Fatalf("err = %v, want one naming the missing bucket", err)
	}
	if logs := f.out.Logs.String(); !strings.Contains(logs, "replication check failed") || !strings.Contains(logs, `"outcome":"failed"`) {
		t.Errorf("logs do not report the failed check:\n%s", logs)
	}
	results, _ := f.d.Store.ReplicationResults(context.Background(), handlertest.Pair)
	if len(results) != 1 || results[0].Healthy || !strings.Contains(string(results[0].Report), "gone-west") {
		t.Errorf("ledger results %+v", results)
	}
}
