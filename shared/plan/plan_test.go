package plan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/ledger"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/rewrite"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	policyKind  = KindInfo{Name: "policy", Schema: &resource.Schema{MatchByName: true}}
	clusterKind = KindInfo{Name: "cluster", Schema: &resource.Schema{
		Marker: "custom_tags.drsync-source", Refs: map[string]string{"policy_id": "policy"},
		ForceNew: []string{"node_type_id"}}}
	dirKind = KindInfo{Name: "directory", Schema: &resource.Schema{Paths: true}}
	nbKind  = KindInfo{Name: "notebook", Schema: &resource.Schema{Paths: true}}
	jobKind = KindInfo{Name: "job", Schema: &resource.Schema{Marker: "tags.drsync-source"},
		Warm: func(d resource.Doc) (resource.Doc, map[string]string) {
			if s, ok := d["schedule"].(map[string]any); ok {
				st := s["pause_status"]
				s["pause_status"] = "PAUSED"
				return d, map[string]string{"pause_status": "schedule=" + toString(st)}
			}
			return d, nil
		}}
	allKinds = []KindInfo{policyKind, clusterKind, dirKind, nbKind, jobKind}
)

func toString(v any) string {
	if v == nil {
		return "UNPAUSED"
	}
	return v.(string)
}

func obj(kind, key, name string, doc resource.Doc, refs ...resource.Ref) resource.Object {
	return resource.Object{Kind: kind, Key: key, ID: key, Name: name, Doc: doc, Hash: resource.Hash(doc), Refs: refs}
}

// sourceEstate: a policy, a cluster using it, a job cluster, two folders, two notebooks, a job.
func sourceEstate() map[string][]resource.Object {
	return map[string][]resource.Object{
		"policy": {
			{Kind: "policy", Key: "P-BUILTIN", ID: "P-BUILTIN", Name: "Personal Compute", Builtin: true, Doc: resource.Doc{}, Hash: resource.Hash(resource.Doc{})},
			obj("policy", "P1", "team", resource.Doc{"name": "team", "definition": map[string]any{"a": "b"}}),
		},
		"cluster": {
			obj("cluster", "c-1", "shared", resource.Doc{"cluster_name": "shared", "node_type_id": "i3.xlarge", "policy_id": "policy:P1"},
				resource.Ref{Kind: "policy", Key: "P1"}),
			{Kind: "cluster", Key: "c-job", ID: "c-job", Name: "job-123-run", Skip: "created by the Jobs service for one run"},
		},
		"directory": {
			obj("directory", "/Shared/etl", "/Shared/etl", resource.Doc{}),
			obj("directory", "/Shared/etl/sub", "/Shared/etl/sub", resource.Doc{}),
		},
		"notebook": {
			obj("notebook", "/Shared/etl/ingest", "/Shared/etl/ingest", resource.Doc{"language": "PYTHON", "content": "YQ=="}),
			obj("notebook", "/Shared/etl/sub/agg", "/Shared/etl/sub/agg", resource.Doc{"language": "SQL", "content": "Yg=="}),
		},
		"job": {
			obj("job", "101", "nightly", resource.Doc{"name": "nightly", "schedule": map[string]any{"pause_status": "UNPAUSED"},
				"tasks": []any{map[string]any{"task_key": "a", "existing_cluster_id": "cluster:c-1", "notebook_path": "path:/Shared/etl/ingest"}}},
				resource.Ref{Kind: "cluster", Key: "c-1"}, resource.Ref{Kind: resource.KindPath, Key: "/Shared/etl/ingest"}),
		},
	}
}

