package replication

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/drsync/drsync/shared/ledger"
)

// Classes of an object in a result's sample.
const (
	ClassMissing   = "missing"   // not in DR, older than the RPO
	ClassInFlight  = "in_flight" // not in DR, younger than the RPO
	ClassDifferent = "different" // in DR with another size or content hash
)

// Replication statuses a probe reports; StatusNone is no header at all: the
// object is not eligible (no rule selects it, SSE-KMS without the rule's
// opt-in, or written before the rule existed).
const (
	StatusPending   = "PENDING"
	StatusFailed    = "FAILED"
	StatusCompleted = "COMPLETED"
	StatusNone      = "NONE"
)

// Object is one offending object of a result's sample.
type Object struct {
	Key          string    `json:"key"`
	Class        string    `json:"class"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"last_modified"`
	AgeSeconds   int64     `json:"age_seconds"`
	// ReplicationStatus is the source's x-amz-replication-status (a Status*
	// constant); empty when the probe budget did not reach the object.
	ReplicationStatus string `json:"replication_status,omitempty"`
	Detail            string `json:"detail,omitempty"`
}

// rank orders sample classes: violations first.
func (o Object) rank() int {
	switch o.Class {
	case ClassMissing:
		return 0
	case ClassDifferent:
		return 1
	}
	return 2
}

// Tally is what a check has counted so far; partial tallies of one run add
// up (Add) across invocations.
type Tally struct {
	Matched   int64 `json:"matched"`
	Missing   int64 `json:"missing"`
	InFlight  int64 `json:"in_flight"`
	Different int64 `json:"different"`
	Extra     int64 `json:"extra"`
	// Stale counts different objects whose source is older than the RPO: a
	// replica left behind, which breaches the RPO like a missing object.
	Stale int64 `json:"stale"`
	// Oldest is the LastModified of the oldest unreplicated source object.
	Oldest time.Time `json:"oldest,omitzero"`
	// Probe results among missing objects, and probes spent.
	Pending     int64 `json:"pending"`
	Failed      int64 `json:"failed"`
	NotEligible int64 `json:"not_eligible"`
	Completed   int64 `json:"completed"`
	Probes      int64 `json:"probes"`
	// Unverified counts objects of equal size whose single-part ETags
	// differed when the probe budget was spent: counted different.
	Unverified int64    `json:"unverified"`
	Sample     []Object `json:"sample,omitempty"`
}

// Add adds o into t, keeping at most n sample objects.
func (t *Tally) Add(o Tally, n int) {
	t.Matched += o.Matched
	t.Missing += o.Missing
	t.InFlight += o.InFlight
	t.Different += o.Different
	t.Extra += o.Extra
	t.Stale += o.Stale
	t.Pending += o.Pending
	t.Failed += o.Failed
	t.NotEligible += o.NotEligible
	t.Completed += o.Completed
	t.Probes += o.Probes
	t.Unverified += o.Unverified
	t.unreplicated(o.Oldest)
	t.Sample = append(t.Sample, o.Sample...)
	t.trimSample(n)
}

// unreplicated records an unreplicated object last modified at m.
func (t *Tally) unreplicated(m time.Time) {
	if !m.IsZero() && (t.Oldest.IsZero() || m.Before(t.Oldest)) {
		t.Oldest = m
	}
}

// sample keeps o among the n worst offenders, amortising the sort.
func (t *Tally) sample(o Object, n int) {
	t.Sample = append(t.Sample, o)
	if len(t.Sample) >= 2*n {
		t.trimSample(n)
	}
}

// trimSample sorts the sample (violations first, oldest first, then key)
// and keeps n.
func (t *Tally) trimSample(n int) {
	slices.SortFunc(t.Sample, func(a, b Object) int {
		return cmp.Or(cmp.Compare(a.rank(), b.rank()), a.LastModified.Compare(b.LastModified), cmp.Compare(a.Key, b.Key))
	})
	if len(t.Sample) > n {
		t.Sample = slices.Clip(t.Sample[:n])
	}
}

