// Package dynamo is the ledger.Store the Lambda functions use: one DynamoDB
// table (on-demand, string keys pk/sk, TTL on expires_at) shared by every pair.
//
// Items, by partition key "pair#<name>":
//
//	sk "res#<kind>#<source key>"            resource record   (version-checked, fenced)
//	sk "run#<started ms, 15 digits>#<id>"   run record        (TTL)
//	sk "seen#<id>"                          processed id      (TTL, conditional put)
//	sk "state"                              pair state        (active side, epoch, lease)
//
// Every write that can race is conditional in DynamoDB itself, never a read
// then a write: a record Put or Delete is one TransactWriteItems of a
// ConditionCheck on the state item (the fence: its epoch equals the run's,
// and a pair whose state was never written is at epoch 0) and the conditional
// write of the record; lease and failover are conditional UpdateItems.
//
// DynamoDB deletes expired items lazily (within days) and moto never does, so
// expiry is decided by the expires_at attribute itself, on read and in
// conditions; the TTL only keeps the table small.
//
// Every write is safe under the SDK's own retries: a write whose response was
// lost and is sent again recognises itself (a write id, a switch id, the
// holder) instead of reporting a conflict with itself.
package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/ledger"
)

var _ ledger.Store = (*Store)(nil)

// Table layout, for whoever creates the table (CreateTable, the CDK stack).
const (
	PartitionKey = "pk"
	SortKey      = "sk"
	// TTLAttribute holds an item's expiry in epoch seconds; absent = never.
	TTLAttribute = "expires_at"
)

// api is the part of the DynamoDB client the store uses.
type api interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ api = (*dynamodb.Client)(nil)

// Options configures New.
type Options struct {
	// Now is the clock for the expiry of runs and processed ids; nil means
	// time.Now. (Leases take their time from the caller.)
	Now func() time.Time
}

// Store is a ledger.Store on one DynamoDB table. It is safe for concurrent use.
type Store struct {
	db    api
	table string
	now   func() time.Time
}

// New returns a store on table through db (a *dynamodb.Client whose
// retryer, awsconn.Options.Retryer, retries throttling). It makes no call: a
// missing table shows at the first read or write.
func New(db api, table string, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{db: db, table: table, now: opts.Now}
}

// Close does nothing: the client holds no resource of the store's.
func (s *Store) Close() error { return nil }

// Sort key prefixes and the state item's sort key.
const (
	resPrefix  = "res#"
	runPrefix  = "run#"
	seenPrefix = "seen#"
	stateSK    = "state"
)

func pairPK(pair string) string { return "pair#" + pair }

// recordSK is res#kind#key. Kinds may not contain '#', so the kind's prefix
// "res#kind#" selects exactly that kind (not "kinds" or "kind#x").
func recordSK(kind, key string) string { return resPrefix + kind + "#" + key }

// kindPrefix selects the records of kind, or all records for "".
func kindPrefix(kind string) string {
	if kind == "" {
		return resPrefix
	}
	return resPrefix + kind + "#"
}

// runSK orders runs by start time, then id. 15 digits of milliseconds last
// until the year 33658.
func runSK(started int64, id string) string {
	return fmt.Sprintf("%s%015d#%s", runPrefix, started, id)
}

func seenSK(id string) string { return seenPrefix + id }

// newID returns a random id that marks one call's write, so that the SDK
// resending the same request after a lost response finds its own write.
func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
