package engine_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/engine"
	"github.com/drsync/drsync/shared/resource"
	"github.com/drsync/drsync/shared/rewrite"
)

// Every policy of the config reaches the engine: the CLI and the functions
// must read a config alike.
func TestOptionsForCarriesConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Pair = "qa-to-dr"
	cfg.WarmDR = config.WarmDR{PauseJobs: true, TerminateClusters: false, PinClusters: true, PoolMinIdleZero: false}
	cfg.Drift.Revert = false
	cfg.DeleteGuard.MaxShare = 0.3
	cfg.RateLimits = config.RateLimits{RequestsPerSecond: 9, ExportPerSecond: 7, ImportPerSecond: 5, JobsCreatePerSecond: 3, Concurrency: 4}
	cfg.PathMap = []config.PathMapping{{From: "/Shared", To: "/DR"}}
	o, err := engine.OptionsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantRates := engine.Rates{resource.RateExport: 7, resource.RateImport: 5, resource.RateJobsCreate: 3}
	if o.Pair != "qa-to-dr" || o.Warm != (resource.WarmPolicy{PauseJobs: true, PinClusters: true}) || o.Revert ||
		o.MaxDeleteShare != 0.3 || o.Concurrency != 4 || len(o.Rates) != len(wantRates) {
		t.Errorf("config not carried: %+v", o)
	}
	for family, rps := range wantRates {
		if o.Rates[family] != rps {
			t.Errorf("rate %s = %v, want %v", family, o.Rates[family], rps)
		}
	}
	if o.MapPath("/Shared/x") != "/DR/x" || !o.Excluded("/Repos/a/b") || o.Excluded("/Shared/x") {
		t.Error("path mapping or scope not carried")
	}
}

// The kinds come from the caller's list, else the config's resources, else
// all of them; dependencies are pulled in (and named), unknown names refused.
func TestOptionsKinds(t *testing.T) {
	for _, tc := range []struct {
		resources  []string
		list       string
		want       []string
		wantPulled []string
	}{
		{[]string{"pools"}, "notebooks", []string{"directory", "notebook"}, []string{"directory"}},
		{[]string{"pools"}, " ", []string{"pool"}, nil},
		{nil, "", []string{"pool", "policy", "cluster", "directory", "notebook", "file", "job"}, nil},
		{[]string{"clusters"}, "", []string{"pool", "policy", "cluster", "directory", "file"},
			[]string{"pool", "policy", "directory", "file"}},
	} {
		cfg := config.Default()
		cfg.Resources = tc.resources
		o, err := engine.OptionsFor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Select(tc.list); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range o.Kinds {
			got = append(got, k.Name())
		}
		if !slices.Equal(got, tc.want) || !slices.Equal(o.Pulled, tc.wantPulled) {
			t.Errorf("resources %v, list %q: kinds %v pulled %v, want %v pulled %v",
				tc.resources, tc.list, got, o.Pulled, tc.want, tc.wantPulled)
		}
	}
	o, _ := engine.OptionsFor(config.Default())
	if err := o.Select("notebooks,gpus"); err == nil || !strings.Contains(err.Error(), `"gpus"`) {
		t.Errorf("an unknown resource: err = %v", err)
	}
}

// An unknown resource in a config file is refused at load naming the file, the
// line and the element, like every other config error.
func TestCheckConfigLocatesUnknownResource(t *testing.T) {
	_, err := config.Parse([]byte(`{
  "pair": "p",
  "source": {"host": "https://a.cloud.databricks.com"},
  "target": {"host": "https://b.cloud.databricks.com"},
  "resources": ["jobs",
    "gpus"]
}`), "pair.json", engine.CheckConfig)
	if err == nil || !strings.HasPrefix(err.Error(), "pair.json:6:5: resources[1]: unknown resource \"gpus\"") {
		t.Errorf("err = %v, want it located at pair.json:6:5 resources[1]", err)
	}
}

// The README's cross-region, cross-account example loads, with its rewrite
// rules and id_map, and its rules pass the kinds' checks.
func TestCrossRegionExampleConfigLoads(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "..", "infra", "examples", "cross-region-pair.json"), engine.CheckConfig)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := engine.OptionsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Rewrite.Len() != 7 || cfg.IDMap.Warehouses["0123456789abcdef"] == "" {
		t.Fatalf("rules %d, id_map %+v", opts.Rewrite.Len(), cfg.IDMap)
	}
}

// A rewrite rule may not touch what drsync itself remaps or marks.
func TestRewriteOfOwnedFieldRefused(t *testing.T) {
	cfg := config.Default()
	zone := "us-east-1a"
	cfg.Rewrite = []rewrite.Rule{{Field: "tasks[].existing_cluster_id", Map: map[string]string{"a": "b"}},
		{Field: "custom_tags.drsync-source", Drop: true}, {Field: "node_type_id", Kinds: []string{"clusterz"}, Drop: true},
		{Field: "aws_attributes.zone_id", Set: &zone}}
	err := engine.CheckConfig(cfg)
	for _, want := range []string{"rewrite[0].field: tasks[].existing_cluster_id is drsync's own (a reference to a cluster",
		"rewrite[1].field: custom_tags.drsync-source is drsync's own (drsync's identity marker)",
		`rewrite[2].kinds[0]: unknown resource "clusterz"`,
		"rewrite[3].field: aws_attributes.zone_id is drsync's own (a field drsync does not copy)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
}
