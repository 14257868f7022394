package engineopts

import (
	"slices"
	"testing"
	"time"

	"github.com/drsync/drsync/shared/config"
	"github.com/drsync/drsync/shared/resource"
)

// Every policy of the config reaches the engine, and every per-run choice of
// the caller too: the CLI and the functions must read a config alike.
func TestFromCarriesConfigAndRun(t *testing.T) {
	cfg := config.Default()
	cfg.Pair = "qa-to-dr"
	cfg.WarmDR = config.WarmDR{PauseJobs: true, TerminateClusters: false, PinClusters: true, PoolMinIdleZero: false}
	cfg.Drift.Revert = false
	cfg.DeleteGuard.MaxShare = 0.3
	cfg.RateLimits = config.RateLimits{RequestsPerSecond: 9, ExportPerSecond: 7, ImportPerSecond: 5, JobsCreatePerSecond: 3, Concurrency: 4}
	cfg.PathMap = []config.PathMapping{{From: "/Shared", To: "/DR"}}
	keys := []resource.Ref{{Kind: "job", Key: "1"}}
	o := From(cfg, Run{Pulled: []string{"directory"}, Keys: keys, DryRun: true, AllowMassDelete: true,
		RunID: "r1", Holder: "h1", Trigger: "auditlog", LeaseTTL: 2 * time.Minute})
	if o.Pair != "qa-to-dr" || o.Warm != (resource.WarmPolicy{PauseJobs: true, PinClusters: true}) || o.Revert ||
		o.MaxDeleteShare != 0.3 || o.Concurrency != 4 || o.Rates.Export != 7 || o.Rates.Import != 5 || o.Rates.JobsCreate != 3 {
		t.Errorf("config not carried: %+v", o)
	}
	if !o.DryRun || !o.AllowMassDelete || o.RunID != "r1" || o.Holder != "h1" || o.Trigger != "auditlog" ||
		o.LeaseTTL != 2*time.Minute || !slices.Equal(o.Keys, keys) || !slices.Equal(o.Pulled, []string{"directory"}) {
		t.Errorf("run not carried: %+v", o)
	}
	if o.MapPath("/Shared/x") != "/DR/x" || !o.Excluded("/Repos/a/b") || o.Excluded("/Shared/x") {
		t.Error("path mapping or scope not carried")
	}
}

// The kinds come from the caller's list, else the config's resources, else
// all of them; dependencies are pulled in, unknown names refused.
func TestKinds(t *testing.T) {
	cfg := config.Default()
	cfg.Resources = []string{config.ResourcePools}
	for _, tc := range []struct {
		list      string
		resources []string
		want      []string
	}{
		{"notebooks", cfg.Resources, []string{"directory", "notebook"}},
		{" ", cfg.Resources, []string{"pool"}},
		{"", nil, []string{"policy", "pool", "cluster", "directory", "notebook", "file", "job"}},
	} {
		c := *cfg
		c.Resources = tc.resources
		ks, _, err := Kinds(&c, tc.list)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range ks {
			got = append(got, k.Name())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Kinds(%q, resources %v) = %v, want %v", tc.list, tc.resources, got, tc.want)
		}
	}
	if _, _, err := Kinds(cfg, "notebooks,gpus"); err == nil {
		t.Error("an unknown resource was accepted")
	}
}
