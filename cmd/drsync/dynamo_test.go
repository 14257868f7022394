package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/handler/handlertest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/dynamo"
	"github.com/drsync/drsync/shared/runbook"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// dynamoLedgerFor makes a ledger table in moto and points the standard AWS
// variables at it, as an operator's shell would; it returns the table and
// the store the functions would use.
func dynamoLedgerFor(t *testing.T) (string, *dynamo.Store) {
	t.Helper()
	m := awstest.Start(t)
	table := fmt.Sprintf("drsync-ledger-%d", time.Now().UnixNano())
	client := dynamodb.NewFromConfig(m.Config(t))
	if err := dynamo.CreateTable(t.Context(), client, table); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", m.URL())
	t.Setenv("AWS_REGION", awstest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	return table, dynamo.New(client, table, dynamo.Options{})
}

// With --ledger dynamodb://TABLE the CLI shares the pair's ledger with the
// Lambda functions: it syncs into it, it does not run while a function holds
// the lease, and it refuses a pair that has failed over.
func TestCLIUsesThePairsDynamoLedger(t *testing.T) {
	p := newPair(t)
	table, store := dynamoLedgerFor(t)
	p.ledger = dynamoLedger + table
	p.syncJSON(exitOK)
	recs, err := store.List(t.Context(), "e2e", "job")
	if err != nil || len(recs) != 5 {
		t.Fatalf("jobs in the table = %d, %v; want the 5 the sync made", len(recs), err)
	}

	if _, err := store.AcquireLease(t.Context(), "e2e", "sync-lambda-run", time.Minute, time.Now()); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := p.drsync("sync")
	if code != exitFailed || !strings.Contains(stderr, "sync-lambda-run") {
		t.Errorf("while the function holds the lease: exit %d, stderr %q; want 1 naming the holder", code, stderr)
	}
	if err := store.ReleaseLease(t.Context(), "e2e", "sync-lambda-run"); err != nil {
		t.Fatal(err)
	}

	if _, err := store.SetActive(t.Context(), "e2e", "dr", 0, ""); err != nil {
		t.Fatal(err)
	}
	p.tgt.ResetRequests()
	code, _, stderr = p.drsync("sync")
	if code != exitFailed || !strings.Contains(stderr, "failed over") || mutations(p.tgt) != 0 {
		t.Errorf("failed-over pair: exit %d, stderr %q, %d writes; want 1, refused, none", code, stderr, mutations(p.tgt))
	}

	if code, _, stderr := drsyncRun(t, "status", "--ledger", dynamoLedger+"no-such-table"); code != exitUsage || !strings.Contains(stderr, "no-such-table does not exist") {
		t.Errorf("missing table: exit %d, stderr %q; want 2 naming it", code, stderr)
	}
}

// With --ledger dynamodb://TABLE the failover shares one truth with the
// stack: the functions' store sees DR active at the new epoch and the
// runbook's record, and --topic notifies through SNS.
func TestFailoverOnThePairsDynamoLedgerNotifies(t *testing.T) {
	p := newPair(t)
	table, store := dynamoLedgerFor(t)
	p.ledger = dynamoLedger + table
	p.syncJSON(exitOK)
	topic := handlertest.NewTopic(t, awstest.Start(t).Config(t), table+"-notify")
	code, out, errs := p.cli("failover", "--topic", topic.ARN)
	if code != exitOK {
		t.Fatalf("failover: exit %d\n%s\n%s", code, out, errs)
	}
	state, err := store.State(t.Context(), "e2e")
	if err != nil || state.ActiveSide != "dr" || state.Epoch != 1 {
		t.Errorf("the stack's ledger after the CLI failover: %+v, %v", state, err)
	}
	runs, err := store.Runs(t.Context(), "e2e", 5)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(runs, func(r ledger.Run) bool { return r.Trigger == runbook.Failover }); i < 0 || len(runs[i].Detail) == 0 {
		t.Errorf("no failover record with its steps in the table among %d runs", len(runs))
	}
	notes := topic.Messages(t)
	if len(notes) != 1 || !strings.Contains(notes[0], `"outcome": "done"`) {
		t.Errorf("notifications = %q; want the failover's summary", notes)
	}
}
