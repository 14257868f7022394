package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/ledger"
)

// PutRun stores a run record until ttl from now (ttl <= 0: forever); writing
// the same ID and Started again replaces it. Errors: an empty pair or run id,
// a start time before 1970.
func (s *Store) PutRun(ctx context.Context, pair string, run ledger.Run, ttl time.Duration) error {
	if err := s.putRun(ctx, pair, run, ttl); err != nil {
		return fmt.Errorf("ledger put run %s %s: %w", pair, run.ID, err)
	}
	return nil
}

func (s *Store) putRun(ctx context.Context, pair string, run ledger.Run, ttl time.Duration) error {
	switch err := ledger.CheckPair(pair); {
	case err != nil:
		return err
	case run.ID == "":
		return errors.New("empty run id")
	case ledger.Millis(run.Started) < 0:
		return fmt.Errorf("start time %s is before 1970", run.Started)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Only the run itself writes its record, so the put is unconditional.
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table,
		Item:      encodeRun(pair, run, expiresAt(s.now(), ttl)),
	})
	return err
}

// Runs returns up to limit unexpired runs (limit <= 0: all), newest first.
func (s *Store) Runs(ctx context.Context, pair string, limit int) ([]ledger.Run, error) {
	runs, err := s.runs(ctx, pair, limit)
	if err != nil {
		return nil, fmt.Errorf("ledger runs %s: %w", pair, err)
	}
	return runs, nil
}

func (s *Store) runs(ctx context.Context, pair string, limit int) ([]ledger.Run, error) {
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		// Expired runs DynamoDB has not deleted yet (or never will: moto) are
		// skipped; Limit counts items read before this filter.
		FilterExpression:          aws.String("attribute_not_exists(#exp) OR #exp > :now"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#sk": SortKey, "#exp": TTLAttribute},
		ExpressionAttributeValues: item{":pk": str(pairPK(pair)), ":prefix": str(runPrefix), ":now": num(nowSeconds(s.now()))},
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
	}
	if limit > 0 {
		in.Limit = aws.Int32(int32(min(limit, 1000)))
	}
	var runs []ledger.Run
	pages := dynamodb.NewQueryPaginator(s.db, in)
	for pages.HasMorePages() && (limit <= 0 || len(runs) < limit) {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			r, err := decodeRun(it)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
	}
	if limit > 0 && len(runs) > limit {
		runs = runs[:limit]
	}
	return runs, nil
}

// MarkProcessed records id as processed until ttl from now (ttl <= 0:
// forever) with one conditional put. It reports true if id was not marked, or
// its mark had expired (by its expires_at, whether or not DynamoDB has deleted
// it yet), and false if it is marked and unexpired.
func (s *Store) MarkProcessed(ctx context.Context, pair, id string, ttl time.Duration) (bool, error) {
	first, err := s.markProcessed(ctx, pair, id, ttl)
	if err != nil {
		return false, fmt.Errorf("ledger mark processed %s %s: %w", pair, id, err)
	}
	return first, nil
}

// Processed reports which ids are marked and unexpired: one consistent GetItem
// per id, a few at a time. Expiry is read from the item, as DynamoDB deletes
// expired items lazily.
func (s *Store) Processed(ctx context.Context, pair string, ids []string) (map[string]bool, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return nil, fmt.Errorf("ledger processed %s: %w", pair, err)
	}
	out := make(map[string]bool, len(ids))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(processedReaders)
	now := nowSeconds(s.now())
	for _, id := range ids {
		if id == "" {
			continue
		}
		g.Go(func() error {
			res, err := s.db.GetItem(gctx, &dynamodb.GetItemInput{
				TableName: &s.table, Key: key(pairPK(pair), seenSK(id)), ConsistentRead: aws.Bool(true),
			})
			if err != nil || len(res.Item) == 0 {
				return err
			}
			d := decoder{it: res.Item}
			exp := d.n(TTLAttribute)
			if d.err != nil {
				return fmt.Errorf("processed id %s: %w", id, d.err)
			}
			mu.Lock()
			out[id] = exp == 0 || exp > now
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("ledger processed %s: %w", pair, err)
	}
	return out, nil
}

// processedReaders bounds concurrent GetItem calls in Processed.
const processedReaders = 8

func (s *Store) markProcessed(ctx context.Context, pair, id string, ttl time.Duration) (bool, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return false, err
	}
	if id == "" {
		return false, errors.New("empty id")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now()
	it := key(pairPK(pair), seenSK(id))
	it[attrToken] = str(newID())
	setN(it, TTLAttribute, expiresAt(now, ttl))
	err := withConflictRetry(ctx, func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.table,
			Item:      it,
			// The token matches only this call's own put, resent by the SDK
			// after a lost response: that is still the first time.
			ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #exp <= :now OR #tok = :tok"),
			ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#exp": TTLAttribute, "#tok": attrToken},
			ExpressionAttributeValues: item{":now": num(nowSeconds(now)), ":tok": it[attrToken]},
		})
		return err
	})
	if _, marked := conditionFailed(err); marked {
		return false, nil
	}
	return err == nil, err
}
