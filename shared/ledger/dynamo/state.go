package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/ledger"
)

// defaultSide is the active side of a pair that never failed over.
const defaultSide = "primary"

// State returns the pair state (a strongly consistent read); a pair never
// seen is {ActiveSide: "primary"} at epoch 0.
func (s *Store) State(ctx context.Context, pair string) (ledger.PairState, error) {
	st, err := s.state(ctx, pair)
	if err != nil {
		return ledger.PairState{}, fmt.Errorf("ledger state %s: %w", pair, err)
	}
	return st, nil
}

func (s *Store) state(ctx context.Context, pair string) (ledger.PairState, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(pairPK(pair), stateSK),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return ledger.PairState{}, err
	}
	return decodeState(out.Item)
}

// updateState runs one conditional UpdateItem on the pair's state item
// (retrying transaction conflicts) and returns the state after it. On a failed
// condition it returns the state that failed it and failed = true.
func (s *Store) updateState(ctx context.Context, pair string, in dynamodb.UpdateItemInput) (st ledger.PairState, failed bool, err error) {
	in.TableName, in.Key = &s.table, key(pairPK(pair), stateSK)
	in.ReturnValues = types.ReturnValueAllNew
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	var out *dynamodb.UpdateItemOutput
	err = withConflictRetry(ctx, func() error {
		var err error
		out, err = s.db.UpdateItem(ctx, &in)
		return err
	})
	if old, ok := conditionFailed(err); ok {
		st, err := decodeState(old)
		return st, true, err
	}
	if err != nil {
		return ledger.PairState{}, false, err
	}
	st, err = decodeState(out.Attributes)
	return st, false, err
}

// AcquireLease takes the run lease for holder until now+ttl (at millisecond
// precision) if it is free, expired at now, or already held by holder, in one
// conditional update. Errors: ledger.ErrLeaseHeld, with the current state
// (naming the holder) returned.
func (s *Store) AcquireLease(ctx context.Context, pair, holder string, ttl time.Duration, now time.Time) (ledger.PairState, error) {
	st, err := s.acquireLease(ctx, pair, holder, ttl, now)
	if err != nil {
		return st, fmt.Errorf("ledger acquire lease %s for %s: %w", pair, holder, err)
	}
	return st, nil
}

func (s *Store) acquireLease(ctx context.Context, pair, holder string, ttl time.Duration, now time.Time) (ledger.PairState, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return ledger.PairState{}, err
	}
	if holder == "" || ttl <= 0 {
		return ledger.PairState{}, fmt.Errorf("lease needs a holder and a positive ttl, got %q for %s", holder, ttl)
	}
	if err := ctx.Err(); err != nil {
		return ledger.PairState{}, err
	}
	st, held, err := s.updateState(ctx, pair, dynamodb.UpdateItemInput{
		// A first write of the state item also sets the defaults State reports.
		UpdateExpression: aws.String("SET #holder = :me, #expiry = :until, " +
			"#side = if_not_exists(#side, :primary), #e = if_not_exists(#e, :zero) ADD #v :one"),
		ConditionExpression: aws.String("(attribute_not_exists(#holder) OR #expiry <= :now OR #holder = :me) AND " +
			"(attribute_not_exists(#stop) OR #stop = :me)"),
		ExpressionAttributeNames: map[string]string{
			"#holder": attrLeaseHolder, "#expiry": attrLeaseExpiry, "#side": attrActiveSide, "#e": attrEpoch, "#v": attrVersion,
			"#stop": attrStopBy,
		},
		ExpressionAttributeValues: item{
			":me": str(holder), ":until": num(now.Add(ttl).UnixMilli()), ":now": num(now.UnixMilli()),
			":primary": str(defaultSide), ":zero": num(0), ":one": num(1),
		},
	})
	switch {
	case err == nil && held && st.StopBy != "" && st.StopBy != holder:
		err = fmt.Errorf("%w: %s asked every run to stop", ledger.ErrLeaseHeld, st.StopBy)
	case err == nil && held:
		err = fmt.Errorf("%w: %s holds it until %s", ledger.ErrLeaseHeld,
			st.LeaseHolder, st.LeaseExpiry.Format(time.RFC3339Nano))
	}
	return st, err
}

