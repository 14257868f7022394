package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/drsync/drsync/shared/ledger"
)

// Pending objects: sk "pending#<kind>#<key>" with the kind, the key and
// since (Unix ms) as attributes.
const (
	pendingPrefix = "pending#"
	attrSince     = "since"
)

func pendingSK(k ledger.PendingKey) string { return pendingPrefix + k.Kind + "#" + k.Key }

// AddPending puts each key unless it is stored with a later Since: one
// conditional put per key, so a resent put (lost response) changes nothing.
func (s *Store) AddPending(ctx context.Context, pair string, keys []ledger.PendingKey) error {
	err := ledger.CheckPending(pair, keys)
	for _, k := range keys {
		if err != nil {
			break
		}
		it := key(pairPK(pair), pendingSK(k))
		it[attrKind], it[attrSourceKey], it[attrSince] = str(k.Kind), str(k.Key), num(ledger.Millis(k.Since))
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.table, Item: it,
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #since <= :since"),
			ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#since": attrSince},
			ExpressionAttributeValues: item{":since": it[attrSince]},
		})
		if _, later := conditionFailed(err); later {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("ledger add pending %s: %w", pair, err)
	}
	return nil
}

// Pending queries the pair's pending items.
func (s *Store) Pending(ctx context.Context, pair string) ([]ledger.PendingKey, error) {
	if err := ledger.CheckPending(pair, nil); err != nil {
		return nil, fmt.Errorf("ledger pending %s: %w", pair, err)
	}
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#sk": SortKey},
		ExpressionAttributeValues: item{":pk": str(pairPK(pair)), ":prefix": str(pendingPrefix)},
		ConsistentRead:            aws.Bool(true),
	})
	var out []ledger.PendingKey
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ledger pending %s: %w", pair, err)
		}
		for _, it := range page.Items {
			d := &decoder{it: it}
			k := ledger.PendingKey{Kind: d.s(attrKind), Key: d.s(attrSourceKey), Since: ledger.FromMillis(d.n(attrSince))}
			if d.err != nil {
				return nil, fmt.Errorf("ledger pending %s: decode %s: %w", pair, d.s(SortKey), d.err)
			}
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b ledger.PendingKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// ClearPending deletes each key whose since is still k.Since, conditionally.
func (s *Store) ClearPending(ctx context.Context, pair string, keys []ledger.PendingKey) error {
	err := ledger.CheckPending(pair, keys)
	for _, k := range keys {
		if err != nil {
			break
		}
		_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 &s.table,
			Key:                       key(pairPK(pair), pendingSK(k)),
			ConditionExpression:       aws.String("#since = :since"),
			ExpressionAttributeNames:  map[string]string{"#since": attrSince},
			ExpressionAttributeValues: item{":since": num(ledger.Millis(k.Since))},
		})
		if _, moved := conditionFailed(err); moved {
			err = nil // recorded again since, or already gone
		}
	}
	if err != nil {
		return fmt.Errorf("ledger clear pending %s: %w", pair, err)
	}
	return nil
}
