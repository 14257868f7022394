package runbook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/ledger"
)

// Readiness is what the standby would be if the switch happened now: whether
// it answers, how old its copy of each kind is, how far behind the data's
// replication is, what failed and was never fixed, and where this runbook
// and its ledger run.
type Readiness struct {
	Ready   bool     `json:"ready"`
	Reasons []string `json:"reasons,omitempty"`
	// ActiveSide and Epoch are the pair's now.
	ActiveSide string `json:"active_side"`
	Epoch      int64  `json:"epoch"`
	// Standby is "answers", or why it does not.
	Standby     string        `json:"standby"`
	Kinds       []KindAge     `json:"kinds"`
	Replication []Replication `json:"replication"`
	Unresolved  []Unresolved  `json:"unresolved"`
	Where       string        `json:"where"`
}

// KindAge is how old the standby's copy of one kind is.
type KindAge struct {
	Kind       string    `json:"kind"`
	LastSync   time.Time `json:"last_sync,omitzero"`
	AgeSeconds int64     `json:"age_seconds"`
	OK         bool      `json:"ok"`
}

// Replication is the latest check of one bucket pair.
type Replication struct {
	Source             string    `json:"source"`
	Target             string    `json:"target"`
	CheckedAt          time.Time `json:"checked_at"`
	LagSeconds         int64     `json:"lag_seconds"`
	RPOBreached        bool      `json:"rpo_breached"`
	OK                 bool      `json:"ok"`
	CheckAgeSeconds    int64     `json:"check_age_seconds"`
	OldestUnreplicated int64     `json:"-"`
}

// Unresolved is an object whose last sync failed, or whose DR copy was
// created without its warm state: what the standby would lack.
type Unresolved struct {
	Kind  string `json:"kind"`
	Key   string `json:"key"`
	Error string `json:"error"`
}

// readiness checks the standby for the direction.
func (d *Deps) readiness(ctx context.Context, st *State) (*Readiness, error) {
	r := d.roles(st.Direction)
	state, err := d.Store.State(ctx, d.Config.Pair)
	if err != nil {
		return nil, err
	}
	rep := &Readiness{ActiveSide: state.ActiveSide, Epoch: state.Epoch, Standby: "answers", Where: d.Where,
		Kinds: []KindAge{}, Replication: []Replication{}, Unresolved: []Unresolved{}}
	if state.ActiveSide != r.before {
		rep.reason("the active side is %s: a %s starts from %s", state.ActiveSide, st.Direction, r.before)
	}
	err = d.answers(ctx, r.to)
	if failure.Of(err) == failure.Throttled {
		// A standby that sheds load answers; the state machine retries.
		return nil, fmt.Errorf("ask the standby who it is: %w", err)
	}
	if err != nil {
		rep.Standby = err.Error()
		rep.reason("the standby does not answer: %v", err)
	}
	if err := d.syncAges(ctx, r, rep); err != nil {
		return nil, err
	}
	if err := d.replicationLag(ctx, rep); err != nil {
		return nil, err
	}
	if err := d.unresolved(ctx, r, rep); err != nil {
		return nil, err
	}
	rep.Ready = len(rep.Reasons) == 0
	return rep, nil
}

func (r *Readiness) reason(format string, args ...any) {
	r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...))
}

// syncAges ages each configured kind by the last successful (non-dry) sync
// in the direction that fed the standby.
func (d *Deps) syncAges(ctx context.Context, r roles, rep *Readiness) error {
	opts, err := engine.OptionsFor(d.Config)
	if err != nil {
		return err
	}
	runs, err := d.Store.Runs(ctx, d.Config.Pair, 200)
	if err != nil {
		return err
	}
	limit, now := d.Config.Failover.MaxSyncAge.Duration, d.now()
	for _, k := range opts.Kinds {
		age := KindAge{Kind: k.Name(), AgeSeconds: -1}
		name := k.Name()
		if r.reverse {
			name = ledger.ReverseKind(name)
		}
		for _, run := range runs { // newest first
			if run.DryRun || (run.Outcome != ledger.OutcomeOK && run.Outcome != ledger.OutcomePartial) ||
				!slices.Contains(run.Kinds, name) {
				continue
			}
			age.LastSync, age.AgeSeconds = run.Finished, int64(now.Sub(run.Finished).Seconds())
			break
		}
		age.OK = !age.LastSync.IsZero() && now.Sub(age.LastSync) <= limit
		if !age.OK {
			rep.reason("the last successful sync of %s is older than %s (or never happened)", k.Name(), limit)
		}
		rep.Kinds = append(rep.Kinds, age)
	}
	return nil
}

// replicationLag reads the latest check of each configured bucket pair: it
// must be younger than the RPO and within it.
func (d *Deps) replicationLag(ctx context.Context, rep *Readiness) error {
	results, err := d.Store.ReplicationResults(ctx, d.Config.Pair)
	if err != nil {
		return err
	}
	rpo, now := d.Config.Replication.RPO.Duration, d.now()
	for _, res := range results {
		var doc struct {
			Oldest int64 `json:"oldest_unreplicated_age_seconds"`
		}
		_ = json.Unmarshal(res.Report, &doc) // an unreadable report just shows no lag
		rr := Replication{Source: res.Source, Target: res.Target, CheckedAt: res.CheckedAt, LagSeconds: doc.Oldest,
			RPOBreached: res.RPOBreached, CheckAgeSeconds: int64(now.Sub(res.CheckedAt).Seconds())}
		rr.OK = !res.RPOBreached && now.Sub(res.CheckedAt) <= rpo
		if !rr.OK {
			rep.reason("replication %s → %s: breached %v, last checked %s ago (RPO %s)",
				res.Source, res.Target, res.RPOBreached, now.Sub(res.CheckedAt).Round(time.Second), rpo)
		}
		rep.Replication = append(rep.Replication, rr)
	}
	if len(results) < len(d.Config.Replication.BucketPairs) {
		rep.reason("%d of %d bucket pairs have no replication check yet",
			len(d.Config.Replication.BucketPairs)-len(results), len(d.Config.Replication.BucketPairs))
	}
	return nil
}

// unresolved lists the objects the standby's copy would lack or hold wrong.
func (d *Deps) unresolved(ctx context.Context, r roles, rep *Readiness) error {
	recs, err := r.records.List(ctx, d.Config.Pair, "")
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if ledger.IsReverse(rec.Kind) || (rec.Status != ledger.StatusFailed && rec.Status != ledger.StatusPending &&
			rec.Status != ledger.StatusBlocked) {
			continue
		}
		msg := rec.LastError
		switch rec.Status {
		case ledger.StatusPending:
			msg = "created without its warm-DR state: " + msg
		case ledger.StatusBlocked:
			msg = "blocked, the standby cannot take it: " + msg
		}
		rep.Unresolved = append(rep.Unresolved, Unresolved{Kind: rec.Kind, Key: rec.SourceKey, Error: msg})
	}
	if n := len(rep.Unresolved); n > 0 {
		rep.reason("%d object(s) failed to sync or are blocked, and were not fixed", n)
	}
	return nil
}
