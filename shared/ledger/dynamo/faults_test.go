package dynamo

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/ledgertest"
)

// proxied returns a store on a fresh table whose client goes through a fault
// proxy in front of moto, and the proxy.
func proxied(t *testing.T, now func() time.Time) (*Store, *awstest.Proxy) {
	t.Helper()
	moto := awstest.Start(t)
	_, table := newTable(t, moto.Config(t))
	p := awstest.NewProxy(t, moto.URL())
	return New(dynamodb.NewFromConfig(awstest.ConfigAt(t, p.URL())), table, Options{Now: now}), p
}

var throttle = awstest.DynamoDBError("ProvisionedThroughputExceededException",
	"The level of configured provisioned throughput for the table was exceeded.")

// Throttling is retried by the SDK retryer awsconn.Options.Retryer sets up, for
// every kind of call the store makes: a throttled ledger write must not fail
// a sync.
func TestThrottlingRetried(t *testing.T) {
	s, p := proxied(t, nil)
	ctx := t.Context()
	calls := []struct {
		op   string
		call func() error
	}{
		{"TransactWriteItems", func() error {
			_, err := s.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "1"}, ledger.Fence{})
			return err
		}},
		{"GetItem", func() error { _, err := s.Get(ctx, "p", "job", "1"); return err }},
		{"Query", func() error { _, err := s.List(ctx, "p", ""); return err }},
		{"PutItem", func() error { _, err := s.MarkProcessed(ctx, "p", "obj", time.Hour); return err }},
		{"UpdateItem", func() error { _, err := s.AcquireLease(ctx, "p", "run-1", time.Minute, time.Now()); return err }},
	}
	for _, c := range calls {
		f := throttle
		f.Operation = c.op
		p.Inject(3, f)
		before := p.Calls(c.op)
		if err := c.call(); err != nil {
			t.Errorf("%s after 3 throttles: %v", c.op, err)
		}
		if got := p.Calls(c.op) - before; got != 4 {
			t.Errorf("%s: %d requests, want 4 (3 throttled + 1)", c.op, got)
		}
	}
}

// The retry is bounded: a table throttled for good fails the call after
// awsconn.DefaultMaxAttempts, with an error that says it was throttled,
// and nothing is written.
func TestThrottlingBounded(t *testing.T) {
	s, p := proxied(t, nil)
	f := throttle
	f.Operation = "TransactWriteItems"
	p.Inject(100, f)
	_, err := s.Put(t.Context(), "p", ledger.Record{Kind: "job", SourceKey: "1"}, ledger.Fence{})
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Fatalf("Put on a throttled table = %v, want ProvisionedThroughputExceededException", err)
	}
	if got := p.Calls("TransactWriteItems"); got != 5 {
		t.Errorf("%d attempts, want 5 (awsconn.DefaultMaxAttempts)", got)
	}
}

// lostResponse is a 500 sent after moto applied the request: the write
// happened, the client never heard, and the SDK sends it again.
var lostResponse = awstest.Fault{
	Status:       http.StatusInternalServerError,
	Body:         `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"lost"}`,
	AfterForward: true,
}

// A write whose response was lost is resent by the SDK and must find its own
// write, not report a conflict with itself: a create would be reported as a
// lost race (and the resource adopted twice), an audit-log object as already
// processed (and skipped), a failover as lost (and the runbook stopped).
func TestLostResponseIsNotAConflict(t *testing.T) {
	s, p := proxied(t, nil)
	ctx := t.Context()
	lose := func(op string) {
		f := lostResponse
		f.Operation = op
		p.Inject(1, f)
	}

	lose("TransactWriteItems")
	rec, err := s.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "1", TargetID: "t1"}, ledger.Fence{})
	if err != nil || rec.Version != 1 {
		t.Errorf("create with a lost response = %+v, %v; want version 1", rec, err)
	}
	lose("TransactWriteItems")
	if rec, err = s.Put(ctx, "p", rec, ledger.Fence{}); err != nil || rec.Version != 2 {
		t.Errorf("update with a lost response = %+v, %v; want version 2", rec, err)
	}

	lose("PutItem")
	if first, err := s.MarkProcessed(ctx, "p", "obj", time.Hour); err != nil || !first {
		t.Errorf("MarkProcessed with a lost response = %v, %v; want true", first, err)
	}
	if first, err := s.MarkProcessed(ctx, "p", "obj", time.Hour); err != nil || first {
		t.Errorf("MarkProcessed again = %v, %v; want false", first, err)
	}

	lose("UpdateItem")
	st, err := s.SetActive(ctx, "p", "dr", 0, "")
	if err != nil || st.Epoch != 1 || st.ActiveSide != "dr" {
		t.Errorf("SetActive with a lost response = %+v, %v; want dr at epoch 1", st, err)
	}
	if _, err := s.SetActive(ctx, "p", "primary", 0, ""); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("a second SetActive from epoch 0 = %v, want ErrConflict", err)
	}
	if got := p.Calls("TransactWriteItems") + p.Calls("PutItem") + p.Calls("UpdateItem"); got != 10 {
		t.Errorf("%d write requests, want 10 (6 calls, 4 of them resent)", got)
	}
}

// transactionConflict is DynamoDB cancelling a transaction because another
// one held the state item it checks; nothing was written.
var transactionConflict = awstest.Fault{
	Operation: "TransactWriteItems",
	Status:    http.StatusBadRequest,
	Body: `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",` +
		`"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]",` +
		`"CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}]}`,
}

