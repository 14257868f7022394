package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// lease is a run's hold on its pair: the epoch it started under and until
// when its run lease lasts. Every mutation asks Check first, locally and
// cheaply; losing the lease (renewals failing until it is about to expire,
// another holder taking it, a failover raising the epoch) cancels the run's
// context at once, so no write happens after another run may have started.
type lease struct {
	store  ledger.Store
	opts   Options
	cancel context.CancelCauseFunc

	mu     sync.Mutex
	epoch  int64
	expiry time.Time
	lost   error
}

// leaseMargin is how long before its expiry a lease counts as lost: a write
// that starts then still finishes before another run can take the lease.
func leaseMargin(ttl time.Duration) time.Duration { return ttl / 4 }

// hold takes the pair's run lease and returns it with the run's context,
// which the lease cancels when it is lost, and a stop func that ends the
// renewals and releases the lease. Errors: ledger.ErrLeaseHeld (naming the
// holder), ErrFailedOver, the store's.
func hold(ctx context.Context, store ledger.Store, opts Options) (*lease, context.Context, func(), error) {
	taken := opts.Now()
	state, err := acquire(ctx, store, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	l := &lease{store: store, opts: opts, cancel: cancel, epoch: state.Epoch, expiry: taken.Add(opts.LeaseTTL)}
	done := make(chan struct{})
	go l.renew(ctx, done)
	stop := func() {
		cancel(nil)
		<-done
		if err := store.ReleaseLease(context.WithoutCancel(ctx), opts.Pair, opts.Holder); err != nil {
			opts.Logger.WarnContext(ctx, "release run lease", "error", err.Error())
		}
	}
	return l, ctx, stop, nil
}

// Check reports whether the run may still write: nil while the lease has
// not been lost and its expiry is more than the margin away.
// Errors: ledger.ErrLeaseLost or ledger.ErrFenced, wrapped with why.
func (l *lease) Check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil && !l.opts.Now().Before(l.expiry.Add(-leaseMargin(l.opts.LeaseTTL))) {
		l.lost = fmt.Errorf("%w: not renewed since it was valid until %s", ledger.ErrLeaseLost, l.expiry.Format(time.RFC3339Nano))
		l.cancel(l.lost)
	}
	return l.lost
}

// fence is the epoch every ledger write of the run carries.
func (l *lease) fence() ledger.Fence { return ledger.Fence{Epoch: l.epoch} }

// renew extends the lease every third of its TTL until ctx ends. A renewal
// that finds another holder, or a raised epoch, loses the lease at once;
// failed renewals lose it once it is about to expire (Check).
func (l *lease) renew(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(l.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		asked := l.opts.Now()
		state, err := l.store.AcquireLease(ctx, l.opts.Pair, l.opts.Holder, l.opts.LeaseTTL, asked)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, ledger.ErrLeaseHeld):
			l.lose(ctx, fmt.Errorf("%w: %s holds it now", ledger.ErrLeaseLost, state.LeaseHolder))
			return
		case err != nil:
			l.opts.Logger.WarnContext(ctx, "renew run lease", "error", err.Error())
		case state.Epoch != l.epoch || state.ActiveSide != l.opts.activeSide():
			l.lose(ctx, fmt.Errorf("%w: the pair is at epoch %d (active side %s), the run started at %d",
				ledger.ErrFenced, state.Epoch, state.ActiveSide, l.epoch))
			return
		default:
			l.extend(asked.Add(l.opts.LeaseTTL))
		}
		if l.Check() != nil {
			return
		}
	}
}

func (l *lease) extend(until time.Time) {
	l.mu.Lock()
	if l.lost == nil && until.After(l.expiry) {
		l.expiry = until
	}
	l.mu.Unlock()
}

func (l *lease) lose(ctx context.Context, err error) {
	l.mu.Lock()
	if l.lost == nil {
		l.lost = err
		l.cancel(err)
	}
	l.mu.Unlock()
	l.opts.Logger.ErrorContext(ctx, "run lease lost: stopping every write", "error", err.Error())
}
