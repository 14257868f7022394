package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/ledger"
)

// Get returns one record (a strongly consistent read), or ledger.ErrNotFound.
func (s *Store) Get(ctx context.Context, pair, kind, sourceKey string) (ledger.Record, error) {
	rec, err := s.get(ctx, pair, kind, sourceKey)
	if err != nil {
		return ledger.Record{}, fmt.Errorf("ledger get %s %s/%s: %w", pair, kind, sourceKey, err)
	}
	return rec, nil
}

func (s *Store) get(ctx context.Context, pair, kind, sourceKey string) (ledger.Record, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(pairPK(pair), recordSK(kind, sourceKey)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return ledger.Record{}, err
	}
	if out.Item == nil {
		return ledger.Record{}, ledger.ErrNotFound
	}
	return decodeRecord(out.Item)
}

// List returns the pair's records of kind ("" = all), sorted by (Kind,
// SourceKey). It reads every page of a strongly consistent Query.
func (s *Store) List(ctx context.Context, pair, kind string) ([]ledger.Record, error) {
	recs, err := s.list(ctx, pair, kind)
	if err != nil {
		return nil, fmt.Errorf("ledger list %s %q: %w", pair, kind, err)
	}
	return recs, nil
}

func (s *Store) list(ctx context.Context, pair, kind string) ([]ledger.Record, error) {
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#sk": SortKey},
		ExpressionAttributeValues: item{":pk": str(pairPK(pair)), ":prefix": str(kindPrefix(kind))},
		ConsistentRead:            aws.Bool(true),
	})
	var recs []ledger.Record
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			r, err := decodeRecord(it)
			if err != nil {
				return nil, err
			}
			recs = append(recs, r)
		}
	}
	// DynamoDB orders by sort key bytes, which is (Kind, SourceKey) order only
	// for kinds without bytes below '#'; sorting here makes it always so.
	slices.SortFunc(recs, func(a, b ledger.Record) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.SourceKey, b.SourceKey))
	})
	return recs, nil
}

// Put writes rec if the stored version equals rec.Version (0 = must not exist)
// and the pair's epoch equals f.Epoch, in one transaction, and returns it as
// stored (new Version, times at millisecond precision). Errors:
// ledger.ErrConflict, ledger.ErrFenced; kinds may not contain '#'.
func (s *Store) Put(ctx context.Context, pair string, rec ledger.Record, f ledger.Fence) (ledger.Record, error) {
	out, err := s.put(ctx, pair, rec, f)
	if err != nil {
		return ledger.Record{}, fmt.Errorf("ledger put %s %s/%s: %w", pair, rec.Kind, rec.SourceKey, err)
	}
	return out, nil
}

func (s *Store) put(ctx context.Context, pair string, rec ledger.Record, f ledger.Fence) (ledger.Record, error) {
	if err := ledger.CheckKey(pair, rec.Kind, rec.SourceKey); err != nil {
		return ledger.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return ledger.Record{}, err
	}
	next := rec
	next.Version++
	it := encodeRecord(pair, next, newID())
	err := withConflictRetry(ctx, func() error {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{s.fenceCheck(pair, f), s.putRecord(it, rec.Version)},
		})
		return err
	})
	if err != nil {
		return ledger.Record{}, classifyFenced(err, f, rec.Version)
	}
	return decodeRecord(it)
}

// putRecord is the conditional Put of a record item: the stored version must
// be the one the caller read (none for version 0), or this very write must
// already be stored (same write id: the SDK resent it after a lost response).
func (s *Store) putRecord(it item, version int64) types.TransactWriteItem {
	names := map[string]string{"#v": attrVersion, "#wid": attrWriteID}
	vals := item{":next": it[attrVersion], ":wid": it[attrWriteID]}
	cond := "#v = :v"
	if version == 0 {
		cond, names["#pk"] = "attribute_not_exists(#pk)", PartitionKey
	} else {
		vals[":v"] = num(version) // DynamoDB refuses names and values a condition does not use
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 &s.table,
		Item:                      it,
		ConditionExpression:       aws.String(cond + " OR (#v = :next AND #wid = :wid)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
		// The stored item comes back in the cancellation reason, for the error.
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// Delete removes a record if its stored version equals version, and the
// pair's epoch equals f.Epoch, in one transaction; a missing record is not an
// error, but the fence is checked all the same. Errors: ledger.ErrConflict,
// ledger.ErrFenced.
func (s *Store) Delete(ctx context.Context, pair, kind, sourceKey string, version int64, f ledger.Fence) error {
	if err := s.delete(ctx, pair, kind, sourceKey, version, f); err != nil {
		return fmt.Errorf("ledger delete %s %s/%s: %w", pair, kind, sourceKey, err)
	}
	return nil
}

func (s *Store) delete(ctx context.Context, pair, kind, sourceKey string, version int64, f ledger.Fence) error {
	if err := ledger.CheckKey(pair, kind, sourceKey); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	del := types.TransactWriteItem{Delete: &types.Delete{
		TableName:                           &s.table,
		Key:                                 key(pairPK(pair), recordSK(kind, sourceKey)),
		ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #v = :v"),
		ExpressionAttributeNames:            map[string]string{"#pk": PartitionKey, "#v": attrVersion},
		ExpressionAttributeValues:           item{":v": num(version)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
	err := withConflictRetry(ctx, func() error {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{s.fenceCheck(pair, f), del},
		})
		return err
	})
	return classifyFenced(err, f, version)
}

// fenceCheck is the transaction's check that the pair is at epoch f.Epoch. A
// pair whose state item was never written is at epoch 0.
func (s *Store) fenceCheck(pair string, f ledger.Fence) types.TransactWriteItem {
	cond := "#e = :e"
	if f.Epoch == 0 {
		cond = "attribute_not_exists(#e) OR #e = :e"
	}
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                           &s.table,
		Key:                                 key(pairPK(pair), stateSK),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            map[string]string{"#e": attrEpoch},
		ExpressionAttributeValues:           item{":e": num(f.Epoch)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}
