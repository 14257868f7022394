package function

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/metrics"
)

// Outcomes a summary reports besides the engine's run outcomes
// (ledger.OutcomeOK, OutcomePartial, OutcomeRefused), shared by the functions.
const (
	// OutcomeIncomplete: the deadline came before the work was done; the
	// next run picks up the rest.
	OutcomeIncomplete ledger.Outcome = "incomplete"
	// OutcomeNothingToDo: the event (or the config) named nothing to do.
	OutcomeNothingToDo ledger.Outcome = "nothing-to-do"
	// OutcomeFailed: the run could not do its job; the handler returned an error.
	OutcomeFailed ledger.Outcome = "failed"
)

// Invocation is one handler call: its run id, logger and start.
type Invocation struct {
	core *Core
	// ID is the run id (RunID).
	ID string
	// Log carries the run id.
	Log     *slog.Logger
	Started time.Time
}

// Begin starts an invocation; its logger carries the run id.
func (c *Core) Begin(ctx context.Context) Invocation {
	id := RunID(ctx)
	return Invocation{core: c, ID: id, Log: c.logger().With("run_id", id), Started: c.Clock()}
}

// RunID is Lambda's request id, which Lambda keeps across its own retries of
// an asynchronous event (so a retried run re-takes the lease it held); else
// a random id.
func RunID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "local-" + hex.EncodeToString(b)
}

// Clock is the time now: Now's, else time.Now.
func (c *Core) Clock() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Core) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Work returns the context the work runs under: ctx cut at the
// invocation's deadline minus a margin (MaxMargin, or a quarter of the time
// left when that is less), so the run record, the lease release and the
// summary still fit before Lambda stops the function. Without a deadline it
// is ctx itself.
func (c *Core) Work(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	maxMargin := c.MaxMargin
	if maxMargin <= 0 {
		maxMargin = DefaultMaxMargin
	}
	margin := min(maxMargin, deadline.Sub(c.Clock())/4)
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// Elapsed is the invocation's duration so far.
func (inv Invocation) Elapsed() time.Duration { return inv.core.Clock().Sub(inv.Started) }

// Emit writes the invocation's EMF line, with its duration; a failure to
// write is logged, never fatal, since the summary and the ledger already say
// what happened.
func (inv Invocation) Emit(ctx context.Context, values map[string]metrics.Value, outcome ledger.Outcome) {
	if inv.core.Metrics == nil {
		return
	}
	values[metrics.RunDuration] = metrics.Value{V: float64(inv.Elapsed().Milliseconds()), Unit: metrics.Milliseconds}
	props := map[string]any{"function": inv.core.Function, "run_id": inv.ID, "outcome": outcome}
	if err := inv.core.Metrics.Emit(values, props); err != nil {
		inv.Log.WarnContext(ctx, "emit metrics", "error", err.Error())
	}
}

// OnlyDeadline reports whether err says nothing but that the work context
// ran out while ctx (the invocation) still had time: the work stopped at the
// margin. A joined error (the run record could not be written either) is
// more than that.
func OnlyDeadline(ctx, work context.Context, err error) bool {
	var joined interface{ Unwrap() []error }
	return err != nil && work.Err() != nil && ctx.Err() == nil &&
		errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &joined)
}

// Flag is a 0/1 count metric.
func Flag(b bool) metrics.Value {
	if b {
		return metrics.Value{V: 1, Unit: metrics.Count}
	}
	return metrics.Value{V: 0, Unit: metrics.Count}
}

// Count is a count metric.
func Count[N int | int64](n N) metrics.Value {
	return metrics.Value{V: float64(n), Unit: metrics.Count}
}
