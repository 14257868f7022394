package dynamo

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/ledger"
)

// Replication items, by bucket pair (a hash of source and target, which may
// hold any character; the attributes keep them readable):
//
//	sk "repl#<hash>"     latest check result  (kept if newer: checked_at)
//	sk "replcp#<hash>"   checkpoint           (version-checked)
const (
	replPrefix   = "repl#"
	replCPPrefix = "replcp#"

	attrSource      = "source"
	attrTarget      = "target"
	attrCheckedAt   = "checked_at"
	attrHealthy     = "healthy"
	attrRPOBreached = "rpo_breached"
	attrReport      = "report"
	attrProgress    = "progress"
	attrUpdatedAt   = "updated_at"
)

func replHash(source, target string) string {
	sum := sha256.Sum256([]byte(source + "\x00" + target))
	return hex.EncodeToString(sum[:16])
}

func boolean(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

// PutReplicationResult stores r unless the stored result was checked later,
// in one conditional put.
func (s *Store) PutReplicationResult(ctx context.Context, pair string, r ledger.ReplicationResult) error {
	if err := s.putReplResult(ctx, pair, r); err != nil {
		return fmt.Errorf("ledger put replication result %s %s → %s: %w", pair, r.Source, r.Target, err)
	}
	return nil
}

func (s *Store) putReplResult(ctx context.Context, pair string, r ledger.ReplicationResult) error {
	if err := ledger.CheckReplKey(pair, r.Source, r.Target); err != nil {
		return err
	}
	it := key(pairPK(pair), replPrefix+replHash(r.Source, r.Target))
	it[attrSource], it[attrTarget] = str(r.Source), str(r.Target)
	it[attrCheckedAt] = num(ledger.Millis(r.CheckedAt))
	it[attrHealthy], it[attrRPOBreached] = boolean(r.Healthy), boolean(r.RPOBreached)
	if len(r.Report) > 0 {
		it[attrReport] = &types.AttributeValueMemberB{Value: r.Report}
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: it,
		// Equal times pass, so a resent put (lost response) is not refused.
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #at <= :at"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#at": attrCheckedAt},
		ExpressionAttributeValues: item{":at": it[attrCheckedAt]},
	})
	if _, older := conditionFailed(err); older {
		return nil // a later result is stored: keep it
	}
	return err
}

// ReplicationResults returns every bucket pair's latest result, sorted by
// source then target.
func (s *Store) ReplicationResults(ctx context.Context, pair string) ([]ledger.ReplicationResult, error) {
	var out []ledger.ReplicationResult
	err := s.query(ctx, pair, replPrefix, func(it item) error {
		d := &decoder{it: it}
		r := ledger.ReplicationResult{Source: d.s(attrSource), Target: d.s(attrTarget), CheckedAt: ledger.FromMillis(d.n(attrCheckedAt)),
			Healthy: d.b(attrHealthy), RPOBreached: d.b(attrRPOBreached), Report: d.bytes(attrReport)}
		out = append(out, r)
		return d.err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger replication results %s: %w", pair, err)
	}
	slices.SortFunc(out, func(a, b ledger.ReplicationResult) int {
		return cmp.Or(strings.Compare(a.Source, b.Source), strings.Compare(a.Target, b.Target))
	})
	return out, nil
}

// query reads every item of the pair whose sort key starts with prefix.
func (s *Store) query(ctx context.Context, pair, prefix string, each func(item) error) error {
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#sk": SortKey},
		ExpressionAttributeValues: item{":pk": str(pairPK(pair)), ":prefix": str(prefix)},
		ConsistentRead:            aws.Bool(true),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := each(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReplicationCheckpoint returns the bucket pair's checkpoint (a strongly
// consistent read), or an empty one at Version 0.
func (s *Store) ReplicationCheckpoint(ctx context.Context, pair, source, target string) (ledger.ReplicationCheckpoint, error) {
	cp := ledger.ReplicationCheckpoint{Source: source, Target: target}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(pairPK(pair), replCPPrefix+replHash(source, target)), ConsistentRead: aws.Bool(true),
	})
	if err == nil && out.Item != nil {
		d := &decoder{it: out.Item}
		cp.Progress, cp.UpdatedAt, cp.Version = d.bytes(attrProgress), ledger.FromMillis(d.n(attrUpdatedAt)), d.n(attrVersion)
		err = d.err
	}
	if err != nil {
		return cp, fmt.Errorf("ledger replication checkpoint %s %s → %s: %w", pair, source, target, err)
	}
	return cp, nil
}

// PutReplicationCheckpoint writes cp if the stored version equals
// cp.Version, in one conditional put; a resent put finds its own write id.
// Errors: ledger.ErrConflict.
func (s *Store) PutReplicationCheckpoint(ctx context.Context, pair string, cp ledger.ReplicationCheckpoint) (ledger.ReplicationCheckpoint, error) {
	out, err := s.putCheckpoint(ctx, pair, cp)
	if err != nil {
		return cp, fmt.Errorf("ledger put replication checkpoint %s %s → %s: %w", pair, cp.Source, cp.Target, err)
	}
	return out, nil
}

func (s *Store) putCheckpoint(ctx context.Context, pair string, cp ledger.ReplicationCheckpoint) (ledger.ReplicationCheckpoint, error) {
	if err := ledger.CheckReplKey(pair, cp.Source, cp.Target); err != nil {
		return cp, err
	}
	next := cp
	next.Version++
	it := key(pairPK(pair), replCPPrefix+replHash(cp.Source, cp.Target))
	it[attrSource], it[attrTarget] = str(cp.Source), str(cp.Target)
	if len(cp.Progress) > 0 {
		it[attrProgress] = &types.AttributeValueMemberB{Value: cp.Progress}
	}
	setN(it, attrUpdatedAt, ledger.Millis(cp.UpdatedAt))
	it[attrVersion], it[attrWriteID] = num(next.Version), str(newID())
	in := &dynamodb.PutItemInput{
		TableName: &s.table, Item: it,
		ConditionExpression:                 aws.String("#v = :expect OR #w = :w"),
		ExpressionAttributeNames:            map[string]string{"#v": attrVersion, "#w": attrWriteID},
		ExpressionAttributeValues:           item{":expect": num(cp.Version), ":w": it[attrWriteID]},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if cp.Version == 0 {
		// DynamoDB refuses names and values an expression does not use.
		in.ConditionExpression = aws.String("attribute_not_exists(#v) OR #w = :w")
		delete(in.ExpressionAttributeValues, ":expect")
	}
	_, err := s.db.PutItem(ctx, in)
	if old, lost := conditionFailed(err); lost {
		return cp, fmt.Errorf("%w: stored version %s, write expects %d", ledger.ErrConflict, storedN(old, attrVersion), cp.Version)
	}
	return next, err
}

// bytes returns a binary attribute, nil if absent.
func (d *decoder) bytes(name string) []byte {
	v, ok := d.it[name]
	if !ok {
		return nil
	}
	bv, ok := v.(*types.AttributeValueMemberB)
	if !ok {
		d.fail(name, v, "B")
		return nil
	}
	return bv.Value
}