// Severity of a finding: an error makes the result unhealthy.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Finding is one thing a check found and what it means for DR.
type Finding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// Result is one pair's check: the document `verify-replication --output
// json` prints per pair, plus what the ledger and metrics need.
type Result struct {
	Source                       string    `json:"source"`
	Target                       string    `json:"target"`
	Matched                      int64     `json:"matched"`
	Missing                      int64     `json:"missing"`
	InFlight                     int64     `json:"in_flight"`
	Different                    int64     `json:"different"`
	Extra                        int64     `json:"extra"`
	OldestUnreplicatedAgeSeconds int64     `json:"oldest_unreplicated_age_seconds"`
	RPOBreached                  bool      `json:"rpo_breached"`
	Findings                     []Finding `json:"findings"`
	Sample                       []Object  `json:"sample"`

	// CheckedAt is when the check finished (or stopped), RPO its objective.
	CheckedAt time.Time     `json:"-"`
	RPO       time.Duration `json:"-"`
	// Tally is the full count behind the numbers above.
	Tally Tally `json:"-"`
	// Progress is set when the check stopped before the end: pass it to the
	// next Check to continue.
	Progress *Progress `json:"-"`
}

// Healthy reports a complete check with the RPO met and no error finding.
func (r *Result) Healthy() bool {
	if r.RPOBreached || r.Progress != nil {
		return false
	}
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			return false
		}
	}
	return true
}

// CodeCheckFailed is the finding of a check that could not run.
const CodeCheckFailed = "check-failed"

// Failed stands in for the check of p that could not run (err) at at, so
// every pair has its entry in a report and in the ledger.
func Failed(p Pair, err error, at time.Time) *Result {
	return &Result{
		Source: p.Source.String(), Target: p.Target.String(), CheckedAt: at, RPO: p.RPO, Sample: []Object{},
		Findings: []Finding{{Severity: SeverityError, Code: CodeCheckFailed, Message: err.Error()}},
	}
}

// LedgerRecord is r as the ledger keeps it: the bucket pair's latest result
// with r's document as its report. Errors: r does not encode.
func (r *Result) LedgerRecord() (ledger.ReplicationResult, error) {
	report, err := json.Marshal(r)
	if err != nil {
		return ledger.ReplicationResult{}, fmt.Errorf("encode the result of %s → %s: %w", r.Source, r.Target, err)
	}
	return ledger.ReplicationResult{Source: r.Source, Target: r.Target, CheckedAt: r.CheckedAt,
		Healthy: r.Healthy(), RPOBreached: r.RPOBreached, Report: report}, nil
}

// Progress is where a stopped check continues from; it is stored between
// Lambda invocations (JSON).
type Progress struct {
	// Started is when the run's first invocation began.
	Started time.Time `json:"started"`
	// After is the last relative key compared: everything up to it is in
	// Tally (listing mode).
	After string `json:"after,omitempty"`
	// Manifest and FilesDone are the inventory report being read and how
	// many of its files are in Tally (inventory mode).
	Manifest  string `json:"manifest,omitempty"`
	FilesDone int    `json:"files_done,omitempty"`
	Tally     Tally  `json:"tally"`
	// Findings are the configuration findings, read once per run.
	Findings    []Finding `json:"findings"`
	Invocations int       `json:"invocations"`
}

// result turns a tally into the pair's result at the clock's time; a
// non-nil stop (ctx ended) makes it partial, carrying its progress.
func (c *Checker) result(p Pair, from *Progress, t Tally, stop error) *Result {
	now := c.opts.Now()
	r := &Result{
		Source: p.Source.String(), Target: p.Target.String(),
		Matched: t.Matched, Missing: t.Missing, InFlight: t.InFlight, Different: t.Different, Extra: t.Extra,
		RPOBreached: t.Missing > 0 || t.Stale > 0,
		Findings:    append(append([]Finding{}, from.Findings...), objectFindings(t)...),
		Sample:      t.Sample,
		CheckedAt:   now, RPO: p.RPO, Tally: t,
	}
	if r.Sample == nil {
		r.Sample = []Object{}
	}
	if !t.Oldest.IsZero() {
		r.OldestUnreplicatedAgeSeconds = int64(now.Sub(t.Oldest) / time.Second)
	}
	if stop != nil {
		next := *from
		next.Tally = t
		r.Progress = &next
	}
	return r
}