// Every record write of a pair checks the one state item, so concurrent
// writes conflict in AWS (moto never does): the store retries a conflict a
// bounded number of times, and does not mistake it for a version conflict.
func TestTransactionConflictRetried(t *testing.T) {
	s, p := proxied(t, nil)
	ctx := t.Context()
	p.Inject(2, transactionConflict)
	if _, err := s.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "1"}, ledger.Fence{}); err != nil {
		t.Errorf("Put after 2 transaction conflicts: %v", err)
	}
	if got := p.Calls("TransactWriteItems"); got != 3 {
		t.Errorf("%d transactions, want 3", got)
	}

	conflict := awstest.DynamoDBError("TransactionConflictException", "Transaction is ongoing for the item")
	conflict.Operation = "UpdateItem"
	p.Inject(2, conflict)
	if _, err := s.AcquireLease(ctx, "p", "run-1", time.Minute, time.Now()); err != nil {
		t.Errorf("AcquireLease after 2 transaction conflicts: %v", err)
	}

	p.Inject(conflictAttempts, transactionConflict)
	err := s.Delete(ctx, "p", "job", "1", 1, ledger.Fence{})
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) || errors.Is(err, ledger.ErrConflict) || errors.Is(err, ledger.ErrFenced) {
		t.Errorf("Delete after %d conflicts = %v, want the cancellation, neither ErrConflict nor ErrFenced", conflictAttempts, err)
	}
}

// moto never deletes expired items and AWS does so days late, so expiry is
// read from expires_at: an expired run is not listed though its item is
// still in the table, and expires_at is epoch seconds (what DynamoDB TTL
// reads) rounded up, so a run is kept at least its ttl.
func TestExpiryReadFromAttribute(t *testing.T) {
	clock := ledgertest.NewClock(time.Now())
	s := newStore(t, clock.Now)
	ctx := t.Context()
	old := ledger.Run{ID: "old", Started: clock.Now()}
	forever := ledger.Run{ID: "forever", Started: clock.Now().Add(-time.Minute)}
	if err := s.PutRun(ctx, "p", old, 90*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRun(ctx, "p", forever, 0); err != nil {
		t.Fatal(err)
	}
	raw := rawItem(t, s, "p", runSK(old.Started.UnixMilli(), old.ID))
	want := (clock.Now().Add(90*time.Minute).UnixMilli() + 999) / 1000
	if got := (&decoder{it: raw}).n(TTLAttribute); got != want {
		t.Errorf("expires_at = %d, want %d (epoch seconds, rounded up)", got, want)
	}

	clock.Advance(2 * time.Hour)
	runs, err := s.Runs(ctx, "p", 0)
	if err != nil || len(runs) != 1 || runs[0].ID != "forever" {
		t.Errorf("Runs after the ttl = %+v, %v; want only the run without ttl", runs, err)
	}
	rawItem(t, s, "p", runSK(old.Started.UnixMilli(), old.ID)) // still stored
}

// rawItem reads one item straight from the table, failing if it is missing.
func rawItem(t *testing.T, s *Store, pair, sk string) item {
	t.Helper()
	out, err := s.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &s.table, Key: key(pairPK(pair), sk)})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem %s %s = %v, %v", pair, sk, out, err)
	}
	return out.Item
}

// CreateTable can run against an existing table (a second local run) and
// turns TTL on for TTLAttribute, which is what makes AWS delete expired items.
func TestCreateTableIdempotentWithTTL(t *testing.T) {
	client, name := newTable(t, awstest.Start(t).Config(t))
	if err := CreateTable(t.Context(), client, name); err != nil {
		t.Fatalf("CreateTable of an existing table: %v", err)
	}
	ttl, err := client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	d := ttl.TimeToLiveDescription
	if d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || *d.AttributeName != TTLAttribute {
		t.Errorf("TTL = %+v, want enabled on %s", d, TTLAttribute)
	}
}

// A damaged item is reported as an error naming the attribute, never decoded
// into a zero value the planner would trust.
func TestDamagedItemIsAnError(t *testing.T) {
	s := newStore(t, nil)
	it := key(pairPK("p"), recordSK("job", "1"))
	it[attrKind], it[attrSourceKey], it[attrVersion] = str("job"), str("1"), str("one")
	if _, err := s.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &s.table, Item: it}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "p", "job", "1"); err == nil || !strings.Contains(err.Error(), "attribute version") {
		t.Errorf("Get of a damaged record = %v, want an error naming attribute version", err)
	}
	if _, err := s.List(t.Context(), "p", ""); err == nil {
		t.Error("List over a damaged record succeeded")
	}
}

// A kind with '#' would make two records share one sort key.
func TestKindWithHashRefused(t *testing.T) {
	s := newStore(t, nil)
	for _, r := range []ledger.Record{{Kind: "job#x", SourceKey: "1"}, {Kind: "job", SourceKey: "x#1"}} {
		_, err := s.Put(t.Context(), "p", r, ledger.Fence{})
		if wantErr := r.Kind == "job#x"; (err != nil) != wantErr {
			t.Errorf("Put(kind %q, key %q) = %v, want error: %v", r.Kind, r.SourceKey, err, wantErr)
		}
	}
}