// syncedTarget is what the target looks like after a perfect sync of src, with ledger records.
func syncedTarget(src map[string][]resource.Object) (map[string][]resource.Object, []ledger.Record) {
	tgt := map[string][]resource.Object{}
	var recs []ledger.Record
	for _, k := range allKinds {
		for _, s := range src[k.Name] {
			if s.Skip != "" {
				continue
			}
			w := Desire(&Input{}, k, s, nil)
			doc, attrs := w.Doc, w.Attrs
			t := s
			t.Doc, t.Hash, t.ID, t.Key = doc, resource.Hash(doc), "t-"+s.ID, ""
			if k.Schema.Paths || s.Builtin {
				t.ID = s.ID
			}
			if k.Schema.Marker != "" {
				t.Origin = s.Key
			}
			tgt[k.Name] = append(tgt[k.Name], t)
			recs = append(recs, ledger.Record{Kind: k.Name, SourceKey: s.Key, TargetID: t.ID, SourceHash: s.Hash,
				TargetHash: t.Hash, Status: ledger.StatusSynced, Attrs: attrs})
		}
	}
	return tgt, recs
}

func golden(t *testing.T, name string, p *Plan) {
	t.Helper()
	var text, js bytes.Buffer
	if err := WriteText(&text, p); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, p); err != nil {
		t.Fatal(err)
	}
	for ext, got := range map[string][]byte{".txt": text.Bytes(), ".json": js.Bytes()} {
		file := filepath.Join("testdata", name+ext)
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test ./shared/plan -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from golden:\n%s", file, got)
		}
	}
}

func input(src, tgt map[string][]resource.Object, recs []ledger.Record) *Input {
	return &Input{Kinds: allKinds, Source: src, Target: tgt, Records: recs, Revert: true, MaxDeleteShare: 0.2}
}

// A first sync of an empty target creates everything in dependency order, skips
// the job cluster, adopts the built-in policy by name and pauses the job.
func TestInitialSync(t *testing.T) {
	tgt := map[string][]resource.Object{"policy": {{Kind: "policy", ID: "TP-9", Name: "Personal Compute", Builtin: true, Hash: resource.Hash(resource.Doc{})}}}
	p := Build(input(sourceEstate(), tgt, nil))
	golden(t, "initial", p)
	if p.Mutations() != 7 || len(p.Bindings) != 1 {
		t.Fatalf("mutations = %d, bindings = %d; want 7 and 1", p.Mutations(), len(p.Bindings))
	}
	job := p.Actions[p.Find("job", "101")]
	if job.Desired["schedule"].(map[string]any)["pause_status"] != "PAUSED" || job.Attrs["pause_status"] != "schedule=UNPAUSED" {
		t.Fatalf("job not paused in DR or source status not recorded: %v %v", job.Desired, job.Attrs)
	}
	if len(job.After) != 2 {
		t.Fatalf("job must wait for its cluster and notebook, After = %v", job.After)
	}
}

// With nothing changed there is nothing to do and nothing to record.
func TestSteadyStateIsEmpty(t *testing.T) {
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	p := Build(input(src, tgt, recs))
	if p.Mutations() != 0 || len(p.Bindings) != 0 || p.Drift != 0 {
		t.Fatalf("steady state: %d mutations, %d bindings, %d drift", p.Mutations(), len(p.Bindings), p.Drift)
	}
	golden(t, "steady", p)
}

// Changes in the source, a deletion, a rename and drift by hand all show with reasons.
func TestChangesDeletesAndDrift(t *testing.T) {
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	// Source: the cluster changes, the agg notebook is renamed, a new notebook appears.
	src["cluster"][0] = obj("cluster", "c-1", "shared", resource.Doc{"cluster_name": "shared", "node_type_id": "i3.xlarge", "policy_id": "policy:P1", "autotermination_minutes": 30},
		resource.Ref{Kind: "policy", Key: "P1"})
	src["notebook"][1] = obj("notebook", "/Shared/etl/sub/agg2", "/Shared/etl/sub/agg2", resource.Doc{"language": "SQL", "content": "Yg=="})
	// Target: someone unpaused the job by hand.
	for i, j := range tgt["job"] {
		d := resource.Clone(j.Doc)
		d["schedule"] = map[string]any{"pause_status": "UNPAUSED"}
		tgt["job"][i].Doc, tgt["job"][i].Hash = d, resource.Hash(d)
	}
	p := Build(input(src, tgt, recs))
	golden(t, "changes", p)
	s := p.Summary()
	if s.Create != 1 || s.Update != 2 || s.Delete != 1 || p.Drift != 1 {
		t.Fatalf("summary %+v drift %d", s, p.Drift)
	}
}

