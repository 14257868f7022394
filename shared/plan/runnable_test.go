package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
)

// limitedJobKind is jobKind whose tags hold at most two entries.
func limitedJobKind() KindInfo {
	k := jobKind
	s := *k.Schema
	s.MarkerLimit = 2
	k.Schema = &s
	return k
}

// With drift revert off, a DR object that left its warm state is still put
// back, as drift with "warm state" in the reason: the job unpaused by hand
// gets only its pause status back (its other hand change is left alone),
// and the cluster found running is terminated and pinned again (FinishOnly).
// A new job already at its tag limit is created without the marker, and
// the plan says so.
func TestWarmStateAndMarkerLimit(t *testing.T) {
	kinds := []KindInfo{policyKind, clusterKind, dirKind, nbKind, limitedJobKind()}
	kinds[1].Finishes, kinds[1].Rewarm = true, true
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	for i, j := range tgt["job"] {
		d := resource.Clone(j.Doc)
		d["schedule"] = map[string]any{"pause_status": "UNPAUSED"}
		d["description"] = "edited in DR"
		tgt["job"][i].Doc, tgt["job"][i].Hash = d, resource.Hash(d)
	}
	tgt["cluster"][0].Active = "state RUNNING"
	src["job"] = append(src["job"], obj("job", "102", "tagged", resource.Doc{"name": "tagged", "tags": map[string]any{"a": "1", "b": "2"}}))
	in := input(src, tgt, recs)
	in.Kinds, in.Revert = kinds, false
	p := Build(in)
	golden(t, "warm", p)

	job := p.Actions[p.Find("job", "101")]
	if job.Desired["description"] != "edited in DR" || job.DesiredHash != recordOf(recs, "job", "101").TargetHash {
		t.Errorf("with revert off only the warm state may change: desired %v, hash %s", job.Desired, job.DesiredHash)
	}
	cl := p.Actions[p.Find("cluster", "c-1")]
	if !cl.FinishOnly || !cl.Drift || !strings.Contains(cl.Reason, "warm state") {
		t.Errorf("running DR cluster: %+v", cl)
	}
	if p.Drift != 2 {
		t.Errorf("drift = %d, want 2", p.Drift)
	}
}

func recordOf(recs []ledger.Record, kind, key string) ledger.Record {
	for _, r := range recs {
		if r.Kind == kind && r.SourceKey == key {
			return r
		}
	}
	return ledger.Record{}
}

// A source object whose document could not be read is a failed action,
// born failed with the read's error, in the plan like any other; what
// depends on it waits on it (and so fails with it); nothing else changes.
func TestUnreadableObjectIsFailedAction(t *testing.T) {
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	nb := &src["notebook"][0]
	nb.Doc, nb.Hash = nil, ""
	nb.Unread = &resource.ReadFailure{Error: "read notebook /Shared/etl/ingest in source: export: Internal error.", Class: "transient"}
	src["job"][0].Doc["description"] = "changed"
	src["job"][0].Hash = resource.Hash(src["job"][0].Doc)
	p := Build(input(src, tgt, recs))
	golden(t, "unread", p)
	i := p.Find("notebook", "/Shared/etl/ingest")
	if i < 0 || p.Actions[i].Status != StatusFailed || p.Summary().Failed != 1 {
		t.Fatalf("unreadable notebook: %+v", p.Actions)
	}
	job := p.Actions[p.Find("job", "101")]
	if !slices.Contains(job.After, i) {
		t.Errorf("the job referencing the unreadable notebook does not wait on it: After %v", job.After)
	}
}

// A job referencing a path drsync does not sync is planned with a warning
// in its reason (data, not an error); references inside the tree order it
// after their objects. A targeted sync, which does not see the whole tree,
// warns of nothing.
func TestOutOfScopeReferenceWarns(t *testing.T) {
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	j := &src["job"][0]
	j.Doc["libraries"] = []any{"path:/Workspace/Shared/elsewhere/x.whl"}
	j.Hash = resource.Hash(j.Doc)
	j.Refs = append(j.Refs, resource.Ref{Kind: resource.KindPath, Key: "/Shared/elsewhere/x.whl"})
	p := Build(input(src, tgt, recs))
	golden(t, "scope", p)
	if a := p.Actions[p.Find("job", "101")]; !strings.Contains(a.Reason, "warning: references /Shared/elsewhere/x.whl") ||
		strings.Contains(a.Reason, "/Shared/etl/ingest") {
		t.Fatalf("reason %q: want a warning for the path outside the tree only", a.Reason)
	}
	in := input(src, tgt, recs)
	in.Managed = map[string]int{"job": 1}
	tp := Build(in)
	if i := tp.Find("job", "101"); i < 0 || strings.Contains(tp.Actions[i].Reason, "warning") {
		t.Fatalf("a targeted sync warned: %+v", tp.Actions)
	}
}
