package dynamo

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/awstest"
	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/ledger/ledgertest"
)

func TestMain(m *testing.M) { awstest.Main(m) }

// tables numbers the tables of this test binary: every test gets its own, so
// tests can run in parallel on the one moto without Reset.
var tables atomic.Int64

// newTable creates a fresh ledger table through cfg and returns a client and
// its name.
func newTable(t *testing.T, cfg aws.Config) (*dynamodb.Client, string) {
	t.Helper()
	client := dynamodb.NewFromConfig(cfg)
	name := fmt.Sprintf("ledger-%d", tables.Add(1))
	if err := CreateTable(t.Context(), client, name); err != nil {
		t.Fatal(err)
	}
	return client, name
}

// newStore returns a store on a fresh table in the shared moto.
func newStore(t *testing.T, now func() time.Time) *Store {
	t.Helper()
	client, name := newTable(t, awstest.Start(t).Config(t))
	return New(client, name, Options{Now: now})
}

func TestConformance(t *testing.T) {
	awstest.Start(t) // skip before the suite fans out if moto is missing
	ledgertest.Run(t, func(t *testing.T, now func() time.Time) ledger.Store {
		return newStore(t, now)
	})
}

// Two Lambdas (separate clients, separate stores) racing for one pair's lease
// must never both get it, round after round: the condition lives in DynamoDB,
// not in the process.
func TestLeaseRaceAcrossClients(t *testing.T) {
	moto := awstest.Start(t)
	_, table := newTable(t, moto.Config(t))
	const racers, rounds = 8, 5
	stores := make([]*Store, racers)
	for i := range stores {
		stores[i] = New(dynamodb.NewFromConfig(moto.Config(t)), table, Options{})
	}
	now := time.Now()
	for round := range rounds {
		pair := fmt.Sprintf("pair-%d", round)
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, s := range stores {
			wg.Go(func() {
				<-start
				_, err := s.AcquireLease(t.Context(), pair, fmt.Sprintf("lambda-%d", i), time.Minute, now)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, ledger.ErrLeaseHeld):
					t.Errorf("round %d racer %d: %v", round, i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Errorf("round %d: %d racers got the lease, want exactly 1", round, got)
		}
	}
}

// A run carrying an epoch other than the pair's is refused, with both epochs
// named, whether the pair failed over since (stale) or the run's epoch is
// ahead of a pair that never failed over; nothing it tried is written.
func TestStaleEpochRefused(t *testing.T) {
	ctx, s := t.Context(), newStore(t, nil)
	for range 2 { // epoch 0 -> 1 -> 2
		st, err := s.State(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetActive(ctx, "p", "dr", st.Epoch, ""); err != nil {
			t.Fatal(err)
		}
	}
	live, err := s.Put(ctx, "p", ledger.Record{Kind: "job", SourceKey: "1", TargetID: "live"}, ledger.Fence{Epoch: 2})
	if err != nil {
		t.Fatalf("Put under the current epoch: %v", err)
	}
	cases := []struct {
		pair string
		f    ledger.Fence
		want string
	}{
		{"p", ledger.Fence{Epoch: 1}, "run epoch 1, pair epoch 2"},
		{"never-failed-over", ledger.Fence{Epoch: 1}, "run epoch 1, pair epoch 0"},
	}
	for _, c := range cases {
		stale := live
		stale.TargetID = "stale"
		_, err := s.Put(ctx, c.pair, stale, c.f)
		if !errors.Is(err, ledger.ErrFenced) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Put on %s with %+v = %v, want ErrFenced saying %q", c.pair, c.f, err, c.want)
		}
		err = s.Delete(ctx, c.pair, "job", "1", live.Version, c.f)
		if !errors.Is(err, ledger.ErrFenced) {
			t.Errorf("Delete on %s with %+v = %v, want ErrFenced", c.pair, c.f, err)
		}
	}
	if got, err := s.Get(ctx, "p", "job", "1"); err != nil || got.TargetID != "live" {
		t.Errorf("record after fenced writes = %+v, %v; want the live one", got, err)
	}
	if _, err := s.Get(ctx, "never-failed-over", "job", "1"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("fenced create was written: %v", err)
	}
}
