package catalog

import (
	"context"
	"slices"
	"testing"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/resource/kinds"
)

// The emulator's sample estate against a DR in another region (its
// RegionCatalog and DR estate), as the engine will use the catalog: every
// API object of the source listed by its kind's adapter and normalised,
// then one LoadRefs and one LoadChecks for all of them. What the DR
// flavour lacks is found where the sample uses it, the job naming the
// warehouse, pipeline and destination resolves to DR's namesakes, and the
// whole estate costs a handful of calls.
func TestSampleEstateAgainstDRRegion(t *testing.T) {
	ctx := context.Background()
	src, _ := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}})
	dr, _ := emutest.Start(t, emulator.Options{RateLimits: map[string]float64{}, Catalog: emulator.RegionCatalog("us-east-1")})
	if _, err := src.Seed(emulator.SampleEstate()); err != nil {
		t.Fatal(err)
	}
	if _, err := dr.Seed(emulator.DREstate()); err != nil {
		t.Fatal(err)
	}
	p := &pair{src: src, dr: dr, srcWS: emutest.Workspace(t, src, "source"), drWS: emutest.Workspace(t, dr, "target")}
	names, docs := sourceDocs(ctx, t, p.srcWS)
	c := p.catalog(IDMap{})
	load(t, c, docs...)
	blocked := map[string][]resource.Blocked{}
	for i, d := range docs {
		if b := append(c.Resolve(d), c.Check(d)...); len(b) > 0 {
			blocked[names[i]] = b
		}
	}
	t.Logf("%d objects, Calls() = %d; src %v; dr %v", len(docs), c.Calls(), src.Requests(), dr.Requests())
	for n, b := range blocked {
		t.Logf("%s: %v", n, b)
	}
	want := map[string]resource.Blocked{
		"pool memory-r5-2xlarge": {Field: "node_type_id", Value: emulator.DRMissingNodeType,
			Reason: `node type "r5.2xlarge" is not offered in DR`},
		"cluster shared-analytics": {Field: "aws_attributes.instance_profile_arn", Value: emulator.DRMissingProfile,
			Reason: `instance profile "` + emulator.DRMissingProfile + `" is not registered in DR`},
		"job churn-model-weekly": {Field: "job_clusters[].new_cluster.spark_version", Value: emulator.DRMissingSparkVersion,
			Reason: `runtime "15.4.x-cpu-ml-scala2.12" is not offered in DR`},
	}
	for name, b := range want {
		if !slices.Contains(blocked[name], b) {
			t.Errorf("%s: blocked %v, want among them %v", name, blocked[name], b)
		}
	}
	carol := resource.Blocked{Field: "run_as.user_name", Value: emulator.DRMissingUser, Reason: `user "carol@example.com" does not exist in DR`}
	if !slices.Contains(blocked["job churn-model-weekly"], carol) {
		t.Errorf("churn-model-weekly: blocked %v, want %v", blocked["job churn-model-weekly"], carol)
	}
	if b := blocked["job orders-reporting"]; len(b) != 0 {
		t.Errorf("orders-reporting: blocked %v, want it resolved", b)
	}
	if c.Calls() != p.requests() || c.Calls() > 16 {
		t.Errorf("Calls() = %d, emulator requests = %d, want equal and a handful", c.Calls(), p.requests())
	}
}

// sourceDocs lists every non-path object of ws through its kind's adapter
// and normalises it (references to copied objects in logical form), as the
// engine's snapshot does; names are "<kind> <name>".
func sourceDocs(ctx context.Context, t *testing.T, ws resource.Workspace) (names []string, docs []resource.Doc) {
	t.Helper()
	self := func(_, id string) (string, bool) { return id, true }
	for _, k := range kinds.All() {
		if k.Schema().Paths {
			continue
		}
		objs, err := k.List(ctx, ws)
		if err != nil {
			t.Fatalf("list %s: %v", k.Name(), err)
		}
		for _, o := range objs {
			if o.Builtin || o.Skip != "" || o.Doc == nil {
				continue
			}
			names = append(names, k.Name()+" "+o.Name)
			docs = append(docs, k.Schema().Normalize(o.Doc, self).Doc)
		}
	}
	return names, docs
}