// An empty source listing must not wipe DR: the delete guard refuses.
func TestDeleteGuardRefusesEmptySource(t *testing.T) {
	tgt, recs := syncedTarget(sourceEstate())
	p := Build(input(map[string][]resource.Object{}, tgt, recs))
	if !p.Guard.Refused || p.Guard.Deletes != 7 {
		t.Fatalf("guard = %+v, want refused with 7 deletes", p.Guard)
	}
	golden(t, "guard", p)
	in := input(map[string][]resource.Object{}, tgt, recs)
	in.AllowMassDelete = true
	if Build(in).Guard.Refused {
		t.Fatal("--allow-mass-delete must lift the guard")
	}
}

// A lost ledger is rebuilt by adoption (markers, paths, names): no creates.
func TestLostLedgerAdopts(t *testing.T) {
	src := sourceEstate()
	tgt, _ := syncedTarget(src)
	p := Build(input(src, tgt, nil))
	if p.Mutations() != 0 {
		var b strings.Builder
		_ = WriteText(&b, p)
		t.Fatalf("lost ledger must not create duplicates:\n%s", b.String())
	}
	if len(p.Bindings) != 8 {
		t.Fatalf("bindings = %d, want 8 (every synced object adopted)", len(p.Bindings))
	}
}

// Objects drsync created (they carry its marker) but the ledger forgot are deleted
// when the source no longer has them; unmarked target objects are never touched.
func TestMarkerManagedDeleteAndUnmanagedLeftAlone(t *testing.T) {
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	tgt["cluster"] = append(tgt["cluster"],
		resource.Object{Kind: "cluster", ID: "t-old", Name: "old", Origin: "c-old", Hash: "x"},
		resource.Object{Kind: "cluster", ID: "t-hand", Name: "made by hand", Hash: "y"})
	p := Build(input(src, tgt, recs))
	last := p.Actions[len(p.Actions)-1]
	if p.Mutations() != 1 || last.Op != Delete || last.TargetID != "t-old" {
		t.Fatalf("want exactly the marked orphan deleted, got %+v", p.Actions)
	}
}

// A change to a field the API cannot edit replaces the object, updates its
// dependants and deletes the old one last.
func TestReplaceUpdatesDependants(t *testing.T) {
	src := sourceEstate()
	tgt, recs := syncedTarget(src)
	for i := range tgt["job"] {
		tgt["job"][i].Refs = []resource.Ref{{Kind: "cluster", Key: "c-1"}}
	}
	src["cluster"][0] = obj("cluster", "c-1", "shared", resource.Doc{"cluster_name": "shared", "node_type_id": "m5.large", "policy_id": "policy:P1"},
		resource.Ref{Kind: "policy", Key: "P1"})
	p := Build(input(src, tgt, recs))
	golden(t, "replace", p)
	last := p.Actions[len(p.Actions)-1]
	if !last.KeepRecord || last.Op != Delete || len(last.After) != 1 {
		t.Fatalf("old cluster must be deleted after the job update: %+v", last)
	}
}