// RequestStop sets (or, with by "", removes) the pair's stop_by attribute.
func (s *Store) RequestStop(ctx context.Context, pair, by string) (ledger.PairState, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return ledger.PairState{}, fmt.Errorf("ledger request stop %s: %w", pair, err)
	}
	in := dynamodb.UpdateItemInput{
		UpdateExpression: aws.String("SET #stop = :by, #side = if_not_exists(#side, :primary), " +
			"#e = if_not_exists(#e, :zero) ADD #v :one"),
		ExpressionAttributeNames:  map[string]string{"#stop": attrStopBy, "#side": attrActiveSide, "#e": attrEpoch, "#v": attrVersion},
		ExpressionAttributeValues: item{":by": str(by), ":primary": str(defaultSide), ":zero": num(0), ":one": num(1)},
	}
	if by == "" {
		in.UpdateExpression = aws.String("REMOVE #stop ADD #v :one")
		in.ExpressionAttributeNames = map[string]string{"#stop": attrStopBy, "#v": attrVersion}
		in.ExpressionAttributeValues = item{":one": num(1)}
	}
	st, _, err := s.updateState(ctx, pair, in)
	if err != nil {
		return st, fmt.Errorf("ledger request stop %s by %q: %w", pair, by, err)
	}
	return st, nil
}

// ReleaseLease frees the lease if holder holds it; otherwise it does nothing.
func (s *Store) ReleaseLease(ctx context.Context, pair, holder string) error {
	if err := s.releaseLease(ctx, pair, holder); err != nil {
		return fmt.Errorf("ledger release lease %s for %s: %w", pair, holder, err)
	}
	return nil
}

func (s *Store) releaseLease(ctx context.Context, pair, holder string) error {
	if err := ctx.Err(); err != nil || holder == "" {
		return err
	}
	if err := ledger.CheckPair(pair); err != nil {
		return err
	}
	// A failed condition means someone else holds it (or nobody): a no-op.
	_, _, err := s.updateState(ctx, pair, dynamodb.UpdateItemInput{
		UpdateExpression:          aws.String("REMOVE #holder, #expiry ADD #v :one"),
		ConditionExpression:       aws.String("#holder = :me"),
		ExpressionAttributeNames:  map[string]string{"#holder": attrLeaseHolder, "#expiry": attrLeaseExpiry, "#v": attrVersion},
		ExpressionAttributeValues: item{":me": str(holder), ":one": num(1)},
	})
	return err
}

// SetActive switches the active side and increments the epoch if the current
// epoch equals expectEpoch (or the switch switchID already did), in one
// conditional update. Errors: ledger.ErrConflict, with the current state
// returned.
func (s *Store) SetActive(ctx context.Context, pair, side string, expectEpoch int64, switchID string) (ledger.PairState, error) {
	st, err := s.setActive(ctx, pair, side, expectEpoch, switchID)
	if err != nil {
		return st, fmt.Errorf("ledger set active %s to %s: %w", pair, side, err)
	}
	return st, nil
}

func (s *Store) setActive(ctx context.Context, pair, side string, expectEpoch int64, switchID string) (ledger.PairState, error) {
	if err := ledger.CheckPair(pair); err != nil {
		return ledger.PairState{}, err
	}
	if side == "" {
		return ledger.PairState{}, errors.New("empty side")
	}
	if err := ctx.Err(); err != nil {
		return ledger.PairState{}, err
	}
	cond := "#e = :expect"
	if expectEpoch == 0 {
		cond = "attribute_not_exists(#e) OR #e = :expect"
	}
	// The epoch is SET to expect+1, not incremented, and the switch id lets a
	// resent request (the SDK retrying after a lost response, or the caller
	// retrying with its switchID) find its own switch: a failover that
	// happened must not report that it lost.
	if switchID == "" {
		switchID = newID()
	}
	st, lost, err := s.updateState(ctx, pair, dynamodb.UpdateItemInput{
		UpdateExpression:    aws.String("SET #side = :side, #e = :next, #sid = :sid REMOVE #stop ADD #v :one"),
		ConditionExpression: aws.String(cond + " OR #sid = :sid"),
		ExpressionAttributeNames: map[string]string{
			"#side": attrActiveSide, "#e": attrEpoch, "#sid": attrSwitchID, "#v": attrVersion, "#stop": attrStopBy,
		},
		ExpressionAttributeValues: item{
			":side": str(side), ":expect": num(expectEpoch), ":next": num(expectEpoch + 1),
			":sid": str(switchID), ":one": num(1),
		},
	})
	if err == nil && lost {
		err = fmt.Errorf("%w: pair at epoch %d, switch expects %d", ledger.ErrConflict, st.Epoch, expectEpoch)
	}
	return st, err
}
