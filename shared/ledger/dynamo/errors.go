package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/drsync/drsync/shared/ledger"
)

// Cancellation reason codes of TransactionCanceledException.
const (
	reasonConditionFailed = "ConditionalCheckFailed"
	reasonConflict        = "TransactionConflict"
)

// Bounds of the store's own retry of writes DynamoDB refused because another
// transaction held one of their items. The SDK retryer does not retry these
// (TransactionCanceledException also means "condition failed", which must not
// be retried), and they are common here: every record write of a pair checks
// the one state item, and concurrent transactions touching one item conflict.
const (
	conflictAttempts = 5
	conflictBackoff  = 20 * time.Millisecond // doubled per attempt, jittered
)

// withConflictRetry runs write until it returns something other than a
// transaction conflict, at most conflictAttempts times, sleeping a jittered,
// doubling backoff between attempts. write must build its input afresh each
// time: the SDK stores its idempotency token in the input. A conflicting
// write was not applied, so running it again is safe. Errors: write's last
// error, or ctx's if it ends while waiting.
func withConflictRetry(ctx context.Context, write func() error) error {
	delay := conflictBackoff
	for attempt := 1; ; attempt++ {
		err := write()
		if err == nil || !isTransactionConflict(err) || attempt == conflictAttempts {
			return err
		}
		t := time.NewTimer(delay/2 + rand.N(delay/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (while retrying after: %v)", ctx.Err(), err)
		case <-t.C:
		}
		delay *= 2
	}
}

// isTransactionConflict reports whether err is DynamoDB refusing a write only
// because a concurrent transaction held one of its items: a plain write's
// TransactionConflictException, or a transaction cancelled with
// TransactionConflict and no failed condition.
func isTransactionConflict(err error) bool {
	var tce *types.TransactionConflictException
	if errors.As(err, &tce) {
		return true
	}
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		return false
	}
	conflict := false
	for _, r := range cancelled.CancellationReasons {
		switch aws.ToString(r.Code) {
		case reasonConditionFailed:
			return false
		case reasonConflict:
			conflict = true
		}
	}
	return conflict
}

// classifyFenced turns a cancelled fenced write (a ConditionCheck on the state
// item first, the record write second) into ledger.ErrFenced or
// ledger.ErrConflict; any other error is returned as is. The fence is checked
// first, as in the bbolt store: a fenced run must learn it is fenced.
func classifyFenced(err error, f ledger.Fence, wantVersion int64) error {
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) || len(cancelled.CancellationReasons) != 2 {
		return err
	}
	fence, write := cancelled.CancellationReasons[0], cancelled.CancellationReasons[1]
	if aws.ToString(fence.Code) == reasonConditionFailed {
		return fmt.Errorf("%w: run epoch %d, pair epoch %s", ledger.ErrFenced, f.Epoch, storedN(fence.Item, attrEpoch))
	}
	if aws.ToString(write.Code) == reasonConditionFailed {
		return fmt.Errorf("%w: stored version %s, write expects %d", ledger.ErrConflict, storedN(write.Item, attrVersion), wantVersion)
	}
	return err
}

// storedN renders a number attribute of the item returned with a failed
// condition (ALL_OLD), for an error message: DynamoDB returns no item when
// there is none, and no item or no attribute both mean 0.
func storedN(it item, name string) string {
	if _, ok := it[name]; !ok {
		return "0"
	}
	d := &decoder{it: it}
	if n := d.n(name); d.err == nil {
		return fmt.Sprint(n)
	}
	return "?"
}

// conditionFailed returns the item DynamoDB returned with a failed condition
// of a plain write, and whether err is such a failure.
func conditionFailed(err error) (item, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	return nil, false
}