// Jobs that run each other (a reference cycle) become skips with a reason,
// instead of an apply that waits forever.
func TestJobReferenceCycleIsSkipped(t *testing.T) {
	src := sourceEstate()
	src["job"] = append(src["job"],
		obj("job", "201", "a", resource.Doc{"name": "a", "run": "job:202"}, resource.Ref{Kind: "job", Key: "202"}),
		obj("job", "202", "b", resource.Doc{"name": "b", "run": "job:201"}, resource.Ref{Kind: "job", Key: "201"}))
	p := Build(input(src, nil, nil))
	for _, key := range []string{"201", "202"} {
		for _, a := range p.Actions {
			if a.Key == key && (a.Op != Skip || !strings.Contains(a.Reason, "reference cycle")) {
				t.Fatalf("job %s: %s %q", key, a.Op, a.Reason)
			}
		}
	}
	if p.Find("job", "101") < 0 {
		t.Fatal("a job outside the cycle must still be created")
	}
}

// Rewrite rules change the document the target gets before it is hashed, so
// a second plan over the rewritten target is empty; a create the target
// cannot take is a blocked skip listing every cause, and what references it
// (the job on the cluster) is skipped with a reason, not sent to fail.
func TestRewriteAndBlocked(t *testing.T) {
	set := "us-east-1"
	rules, err := rewrite.Compile([]rewrite.Rule{
		{Field: "node_type_id", Map: map[string]string{"i3.xlarge": "i4i.xlarge"}},
		{Field: "cluster_log_conf.s3.region", Set: &set},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := slices.Clone(allKinds)
	kinds[1].Rewrite = rules
	src := sourceEstate()
	src["cluster"][0].Doc["cluster_log_conf"] = map[string]any{"s3": map[string]any{"destination": "s3://logs"}}
	src["cluster"][0].Hash = resource.Hash(src["cluster"][0].Doc)
	in := input(src, nil, nil)
	in.Kinds = kinds
	p := Build(in)
	c := p.Actions[p.Find("cluster", "c-1")]
	if c.Desired["node_type_id"] != "i4i.xlarge" || len(c.Rewrites) != 2 {
		t.Fatalf("cluster not rewritten: %v %+v", c.Desired, c.Rewrites)
	}
	if src["cluster"][0].Doc["node_type_id"] != "i3.xlarge" {
		t.Fatal("rewrite changed the source document")
	}

	// The target as the first plan left it: nothing to do.
	tgt := map[string][]resource.Object{"cluster": {{Kind: "cluster", ID: "t-c-1", Name: "shared", Origin: "c-1", Doc: c.Desired, Hash: c.DesiredHash}}}
	recs := []ledger.Record{{Kind: "cluster", SourceKey: "c-1", TargetID: "t-c-1", SourceHash: src["cluster"][0].Hash, TargetHash: c.DesiredHash, Status: ledger.StatusSynced}}
	in2 := input(src, tgt, recs)
	in2.Kinds = kinds
	if i := Build(in2).Find("cluster", "c-1"); i >= 0 {
		t.Fatalf("a rewritten value planned as drift: %+v", Build(in2).Actions[i])
	}

	in.Check = func(d resource.Doc) []resource.Blocked {
		if d["node_type_id"] == "i4i.xlarge" {
			return []resource.Blocked{{Field: "node_type_id", Value: "i4i.xlarge", Reason: "node type not offered in the target"}}
		}
		return nil
	}
	in.Resolve = func(d resource.Doc) []resource.Blocked {
		if d["name"] == "team" {
			return []resource.Blocked{{Field: "libraries[].whl", Value: "wh-1", Reason: `wheel "etl" has no counterpart in the target`}}
		}
		return nil
	}
	p = Build(in)
	golden(t, "blocked", p)
	if s := p.Summary(); s.Blocked != 2 || p.Find("policy", "P1") >= 0 || p.Find("cluster", "c-1") >= 0 || p.Find("job", "101") >= 0 {
		t.Fatalf("summary %+v; want the policy and the cluster blocked, the job skipped", s)
	}
	for _, a := range p.Actions {
		if a.Key == "101" && !strings.Contains(a.Reason, "references cluster c-1") {
			t.Fatalf("job skipped without naming the blocked cluster: %q", a.Reason)
		}
	}
}
